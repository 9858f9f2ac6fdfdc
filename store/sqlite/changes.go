package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.ChangeLog = (*DB)(nil)

// appendChanges appends changes to the log inside the write transaction
// tx, at positions after the last one; a change whose Key is in the log
// (or earlier in changes) is skipped. The one writer makes positions grow
// in commit order, and a reader's snapshot holds either all of a
// transaction's changes or none, so nothing appears below a position a
// reader has read. It sets Position on the changes appended.
func (db *DB) appendChanges(ctx context.Context, tx *sql.Tx, changes []*credo.Change) (int, error) {
	if len(changes) == 0 || db.unlogged {
		return 0, nil
	}
	var keys []string
	for _, c := range changes {
		if c.Key != "" {
			keys = append(keys, c.Key)
		}
	}
	seen := map[string]bool{}
	if len(keys) > 0 {
		arg, err := json.Marshal(keys)
		if err != nil {
			return 0, err
		}
		rows, err := tx.QueryContext(ctx, `SELECT c.key FROM json_each(?) AS j JOIN changes AS c ON c.key = j.value`, string(arg))
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				rows.Close()
				return 0, err
			}
			seen[k] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM changes`).Scan(&head); err != nil {
		return 0, err
	}
	add := changes[:0:0]
	for _, c := range changes {
		if c.Key != "" {
			if seen[c.Key] {
				continue
			}
			seen[c.Key] = true
		}
		head++
		c.Position = head
		add = append(add, c)
	}
	err := db.stmts.insert(ctx, tx, db.stmts.changes, len(add), func(i int, args []any) []any {
		c := add[i]
		var key any
		if c.Key != "" {
			key = c.Key
		}
		return append(args, c.Position, c.Type, c.Subject, c.Ref, unixNano(c.At), key, string(c.Data))
	})
	if err != nil {
		return 0, fmt.Errorf("appending to the change log: %w", err)
	}
	return len(add), nil
}

// Head implements credo.ChangeLog.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var head int64
	if err := db.r.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM changes`).Scan(&head); err != nil {
		return 0, fmt.Errorf("sqlite: reading the change log's head: %w", err)
	}
	return head, nil
}

// Changes implements credo.ChangeLog.
func (db *DB) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	sqlQ := `SELECT position, type, subject, ref, at, coalesce(key, ''), data FROM changes WHERE position > ?`
	args := []any{q.After}
	if q.Upto > 0 {
		sqlQ += ` AND position <= ?`
		args = append(args, q.Upto)
	}
	if len(q.Types) > 0 {
		sqlQ += ` AND type IN (` + strings.TrimSuffix(strings.Repeat("?,", len(q.Types)), ",") + `)`
		for _, t := range q.Types {
			args = append(args, t)
		}
	}
	if len(q.Subjects) > 0 {
		arg, err := json.Marshal(q.Subjects)
		if err != nil {
			return nil, err
		}
		sqlQ += ` AND subject IN (SELECT value FROM json_each(?))`
		args = append(args, string(arg))
	}
	sqlQ += ` ORDER BY position LIMIT ?`
	args = append(args, limit)
	rows, err := db.r.QueryContext(ctx, sqlQ, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading the change log: %w", err)
	}
	defer rows.Close()
	out := []*credo.Change{}
	for rows.Next() {
		c := new(credo.Change)
		var at int64
		var data string
		if err := rows.Scan(&c.Position, &c.Type, &c.Subject, &c.Ref, &at, &c.Key, &data); err != nil {
			return nil, fmt.Errorf("sqlite: reading the change log: %w", err)
		}
		c.At, c.Data = fromUnixNano(at), []byte(data)
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading the change log: %w", err)
	}
	return out, nil
}

// AppendChanges implements credo.ChangeLog.
func (db *DB) AppendChanges(ctx context.Context, changes []*credo.Change) (int, error) {
	if err := checkChanges(changes); err != nil {
		return 0, err
	}
	var n int
	err := db.write(ctx, func(tx *sql.Tx) error {
		var err error
		n, err = db.appendChanges(ctx, tx, changes)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: %w", err)
	}
	return n, nil
}

// checkChanges refuses a change a caller could not have meant.
func checkChanges(changes []*credo.Change) error {
	for _, c := range changes {
		if c == nil || c.Type == "" || c.At.IsZero() || len(c.Data) == 0 {
			return credo.FieldError("changes", "required", "every change needs a type, a time and data")
		}
	}
	return nil
}

// Cursor implements credo.ChangeLog.
func (db *DB) Cursor(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := db.r.QueryRowContext(ctx, `SELECT position FROM change_cursors WHERE name = ?`, name).Scan(&pos)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: reading cursor %s: %w", name, err)
	}
	return pos, nil
}

// SaveCursor implements credo.ChangeLog.
func (db *DB) SaveCursor(ctx context.Context, name string, position int64) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO change_cursors(name, position) VALUES (?, ?)
			ON CONFLICT(name) DO UPDATE SET position = max(position, excluded.position)`, name, position)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: saving cursor %s: %w", name, err)
	}
	return nil
}

// Cursors implements credo.ChangeLog.
func (db *DB) Cursors(ctx context.Context) (map[string]int64, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT name, position FROM change_cursors`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading cursors: %w", err)
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var name string
		var pos int64
		if err := rows.Scan(&name, &pos); err != nil {
			return nil, fmt.Errorf("sqlite: reading cursors: %w", err)
		}
		out[name] = pos
	}
	return out, rows.Err()
}

// RestoreChanges implements credo.ChangeLog. A key stored under another
// position fails the batch (a unique violation).
func (db *DB) RestoreChanges(ctx context.Context, changes []*credo.Change) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, c := range changes {
			var key any
			if c.Key != "" {
				key = c.Key
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes(position, type, subject, ref, at, key, data)
				VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(position) DO NOTHING`,
				c.Position, c.Type, c.Subject, c.Ref, unixNano(c.At), key, string(c.Data)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: restoring changes: %w", err)
	}
	return nil
}
