package postgres_test

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// batchSize is the size of an import batch in the benchmarks.
const batchSize = 10_000

// benchBatch returns batch n of new records, spread over 2,000
// organizations like an authority's export.
func benchBatch(n int) []*credo.Record {
	recs := make([]*credo.Record, batchSize)
	for i := range recs {
		amount := float64(1000 + i%50*500)
		recs[i] = &credo.Record{
			Subject: fmt.Sprintf("9134060%011d", (n*batchSize+i)%2000), Authority: "samr-340600",
			Category: "market", Kind: "penalty", ExternalID: fmt.Sprintf("B%06d-%05d", n, i),
			DecisionNumber: fmt.Sprintf("淮市监罚〔2024〕%d号", i), LegalBasis: "《中华人民共和国产品质量法》第四十九条",
			Description:  "生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
			PenaltyTypes: []string{"warning", "fine"}, Amount: &amount, Currency: "CNY", Severity: "general",
			OccurredAt: credo.NewTime(t0.Add(time.Duration(i) * time.Minute)), RecordedAt: credo.NewTime(t0.AddDate(1, 0, 0)),
		}
	}
	return recs
}

// BenchmarkAppendOneConcurrent submits one record per durable write from
// eight writers at once, as single submissions to several nodes do, with
// the change log ("log") and with its appends switched off ("nolog"), in
// one run. The log's writers no longer wait for each other (positions are
// given after commit, 0014 and 0018 in migrations/); a reader numbering the
// log meanwhile (as an event stream's tail does every 20 ms) runs beside
// the writers in "log".
func BenchmarkAppendOneConcurrent(b *testing.B) {
	for _, mode := range []string{"log", "nolog"} {
		b.Run(mode, func(b *testing.B) {
			postgres.SetUnlogged(mode == "nolog")
			defer postgres.SetUnlogged(false)
			db := pgtest.Open(b)
			const writers = 8
			var next atomic.Int64
			stop := make(chan struct{})
			var reader sync.WaitGroup
			if mode == "log" {
				reader.Go(func() {
					for {
						select {
						case <-stop:
							return
						case <-time.After(20 * time.Millisecond):
						}
						if _, err := db.Head(ctx); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			cpu := startCPU(db)
			start := time.Now()
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for {
						n := next.Add(1)
						if n > int64(b.N) {
							return
						}
						amount := 1000.0
						r := &credo.Record{Subject: fmt.Sprintf("9134060%011d", n%2000), Authority: "samr-340600",
							Category: "market", Kind: "penalty", ExternalID: fmt.Sprintf("one-%d", n), Amount: &amount,
							OccurredAt: credo.NewTime(t0), RecordedAt: credo.NewTime(t0.AddDate(1, 0, 0))}
						if _, err := db.AppendRecords(ctx, []*credo.Record{r}); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "records/s")
			close(stop)
			reader.Wait()
			cpu.report(b, b.N)
		})
	}
}

// BenchmarkAppendRecords appends batches of 10,000 new records: key
// lookup, id allocation, key insert, COPY of the records, commit; then
// the log's changes are numbered (Head), as its first reader would.
func BenchmarkAppendRecords(b *testing.B) {
	for _, mode := range []string{"log", "nolog"} {
		b.Run(mode, func(b *testing.B) {
			postgres.SetUnlogged(mode == "nolog")
			defer postgres.SetUnlogged(false)
			benchAppendRecords(b)
		})
	}
}

func benchAppendRecords(b *testing.B) {
	db := pgtest.Open(b)
	batches := make([][]*credo.Record, b.N)
	for n := range batches {
		batches[n] = benchBatch(n)
	}
	cpu := startCPU(db)
	b.ResetTimer()
	start := time.Now()
	for n := range b.N {
		out, err := db.AppendRecords(ctx, batches[n])
		if err != nil {
			b.Fatal(err)
		}
		if out[len(out)-1].Status != credo.Created {
			b.Fatalf("outcome %+v", out[len(out)-1])
		}
	}
	// Numbered, as the first reader of the log would (nothing to do
	// without the log).
	if _, err := db.Head(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N*batchSize)/time.Since(start).Seconds(), "rows/s")
	cpu.report(b, b.N*batchSize)
}

// BenchmarkBareCopy COPYs the same rows, already encoded, in one
// transaction per batch: "indexed" into one plain table with the indexes of
// records and record_keys together (the floor AppendRecords is measured
// against), "plain" into a table without any index (the raw speed of COPY
// on this machine).
func BenchmarkBareCopy(b *testing.B) {
	const indexes = `
		ALTER TABLE bare ADD PRIMARY KEY (subject, id), ADD UNIQUE (authority, external_id), ADD UNIQUE (id);
		CREATE INDEX ON bare (subject, occurred_ns DESC, id DESC);
		CREATE INDEX ON bare (subject, supersedes) WHERE supersedes IS NOT NULL;`
	b.Run("indexed", func(b *testing.B) { benchBareCopy(b, indexes) })
	b.Run("plain", func(b *testing.B) { benchBareCopy(b, "") })
}

func benchBareCopy(b *testing.B, indexes string) {
	dsn := pgtest.DSN(b)
	schema := pgtest.Schema(b, dsn)
	pgtest.Exec(b, "", `CREATE SCHEMA `+schema)
	pgtest.Exec(b, schema, `
		CREATE TABLE bare (
			subject text COLLATE "C" NOT NULL, id bigint NOT NULL, authority text COLLATE "C" NOT NULL,
			external_id text COLLATE "C" NOT NULL, category text NOT NULL, kind text NOT NULL,
			occurred_ns bigint NOT NULL, supersedes bigint, content_hash bytea NOT NULL, body json NOT NULL);`+indexes)
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		b.Fatal(err)
	}
	cfg.RuntimeParams["search_path"] = schema
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	rows := make([][][]any, b.N)
	for n := range rows {
		for i, r := range benchBatch(n) {
			body, err := json.Marshal(r)
			if err != nil {
				b.Fatal(err)
			}
			h := r.ContentHash()
			rows[n] = append(rows[n], []any{r.Subject, int64(n*batchSize + i + 1), r.Authority, r.ExternalID,
				r.Category, r.Kind, r.OccurredAt.UnixNano(), nil, h[:], body})
		}
	}
	cols := []string{"subject", "id", "authority", "external_id", "category", "kind", "occurred_ns", "supersedes", "content_hash", "body"}
	b.ResetTimer()
	start := time.Now()
	for n := range b.N {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"bare"}, cols, pgx.CopyFromRows(rows[n]))
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/time.Since(start).Seconds(), "rows/s")
}

// eachOrgs organizations, each registered and with eachRecords records,
// make the registry BenchmarkEachSubject walks.
const (
	eachOrgs    = 20_000
	eachRecords = 10
)

// BenchmarkEachSubject walks a registry of 20,000 registered organizations
// with 10 records each, as a rescore does (fn does nothing): "walk" is
// EachSubject, "per-code" the same walk done by reading each code's
// records with AllRecords, and "bare-query" only the records queries of the
// walk, without decoding a record (the floor the walk is measured against),
// for comparison.
func BenchmarkEachSubject(b *testing.B) {
	dsn := pgtest.DSN(b)
	schema := pgtest.Schema(b, dsn)
	db := pgtest.OpenSchema(b, dsn, schema)
	code := func(i int) string { return fmt.Sprintf("9134060%011d", i) }
	var subjects []*credo.Subject
	for i := range eachOrgs {
		subjects = append(subjects, &credo.Subject{Code: code(i), Name: fmt.Sprintf("淮北市第%d有限公司", i), Authority: "samr-340600",
			RecordedAt: credo.NewTime(t0)})
		if len(subjects) == 1000 || i == eachOrgs-1 {
			if _, err := db.PutSubjects(ctx, subjects); err != nil {
				b.Fatal(err)
			}
			subjects = subjects[:0]
		}
	}
	for n := range eachOrgs * eachRecords / batchSize {
		recs := benchBatch(n)
		for i, r := range recs {
			r.Subject = code((n*batchSize + i) % eachOrgs)
		}
		if _, err := db.AppendRecords(ctx, recs); err != nil {
			b.Fatal(err)
		}
	}
	pgtest.Exec(b, schema, `VACUUM ANALYZE records, subjects`) // as autovacuum would have by now
	report := func(b *testing.B, orgs, recs int) {
		if orgs != eachOrgs || recs != eachOrgs*eachRecords {
			b.Fatalf("visited %d organizations with %d records", orgs, recs)
		}
		b.ReportMetric(float64(orgs*b.N)/b.Elapsed().Seconds(), "orgs/s")
		b.ReportMetric(float64(recs*b.N)/b.Elapsed().Seconds(), "records/s")
	}
	b.Run("walk", func(b *testing.B) {
		var orgs, recs int
		var peak uint64 // the most heap in use seen during a walk
		var ms runtime.MemStats
		for b.Loop() {
			orgs, recs = 0, 0
			err := db.EachSubject(ctx, "", func(_ string, records []*credo.Record) error {
				if orgs++; orgs%1000 == 0 {
					runtime.ReadMemStats(&ms)
					peak = max(peak, ms.HeapInuse)
				}
				recs += len(records)
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
		}
		report(b, orgs, recs)
		b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
	})
	b.Run("bare-query", func(b *testing.B) {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			b.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = schema
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			b.Fatal(err)
		}
		defer conn.Close(ctx)
		var orgs, recs int
		for b.Loop() {
			orgs, recs = eachOrgs, 0
			subject, id := "", int64(0)
			for {
				rows, err := conn.Query(ctx, `
					SELECT subject, id, supersedes, body FROM records
					WHERE (subject, id) > ($1, $2) ORDER BY subject, id LIMIT 4096`, subject, id)
				if err != nil {
					b.Fatal(err)
				}
				var sup *int64
				var body []byte
				n := 0
				if _, err := pgx.ForEachRow(rows, []any{&subject, &id, &sup, &body}, func() error { n++; return nil }); err != nil {
					b.Fatal(err)
				}
				if recs += n; n < 4096 {
					break
				}
			}
		}
		report(b, orgs, recs)
	})
	b.Run("per-code", func(b *testing.B) {
		var orgs, recs int
		for b.Loop() {
			orgs, recs = 0, 0
			for i := range eachOrgs {
				records, err := db.AllRecords(ctx, code(i))
				if err != nil {
					b.Fatal(err)
				}
				orgs++
				recs += len(records)
			}
		}
		report(b, orgs, recs)
	})
}

// BenchmarkSaveAssessments stores batches of 1,000 assessments, as a
// rescore does: "first" of organizations never assessed (every one a
// history entry), "unchanged" the same again (the current rows only).
func BenchmarkSaveAssessments(b *testing.B) {
	db := pgtest.Open(b)
	const batch = 1000
	batches := func(n int) [][]*credo.AssessmentChange {
		out := make([][]*credo.AssessmentChange, n)
		for i := range out {
			for j := range batch {
				c := change(fmt.Sprintf("9134060%011d", i*batch+j), "B", 82.5, t0.AddDate(1, 0, j))
				d := *c.Assessment.Dimensions["tax"]
				for k := range 8 {
					d.Contributions = append(d.Contributions, credo.Contribution{Record: int64(k + 1), Rule: "market.penalty.general",
						Rulebook: "market", Points: -2.5, Reason: "一般失信行为：行政处罚（罚款）", Basis: &credo.Basis{Law: &credo.Citation{Document: "市场监督管理严重违法失信名单管理办法", Number: "国家市场监督管理总局令第44号"}},
						Until: credo.NewTime(t0.AddDate(3, 0, k))})
				}
				c.Assessment.Dimensions = map[string]*credo.Dimension{"tax": &d, "market": &d, "customs": &d}
				out[i] = append(out[i], c)
			}
		}
		return out
	}
	var saved [][]*credo.AssessmentChange
	b.Run("first", func(b *testing.B) {
		saved = batches(b.N)
		b.ResetTimer()
		for n := range b.N {
			if err := db.SaveAssessments(ctx, saved[n]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "assessments/s")
	})
	b.Run("unchanged", func(b *testing.B) {
		for n := range b.N {
			if err := db.SaveAssessments(ctx, saved[n%len(saved)]); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "assessments/s")
	})
}
