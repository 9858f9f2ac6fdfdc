// Package bench measures credo against the bare database drivers it is
// built on, so that every figure in docs/PERFORMANCE.md comes with the
// baseline measured in the same run.
package bench

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	_ "modernc.org/sqlite" // the same driver the embedded store uses

	"github.com/credo-registry/credo"
)

// Row is a record as the bare baselines insert it: the embedded store's
// columns, precomputed so that only the database's work is timed.
type Row struct {
	ID                     int64
	Subject, Authority     string
	ExternalID             string
	Category, Kind         string
	OccurredAt, RecordedAt int64
	Hash, Body             []byte
}

// Rows turns records into bare rows with ids 1..n.
func Rows(recs []*credo.Record) ([]Row, error) {
	rows := make([]Row, len(recs))
	for i, r := range recs {
		body, err := json.Marshal(r)
		if err != nil {
			return nil, err
		}
		h := r.ContentHash()
		rows[i] = Row{int64(i + 1), r.Subject, r.Authority, r.ExternalID, r.Category, r.Kind,
			r.OccurredAt.UnixNano(), r.RecordedAt.UnixNano(), h[:], body}
	}
	return rows, nil
}

const bareTable = `CREATE TABLE records (
	id INTEGER PRIMARY KEY, subject TEXT NOT NULL, authority TEXT NOT NULL,
	external_id TEXT NOT NULL, category TEXT NOT NULL, kind TEXT NOT NULL,
	occurred_at INTEGER NOT NULL, recorded_at INTEGER NOT NULL,
	supersedes INTEGER, hash BLOB NOT NULL, body BLOB NOT NULL)`

var bareIndexes = []string{
	`CREATE UNIQUE INDEX records_external ON records(authority, external_id)`,
	`CREATE INDEX records_subject ON records(subject, occurred_at, id)`,
}

// BareSQLite inserts rows into a plain table with the embedded store's
// indexes in a new database file in dir, with the store's durability
// settings (WAL, synchronous=FULL), in transactions of batch rows through
// one prepared statement. With indexAfter the indexes are built after the
// load instead of maintained during it.
func BareSQLite(ctx context.Context, dir string, rows []Row, batch int, indexAfter bool) (time.Duration, error) {
	path := filepath.Join(dir, "bare.db")
	os.Remove(path)
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=cache_size(-131072)&_txlock=immediate")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	if _, err := db.ExecContext(ctx, bareTable); err != nil {
		return 0, err
	}
	if !indexAfter {
		for _, ix := range bareIndexes {
			if _, err := db.ExecContext(ctx, ix); err != nil {
				return 0, err
			}
		}
	}
	start := time.Now()
	for lo := 0; lo < len(rows); lo += batch {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return 0, err
		}
		st, err := tx.PrepareContext(ctx, `INSERT INTO records(id, subject, authority, external_id, category, kind, occurred_at, recorded_at, hash, body) VALUES (?,?,?,?,?,?,?,?,?,?)`)
		if err != nil {
			tx.Rollback()
			return 0, err
		}
		for _, r := range rows[lo:min(lo+batch, len(rows))] {
			if _, err := st.ExecContext(ctx, r.ID, r.Subject, r.Authority, r.ExternalID, r.Category, r.Kind, r.OccurredAt, r.RecordedAt, r.Hash, r.Body); err != nil {
				tx.Rollback()
				return 0, err
			}
		}
		st.Close()
		if err := tx.Commit(); err != nil {
			return 0, err
		}
	}
	if indexAfter {
		for _, ix := range bareIndexes {
			if _, err := db.ExecContext(ctx, ix); err != nil {
				return 0, err
			}
		}
	}
	return time.Since(start), nil
}

// BarePostgres COPYs rows into a plain table with the same indexes, in a
// fresh schema of the database at dsn (dropped afterwards), batch rows per
// COPY and transaction.
func BarePostgres(ctx context.Context, dsn string, rows []Row, batch int) (time.Duration, error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.Background())
	schema := fmt.Sprintf("credo_bare_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema+"; SET search_path TO "+schema); err != nil {
		return 0, err
	}
	defer conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
	ddl := strings.NewReplacer("INTEGER PRIMARY KEY", "BIGINT PRIMARY KEY", "INTEGER", "BIGINT", "BLOB", "BYTEA").Replace(bareTable)
	if _, err := conn.Exec(ctx, ddl); err != nil {
		return 0, err
	}
	for _, ix := range bareIndexes {
		if _, err := conn.Exec(ctx, ix); err != nil {
			return 0, err
		}
	}
	cols := []string{"id", "subject", "authority", "external_id", "category", "kind", "occurred_at", "recorded_at", "hash", "body"}
	start := time.Now()
	for lo := 0; lo < len(rows); lo += batch {
		part := rows[lo:min(lo+batch, len(rows))]
		src := pgx.CopyFromSlice(len(part), func(i int) ([]any, error) {
			r := part[i]
			return []any{r.ID, r.Subject, r.Authority, r.ExternalID, r.Category, r.Kind, r.OccurredAt, r.RecordedAt, r.Hash, r.Body}, nil
		})
		tx, err := conn.Begin(ctx)
		if err != nil {
			return 0, err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, cols, src); err != nil {
			tx.Rollback(ctx)
			return 0, err
		}
		if err := tx.Commit(ctx); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}

// ScratchSchema creates an empty schema in the database at dsn and returns
// a connection string whose search_path is that schema, and a function that
// drops it.
func ScratchSchema(ctx context.Context, dsn string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return "", nil, err
	}
	defer conn.Close(context.Background())
	schema := fmt.Sprintf("credo_bench_%d", time.Now().UnixNano())
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if c, err := pgx.Connect(ctx, dsn); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	}
	return dsn + sep + "search_path=" + schema, drop, nil
}
