package events_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
)

type rules struct{ set *rulebook.Set }

func (r rules) Set() *rulebook.Set { return r.set }

// generalPenalty is a general market penalty of code decided at at: public
// for a year (pub2026.general).
func generalPenalty(code, ext string, at, recorded time.Time) *credo.Record {
	amount := 20000.0
	return &credo.Record{Subject: code, Authority: "huaibei-amr", Category: "market", Kind: "penalty", ExternalID: ext,
		DecisionNumber: "淮市监罚〔2026〕" + ext + "号", LegalBasis: "《中华人民共和国产品质量法》第五十条",
		Description: "销售不合格产品", Severity: "general", PenaltyTypes: []string{"fine"}, Amount: &amount, Currency: "CNY",
		OccurredAt: credo.NewTime(at), RecordedAt: credo.NewTime(recorded)}
}

// TestPublicityEndedNodes: two nodes over one PostgreSQL schema run the
// pass at the same moments while the clock moves past records' publicity
// ends; a third starts half way (a restart). Every record leaves its
// window once, at its end: those stored before the index was built (as
// after the migration) and those stored after; a record superseded before
// its end does not.
func TestPublicityEndedNodes(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	codes := []string{"91340600MA2PBM9HXD", "91340603MA2UJYNU67", "91340621MA2PEMUHX8"}
	decided := time.Date(2026, 6, 1, 8, 0, 0, 0, time.UTC)
	recorded := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	until := map[int64]time.Time{} // what should leave its window, when
	add := func(from, to int) {
		t.Helper()
		var rs []*credo.Record
		for i := from; i < to; i++ {
			rs = append(rs, generalPenalty(codes[i%len(codes)], fmt.Sprintf("P-%d", i), decided.Add(time.Duration(i)*time.Hour), recorded))
		}
		out, err := nodes[0].AppendRecords(ctx, rs)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Status != credo.Created {
				t.Fatalf("record %d: %+v", from+i, o)
			}
			until[o.ID] = rs[i].OccurredAt.AddDate(1, 0, 0)
		}
	}
	add(0, 20) // before the index exists
	// Superseded before its end: no expiry, but its correction's.
	old := generalPenalty(codes[0], "S-1", decided, recorded)
	corr := generalPenalty(codes[0], "S-1c", decided, recorded.AddDate(0, 1, 0))
	corr.SupersedesExternalID = old.ExternalID
	for _, r := range []*credo.Record{old, corr} {
		out, err := nodes[0].AppendRecords(ctx, []*credo.Record{r})
		if err != nil || out[0].Status != credo.Created {
			t.Fatalf("%s: %+v %v", r.ExternalID, out, err)
		}
		r.ID = out[0].ID
	}
	until[corr.ID] = decided.AddDate(1, 0, 0)

	// passes runs every node's pass at once at t.
	passes := func(at time.Time) {
		t.Helper()
		var wg sync.WaitGroup
		errs := make([]error, len(nodes))
		for i, n := range nodes {
			wg.Go(func() { _, errs[i] = events.LogDue(ctx, n, rules{set}, at) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("node %d at %s: %v", i, at, err)
			}
		}
	}
	passes(recorded)                // marks where the next starts
	passes(recorded.Add(time.Hour)) // builds the index from every record
	add(20, 40)                     // indexed from the log
	end := decided.AddDate(1, 0, 0)
	for at := end.Add(-time.Hour); at.Before(end.Add(50 * time.Hour)); at = at.Add(7 * time.Hour) {
		passes(at)
		if len(nodes) == 2 && at.After(end.Add(20*time.Hour)) {
			nodes = append(nodes, pgtest.OpenSchema(t, dsn, schema))
		}
	}
	passes(end.AddDate(0, 1, 0))

	cs, err := nodes[2].Changes(ctx, credo.ChangeQuery{Types: []string{credo.ChangeRecordWithdrawn}, Limit: credo.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]int{}
	for _, c := range cs {
		var d credo.RecordWithdrawnChange
		if err := json.Unmarshal(c.Data, &d); err != nil {
			t.Fatal(err)
		}
		if d.Reason != credo.WithdrawnExpired {
			if d.Record != old.ID || d.Reason != credo.WithdrawnSuperseded {
				t.Errorf("withdrawn %+v", d)
			}
			continue
		}
		seen[d.Record]++
		if want, ok := until[d.Record]; !ok || !c.At.Equal(want) {
			t.Errorf("record %d expired at %s, want %s (%v)", d.Record, c.At, want, ok)
		}
	}
	for id := range until {
		if seen[id] != 1 {
			t.Errorf("record %d expired %d times, want once", id, seen[id])
		}
	}
	if len(seen) != len(until) {
		t.Errorf("%d records expired, want %d", len(seen), len(until))
	}
}

// TestPublicityIndexFollowsRulebooks: a rulebook version published since
// the index was built has it built again once the pass's rulebooks hold
// it; one they do not hold yet stops the index before it, for a while.
func TestPublicityIndexFollowsRulebooks(t *testing.T) {
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const code = "91340600MA2PBM9HXD"
	now := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	// A licence: public with no end, never in the index.
	licence := &credo.Record{Subject: code, Authority: "huaibei-amr", Category: "market", Kind: "licence_granted", ExternalID: "L-1",
		DecisionNumber: "淮市监许〔2026〕3号", Description: "食品经营许可", OccurredAt: credo.NewTime(now.AddDate(0, -1, 0)), RecordedAt: credo.NewTime(now)}
	out, err := db.AppendRecords(ctx, []*credo.Record{licence})
	if err != nil || out[0].Status != credo.Created {
		t.Fatalf("%+v %v", out, err)
	}
	pass := func(at time.Time) {
		t.Helper()
		if _, err := events.LogDue(ctx, db, rules{set}, at); err != nil {
			t.Fatal(err)
		}
	}
	pass(now)
	pass(now.Add(time.Minute))
	// A row that only a rebuild removes (the licence has no end).
	bogus := credo.PublicityEnd{Record: out[0].ID, Subject: code, Until: credo.NewTime(now.AddDate(1, 0, 0))}
	if err := db.IndexPublicity(ctx, []credo.PublicityEnd{bogus}, 0); err != nil {
		t.Fatal(err)
	}
	indexed := func() int {
		t.Helper()
		page, err := db.PublicityEnding(ctx, now, now.AddDate(5, 0, 0), credo.PublicityEnd{}, 0)
		if err != nil {
			t.Fatal(err)
		}
		return len(page)
	}
	publish := func(ref string, at time.Time) int64 {
		t.Helper()
		c := &credo.Change{Type: credo.ChangeRulebookPublished, Ref: ref, At: credo.NewTime(at), Data: []byte(`{}`)}
		if _, err := db.AppendChanges(ctx, []*credo.Change{c}); err != nil {
			t.Fatal(err)
		}
		return c.Position
	}
	position := func() int64 {
		t.Helper()
		pos, built, err := db.PublicityIndexed(ctx)
		if err != nil || !built {
			t.Fatalf("PublicityIndexed: %d %v %v", pos, built, err)
		}
		return pos
	}
	// Not loaded yet: the index stops before it.
	at := now.Add(2 * time.Minute)
	unloaded := publish("national-comprehensive@2099.1", at)
	pass(at)
	if pos := position(); pos != unloaded-1 || indexed() != 1 {
		t.Fatalf("index at %d with %d ends, want %d and the row kept", pos, indexed(), unloaded-1)
	}
	// Still not loaded after loadWait: it goes on without it.
	pass(at.Add(11 * time.Minute))
	if pos := position(); pos < unloaded || indexed() != 1 {
		t.Fatalf("index at %d with %d ends, want past %d and no rebuild", pos, indexed(), unloaded)
	}
	// A version the pass holds: rebuilt from every record.
	rb := set.Rulebooks()[0]
	loaded := publish(rb.ID+"@"+rb.Version, at.Add(12*time.Minute))
	pass(at.Add(13 * time.Minute))
	if pos := position(); pos < loaded || indexed() != 0 {
		t.Fatalf("index at %d with %d ends, want past %d and rebuilt (no row)", pos, indexed(), loaded)
	}
}
