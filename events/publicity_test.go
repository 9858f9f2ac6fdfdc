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
