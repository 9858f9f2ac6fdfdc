package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/credo-registry/credo"
)

// Stats implements credo.StatsStore from the counts the writer keeps, so it
// costs the same at any size.
func (db *DB) Stats(ctx context.Context) (credo.Stats, error) {
	var s credo.Stats
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT n FROM counts WHERE name = 'organizations'),
		(SELECT n FROM counts WHERE name = 'records'),
		(SELECT count(*) FROM authorities)`).Scan(&s.Organizations, &s.Records, &s.Authorities)
	if err != nil {
		return credo.Stats{}, fmt.Errorf("sqlite: reading stats: %w", err)
	}
	return s, nil
}

// addCount adds n to a count, in the transaction that changed what it
// counts.
func addCount(ctx context.Context, tx *sql.Tx, name string, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE counts SET n = n + ? WHERE name = ?`, n, name)
	return err
}
