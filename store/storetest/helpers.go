package storetest

import (
	"context"
	"reflect"
	"slices"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

var ctx = context.Background()

// implemented returns s as the store interface T, or skips the test,
// loudly, when the backend does not implement T yet. credo.Store will
// embed the interfaces the suite asserts this way; until then a backend
// passes without them.
func implemented[T any](t *testing.T, s credo.Store) T {
	t.Helper()
	impl, ok := s.(T)
	if !ok {
		t.Skipf("SKIPPED: %T does not implement %s yet; these clauses of the store contract are NOT tested",
			s, reflect.TypeFor[T]())
	}
	return impl
}

// mustPut stores subjects and returns the outcomes, failing on an error.
func mustPut(t *testing.T, s credo.Store, subjects ...*credo.Subject) []credo.Outcome {
	t.Helper()
	out, err := s.PutSubjects(ctx, subjects)
	if err != nil {
		t.Fatalf("PutSubjects: %v", err)
	}
	if len(out) != len(subjects) {
		t.Fatalf("PutSubjects: %d outcomes for %d subjects", len(out), len(subjects))
	}
	return out
}

// mustAppend appends records and returns the outcomes, failing on an error.
func mustAppend(t *testing.T, s credo.Store, records ...*credo.Record) []credo.Outcome {
	t.Helper()
	out, err := s.AppendRecords(ctx, records)
	if err != nil {
		t.Fatalf("AppendRecords: %v", err)
	}
	if len(out) != len(records) {
		t.Fatalf("AppendRecords: %d outcomes for %d records", len(out), len(records))
	}
	return out
}

// mustCreate appends records that must all be created and returns their
// ids.
func mustCreate(t *testing.T, s credo.Store, records ...*credo.Record) []int64 {
	t.Helper()
	ids := make([]int64, len(records))
	for i, o := range mustAppend(t, s, records...) {
		if o.Status != credo.Created || o.ID <= 0 || o.Err != nil {
			t.Fatalf("record %d (%s): outcome %+v, want created with an id", i, records[i].ExternalID, o)
		}
		ids[i] = o.ID
	}
	return ids
}

// wantOutcome checks one outcome's status and id (id 0: any).
func wantOutcome(t *testing.T, what string, got credo.Outcome, status string, id int64) {
	t.Helper()
	if got.Status != status || (id != 0 && got.ID != id) {
		t.Errorf("%s: outcome %s %d (err %v), want %s %d", what, got.Status, got.ID, got.Err, status, id)
	}
	if (status == credo.Refused) != (got.Err != nil) {
		t.Errorf("%s: status %s with error %v", what, got.Status, got.Err)
	}
}

// wantRefused checks that an outcome is refused with an error of code on
// field ("" for any field).
func wantRefused(t *testing.T, what string, got credo.Outcome, code credo.ErrorCode, field string) {
	t.Helper()
	if got.Status != credo.Refused {
		t.Errorf("%s: outcome %s %d, want refused (%s)", what, got.Status, got.ID, code)
		return
	}
	wantError(t, what, got.Err, code, field)
}

// wantError checks that err is a *credo.Error of code on field ("" for
// any field).
func wantError(t *testing.T, what string, err error, code credo.ErrorCode, field string) {
	t.Helper()
	e := credo.AsError(err)
	switch {
	case err == nil:
		t.Errorf("%s: no error, want %s", what, code)
	case e == nil:
		t.Errorf("%s: error %v is no *credo.Error, want %s", what, err, code)
	case e.Code != code:
		t.Errorf("%s: error %v has code %s, want %s", what, err, e.Code, code)
	case field != "" && e.Field != field:
		t.Errorf("%s: error %v names field %q, want %q", what, err, e.Field, field)
	}
}

// jsonOf is how the suite compares stored values: exactly, field by field,
// as the API would show them.
func jsonOf(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v, json.Deterministic(true))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantSame checks that got and want encode the same.
func wantSame(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := jsonOf(t, got), jsonOf(t, want); g != w {
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// stored is r as the store returns it after creating it with id: the
// registry fields set, SupersededBy as given.
func stored(r *credo.Record, id, supersedes, supersededBy int64) *credo.Record {
	c := *r
	c.ID, c.Supersedes, c.SupersededBy = id, supersedes, supersededBy
	return &c
}

// mustRecord reads a record that must exist.
func mustRecord(t *testing.T, s credo.Store, id int64) *credo.Record {
	t.Helper()
	r, err := s.Record(ctx, id)
	if err != nil {
		t.Fatalf("Record(%d): %v", id, err)
	}
	return r
}

// allRecords pages through SubjectRecords with f, checking that no page is
// longer than its limit and no record appears twice.
func allRecords(t *testing.T, s credo.Store, code string, f credo.RecordFilter) []*credo.Record {
	t.Helper()
	var out []*credo.Record
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("SubjectRecords: more than 1000 pages")
		}
		page, err := s.SubjectRecords(ctx, code, f)
		if err != nil {
			t.Fatalf("SubjectRecords(%s, %+v): %v", code, f, err)
		}
		limit := f.Limit
		if limit == 0 {
			limit = credo.DefaultPageSize
		}
		if len(page.Records) > limit {
			t.Fatalf("SubjectRecords: page of %d records for limit %d", len(page.Records), limit)
		}
		if page.Next != "" && len(page.Records) == 0 {
			t.Fatal("SubjectRecords: empty page with a next cursor")
		}
		for _, r := range page.Records {
			if seen[r.ID] {
				t.Fatalf("SubjectRecords: record %d on two pages", r.ID)
			}
			seen[r.ID] = true
		}
		out = append(out, page.Records...)
		if page.Next == "" {
			return out
		}
		f.Cursor = page.Next
	}
}

// allSubjects pages through SearchSubjects with q, checking as allRecords.
func allSubjects(t *testing.T, s credo.Store, q credo.SubjectQuery) []*credo.Subject {
	t.Helper()
	var out []*credo.Subject
	seen := map[string]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("SearchSubjects: more than 1000 pages")
		}
		page, err := s.SearchSubjects(ctx, q)
		if err != nil {
			t.Fatalf("SearchSubjects(%+v): %v", q, err)
		}
		limit := q.Limit
		if limit == 0 {
			limit = credo.DefaultPageSize
		}
		if len(page.Subjects) > limit {
			t.Fatalf("SearchSubjects: page of %d for limit %d", len(page.Subjects), limit)
		}
		if page.Next != "" && len(page.Subjects) == 0 {
			t.Fatal("SearchSubjects: empty page with a next cursor")
		}
		for _, sub := range page.Subjects {
			if seen[sub.Code] {
				t.Fatalf("SearchSubjects(%+v): %s on two pages", q, sub.Code)
			}
			seen[sub.Code] = true
		}
		out = append(out, page.Subjects...)
		if page.Next == "" {
			return out
		}
		q.Cursor = page.Next
	}
}

func ids(records []*credo.Record) []int64 {
	out := make([]int64, len(records))
	for i, r := range records {
		out[i] = r.ID
	}
	return out
}

func subjectCodes(subjects []*credo.Subject) []string {
	out := make([]string, len(subjects))
	for i, s := range subjects {
		out[i] = s.Code
	}
	return out
}

func subjectNames(subjects []*credo.Subject) []string {
	out := make([]string, len(subjects))
	for i, s := range subjects {
		out[i] = s.Name
	}
	return out
}

// putAll registers every fixture company (codes[i] named companies[i]).
func putAll(t *testing.T, s credo.Store) []*credo.Subject {
	t.Helper()
	subjects := make([]*credo.Subject, len(codes))
	for i := range codes {
		subjects[i] = subject(i)
	}
	for i, o := range mustPut(t, s, subjects...) {
		wantOutcome(t, subjects[i].Code, o, credo.Created, 1)
		subjects[i].Version = 1
	}
	return subjects
}

func indexOf(code string) int { return slices.Index(codes, code) }
