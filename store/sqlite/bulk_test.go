package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
)

func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(50)
	before := w.batch(300)
	if _, err := db.AppendRecords(ctx, before); err != nil {
		t.Fatal(err)
	}
	code := before[0].Subject
	err := db.BulkLoad(ctx, func(add func([]*credo.Record) ([]credo.Outcome, error)) error {
		if hasIndex(t, db, "records_subject") {
			t.Error("records_subject is maintained during the load")
		}
		for range 3 {
			batch := w.batch(2500)
			repeat := *before[1]
			conflict := *before[2]
			conflict.Description = "另一个描述"
			fix := *before[3]
			fix.ExternalID, fix.Kind, fix.SupersedesExternalID = "FIX-"+batch[0].ExternalID, "correction", before[3].ExternalID
			batch = append(batch, &repeat, &conflict, &fix)
			out, err := add(batch)
			if err != nil {
				return err
			}
			n := len(batch)
			if out[n-3].Status != credo.Exists || out[n-2].Status != credo.Refused || out[n-1].Status != credo.Created {
				t.Errorf("repeat, conflict, correction: %+v %+v %+v", out[n-3], out[n-2], out[n-1])
			}
		}
		// Reads work (by scanning) during the load.
		page, err := db.SubjectRecords(ctx, code, credo.RecordFilter{Limit: 1000})
		if err != nil || len(page.Records) == 0 {
			t.Errorf("SubjectRecords during the load: %v, %v", page, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !hasIndex(t, db, "records_subject") {
		t.Error("records_subject not built after the load")
	}
	st, err := db.Stats(ctx)
	if err != nil || st.Records != 300+3*2501 {
		t.Errorf("stats %+v, %v; want %d records", st, err, 300+3*2501)
	}

	// A failing load is reported and still leaves the index built.
	boom := errors.New("boom")
	if err := db.BulkLoad(ctx, func(func([]*credo.Record) ([]credo.Outcome, error)) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("BulkLoad returned %v, want the load's error", err)
	}
	if !hasIndex(t, db, "records_subject") {
		t.Error("records_subject not built after a failed load")
	}
}

// hasIndex reports whether the database has an index called name.
func hasIndex(t *testing.T, db *sqlite.DB, name string) bool {
	t.Helper()
	var n int
	if err := rawDB(t, db.Path()).QueryRow(`SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND name = ?`, name).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

// TestBulkLoadSubjects loads the same organizations, with renames before
// and during the load, once through PutSubjects alone and once with
// BulkLoadSubjects around part of it: the search grams and the searches
// must come out the same, and nothing may be left pending.
func TestBulkLoadSubjects(t *testing.T) {
	ctx := context.Background()
	names := companyNames(t)
	w := newWorkload(1)
	subject := func(i int, name string, former ...string) *credo.Subject {
		code, err := uscc.Build('9', '1', "440300", fmt.Sprintf("%08d", 30000000+i*7))
		if err != nil {
			t.Fatal(err)
		}
		s := &credo.Subject{Code: code, Name: name, Authority: "samr-440300", RecordedAt: w.recorded, Status: credo.StatusActive}
		for _, f := range former {
			s.FormerNames = append(s.FormerNames, credo.FormerName{Name: f})
		}
		s.Normalize()
		return s
	}
	var first, second []*credo.Subject
	for i, c := range names {
		s := subject(i, c[0])
		if c[1] != "" {
			s = subject(i, c[0], c[1])
		}
		if i < len(names)/2 {
			first = append(first, s)
		} else {
			second = append(second, s)
		}
	}
	// Renamed during the load: one stored before it, one stored by it
	// (twice: its grams must come from the last names only).
	renames := []*credo.Subject{
		subject(0, "淮北矿业集团股份有限公司", names[0][0]),
		subject(len(names)/2, "华为终端有限公司"),
		subject(len(names)/2, "荣耀终端有限公司", "华为终端有限公司"),
	}
	put := func(db *sqlite.DB, batches ...[]*credo.Subject) {
		t.Helper()
		for _, b := range batches {
			out, err := db.PutSubjects(ctx, b)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range out {
				if o.Status != credo.Created {
					t.Fatalf("%s: %+v", b[i].Code, o)
				}
			}
		}
	}
	plain := mustOpen(t, t.TempDir())
	put(plain, first, second, renames[:1], renames[1:2], renames[2:])

	dir := t.TempDir()
	bulk := mustOpen(t, dir)
	put(bulk, first)
	err := bulk.BulkLoadSubjects(ctx, func() error {
		put(bulk, second, renames[:1], renames[1:2], renames[2:])
		if n := count(t, bulk, `SELECT count(*) FROM grams_pending`); n != len(second)+1 {
			t.Errorf("%d organizations pending during the load, want %d", n, len(second)+1)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, bulk, `SELECT count(*) FROM grams_pending`); n != 0 {
		t.Errorf("%d organizations still pending after the load", n)
	}
	want, got := grams(t, plain), grams(t, bulk)
	if !slices.Equal(got, want) {
		t.Errorf("bulk load left %d gram rows, PutSubjects %d", len(got), len(want))
	}
	for _, q := range []string{"华为", "荣耀终端", "华为终端", "淮北矿业", names[0][0], string([]rune(names[len(names)-1][0])[1:])} {
		a, err := plain.SearchSubjects(ctx, credo.SubjectQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		b, err := bulk.SearchSubjects(ctx, credo.SubjectQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		if len(a.Subjects) == 0 || !slices.Equal(codesOf(a.Subjects), codesOf(b.Subjects)) {
			t.Errorf("%s: found %v after the bulk load, %v after PutSubjects", q, codesOf(b.Subjects), codesOf(a.Subjects))
		}
	}

	// What a load killed before its end leaves (organizations pending,
	// their grams not written) is written by the next Open.
	raw := rawDB(t, bulk.Path())
	if _, err := raw.Exec(`INSERT INTO grams_pending(code) SELECT code FROM subjects`); err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`DELETE FROM subject_grams`); err != nil {
		t.Fatal(err)
	}
	bulk.Close()
	again := mustOpen(t, dir)
	if got := grams(t, again); !slices.Equal(got, want) {
		t.Errorf("reopening after an interrupted load wrote %d gram rows, want %d", len(got), len(want))
	}
	if n := count(t, again, `SELECT count(*) FROM grams_pending`); n != 0 {
		t.Errorf("%d organizations still pending after reopening", n)
	}
}

func count(t *testing.T, db *sqlite.DB, query string) int {
	t.Helper()
	var n int
	if err := rawDB(t, db.Path()).QueryRow(query).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// grams returns every subject_grams row as "gram code", in key order.
func grams(t *testing.T, db *sqlite.DB) []string {
	t.Helper()
	rows, err := rawDB(t, db.Path()).Query(`SELECT gram || ' ' || code FROM subject_grams ORDER BY gram, code`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func codesOf(subjects []*credo.Subject) []string {
	var out []string
	for _, s := range subjects {
		out = append(out, s.Code+"/"+strconv.Itoa(s.Version))
	}
	return out
}
