package assess_test

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
)

func repairedAt(s string) recOpt {
	return func(r *credo.Record) { r.RepairedAt = credo.NewTime(mustTime(s)) }
}

// TestCreditRepair: a record with a RepairedAt counts before it and not
// from it on, and the assessment before names RepairedAt as a change.
func TestCreditRepair(t *testing.T) {
	set := newSet(t, parseFile(t, "national-tax.yaml"), parseFile(t, "environment.yaml"))
	org := registered(shanghai, "2010-01-01")
	const repair = "2026-06-15T10:00:00Z"
	T := mustTime(repair)
	assessAt := func(records []*credo.Record, asOf time.Time) *credo.Assessment {
		t.Helper()
		return mustAssess(t, set, shanghai, org, records, asOf)
	}

	t.Run("a penalty stops counting at RepairedAt", func(t *testing.T) {
		records := []*credo.Record{
			// An old tax record keeps the start at 100 either way.
			rec(1, "tax", "late_payment", "2024-06-01"),
			rec(2, "tax", "late_filing", "2026-03-01", repairedAt(repair)),
		}
		before := assessAt(records, T.Add(-time.Second))
		d := before.Dimensions["tax"]
		if d.Score != 95 || !slices.Equal(contributions(d), []string{"tax.late_filing/2/-5/"}) {
			t.Errorf("at T-1s: %v %v, want 95 with the late filing", d.Score, contributions(d))
		}
		// It counts until the repair, not until occurred_at + 1y.
		if c := d.Contributions[0]; !c.Until.Equal(T) {
			t.Errorf("until %v, want %v", c.Until, T)
		}
		after := assessAt(records, T)
		if d := after.Dimensions["tax"]; d.Score != 100 || len(d.Contributions) != 0 {
			t.Errorf("at T: %v %v, want 100 with nothing", d.Score, contributions(d))
		}
		if a := assessAt(records, T.Add(-time.Hour)); !a.NextChange.Equal(T) {
			t.Errorf("next change at T-1h: %v, want %v", a.NextChange, T)
		}
		// Without the repair the record counts on, to occurred_at + 1y.
		plain := []*credo.Record{records[0], rec(2, "tax", "late_filing", "2026-03-01")}
		if a := assessAt(plain, T.Add(-time.Hour)); !a.NextChange.Equal(mustTime("2027-03-01T00:00:00Z")) {
			t.Errorf("next change unrepaired: %v", a.NextChange)
		}
		if d := assessAt(plain, T).Dimensions["tax"]; d.Score != 95 {
			t.Errorf("unrepaired at T: %v", d.Score)
		}
		// InForce says the same.
		if got := assess.InForce(nil, records, T.Add(-time.Second)); len(got) != 2 {
			t.Errorf("in force at T-1s: %d records", len(got))
		}
		if got := assess.InForce(nil, records, T); len(got) != 1 || got[0].ID != 1 {
			t.Errorf("in force at T: %v", got)
		}
	})

	t.Run("something else may change earlier", func(t *testing.T) {
		records := []*credo.Record{
			rec(1, "tax", "late_payment", "2025-06-15T09:00:00Z"), // counts until T-1h
			rec(2, "tax", "late_filing", "2026-03-01", repairedAt(repair)),
		}
		if a := assessAt(records, T.Add(-3*time.Hour)); !a.NextChange.Equal(T.Add(-time.Hour)) {
			t.Errorf("next change at T-3h: %v, want %v", a.NextChange, T.Add(-time.Hour))
		}
		if a := assessAt(records, T.Add(-time.Hour)); !a.NextChange.Equal(T) {
			t.Errorf("next change at T-1h: %v, want %v", a.NextChange, T)
		}
	})

	t.Run("a direct grade ends at RepairedAt", func(t *testing.T) {
		records := []*credo.Record{rec(1, "tax", "absconded", "2026-01-10", repairedAt(repair))}
		a := assessAt(records, T.Add(-time.Second))
		if d := a.Dimensions["tax"]; d.Grade != "D" || !d.Contributions[0].Until.Equal(T) || !a.NextChange.Equal(T) {
			t.Errorf("at T-1s: %s until %v next %v", d.Grade, d.Contributions[0].Until, a.NextChange)
		}
		if d := assessAt(records, T).Dimensions["tax"]; d.Grade != "A" || len(d.Contributions) != 0 {
			t.Errorf("at T: %s %v", d.Grade, contributions(d))
		}
	})

	t.Run("a repaired honour frees its max_times place", func(t *testing.T) {
		records := []*credo.Record{
			rec(1, "environment", "honour", "2025-01-01", repairedAt(repair)),
			rec(2, "environment", "honour", "2025-02-01"),
			rec(3, "environment", "honour", "2025-03-01"),
		}
		if d := assessAt(records, T.Add(-time.Second)).Dimensions["environment"]; !slices.Equal(contributions(d),
			[]string{"env.honour/1/5/", "env.honour/2/5/"}) {
			t.Errorf("at T-1s: %v", contributions(d))
		}
		if d := assessAt(records, T).Dimensions["environment"]; !slices.Equal(contributions(d),
			[]string{"env.honour/2/5/", "env.honour/3/5/"}) {
			t.Errorf("at T: %v", contributions(d))
		}
	})

	t.Run("the only record: the dimension stops being graded", func(t *testing.T) {
		records := []*credo.Record{rec(1, "environment", "penalty", "2023-01-01", repairedAt(repair))}
		a := assessAt(records, T.Add(-time.Hour))
		if a.Dimensions["environment"] == nil || !a.NextChange.Equal(T) {
			t.Errorf("at T-1h: graded %v, next change %v", a.Dimensions["environment"] != nil, a.NextChange)
		}
		if a := assessAt(records, T); a.Dimensions["environment"] != nil {
			t.Errorf("at T: still graded")
		}
	})

	t.Run("a repaired correction still supersedes what it corrects", func(t *testing.T) {
		records := []*credo.Record{
			rec(1, "tax", "late_filing", "2026-03-01"),
			rec(2, "tax", "late_payment", "2026-03-01", recorded("2026-04-01"), supersedes(1), repairedAt(repair)),
		}
		if d := assessAt(records, T.Add(-time.Second)).Dimensions["tax"]; !slices.Equal(contributions(d), []string{"tax.late_payment/2/-5/"}) {
			t.Errorf("at T-1s: %v", contributions(d))
		}
		if d := assessAt(records, T).Dimensions["tax"]; len(d.Contributions) != 0 {
			t.Errorf("at T: %v, want nothing (the original stays superseded)", contributions(d))
		}
	})

	t.Run("a repair already past is no change", func(t *testing.T) {
		records := []*credo.Record{rec(1, "tax", "late_filing", "2026-03-01", repairedAt(repair))}
		if a := assessAt(records, T.Add(time.Hour)); !a.NextChange.IsZero() && !a.NextChange.After(T.Add(time.Hour)) {
			t.Errorf("next change %v", a.NextChange)
		}
	})
}
