package events_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/store/sqlite"
)

var (
	ctx = context.Background()
	d0  = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)
)

func day(n int) credo.Time { return credo.NewTime(d0.AddDate(0, 0, n)) }

// entry is a listing of code on list, recorded on rec, in effect from eff
// until until (0: no term).
func entry(code, list, number string, rec, eff, until int) *credo.ListEntry {
	e := &credo.ListEntry{List: list, ListVersion: "2026.1", Subject: code, Division: code[2:8], Authority: "huaibei-amr",
		Source: credo.SourceDecision, LegalBasis: "《企业经营异常名录管理暂行办法》第四条", DecisionNumber: number,
		Reasons: []string{"通过登记的住所无法联系"}, DecidedAt: day(rec), NotifiedAt: day(rec), EffectiveAt: day(eff),
		RecordedAt: day(rec), Key: "decision:" + number}
	if until > 0 {
		e.Until = day(until)
	}
	return e
}

func TestLogDue(t *testing.T) {
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	add := func(e *credo.ListEntry) *credo.ListEntry {
		t.Helper()
		out, err := db.AddListEntries(ctx, []*credo.ListEntry{e})
		if err != nil || out[0].Status != credo.Created {
			t.Fatalf("adding %s: %+v %v", e.DecisionNumber, out, err)
		}
		e.ID = out[0].ID
		return e
	}
	end := func(e *credo.ListEntry, reason string, at, recorded int) {
		t.Helper()
		err := db.AddListTransitions(ctx, []*credo.ListTransition{{Entry: e.ID, Status: credo.ListEnded, Reason: reason,
			Actor: "authority:huaibei-amr", At: day(at), RecordedAt: day(recorded)}})
		if err != nil {
			t.Fatal(err)
		}
	}
	// pass runs the pass twice on day n (two nodes) and returns what the
	// log gained, as "type entry reason @day".
	pass := func(n int) []string {
		t.Helper()
		head, _ := db.Head(ctx)
		for range 2 {
			if _, err := events.LogDue(ctx, db, nil, day(n).Time); err != nil {
				t.Fatalf("pass on day %d: %v", n, err)
			}
		}
		cs, err := db.Changes(ctx, credo.ChangeQuery{After: head,
			Types: []string{credo.ChangeListEntryActive, credo.ChangeListEntryEnded}, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range cs {
			var d credo.ListEntryChange
			if err := json.Unmarshal(c.Data, &d); err != nil {
				t.Fatal(err)
			}
			out = append(out, fmt.Sprintf("%s %d %s @%s", c.Type, d.Entry, d.Reason, c.At.Format("01-02")))
		}
		return out
	}
	const code, code2 = "91340600MA2PBM9HXD", "91340603MA2UJYNU67"
	a := add(entry(code, "abnormal-operations", "A", 0, 10, 30))
	revoked := add(entry(code2, "abnormal-operations", "R", 0, 10, 0))
	end(revoked, credo.EndRevoked, 3, 3) // before it took effect: never active
	if got := pass(1); len(got) != 0 {
		t.Fatalf("the first pass only marks where the next starts; it logged %v", got)
	}
	want := func(got []string, want ...string) {
		t.Helper()
		if !slices.Equal(got, want) {
			t.Errorf("logged %v, want %v", got, want)
		}
	}
	want(pass(15), fmt.Sprintf("list_entry.active %d  @%s", a.ID, day(10).Format("01-02")))
	// Recorded after the last pass, in effect since before it.
	late := add(entry(code2, "red", "L", 20, 5, 0))
	want(pass(21), fmt.Sprintf("list_entry.active %d  @%s", late.ID, day(5).Format("01-02")))
	// An escalation: the old entry ends when its successor takes effect.
	old := add(entry(code2, "abnormal-operations", "O", 22, 22, 0))
	succ := entry(code2, "serious-dishonesty", "S", 25, 40, 0)
	succ.EscalatedFrom = old.ID
	add(succ)
	end(old, credo.EndEscalated, 40, 25)
	want(pass(35),
		fmt.Sprintf("list_entry.active %d  @%s", old.ID, day(22).Format("01-02")),
		fmt.Sprintf("list_entry.ended %d expired @%s", a.ID, day(30).Format("01-02")))
	want(pass(45),
		fmt.Sprintf("list_entry.active %d  @%s", succ.ID, day(40).Format("01-02")),
		fmt.Sprintf("list_entry.ended %d escalated @%s", old.ID, day(40).Format("01-02")))
	want(pass(400))
}
