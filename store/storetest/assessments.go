package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
)

func testAssessments(t *testing.T, h Harness) {
	open := func(t *testing.T) credo.AssessmentStore {
		t.Helper()
		return implemented[credo.AssessmentStore](t, h.Open(t))
	}
	tax := func(grade string, score float64) dim { return dim{"tax", grade, score} }
	customs := func(grade string, score float64) dim { return dim{"customs", grade, score} }
	byRecord := func(id int64) credo.Cause { return credo.Cause{Kind: credo.CauseRecord, Record: id} }
	expiry := credo.Cause{Kind: credo.CauseExpiry}

	t.Run("NeverAssessed", func(t *testing.T) {
		as := open(t)
		mustSave(t, as, change(assessment(1, 0, "A", tax("A", 95)), 0, byRecord(1)))
		_, err := as.CurrentAssessment(ctx, codes[2])
		wantError(t, "CurrentAssessment of an organization never assessed", err, credo.ENOTFOUND, "")
		page, err := as.AssessmentHistory(ctx, codes[2], "", 0)
		if err != nil {
			t.Fatalf("AssessmentHistory of an organization never assessed: %v", err)
		}
		if page == nil || len(page.Changes) != 0 || page.Next != "" {
			t.Errorf("history of an organization never assessed: %+v, want an empty last page", page)
		}
	})

	t.Run("SaveSetsCurrent", func(t *testing.T) {
		as := open(t)
		c := change(assessment(3, 0, "B", tax("B", 82.5), customs("A", 100)), 0, byRecord(7))
		c.Assessment.NextChange = credo.NewTime(t0.AddDate(1, 0, 0))
		mustSave(t, as, c)
		wantSame(t, "current assessment", mustCurrent(t, as, codes[3]), c.Assessment)
		wantSame(t, "history", allHistory(t, as, codes[3], 0), []*credo.AssessmentChange{c})
	})

	t.Run("UnchangedAddsNoHistory", func(t *testing.T) {
		as := open(t)
		first := change(assessment(4, 0, "B", tax("B", 82.5), customs("A", 100)), 0, byRecord(7))
		first.Assessment.NextChange = credo.NewTime(t0.AddDate(0, 0, 30))
		mustSave(t, as, first)
		// A month later: the same grades and scores, for other reasons,
		// from another rulebook version, with another next change.
		again := assessment(4, 30, "B", tax("B", 82.5), customs("A", 100))
		again.Reasons = []string{"复评"}
		again.Dimensions["tax"].Contributions[0].Reason = "逾期申报（复评）"
		again.Rulebooks = []credo.RulebookRef{{ID: "national-market", Version: "2025.2"}}
		again.NextChange = credo.NewTime(t0.AddDate(0, 0, 90))
		mustSave(t, as, change(again, 30, expiry))
		wantSame(t, "history after an unchanged assessment", allHistory(t, as, codes[4], 0), []*credo.AssessmentChange{first})
		wantSame(t, "current assessment after an unchanged one", mustCurrent(t, as, codes[4]), again)
	})

	t.Run("ChangeRecorded", func(t *testing.T) {
		as := open(t)
		base := func(i int) *credo.Assessment { return assessment(i, 0, "B", tax("B", 82.5), customs("A", 100)) }
		for _, tc := range []struct {
			name    string
			changed *credo.Assessment
		}{
			{"grade", assessment(10, 1, "C", tax("B", 82.5), customs("A", 100))},
			{"a dimension's grade", assessment(11, 1, "B", tax("M", 82.5), customs("A", 100))},
			{"a dimension's score", assessment(12, 1, "B", tax("B", 82), customs("A", 100))},
			{"a dimension added", assessment(13, 1, "B", tax("B", 82.5), customs("A", 100), dim{"environment", "A", 100})},
			{"a dimension removed", assessment(14, 1, "B", tax("B", 82.5))},
		} {
			i := indexOf(tc.changed.Subject)
			first, then := change(base(i), 0, byRecord(1)), change(tc.changed, 1, byRecord(2))
			mustSave(t, as, first)
			mustSave(t, as, then)
			wantSame(t, "history after a change of "+tc.name, allHistory(t, as, codes[i], 0), []*credo.AssessmentChange{then, first})
			wantSame(t, "current after a change of "+tc.name, mustCurrent(t, as, codes[i]), tc.changed)
		}
	})

	t.Run("SeveralInOneBatch", func(t *testing.T) {
		as := open(t)
		a := change(assessment(20, 0, "A", tax("A", 95)), 0, byRecord(1))
		other := change(assessment(21, 0, "C", tax("C", 55)), 0, byRecord(2))
		b := change(assessment(20, 0, "B", tax("B", 85)), 0, byRecord(3))
		bAgain := change(assessment(20, 1, "B", tax("B", 85)), 1, expiry)
		// Changes of one organization apply in order, each compared with
		// the one before.
		mustSave(t, as, a, other, b, bAgain)
		wantSame(t, "history", allHistory(t, as, codes[20], 0), []*credo.AssessmentChange{b, a})
		wantSame(t, "current", mustCurrent(t, as, codes[20]), bAgain.Assessment)
		wantSame(t, "the other organization's history", allHistory(t, as, codes[21], 0), []*credo.AssessmentChange{other})
	})

	t.Run("HistoryNewestFirst", func(t *testing.T) {
		as := open(t)
		var want []*credo.AssessmentChange
		for day, grade := range []string{"A", "B", "C", "B", "A", "D", "C"} {
			c := change(assessment(30, day, grade, tax(grade, float64(100-10*day))), day, byRecord(int64(day+1)))
			c.Cause.Rulebook = &credo.RulebookRef{ID: "national-tax", Version: fmt.Sprint("2025.", day)}
			mustSave(t, as, c)
			// Saved again unchanged: nothing to record.
			mustSave(t, as, change(assessment(30, day, grade, tax(grade, float64(100-10*day))), day, expiry))
			want = append(want, c)
		}
		slices.Reverse(want)
		wantSame(t, "history", allHistory(t, as, codes[30], 0), want)
	})

	t.Run("CursorPagination", func(t *testing.T) {
		as := open(t)
		var want []*credo.AssessmentChange
		for day := range 9 {
			grade := []string{"A", "B"}[day%2]
			c := change(assessment(31, day, grade, tax(grade, float64(90-day))), day, byRecord(int64(day+1)))
			mustSave(t, as, c)
			want = append([]*credo.AssessmentChange{c}, want...)
		}
		for _, limit := range []int{1, 2, 4, 8, 9, 10, credo.MaxPageSize} {
			wantSame(t, fmt.Sprint("history in pages of ", limit), allHistory(t, as, codes[31], limit), want)
		}
		page, err := as.AssessmentHistory(ctx, codes[31], "", len(want))
		if err != nil || len(page.Changes) != len(want) || page.Next != "" {
			t.Errorf("limit = count: %v, %+v; want every change and no next", err, page)
		}
		page, err = as.AssessmentHistory(ctx, codes[31], "", credo.MaxPageSize+1)
		if err == nil && (len(page.Changes) != len(want) || page.Next != "") {
			t.Errorf("limit above the maximum: %d changes, next %q", len(page.Changes), page.Next)
		}
		if err != nil {
			wantError(t, "limit above the maximum", err, credo.EINVALID, "limit")
		}
		_, err = as.AssessmentHistory(ctx, codes[31], "", -1)
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
		_, err = as.AssessmentHistory(ctx, codes[31], "garbage", 2)
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})

	t.Run("ErrorMeansNothingStored", func(t *testing.T) {
		as := open(t)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		batch := []*credo.AssessmentChange{
			change(assessment(40, 0, "A", tax("A", 95)), 0, byRecord(1)),
			change(assessment(41, 0, "B", tax("B", 85)), 0, byRecord(2)),
		}
		if err := as.SaveAssessments(cancelled, batch); err == nil {
			return // the backend finished before looking at the context
		}
		for _, i := range []int{40, 41} {
			_, err := as.CurrentAssessment(ctx, codes[i])
			wantError(t, "assessment of a failed SaveAssessments", err, credo.ENOTFOUND, "")
			if h := allHistory(t, as, codes[i], 0); len(h) != 0 {
				t.Errorf("a failed SaveAssessments recorded %d changes of %s", len(h), codes[i])
			}
		}
		mustSave(t, as, batch...)
		wantSame(t, "after the failure", allHistory(t, as, codes[40], 0), batch[:1])
	})

	t.Run("Due", func(t *testing.T) {
		as := open(t)
		at := func(day int) credo.Time { return credo.NewTime(t0.AddDate(0, 0, day)) }
		next := map[int]int{50: 10, 51: 30, 52: 20, 53: 0, 54: 100, 55: 25} // code index → next change day (0: none)
		var batch []*credo.AssessmentChange
		for i := 50; i <= 55; i++ {
			a := assessment(i, 0, "B", tax("B", 80))
			if next[i] != 0 {
				a.NextChange = at(next[i])
			}
			batch = append(batch, change(a, 0, byRecord(int64(i))))
		}
		mustSave(t, as, batch...)
		due := func(day, limit int) []string {
			t.Helper()
			got, err := as.DueAssessments(ctx, at(day).Time, limit)
			if err != nil {
				t.Fatalf("DueAssessments(day %d, %d): %v", day, limit, err)
			}
			return got
		}
		for _, tc := range []struct {
			day, limit int
			want       []int
		}{
			{9, 10, nil},
			{10, 10, []int{50}},                   // at NextChange exactly
			{30, 10, []int{50, 52, 55, 51}},       // earliest first
			{30, 2, []int{50, 52}},                // limit respected
			{5000, 10, []int{50, 52, 55, 51, 54}}, // a zero NextChange is never due
		} {
			var want []string
			for _, i := range tc.want {
				want = append(want, codes[i])
			}
			if got := due(tc.day, tc.limit); !slices.Equal(got, want) {
				t.Errorf("due on day %d, limit %d: %q, want %q", tc.day, tc.limit, got, want)
			}
		}
		// Regraded: 50 now changes on day 40 and 52 never; both unchanged
		// otherwise, so only their NextChange moves.
		later := assessment(50, 10, "B", tax("B", 80))
		later.NextChange = at(40)
		mustSave(t, as, change(later, 10, expiry), change(assessment(52, 20, "B", tax("B", 80)), 20, expiry))
		want := []string{codes[55], codes[51]}
		if got := due(30, 10); !slices.Equal(got, want) {
			t.Errorf("due on day 30 after regrading: %q, want %q", got, want)
		}
		want = []string{codes[55], codes[51], codes[50], codes[54]}
		if got := due(5000, 10); !slices.Equal(got, want) {
			t.Errorf("due eventually after regrading: %q, want %q", got, want)
		}
	})

	t.Run("ConcurrentSavesRecordAChangeOnce", func(t *testing.T) {
		as := open(t)
		first := change(assessment(60, 0, "B", tax("B", 80)), 0, byRecord(1))
		mustSave(t, as, first)
		// Several graders (say, on several nodes) regrade the same
		// organization at once and reach the same, changed, assessment.
		const n = 8
		changed := func() *credo.AssessmentChange {
			return change(assessment(60, 1, "C", tax("C", 60)), 1, expiry)
		}
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				errs[i] = as.SaveAssessments(ctx, []*credo.AssessmentChange{changed()})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("saver %d: %v", i, err)
			}
		}
		wantSame(t, "history after concurrent saves", allHistory(t, as, codes[60], 0), []*credo.AssessmentChange{changed(), first})
		wantSame(t, "current after concurrent saves", mustCurrent(t, as, codes[60]), changed().Assessment)
	})

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		as := implemented[credo.AssessmentStore](t, s)
		first := change(assessment(70, 0, "A", tax("A", 95)), 0, byRecord(1))
		second := change(assessment(70, 1, "B", tax("B", 85)), 1, byRecord(2))
		second.Assessment.NextChange = credo.NewTime(t0.AddDate(0, 0, 10))
		mustSave(t, as, first)
		mustSave(t, as, second)
		as = implemented[credo.AssessmentStore](t, h.Reopen(t, s))
		wantSame(t, "current after reopening", mustCurrent(t, as, codes[70]), second.Assessment)
		wantSame(t, "history after reopening", allHistory(t, as, codes[70], 0), []*credo.AssessmentChange{second, first})
		if got, err := as.DueAssessments(ctx, t0.AddDate(0, 0, 10), 10); err != nil || !slices.Equal(got, []string{codes[70]}) {
			t.Errorf("due after reopening: %q, %v", got, err)
		}
		// The comparison continues from what was stored.
		mustSave(t, as, change(assessment(70, 2, "B", tax("B", 85)), 2, expiry))
		if got := allHistory(t, as, codes[70], 0); len(got) != 2 {
			t.Errorf("an unchanged assessment after reopening: %d changes, want 2", len(got))
		}
	})
}

// dim is one dimension's grade and score.
type dim struct {
	name, grade string
	score       float64
}

// assessment returns an assessment of codes[i] as of day days after t0,
// made by hand: a grading engine would give dimensions more
// contributions, but the store sees only the grades and scores.
func assessment(i, day int, grade string, dims ...dim) *credo.Assessment {
	a := &credo.Assessment{Subject: codes[i], AsOf: credo.NewTime(t0.AddDate(0, 0, day)), Grade: grade,
		Public: grade != "C", Dimensions: map[string]*credo.Dimension{},
		Rulebooks: []credo.RulebookRef{{ID: "national-market", Version: "2025.1"}, {ID: "national-tax", Version: "2025.1"}}}
	for _, d := range dims {
		a.Score += d.score / float64(len(dims))
		a.Dimensions[d.name] = &credo.Dimension{Title: "维度 " + d.name, Start: 100, Score: d.score, Grade: d.grade,
			Contributions: []credo.Contribution{
				{Record: 7, Rule: d.name + ".fine", Rulebook: "national-" + d.name, Points: d.score - 100,
					Reason: "罚款", Basis: &credo.Basis{Law: &credo.Citation{Document: "中华人民共和国行政处罚法", Number: "中华人民共和国主席令第七十号", Article: "第九条"}}, Until: credo.NewTime(t0.AddDate(3, 0, 0))},
				{Rule: d.name + ".age", Points: 0, Grade: d.grade, Reason: "成立满三年"},
			}}
	}
	return a
}

// change is a as the change recorded on day days after t0.
func change(a *credo.Assessment, day int, cause credo.Cause) *credo.AssessmentChange {
	return &credo.AssessmentChange{Subject: a.Subject, At: credo.NewTime(t0.AddDate(0, 0, day)), Cause: cause, Assessment: a}
}

func mustSave(t *testing.T, as credo.AssessmentStore, changes ...*credo.AssessmentChange) {
	t.Helper()
	if err := as.SaveAssessments(ctx, changes); err != nil {
		t.Fatalf("SaveAssessments: %v", err)
	}
}

func mustCurrent(t *testing.T, as credo.AssessmentStore, code string) *credo.Assessment {
	t.Helper()
	a, err := as.CurrentAssessment(ctx, code)
	if err != nil {
		t.Fatalf("CurrentAssessment(%s): %v", code, err)
	}
	return a
}

// allHistory pages through code's history with limit, checking as
// allRecords does.
func allHistory(t *testing.T, as credo.AssessmentStore, code string, limit int) []*credo.AssessmentChange {
	t.Helper()
	out := []*credo.AssessmentChange{}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("AssessmentHistory: more than 1000 pages")
		}
		page, err := as.AssessmentHistory(ctx, code, cursor, limit)
		if err != nil {
			t.Fatalf("AssessmentHistory(%s, limit %d): %v", code, limit, err)
		}
		max := limit
		if max == 0 {
			max = credo.DefaultPageSize
		}
		if len(page.Changes) > max {
			t.Fatalf("AssessmentHistory: page of %d changes for limit %d", len(page.Changes), limit)
		}
		if page.Next != "" && len(page.Changes) == 0 {
			t.Fatal("AssessmentHistory: empty page with a next cursor")
		}
		for _, c := range page.Changes {
			k := jsonOf(t, c)
			if seen[k] {
				t.Fatalf("AssessmentHistory: change at %s on two pages", c.At)
			}
			seen[k] = true
		}
		out = append(out, page.Changes...)
		if page.Next == "" {
			checkGradeHistory(t, as, code, out)
			return out
		}
		cursor = page.Next
	}
}

// checkGradeHistory checks that GradeHistory says of code's grades what
// its whole history (newest first) says, whatever the limit.
func checkGradeHistory(t *testing.T, as credo.AssessmentStore, code string, history []*credo.AssessmentChange) {
	t.Helper()
	want := []credo.GradeChange{}
	for _, c := range history {
		want = append(want, credo.GradeChange{At: c.At, Grade: c.Assessment.Grade, Public: c.Assessment.Public, Cause: c.Cause.Kind})
	}
	for _, limit := range []int{1, 2, credo.MaxPageSize} {
		got, err := as.GradeHistory(ctx, code, limit)
		if err != nil {
			t.Fatalf("GradeHistory(%s, %d): %v", code, limit, err)
		}
		w := want[:min(limit, len(want))]
		if len(got) != len(w) {
			t.Fatalf("GradeHistory(%s, %d): %d changes, want %d", code, limit, len(got), len(w))
		}
		for i := range w {
			if !got[i].At.Equal(w[i].At.Time) || got[i].Grade != w[i].Grade || got[i].Public != w[i].Public || got[i].Cause != w[i].Cause {
				t.Errorf("GradeHistory(%s, %d)[%d] = %+v, want %+v", code, limit, i, got[i], w[i])
			}
		}
	}
	if _, err := as.GradeHistory(ctx, code, -1); credo.ErrorCodeOf(err) != credo.EINVALID {
		t.Errorf("GradeHistory with a negative limit: %v, want EINVALID", err)
	}
}
