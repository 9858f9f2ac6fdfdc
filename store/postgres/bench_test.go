package postgres_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
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

// BenchmarkAppendRecords appends batches of 10,000 new records: key
// lookup, id allocation, key insert, COPY of the records, commit.
func BenchmarkAppendRecords(b *testing.B) {
	db := pgtest.Open(b)
	batches := make([][]*credo.Record, b.N)
	for n := range batches {
		batches[n] = benchBatch(n)
	}
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
	b.ReportMetric(float64(b.N*batchSize)/time.Since(start).Seconds(), "rows/s")
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
