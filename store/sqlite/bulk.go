package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
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
