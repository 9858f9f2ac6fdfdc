package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.PublicityIndex = (*DB)(nil)

// IndexPublicity implements credo.PublicityIndex.
func (db *DB) IndexPublicity(ctx context.Context, ends []credo.PublicityEnd, position int64) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, e := range ends {
			var err error
			if e.Until.IsZero() {
				_, err = tx.ExecContext(ctx, `DELETE FROM record_publicity WHERE record = ?`, e.Record)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO record_publicity(record, subject, until) VALUES (?, ?, ?)
					ON CONFLICT(record) DO UPDATE SET subject = excluded.subject, until = excluded.until`,
					e.Record, e.Subject, dueNano(e.Until.Time))
			}
			if err != nil {
				return err
			}
		}
		if position < 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO publicity_indexed(one, position) VALUES (1, ?)
			ON CONFLICT(one) DO UPDATE SET position = max(position, excluded.position)`, position)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: indexing publicity: %w", err)
	}
	return nil
}

// PublicityIndexed implements credo.PublicityIndex.
func (db *DB) PublicityIndexed(ctx context.Context) (int64, bool, error) {
	var pos int64
	err := db.r.QueryRowContext(ctx, `SELECT position FROM publicity_indexed WHERE one = 1`).Scan(&pos)
	if err == sql.ErrNoRows {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("sqlite: reading the publicity index's position: %w", err)
	}
	return pos, true, nil
}

// PublicityEnding implements credo.PublicityIndex.
func (db *DB) PublicityEnding(ctx context.Context, from, to time.Time, after credo.PublicityEnd, limit int) ([]credo.PublicityEnd, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	lo, lastID := dueNano(from), int64(0)
	if !after.Until.IsZero() {
		lo, lastID = dueNano(after.Until.Time), after.Record
	}
	rows, err := db.r.QueryContext(ctx, `SELECT record, subject, until FROM record_publicity
		WHERE (until, record) > (?, ?) AND until >= ? AND until < ? ORDER BY until, record LIMIT ?`,
		lo, lastID, dueNano(from), dueNano(to), n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading publicity ends: %w", err)
	}
	defer rows.Close()
	out := []credo.PublicityEnd{}
	for rows.Next() {
		var e credo.PublicityEnd
		var until int64
		if err := rows.Scan(&e.Record, &e.Subject, &until); err != nil {
			return nil, fmt.Errorf("sqlite: reading publicity ends: %w", err)
		}
		e.Until = credo.NewTime(time.Unix(0, until))
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading publicity ends: %w", err)
	}
	return out, nil
}
