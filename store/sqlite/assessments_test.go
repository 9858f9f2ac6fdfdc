package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// The tests here hold this store to what it decided where the contract
// of assessment.go is silent; the contract itself is storetest's.

func TestPublishRulebookDefaults(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	src := []byte("apiVersion: credo/v1\nid: national-tax\n")
	sum := sha256.Sum256(src)
	rb := &credo.Rulebook{ID: "national-tax", Version: "2025.1", Source: src}
	before := time.Now()
	if err := db.PublishRulebook(ctx, rb); err != nil {
		t.Fatal(err)
	}
	if rb.Hash != "" || !rb.PublishedAt.IsZero() {
		t.Errorf("PublishRulebook changed its argument: %+v", rb)
	}
	got, err := db.Rulebook(ctx, rb.ID, rb.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got.Hash != hex.EncodeToString(sum[:]) {
		t.Errorf("hash %s, want the SHA-256 of the source", got.Hash)
	}
	if got.PublishedAt.Before(before.Truncate(time.Microsecond)) || got.PublishedAt.After(time.Now()) || got.PublishedAt.Nanosecond()%1000 != 0 {
		t.Errorf("published at %s, want the time of publication to the microsecond", got.PublishedAt)
	}
	for _, tc := range []struct {
		rb    *credo.Rulebook
		field string
	}{
		{&credo.Rulebook{Version: "1", Source: src}, "id"},
		{&credo.Rulebook{ID: "x", Source: src}, "version"},
		{&credo.Rulebook{ID: "x", Version: "1", Source: src, Hash: "00"}, "hash"},
	} {
		wantCode(t, fmt.Sprintf("%+v", tc.rb), db.PublishRulebook(ctx, tc.rb), credo.EINVALID, tc.field)
	}
	if all, err := db.Rulebooks(ctx); err != nil || len(all) != 1 {
		t.Errorf("after refused publications: %d rulebooks, %v", len(all), err)
	}
}

func TestSaveAssessmentsRefusals(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(3)
	good := assessed(w.codes[0], "A", 95)
	nan := assessed(w.codes[1], "A", math.NaN())
	for _, tc := range []struct {
		name   string
		change *credo.AssessmentChange
		field  string
	}{
		{"missing", nil, "changes[1]"},
		{"no subject", &credo.AssessmentChange{Assessment: good.Assessment}, "changes[1].subject"},
		{"no assessment", &credo.AssessmentChange{Subject: w.codes[1]}, "changes[1].assessment"},
		{"another's assessment", &credo.AssessmentChange{Subject: w.codes[1], Assessment: good.Assessment}, "changes[1].assessment.subject"},
		{"a score that is not a number", nan, "changes[1]"},
	} {
		wantCode(t, tc.name, db.SaveAssessments(ctx, []*credo.AssessmentChange{good, tc.change}), credo.EINVALID, tc.field)
	}
	if _, err := db.CurrentAssessment(ctx, w.codes[0]); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Errorf("a refused batch stored its valid change: %v", err)
	}
}

func TestNegativeZeroScoreIsNoChange(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	code := newWorkload(1).codes[0]
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{assessed(code, "B", 0)}); err != nil {
		t.Fatal(err)
	}
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{assessed(code, "B", math.Copysign(0, -1))}); err != nil {
		t.Fatal(err)
	}
	if page, err := db.AssessmentHistory(ctx, code, "", 0); err != nil || len(page.Changes) != 1 {
		t.Errorf("history after a score of -0: %+v, %v; want one change", page, err)
	}
}

func TestDueAssessmentsBounds(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(credo.MaxPageSize + 3)
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var batch []*credo.AssessmentChange
	for i, code := range w.codes {
		c := assessed(code, "A", 95)
		switch i {
		case 0:
			c.Assessment.NextChange = credo.NewTime(time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC))
		case 1:
			c.Assessment.NextChange = credo.NewTime(time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC))
		default:
			c.Assessment.NextChange = credo.NewTime(now.Add(-time.Duration(i) * time.Minute))
		}
		batch = append(batch, c)
	}
	if err := db.SaveAssessments(ctx, batch); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at    time.Time
		limit int
		want  int
	}{
		{now, 0, credo.DefaultPageSize},
		{now, credo.MaxPageSize + 100, credo.MaxPageSize},
		{time.Time{}, 10, 0},
		{time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), 5000, credo.MaxPageSize},
		{time.Date(1959, 1, 1, 0, 0, 0, 0, time.UTC), 10, 0},
		{time.Date(1965, 1, 1, 0, 0, 0, 0, time.UTC), 10, 1},
	} {
		got, err := db.DueAssessments(ctx, tc.at, tc.limit)
		if err != nil || len(got) != tc.want {
			t.Errorf("DueAssessments(%s, %d): %d codes, %v; want %d", tc.at, tc.limit, len(got), err, tc.want)
		}
	}
	// Earliest first: 1960, then the oldest minute before now.
	got, _ := db.DueAssessments(ctx, now, 2)
	if want := []string{w.codes[0], w.codes[len(w.codes)-1]}; !slices.Equal(got, want) {
		t.Errorf("first due: %q, want %q", got, want)
	}
	_, err := db.DueAssessments(ctx, now, -1)
	wantCode(t, "negative limit", err, credo.EINVALID, "limit")
}

// assessed is a change making code's assessment grade, with one dimension
// of that grade and score.
func assessed(code, grade string, score float64) *credo.AssessmentChange {
	at := credo.NewTime(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
	a := &credo.Assessment{Subject: code, AsOf: at, Grade: grade, Score: score,
		Dimensions: map[string]*credo.Dimension{"tax": {Start: 100, Score: score, Grade: grade}}}
	return &credo.AssessmentChange{Subject: code, At: at, Cause: credo.Cause{Kind: credo.CauseRescore}, Assessment: a}
}

func wantCode(t *testing.T, what string, err error, code credo.ErrorCode, field string) {
	t.Helper()
	e := credo.AsError(err)
	if e == nil || e.Code != code || e.Field != field {
		t.Errorf("%s: error %v (%#v), want %s on %q", what, err, e, code, field)
	}
}

// TestAssessmentBodyOnlyWhenContentChanges: a save that moves only AsOf
// and NextChange rewrites the stamp, not the body; one that changes the
// content (a reason) rewrites the body without a history entry; reads
// show the latest save whole either way.
func TestAssessmentBodyOnlyWhenContentChanges(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	code := newWorkload(1).codes[0]
	raw := rawDB(t, db.Path())
	stored := func() (body []byte) {
		t.Helper()
		if err := raw.QueryRow(`SELECT body FROM assessments WHERE code = ?`, code).Scan(&body); err != nil {
			t.Fatal(err)
		}
		return body
	}
	// Several dimensions: a map, whose encoding must not depend on the
	// order Go visits it in.
	dims := func(c *credo.AssessmentChange) *credo.AssessmentChange {
		for i, d := range []string{"customs", "environment", "market", "social_security"} {
			c.Assessment.Dimensions[d] = &credo.Dimension{Start: 100, Score: 100 - float64(i), Grade: "A", Public: true}
		}
		return c
	}
	first := dims(assessed(code, "B", 72))
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{first}); err != nil {
		t.Fatal(err)
	}
	body := stored()

	var later *credo.AssessmentChange
	for day := 1; day <= 10; day++ {
		later = dims(assessed(code, "B", 72))
		later.At = credo.NewTime(later.At.Add(time.Duration(day) * 24 * time.Hour))
		later.Assessment.AsOf = later.At
		later.Assessment.NextChange = credo.NewTime(time.Date(2027, 5, 1, 12, 30, 0, 0, time.UTC))
		if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{later}); err != nil {
			t.Fatal(err)
		}
		if got := stored(); string(got) != string(body) {
			t.Fatalf("a save moving only as_of rewrote the body:\n%s\n%s", body, got)
		}
	}
	got, err := db.CurrentAssessment(ctx, code)
	if err != nil || !got.AsOf.Equal(later.At.Time) || !got.NextChange.Equal(later.Assessment.NextChange.Time) {
		t.Fatalf("CurrentAssessment = %+v, %v; want as of %s, next change %s", got, err, later.At, later.Assessment.NextChange)
	}
	if due, err := db.DueAssessments(ctx, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), 10); err != nil || !slices.Equal(due, []string{code}) {
		t.Errorf("DueAssessments = %q, %v; want %s", due, err, code)
	}

	reason := dims(assessed(code, "B", 72))
	reason.Assessment.Reasons = []string{"补缴税款后信用修复"}
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{reason}); err != nil {
		t.Fatal(err)
	}
	if string(stored()) == string(body) {
		t.Error("a save with a new reason kept the old body")
	}
	got, err = db.CurrentAssessment(ctx, code)
	if err != nil || !slices.Equal(got.Reasons, reason.Assessment.Reasons) || !got.NextChange.IsZero() || !got.AsOf.Equal(reason.At.Time) {
		t.Errorf("CurrentAssessment after a new reason = %+v, %v", got, err)
	}
	if due, err := db.DueAssessments(ctx, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), 10); err != nil || len(due) != 0 {
		t.Errorf("DueAssessments after the next change was dropped = %q, %v", due, err)
	}
	page, err := db.AssessmentHistory(ctx, code, "", 0)
	if err != nil || len(page.Changes) != 1 || !page.Changes[0].Assessment.AsOf.Equal(first.At.Time) {
		t.Errorf("history: %+v, %v; want the first save alone", page, err)
	}
}

// The grade history is read from its index alone, never from the
// history's rows (the whole assessments), and says what the history
// says of each change's grade.
func TestGradeHistoryFromTheIndex(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	plan, err := db.GradeHistoryPlan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := "USING COVERING INDEX assessment_history_grades"; !strings.Contains(plan, want) {
		t.Fatalf("plan %q does not read %s", plan, want)
	}
	const code = "91110000100000000A"
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i, g := range []struct {
		grade  string
		public bool
		cause  string
	}{{"A", true, credo.CauseRecord}, {"C", false, credo.CauseExpiry}} {
		a := &credo.Assessment{Subject: code, Grade: g.grade, Score: float64(90 - 10*i), Public: g.public, AsOf: credo.NewTime(at.Add(time.Duration(i) * time.Hour))}
		if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{{Subject: code, At: a.AsOf, Cause: credo.Cause{Kind: g.cause}, Assessment: a}}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := db.GradeHistory(ctx, code, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []credo.GradeChange{
		{At: credo.NewTime(at.Add(time.Hour)), Grade: "C", Public: false, Cause: credo.CauseExpiry},
		{At: credo.NewTime(at), Grade: "A", Public: true, Cause: credo.CauseRecord},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got, err := db.GradeHistory(ctx, "91110000100000001A", 10); err != nil || len(got) != 0 {
		t.Fatalf("never assessed: %+v %v", got, err)
	}
}
