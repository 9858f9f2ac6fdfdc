package webhooks_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/webhooks"
)

// Real codes (shared/data/uscc): partners of the watched organization.
const (
	codeNear     = "91152201078377449P" // codeWatched's shareholder since 2020
	codeFar      = "91152201078382010M" // codeNear's shareholder: 2 away
	codeDeclared = "91152201078394644D" // declares itself codeWatched's supplier
	codeLater    = "91310112087994932F" // codeWatched's shareholder only from 2027
)

// A watchlist with partner_depth also receives the events of
// organizations within that many relationships of a member, as of the
// event and as its owner may see the relationships: depth 1 gets the
// direct shareholder's, depth 2 its shareholder's too; neither gets the
// events of an organization joined only by that organization's own
// declaration (which the owner may not see), nor of one that becomes a
// partner only after the event.
func TestWorkerPartnerDepth(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		f := newFixture(t, s, "credo.registration.changed")
		now := f.clock.Now()
		reg := func(from, to string, since time.Time) *credo.Relationship {
			return &credo.Relationship{Kind: credo.RelationshipShareholder, From: from, To: to, Since: credo.NewDate(since), Share: 30,
				Source: credo.SourceRegistration, Authority: "huaibei-amr", RecordedAt: credo.NewTime(now.Add(-time.Hour))}
		}
		rels := []*credo.Relationship{
			reg(codeNear, codeWatched, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
			reg(codeFar, codeNear, time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
			{Kind: credo.RelationshipSupplier, From: codeDeclared, To: codeWatched, Since: credo.NewDate(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)),
				Source: credo.SourceDeclaration, Declarant: codeDeclared, Account: "declared-org", RecordedAt: credo.NewTime(now.Add(-time.Hour))},
		}
		if _, err := s.AppendRelationships(ctx, rels); err != nil {
			t.Fatal(err)
		}
		// The shareholder from 2027 is recorded now, with its future date
		// (as a restore of later data would hold it): as of today it is not one.
		if _, err := s.AppendRelationships(ctx, []*credo.Relationship{reg(codeLater, codeWatched, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC))}); err != nil {
			t.Fatal(err)
		}

		// The fixture's list (depth 0) and a second of depth 1 and a third
		// of depth 2, each at its own receiver.
		lists := map[int]*receiver{}
		for _, depth := range []int{1, 2} {
			wl := &credo.Watchlist{Owner: f.owner.ID, Name: "关联方", Types: []string{"credo.registration.changed"}, PartnerDepth: depth, CreatedAt: credo.NewTime(now)}
			if err := s.CreateWatchlist(ctx, wl); err != nil {
				t.Fatal(err)
			}
			if err := s.ChangeWatchlistMembers(ctx, wl.ID, []string{codeWatched}, nil, now); err != nil {
				t.Fatal(err)
			}
			r := newReceiver(t, f.clock.Now)
			hook := &credo.Webhook{Owner: f.owner.ID, Watchlist: wl.ID, URL: r.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(now)}
			if err := s.CreateWebhook(ctx, hook); err != nil {
				t.Fatal(err)
			}
			r.secret = hook.Secret
			lists[depth] = r
		}

		own := f.log(t, codeWatched, 1)
		near := f.log(t, codeNear, 1)
		far := f.log(t, codeFar, 1)
		f.log(t, codeDeclared, 1)
		f.log(t, codeLater, 1)
		f.log(t, codeOther, 1)

		if _, err := f.worker(true).Queue(ctx); err != nil {
			t.Fatal(err)
		}
		run(t, f.worker(true))
		want := map[int][]int64{0: own, 1: append(slices.Clone(own), near...), 2: append(append(slices.Clone(own), near...), far...)}
		for depth, r := range map[int]*receiver{0: f.recv, 1: lists[1], 2: lists[2]} {
			deadline := time.Now().Add(5 * time.Second)
			for len(r.received()) < len(want[depth]) && time.Now().Before(deadline) {
				time.Sleep(20 * time.Millisecond)
			}
		}
		time.Sleep(300 * time.Millisecond) // nothing more comes
		for depth, r := range map[int]*receiver{0: f.recv, 1: lists[1], 2: lists[2]} {
			// In order per organization; across organizations in any order.
			got := gotIDs(r.received())
			w := ids(want[depth])
			slices.Sort(got)
			slices.Sort(w)
			if !slices.Equal(got, w) {
				t.Errorf("depth %d received %v, want %v", depth, got, w)
			}
		}
	})
}
