package grading_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
)

// A real code (Beijing) and a clock the test moves.
const code = "91110000600037341L"

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func setup(t *testing.T) (*sqlite.DB, *grading.Service, *clock) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	g := grading.New(db, set, nil, nil)
	g.Now = c.now
	ctx := context.Background()
	reg := &credo.Subject{Code: code, Name: "北京某某科技有限公司", Division: "110000", Established: credo.NewDate(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)),
		Authority: "bj", RecordedAt: credo.NewTime(c.t.Add(-48 * time.Hour))}
	if _, err := db.PutSubjects(ctx, []*credo.Subject{reg}); err != nil {
		t.Fatal(err)
	}
	return db, g, c
}

func appendTax(t *testing.T, db *sqlite.DB, c *clock, ext, kind string, occurred time.Time) int64 {
	t.Helper()
	r := &credo.Record{Subject: code, Authority: "bj-tax", Category: "tax", Kind: kind, ExternalID: ext,
		OccurredAt: credo.NewTime(occurred), RecordedAt: credo.NewTime(c.t)}
	out, err := db.AppendRecords(context.Background(), []*credo.Record{r})
	if err != nil || out[0].Err != nil {
		t.Fatalf("append: %v %v", err, out)
	}
	return out[0].ID
}

func TestRegradeHistoryAndExpiry(t *testing.T) {
	db, g, c := setup(t)
	ctx := context.Background()
	if err := g.Regrade(ctx, map[string]credo.Cause{code: {Kind: credo.CauseRegistration}}); err != nil {
		t.Fatal(err)
	}
	a, err := db.CurrentAssessment(ctx, code)
	if err != nil || a.Dimensions["tax"].Grade != "A" || a.Dimensions["tax"].Score != 90 {
		t.Fatalf("initial: %v %+v", err, a)
	}
	// A late filing of last year, found now: it counts in last year's
	// evaluation, the tax grade in force (dynamic adjustment): 100 (a tax
	// record in 3 years) - 5 = 95, still A.
	id := appendTax(t, db, c, "T1", "late_filing", c.t.AddDate(-1, 0, 0))
	if err := g.Regrade(ctx, map[string]credo.Cause{code: {Kind: credo.CauseRecord, Record: id}}); err != nil {
		t.Fatal(err)
	}
	a, _ = db.CurrentAssessment(ctx, code)
	if a.Dimensions["tax"].Score != 95 || a.NextChange.IsZero() {
		t.Fatalf("after late filing: %+v next %v", a.Dimensions["tax"], a.NextChange)
	}
	// Regrading with nothing new records no change.
	if err := g.Regrade(ctx, map[string]credo.Cause{code: {Kind: credo.CauseRescore}}); err != nil {
		t.Fatal(err)
	}
	page, err := db.AssessmentHistory(ctx, code, "", 10)
	if err != nil || len(page.Changes) != 2 || page.Changes[0].Cause.Record != id {
		t.Fatalf("history: %v %+v", err, page)
	}
	// Nothing is due before the record stops counting.
	if n, err := g.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("due too early: %d %v", n, err)
	}
	// With the next year's evaluation (published 30 April 2027) the
	// deduction has expired: time alone regrades.
	c.t = a.NextChange.Add(time.Second)
	for c.t.Before(time.Date(2027, 7, 1, 0, 0, 0, 0, time.UTC)) {
		n, err := g.RunDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cur, _ := db.CurrentAssessment(ctx, code)
		if cur.NextChange.IsZero() || n == 0 {
			break
		}
		c.t = cur.NextChange.Add(time.Second)
	}
	a, _ = db.CurrentAssessment(ctx, code)
	if a.Dimensions["tax"].Score != 100 {
		t.Fatalf("after expiry: %+v", a.Dimensions["tax"])
	}
	page, _ = db.AssessmentHistory(ctx, code, "", 10)
	if page.Changes[0].Cause.Kind != credo.CauseExpiry {
		t.Fatalf("the last change must be caused by expiry: %+v", page.Changes[0].Cause)
	}
}

func TestAssessAsOfAndWhatIf(t *testing.T) {
	db, g, c := setup(t)
	ctx := context.Background()
	id := appendTax(t, db, c, "T1", "absconded", c.t.AddDate(-1, 0, 0)) // about last year, the evaluation in force
	now, err := g.Assess(ctx, code, c.t)
	if err != nil || now.Dimensions["tax"].Grade != "D" {
		t.Fatalf("absconded must be D: %v %+v", err, now.Dimensions["tax"])
	}
	// As of a time before the record was recorded, the registry did not know it.
	before, err := g.Assess(ctx, code, c.t.Add(-time.Hour))
	if err != nil || before.Dimensions["tax"].Grade != "A" {
		t.Fatalf("as of before recording: %v %+v", err, before.Dimensions["tax"])
	}
	actual, hypo, err := g.WhatIf(ctx, code, nil, []int64{id}, nil, c.t)
	if err != nil || actual.Dimensions["tax"].Grade != "D" || hypo.Dimensions["tax"].Grade == "D" {
		t.Fatalf("what-if leaving the record out: %v %+v %+v", err, actual.Dimensions["tax"], hypo.Dimensions["tax"])
	}
	add := []*credo.Record{{Subject: code, Category: "tax", Kind: "late_filing", ExternalID: "W", OccurredAt: credo.NewTime(c.t.AddDate(-1, 0, 0))}}
	_, hypo, err = g.WhatIf(ctx, code, add, []int64{id}, nil, c.t)
	if err != nil || hypo.Dimensions["tax"].Score != 95 {
		t.Fatalf("what-if adding a record: %v %+v", err, hypo.Dimensions["tax"])
	}
	if _, _, err := g.WhatIf(ctx, code, nil, []int64{id + 99}, nil, c.t); credo.ErrorCodeOf(err) != credo.EINVALID {
		t.Fatalf("leaving out an unknown record: %v", err)
	}
	// What-if stored nothing.
	if _, err := db.CurrentAssessment(ctx, code); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("what-if stored an assessment: %v", err)
	}
}

func TestRescoreResumesAndDiff(t *testing.T) {
	db, g, c := setup(t)
	ctx := context.Background()
	other := "91152201078377449P"
	r := &credo.Record{Subject: other, Authority: "nm-tax", Category: "tax", Kind: "late_filing", ExternalID: "N1",
		OccurredAt: credo.NewTime(c.t.AddDate(-1, 0, 0)), RecordedAt: credo.NewTime(c.t)}
	if _, err := db.AppendRecords(ctx, []*credo.Record{r}); err != nil {
		t.Fatal(err)
	}
	n, err := g.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil)
	if err != nil || n != 2 {
		t.Fatalf("rescore: %d %v", n, err)
	}
	// Resuming after the first code regrades only the rest.
	n, err = g.Rescore(ctx, code, credo.Cause{Kind: credo.CauseRescore}, nil)
	if err != nil || n != 1 {
		t.Fatalf("resumed rescore: %d %v", n, err)
	}
	// A stricter tax rulebook: late filing costs 25 → B for the organization that has one.
	books, err := rulebooks.Books()
	if err != nil {
		t.Fatal(err)
	}
	var stricter []*rulebook.Rulebook
	for _, b := range books {
		if b.ID == "national-tax" {
			src := replaceOnce(t, string(b.Source), "points: -5", "points: -25")
			nb, err := rulebook.Parse("stricter.yaml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			b = nb
		}
		stricter = append(stricter, b)
	}
	newSet, err := rulebook.NewSet(stricter...)
	if err != nil {
		t.Fatal(err)
	}
	im, err := grading.Diff(ctx, db, g.Set(), newSet, c.t, 3)
	if err != nil {
		t.Fatal(err)
	}
	tax := im.Dimensions["tax"]
	if im.Organizations != 2 || im.Changed != 1 || tax.Counts["A"]["B"] != 1 || len(tax.Samples) != 1 || tax.Samples[0].Code != other {
		t.Fatalf("diff: %+v tax %+v", im, tax)
	}
	if im.Provinces["15"]["tax"].Counts["A"]["B"] != 1 {
		t.Fatalf("per province: %+v", im.Provinces)
	}
}

func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	for i := 0; i+len(old) <= len(s); i++ {
		if s[i:i+len(old)] == old {
			return s[:i] + new + s[i+len(old):]
		}
	}
	t.Fatalf("%q not found", old)
	return ""
}

// TestRescoreReadsRegistrations: a rescore reads registration versions in
// pages beside the records; every organization must be graded with its
// own registration (here: new ones are M in tax, old ones A).
func TestRescoreReadsRegistrations(t *testing.T) {
	db, g, c := setup(t)
	ctx := context.Background()
	set, _ := rulebooks.Set()
	g.SetRulebooks(set)
	var subs []*credo.Subject
	codes := map[string]bool{}
	for i := 0; len(subs) < 2100; i++ {
		body := fmt.Sprintf("%08d", 10000000+i*7)
		code, err := uscc.Build('9', '1', "110105", body[:7]+"0")
		if err != nil || codes[code] {
			continue
		}
		codes[code] = true
		est := time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)
		if len(subs)%2 == 1 {
			est = c.t.AddDate(-1, -3, 0) // established in the year of the evaluation in force: M
		}
		subs = append(subs, &credo.Subject{Code: code, Name: "某公司" + body, Division: "110105", Established: credo.NewDate(est),
			Authority: "bj", RecordedAt: credo.NewTime(c.t.Add(-time.Hour))})
	}
	for lo := 0; lo < len(subs); lo += 500 {
		if _, err := db.PutSubjects(ctx, subs[lo:min(lo+500, len(subs))]); err != nil {
			t.Fatal(err)
		}
	}
	n, err := g.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil)
	if err != nil || n != len(subs)+1 {
		t.Fatalf("rescore: %d %v", n, err)
	}
	for i, s := range subs {
		a, err := db.CurrentAssessment(ctx, s.Code)
		if err != nil {
			t.Fatal(err)
		}
		want := "A"
		if i%2 == 1 {
			want = "M"
		}
		if got := a.Dimensions["tax"].Grade; got != want {
			t.Fatalf("organization %d (%s): tax %s, want %s", i, s.Code, got, want)
		}
	}
}
