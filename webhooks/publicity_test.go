package webhooks_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
)

type rules struct{ set *rulebook.Set }

func (r rules) Set() *rulebook.Set { return r.set }

// A watchlist of credo.record.withdrawn is told when a watched
// organization's record leaves its publicity window, by time alone.
func TestWorkerDeliversPublicityEnded(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		f := newFixture(t, s, "credo.record.withdrawn")
		amount := 20000.0
		// A general penalty of June 2026: public for a year (pub2026.general).
		r := &credo.Record{Subject: codeWatched, Authority: "huaibei-amr", Category: "market", Kind: "penalty", ExternalID: "HB-W-1",
			DecisionNumber: "淮市监罚〔2026〕88号", LegalBasis: "《中华人民共和国产品质量法》第五十条", Description: "销售不合格产品",
			Severity: "general", PenaltyTypes: []string{"fine"}, Amount: &amount, Currency: "CNY",
			OccurredAt: credo.NewTime(time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)), RecordedAt: credo.NewTime(f.clock.Now())}
		if out, err := s.AppendRecords(ctx, []*credo.Record{r}); err != nil || out[0].Status != credo.Created {
			t.Fatalf("%+v %v", out, err)
		}
		for _, at := range []time.Time{f.clock.Now(), f.clock.Now().Add(time.Hour), time.Date(2027, 6, 1, 9, 0, 0, 0, time.UTC)} {
			if _, err := events.LogDue(ctx, s, rules{set}, at); err != nil {
				t.Fatal(err)
			}
		}
		head, _ := s.Head(ctx)
		run(t, f.worker(true))
		eventually(t, "the withdrawal's delivery", func() bool { return len(f.recv.received()) >= 1 })
		time.Sleep(200 * time.Millisecond) // nothing more comes
		got := f.recv.received()
		if len(got) != 1 || got[0].typ != "credo.record.withdrawn" || got[0].subject != codeWatched || got[0].id != strconv.FormatInt(head, 10) {
			t.Fatalf("delivered %+v, want the withdrawal at position %d", got, head)
		}
	})
}
