package sqlite_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/uscc"
)

// benchBatch is the import batch size the benchmarks write.
const benchBatch = 10000

// BenchmarkAppendRecords appends batches of 10,000 new records into an
// empty store: the bulk import path, with idempotency, supersedes
// resolution and a durable commit per batch. Each iteration is one batch;
// run with a fixed -benchtime (e.g. 30x) to compare store sizes.
func BenchmarkAppendRecords(b *testing.B) {
	b.Run("log", func(b *testing.B) { benchAppend(b, benchBatch, false) })
	b.Run("nolog", func(b *testing.B) { benchAppend(b, benchBatch, true) })
}

// BenchmarkAppendOne appends one record per durable write, as a single
// submission does, with the change log and without (the baseline).
func BenchmarkAppendOne(b *testing.B) {
	b.Run("log", func(b *testing.B) { benchAppend(b, 1, false) })
	b.Run("nolog", func(b *testing.B) { benchAppend(b, 1, true) })
}

func benchAppend(b *testing.B, size int, unlogged bool) {
	ctx := context.Background()
	db := mustOpen(b, b.TempDir())
	if unlogged {
		db.SetUnlogged()
	}
	w := newWorkload(200000)
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		batch := w.batch(size)
		b.StartTimer()
		out, err := db.AppendRecords(ctx, batch)
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range out {
			if o.Status != credo.Created {
				b.Fatalf("outcome %+v", o)
			}
		}
	}
	cpu.report(b, b.N*size)
}

// BenchmarkBulkLoad is BenchmarkAppendRecords through BulkLoad: the
// per-organization index is built once at the end, which is included in
// the time.
func BenchmarkBulkLoad(b *testing.B) {
	ctx := context.Background()
	db := mustOpen(b, b.TempDir())
	w := newWorkload(200000)
	cpu := startCPU()
	b.ReportAllocs()
	b.ResetTimer()
	err := db.BulkLoad(ctx, func(add func([]*credo.Record) ([]credo.Outcome, error)) error {
		for b.Loop() {
			b.StopTimer()
			batch := w.batch(benchBatch)
			b.StartTimer()
			if _, err := add(batch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	cpu.report(b, b.N*benchBatch)
}

// BenchmarkBareInsert writes the same rows, hashed and encoded beforehand,
// with the bare driver: one prepared single-row INSERT per record in one
// transaction per batch, into a table with the same indexes and the same
// durability settings. It is the floor AppendRecords is measured against.
func BenchmarkBareInsert(b *testing.B) {
	ctx := context.Background()
	path := filepath.Join(b.TempDir(), "bare.db")
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-131072)")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, `
		CREATE TABLE records (id INTEGER PRIMARY KEY, subject TEXT NOT NULL, authority TEXT NOT NULL,
			external_id TEXT NOT NULL, category TEXT NOT NULL, kind TEXT NOT NULL, occurred_at INTEGER NOT NULL,
			recorded_at INTEGER NOT NULL, supersedes INTEGER, hash BLOB NOT NULL, body BLOB NOT NULL);
		CREATE UNIQUE INDEX records_external ON records(authority, external_id);
		CREATE INDEX records_subject ON records(subject, occurred_at, id);
		CREATE INDEX records_supersedes ON records(supersedes) WHERE supersedes IS NOT NULL;`); err != nil {
		b.Fatal(err)
	}
	type row struct {
		r    *credo.Record
		hash []byte
		body []byte
	}
	w := newWorkload(200000)
	cpu := startCPU()
	var id int64
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		batch := w.batch(benchBatch)
		rows := make([]row, len(batch))
		for i, r := range batch {
			h := r.ContentHash()
			body, err := json.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			rows[i] = row{r, h[:], body}
		}
		b.StartTimer()
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			b.Fatal(err)
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO records(id, subject, authority, external_id, category, kind,
			occurred_at, recorded_at, supersedes, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		if err != nil {
			b.Fatal(err)
		}
		for _, x := range rows {
			id++
			if _, err := st.ExecContext(ctx, id, x.r.Subject, x.r.Authority, x.r.ExternalID, x.r.Category, x.r.Kind,
				x.r.OccurredAt.UnixNano(), x.r.RecordedAt.UnixNano(), nil, x.hash, x.body); err != nil {
				b.Fatal(err)
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	cpu.report(b, b.N*benchBatch)
}

// BenchmarkPutSubjects registers batches of 1,000 organizations with real
// company names (and former names) into an empty store.
func BenchmarkPutSubjects(b *testing.B) {
	ctx := context.Background()
	db := mustOpen(b, b.TempDir())
	w := newWorkload(1)
	names := companyNames(b)
	cpu := startCPU()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		b.StopTimer()
		batch := make([]*credo.Subject, 1000)
		for i := range batch {
			code, err := uscc.Build('9', '1', "440300", fmt.Sprintf("%08d", 20000000+n*7))
			if err != nil {
				b.Fatal(err)
			}
			c := names[n%len(names)]
			s := &credo.Subject{Code: code, Name: c[0], Authority: "samr-440300", RecordedAt: w.recorded, Status: credo.StatusActive}
			if c[1] != "" {
				s.FormerNames = []credo.FormerName{{Name: c[1]}}
			}
			s.Normalize()
			batch[i] = s
			n++
		}
		b.StartTimer()
		if _, err := db.PutSubjects(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "subjects/s")
	b.ReportMetric(float64(cputime.Self()-cpu.start)/float64(time.Microsecond)/float64(n), "cpu-µs/subject")
}

// companyNames reads the storetest fixture's real names and former names.
func companyNames(b testing.TB) [][2]string {
	data, err := os.ReadFile("../storetest/testdata/companies.tsv")
	if err != nil {
		b.Fatal(err)
	}
	var out [][2]string
	for _, l := range strings.Split(string(data), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		name, former, _ := strings.Cut(l, "\t")
		former, _, _ = strings.Cut(former, "|")
		out = append(out, [2]string{name, former})
	}
	return out
}

// BenchmarkReadChanges reads a log of 100,000 record.accepted changes a
// page of 1,000 at a time, as the ledger's integrator and a feed reading
// from the start do: "spans" as AppendRecords keeps an import's changes
// (one row per batch, made again from the records on read), "rows" the
// same changes stored one row each (RestoreChanges).
func BenchmarkReadChanges(b *testing.B) {
	ctx := context.Background()
	spans := mustOpen(b, b.TempDir())
	w := newWorkload(200000)
	for range 10 {
		if _, err := spans.AppendRecords(ctx, w.batch(benchBatch)); err != nil {
			b.Fatal(err)
		}
	}
	var all []*credo.Change
	for {
		page, err := spans.Changes(ctx, credo.ChangeQuery{After: int64(len(all)), Limit: 1000})
		if err != nil {
			b.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		all = append(all, page...)
	}
	rows := mustOpen(b, b.TempDir())
	if err := rows.RestoreChanges(ctx, all); err != nil {
		b.Fatal(err)
	}
	for _, s := range []struct {
		name string
		db   interface {
			Changes(context.Context, credo.ChangeQuery) ([]*credo.Change, error)
		}
	}{{"spans", spans}, {"rows", rows}} {
		b.Run(s.name, func(b *testing.B) {
			cpu := startCPU()
			for b.Loop() {
				n := 0
				for after := int64(0); ; {
					page, err := s.db.Changes(ctx, credo.ChangeQuery{After: after, Limit: 1000})
					if err != nil {
						b.Fatal(err)
					}
					if len(page) == 0 {
						break
					}
					n += len(page)
					after = page[len(page)-1].Position
				}
				if n != len(all) {
					b.Fatalf("read %d changes, want %d", n, len(all))
				}
			}
			b.ReportMetric(float64(cputime.Self()-cpu.start)/float64(time.Microsecond)/float64(b.N*len(all)), "cpu-µs/change")
		})
	}
}
