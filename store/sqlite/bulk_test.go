package sqlite_test

import (
	"context"
	"errors"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
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
