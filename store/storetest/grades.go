package storetest

import (
	"testing"

	"github.com/credo-registry/credo"
)

// testGrades: CurrentGrades is CurrentAssessment's grade, public flag and
// times for many codes at once.
func testGrades(t *testing.T, h Harness) {
	s := h.Open(t)
	gr := implemented[credo.GradeReader](t, s)
	as := implemented[credo.AssessmentStore](t, s)
	tax := func(grade string, score float64) dim { return dim{"tax", grade, score} }
	customs := func(grade string, score float64) dim { return dim{"customs", grade, score} }
	byRecord := func(id int64) credo.Cause { return credo.Cause{Kind: credo.CauseRecord, Record: id} }

	// codes[1]: public, with a next change; assessed again later with the
	// same grades (a new as_of and next change, no history entry).
	a1 := assessment(1, 0, "B", tax("B", 82.5), customs("A", 100))
	a1.Public, a1.NextChange = true, credo.NewTime(t0.AddDate(0, 0, 30))
	mustSave(t, as, change(a1, 0, byRecord(1)))
	a1again := assessment(1, 20, "B", tax("B", 82.5), customs("A", 100))
	a1again.Public, a1again.NextChange = true, credo.NewTime(t0.AddDate(0, 0, 90))
	mustSave(t, as, change(a1again, 20, credo.Cause{Kind: credo.CauseExpiry}))
	// codes[2]: not public, though a dimension is (the comprehensive flag
	// counts, not a dimension's); no next change.
	a2 := assessment(2, 1, "C", tax("C", 70))
	a2.Dimensions["tax"].Public = true
	mustSave(t, as, change(a2, 1, byRecord(2)))
	// codes[3]: public, then its grade changed.
	a3 := assessment(3, 2, "A", tax("A", 98))
	a3.Public = true
	mustSave(t, as, change(a3, 2, byRecord(3)))
	a3changed := assessment(3, 5, "D", tax("D", 40))
	a3changed.Public, a3changed.NextChange = true, credo.NewTime(t0.AddDate(1, 0, 0))
	mustSave(t, as, change(a3changed, 5, byRecord(4)))

	gradeOf := func(a *credo.Assessment) credo.CurrentGrade {
		return credo.CurrentGrade{Subject: a.Subject, Grade: a.Grade, Public: a.Public, AsOf: a.AsOf, NextChange: a.NextChange}
	}
	// codes[0] and codes[4] were never assessed; codes[3] is asked twice.
	got, err := gr.CurrentGrades(ctx, []string{codes[3], codes[0], codes[2], codes[1], codes[3], codes[4]})
	if err != nil {
		t.Fatalf("CurrentGrades: %v", err)
	}
	want := []credo.CurrentGrade{gradeOf(a3changed), gradeOf(a2), gradeOf(a1again)}
	wantSame(t, "CurrentGrades", got, want)
	for _, g := range got {
		a := mustCurrent(t, as, g.Subject)
		wantSame(t, "CurrentGrades against CurrentAssessment of "+g.Subject, g, gradeOf(a))
	}
	for _, none := range [][]string{nil, {}, {codes[0]}, {"not-a-code"}} {
		got, err := gr.CurrentGrades(ctx, none)
		if err != nil || got == nil || len(got) != 0 {
			t.Errorf("CurrentGrades(%q) = %+v, %v; want an empty slice", none, got, err)
		}
	}
}
