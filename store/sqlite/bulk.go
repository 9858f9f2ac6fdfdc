package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	msqlite "modernc.org/sqlite"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// bulkDeferred are the indexes BulkLoad builds after the load instead of
// during it. records_subject is keyed by organization, so every batch
// inserts into pages all over it: once the store is larger than a batch,
// each record dirties a page of its own and the WAL carries a page per
// record. Building it at the end is one sort.
var bulkDeferred = []string{"records_subject"}

// BulkLoad runs load, which appends records through append exactly as
// AppendRecords does (same outcomes: idempotency, conflicts, supersedes
// and durability per call are unchanged), with the index that orders each
// organization's records dropped for the duration and built again at the
// end. Use it for imports that are large next to the store: appends are
// then limited by the records themselves, not by index pages. Until it
// returns, reads of an organization's records scan the whole table, and
// other writers may append meanwhile. A crash during the load leaves the
// index to be built by the next Open. BulkLoad returns load's error,
// joined with any error building the index.
func (db *DB) BulkLoad(ctx context.Context, load func(append func([]*credo.Record) ([]credo.Outcome, error)) error) error {
	db.bulk.Lock()
	defer db.bulk.Unlock()
	if err := db.deferIndexes(ctx); err != nil {
		return err
	}
	err := load(func(records []*credo.Record) ([]credo.Outcome, error) {
		return db.AppendRecords(ctx, records)
	})
	// Built even when ctx is done: an index missing until the next Open
	// would make every read of an organization's records a table scan.
	return errors.Join(err, db.buildDeferredIndexes(context.WithoutCancel(ctx)))
}

// deferIndexes drops the bulkDeferred indexes, remembering their SQL.
func (db *DB) deferIndexes(ctx context.Context) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, name := range bulkDeferred {
			var ddl string
			err := tx.QueryRowContext(ctx, `SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = ?`, name).Scan(&ddl)
			if errors.Is(err, sql.ErrNoRows) {
				continue // deferred already
			}
			if err != nil {
				return fmt.Errorf("sqlite: deferring index %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO deferred_indexes(name, sql) VALUES (?, ?)`, name, ddl); err != nil {
				return fmt.Errorf("sqlite: deferring index %s: %w", name, err)
			}
			if _, err := tx.ExecContext(ctx, `DROP INDEX `+name); err != nil {
				return fmt.Errorf("sqlite: deferring index %s: %w", name, err)
			}
		}
		return nil
	})
}

// buildDeferredIndexes builds every index deferred_indexes lists.
func (db *DB) buildDeferredIndexes(ctx context.Context) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		return buildDeferred(ctx, tx)
	})
}

func buildDeferred(ctx context.Context, tx *sql.Tx) error {
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM deferred_indexes ORDER BY name`)
	if err != nil {
		return fmt.Errorf("sqlite: reading deferred indexes: %w", err)
	}
	var names, ddls []string
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			rows.Close()
			return fmt.Errorf("sqlite: reading deferred indexes: %w", err)
		}
		names, ddls = append(names, name), append(ddls, ddl)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: reading deferred indexes: %w", err)
	}
	for i, name := range names {
		if _, err := tx.ExecContext(ctx, ddls[i]); err != nil {
			return fmt.Errorf("sqlite: building index %s: %w", name, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM deferred_indexes WHERE name = ?`, name); err != nil {
			return fmt.Errorf("sqlite: building index %s: %w", name, err)
		}
	}
	return nil
}

// BulkLoadSubjects implements credo.SubjectBulkLoader. While load runs,
// every PutSubjects (and RestoreSubjects) lists the organizations it
// stores in grams_pending instead of writing their ~20 search grams each
// into subject_grams, whose rows, ordered by gram, would land on random
// pages all over the table: once the table outgrows the page cache, each
// organization then costs more the larger the store. At the end the
// grams of every listed organization are computed from its latest names
// and inserted in one statement, sorted by gram, which appends to the
// table's pages in order. Until then SearchSubjects finds the new
// organizations by code and name prefix, not by a substring of the name.
func (db *DB) BulkLoadSubjects(ctx context.Context, load func() error) error {
	db.bulk.Lock()
	defer db.bulk.Unlock()
	db.mu.Lock()
	db.deferGrams = true
	db.mu.Unlock()
	err := load()
	// Written even when ctx is done, as BulkLoad builds its index.
	return errors.Join(err, db.writePendingGrams(context.WithoutCancel(ctx), true))
}

// writePendingGrams writes the search grams of the organizations
// grams_pending lists, in gram order, and empties it; done ends the
// deferral in the same critical section, so that no write in between
// can list a code after the grams were computed.
func (db *DB) writePendingGrams(ctx context.Context, done bool) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	if done {
		db.deferGrams = false
	}
	if db.stmts == nil {
		return errClosed
	}
	var n int
	if err := db.w.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM grams_pending LIMIT 1)`).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: reading pending grams: %w", err)
	}
	if n == 0 {
		return nil
	}
	// The sort spills to temporary files rather than memory: a national
	// load sorts tens of millions of grams.
	if err := sortOnDisk(ctx, db.w, func() error {
		return storageFull(db.writeLocked(ctx, func(tx *sql.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO subject_grams(gram, code)
				SELECT g.value, s.code FROM grams_pending p CROSS JOIN subjects s ON s.code = p.code,
					json_each(credo_grams(s.name, s.former)) AS g
				ORDER BY 1, 2`); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM grams_pending`)
			return err
		}))
	}); err != nil {
		return fmt.Errorf("sqlite: writing the search grams of a bulk load: %w", err)
	}
	return nil
}

// sortOnDisk runs fn with the writer's temporary storage (sorts, CREATE
// INDEX) in files instead of memory, and puts it back afterwards.
func sortOnDisk(ctx context.Context, w *sql.DB, fn func() error) error {
	if _, err := w.ExecContext(ctx, `PRAGMA temp_store = FILE`); err != nil {
		return err
	}
	err := fn()
	if _, perr := w.ExecContext(ctx, `PRAGMA temp_store = MEMORY`); err == nil {
		err = perr
	}
	return err
}

func init() {
	// credo_grams(name, former) is search.Grams of a subjects row's name
	// and former names (joined by formerSep), as a JSON array.
	msqlite.MustRegisterDeterministicScalarFunction("credo_grams", 2, func(_ *msqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		name, former := text(args[0]), text(args[1])
		b, err := json.Marshal(search.Grams(append([]string{name}, splitFormer(former)...)...))
		return string(b), err
	})
}

func text(v driver.Value) string {
	switch v := v.(type) {
	case string:
		return v
	case []byte:
		return string(v)
	}
	return ""
}
