package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// change is an assessment of code with one dimension, as of t0.
func change(code, grade string, score float64, next time.Time) *credo.AssessmentChange {
	return &credo.AssessmentChange{
		Subject: code, At: credo.NewTime(t0), Cause: credo.Cause{Kind: credo.CauseRescore},
		Assessment: &credo.Assessment{
			Subject: code, AsOf: credo.NewTime(t0), Grade: grade, Score: score,
			Dimensions: map[string]*credo.Dimension{"tax": {Title: "纳税信用", Start: 100, Score: score, Grade: grade,
				Contributions: []credo.Contribution{{Rule: "tax.late-filing", Points: score - 100, Reason: "逾期申报"}}}},
			Rulebooks:  []credo.RulebookRef{{ID: "tax", Version: "2025.1"}},
			NextChange: credo.NewTime(next),
		},
	}
}

func historyOf(t *testing.T, s *postgres.DB, code string) []*credo.AssessmentChange {
	t.Helper()
	var all []*credo.AssessmentChange
	cursor := ""
	for {
		page, err := s.AssessmentHistory(ctx, code, cursor, 2)
		if err != nil {
			t.Fatalf("AssessmentHistory(%s): %v", code, err)
		}
		all = append(all, page.Changes...)
		if cursor = page.Next; cursor == "" {
			return all
		}
	}
}

// Eight writers on two nodes save the same assessments at once, every
// transaction held open a moment before COMMIT so that they overlap, half
// of them listing the organizations in reverse: a change of an assessed
// organization and the first assessment of another are each recorded once;
// an unchanged one adds nothing and only its NextChange moves.
func TestTwoNodesSaveSameAssessment(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	first, later := t0.AddDate(1, 0, 0), t0.AddDate(2, 0, 0)
	if err := nodes[0].SaveAssessments(ctx, []*credo.AssessmentChange{
		change(codes[0], "B", 80, first), change(codes[2], "A", 95, first),
	}); err != nil {
		t.Fatal(err)
	}
	for _, n := range nodes {
		postgres.SetBeforeCommit(n, func(context.Context, uint32, int) error {
			time.Sleep(20 * time.Millisecond)
			return nil
		})
	}
	const writers = 8
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			batch := []*credo.AssessmentChange{
				change(codes[0], "A", 95, later), change(codes[1], "C", 60, later), change(codes[2], "A", 95, later),
			}
			if w%4 >= 2 {
				slices.Reverse(batch)
			}
			<-start
			errs[w] = nodes[w%2].SaveAssessments(ctx, batch)
		})
	}
	close(start)
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	for _, tc := range []struct {
		code   string
		grades []string // newest first
	}{
		{codes[0], []string{"A", "B"}},
		{codes[1], []string{"C"}},
		{codes[2], []string{"A"}},
	} {
		var got []string
		for _, c := range historyOf(t, nodes[1], tc.code) {
			got = append(got, c.Assessment.Grade)
		}
		if !slices.Equal(got, tc.grades) {
			t.Errorf("history of %s: %v, want %v", tc.code, got, tc.grades)
		}
		cur, err := nodes[1].CurrentAssessment(ctx, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if cur.Grade != tc.grades[0] || !cur.NextChange.Equal(later) {
			t.Errorf("current assessment of %s: grade %s, next change %s; want %s, %s", tc.code, cur.Grade, cur.NextChange, tc.grades[0], later)
		}
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM assessment_history`); n != 4 {
		t.Errorf("%d history rows, want 4", n)
	}
}

// A connection killed in the middle of SaveAssessments: the batch runs
// again and the change is recorded once.
func TestSaveAssessmentsRetried(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t)
	killed := 0
	postgres.SetBeforeCommit(db, func(ctx context.Context, pid uint32, attempt int) error {
		if attempt == 0 {
			killed++
			return terminate(ctx, dsn, pid)
		}
		return nil
	})
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{change(codes[0], "B", 80, t0.AddDate(1, 0, 0))}); err != nil {
		t.Fatal(err)
	}
	if killed != 1 {
		t.Fatalf("%d connections killed, want 1", killed)
	}
	if h := historyOf(t, db, codes[0]); len(h) != 1 {
		t.Errorf("%d history entries, want 1", len(h))
	}
	rb := &credo.Rulebook{ID: "tax", Version: "2025.1", Source: []byte("id: tax\n")}
	if err := db.PublishRulebook(ctx, rb); err != nil {
		t.Fatalf("PublishRulebook after a killed connection: %v", err)
	}
	if err := db.PublishRulebook(ctx, rb); credo.ErrorCodeOf(err) != credo.ECONFLICT {
		t.Errorf("publishing again: %v, want ECONFLICT", err)
	}
}

// Times beyond what nanoseconds since 1970 hold (a validity ending in
// 9999) order after every time within it, and a NextChange equal to the
// time asked about is due.
func TestDueAssessmentsFarFuture(t *testing.T) {
	db := pgtest.Open(t)
	far := time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)
	soon := t0.Add(time.Nanosecond)
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{
		change(codes[0], "B", 80, far), change(codes[1], "B", 80, soon), change(codes[2], "A", 95, time.Time{}),
	}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		at   time.Time
		want []string
	}{
		{t0, []string{}},
		{soon, []string{codes[1]}},
		{time.Date(2261, 1, 1, 0, 0, 0, 0, time.UTC), []string{codes[1]}},
		{far, []string{codes[1], codes[0]}},
	} {
		got, err := db.DueAssessments(ctx, tc.at, 10)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("DueAssessments(%s): %v, %v; want %v", tc.at, got, err, tc.want)
		}
	}
	cur, err := db.CurrentAssessment(ctx, codes[0])
	if err != nil || !cur.NextChange.Equal(far) {
		t.Errorf("NextChange read back: %v, %v", cur, err)
	}
}

// EachSubject merges codes with registration data only, with records only,
// and with both, in code order, with records spanning the scan's pages.
func TestEachSubjectAcrossPages(t *testing.T) {
	db := pgtest.Open(t)
	many := "91340600000000000B" // more records than one page holds
	var recs []*credo.Record
	for i := range 5000 {
		recs = append(recs, record(many, fmt.Sprintf("M-%05d", i), i%300))
	}
	first := record(codes[1], "C-1", 1)
	corr := record(codes[1], "C-2", 2)
	corr.SupersedesExternalID = "C-1"
	recs = append(recs, first, corr, record(codes[3], "D-1", 3))
	mustAppend(t, db, recs...)
	if _, err := db.PutSubjects(ctx, []*credo.Subject{
		{Code: codes[0], Name: "福州某某有限公司", Authority: "samr-340600"},
		{Code: codes[1], Name: "北京某某有限公司", Authority: "samr-340600"},
		{Code: "91340600000000000A", Name: "淮北市某某有限公司", Authority: "samr-340600"},
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{codes[1], codes[0], codes[3], "91340600000000000A", many} // not codes[2]: it has nothing
	slices.Sort(want)
	counts := map[string]int{codes[0]: 0, codes[1]: 2, codes[3]: 1, "91340600000000000A": 0, many: 5000}

	var got []string
	err := db.EachSubject(ctx, "", func(code string, records []*credo.Record) error {
		got = append(got, code)
		if len(records) != counts[code] {
			t.Errorf("%s: %d records, want %d", code, len(records), counts[code])
		}
		if !slices.IsSortedFunc(records, func(a, b *credo.Record) int { return int(a.ID - b.ID) }) {
			t.Errorf("%s: records not by id", code)
		}
		all, err := db.AllRecords(ctx, code)
		if err != nil {
			return err
		}
		if len(all) != len(records) {
			t.Errorf("%s: AllRecords has %d, EachSubject %d", code, len(all), len(records))
		}
		for i := range min(len(all), len(records)) {
			if all[i].ID != records[i].ID || all[i].SupersededBy != records[i].SupersededBy || records[i].Subject != code {
				t.Errorf("%s: record %d differs: %+v and %+v", code, i, all[i], records[i])
			}
		}
		if code == codes[1] && (records[0].SupersededBy != records[1].ID || records[1].Supersedes != records[0].ID) {
			t.Errorf("correction: %+v, %+v", records[0], records[1])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Errorf("EachSubject visited %v, want %v", got, want)
	}

	got = got[:0]
	stop := errors.New("stop")
	err = db.EachSubject(ctx, want[1], func(code string, _ []*credo.Record) error {
		got = append(got, code)
		if len(got) == 2 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || !slices.Equal(got, want[2:4]) {
		t.Errorf("EachSubject after %s, stopping at the second: %v, %v; want %v", want[1], got, err, want[2:4])
	}
}

// Writers on two nodes save different assessments of one organization at
// once, over and over: whatever order they commit in, the history is a
// sequence of changes (no two neighbours with one grade) ending in the
// current assessment. Comparing with a current assessment another writer
// has replaced meanwhile would lose a change, or record one twice.
func TestConcurrentSavesKeepHistoryConsistent(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	for _, n := range nodes {
		postgres.SetBeforeCommit(n, func(context.Context, uint32, int) error {
			time.Sleep(2 * time.Millisecond)
			return nil
		})
	}
	grades := []string{"A", "B", "C"}
	const writers, saves = 6, 20
	errs := make([]error, writers)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range saves {
				g := grades[(w+i)%len(grades)]
				if err := nodes[w%2].SaveAssessments(ctx, []*credo.AssessmentChange{change(codes[0], g, 90, time.Time{})}); err != nil {
					errs[w] = err
					return
				}
			}
		})
	}
	wg.Wait()
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	h := historyOf(t, nodes[0], codes[0])
	cur, err := nodes[1].CurrentAssessment(ctx, codes[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(h) < 2 || h[0].Assessment.Grade != cur.Grade {
		t.Fatalf("history of %d entries, newest %v; current %s", len(h), h[0].Assessment.Grade, cur.Grade)
	}
	for i := 1; i < len(h); i++ {
		if h[i].Assessment.Grade == h[i-1].Assessment.Grade {
			t.Errorf("history entries %d and %d (newest first) both grade %s", i-1, i, h[i].Assessment.Grade)
		}
	}
	if seq := pgtest.QueryInt(t, schema, `SELECT seq FROM assessments WHERE code = $1`, codes[0]); seq != int64(len(h)) {
		t.Errorf("the current assessment follows history entry %d of %d", seq, len(h))
	}
	t.Logf("%d saves, %d changes recorded", writers*saves, len(h))
}

// One node's save is held open before COMMIT while another node saves the
// organization's previous grade again: the second compares with what the
// first committed, not with what it read before, so it records the
// return to the previous grade as a change.
func TestSaveWaitsForConcurrentChange(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	if err := nodes[0].SaveAssessments(ctx, []*credo.AssessmentChange{change(codes[0], "B", 80, time.Time{})}); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	postgres.SetBeforeCommit(nodes[0], func(_ context.Context, _ uint32, attempt int) error {
		if attempt == 0 {
			close(held)
			<-release
		}
		return nil
	})
	var errs [2]error
	var wg sync.WaitGroup
	wg.Go(func() {
		errs[0] = nodes[0].SaveAssessments(ctx, []*credo.AssessmentChange{change(codes[0], "A", 95, time.Time{}), change(codes[1], "C", 60, time.Time{})})
	})
	<-held
	wg.Go(func() {
		errs[1] = nodes[1].SaveAssessments(ctx, []*credo.AssessmentChange{change(codes[0], "B", 80, time.Time{})})
	})
	time.Sleep(300 * time.Millisecond) // the second save reads, then waits for the first
	close(release)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("save %d: %v", i, err)
		}
	}
	for code, want := range map[string][]string{codes[0]: {"B", "A", "B"}, codes[1]: {"C"}} {
		var got []string
		for _, c := range historyOf(t, nodes[1], code) {
			got = append(got, c.Assessment.Grade)
		}
		cur, err := nodes[1].CurrentAssessment(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) || cur.Grade != want[0] {
			t.Errorf("%s: history %v, current %s; want %v, %s", code, got, cur.Grade, want, want[0])
		}
	}
}

// TestAssessmentBodyOnlyWhenContentChanges: saves that move only AsOf
// rewrite the stamp, not the body (whose dimensions, a map, encode the
// same whatever order Go visits them in); reads show the latest AsOf.
func TestAssessmentBodyOnlyWhenContentChanges(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	pgtest.Exec(t, "", "CREATE SCHEMA "+schema)
	db := pgtest.OpenSchema(t, dsn, schema)
	code := codes[0]
	save := func(day int) *credo.AssessmentChange {
		t.Helper()
		c := change(code, "B", 80, t0.AddDate(1, 0, 0))
		for i, d := range []string{"customs", "environment", "market", "social_security"} {
			c.Assessment.Dimensions[d] = &credo.Dimension{Start: 100, Score: 100 - float64(i), Grade: "A", Public: true}
		}
		c.At = credo.NewTime(t0.AddDate(0, 0, day))
		c.Assessment.AsOf = c.At
		if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{c}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	save(0)
	body := pgtest.QueryStrings(t, schema, `SELECT body::text FROM assessments WHERE code = $1`, code)
	var last *credo.AssessmentChange
	for day := 1; day <= 10; day++ {
		last = save(day)
		if got := pgtest.QueryStrings(t, schema, `SELECT body::text FROM assessments WHERE code = $1`, code); !slices.Equal(got, body) {
			t.Fatalf("a save moving only as_of rewrote the body:\n%s\n%s", body, got)
		}
	}
	cur, err := db.CurrentAssessment(ctx, code)
	if err != nil || !cur.AsOf.Equal(last.At.Time) || len(cur.Dimensions) != 5 {
		t.Errorf("CurrentAssessment = %+v, %v; want as of %s", cur, err, last.At)
	}
	if h := historyOf(t, db, code); len(h) != 1 {
		t.Errorf("%d history entries, want 1", len(h))
	}
}
