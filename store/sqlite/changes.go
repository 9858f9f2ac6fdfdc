package sqlite

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strconv"
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
		return append(args, c.Position, c.Type, c.Subject, c.Ref, unixNano(c.At), key, string(c.Data), nil)
	})
	if err != nil {
		return 0, fmt.Errorf("appending to the change log: %w", err)
	}
	return len(add), nil
}

// spanMin is the shortest run of record.accepted changes written as one
// span row (migration 0019); a shorter run is written change by change.
const spanMin = 2

// appendRecordChanges appends the changes of the records a batch created,
// recs[j] with id firstID+j superseding sups[j] (0: none), in that order.
// A run of records that supersede nothing is one span row: its changes are
// made on read from the records (expandSpan), by the function that makes
// them here, so a reader sees the same changes either way. What cannot be
// made again from a stored record exactly (a superseding record's changes,
// a record without RecordedAt, whose change takes the time of the write)
// is written out.
func (db *DB) appendRecordChanges(ctx context.Context, tx *sql.Tx, firstID int64, recs []*credo.Record, sups []int64) error {
	if len(recs) == 0 || db.unlogged {
		return nil
	}
	var head int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(position), 0) FROM changes`).Scan(&head); err != nil {
		return err
	}
	type row struct {
		c    *credo.Change
		span any
	}
	var rows []row
	add := func(j int) {
		for _, c := range credo.NewRecordChanger(recs[j]).Changes(firstID+int64(j), sups[j]) {
			head++
			c.Position = head
			rows = append(rows, row{c, nil})
		}
	}
	run := 0 // records of the run ending before the one being looked at
	flush := func(end int) {
		if run >= spanMin {
			head += int64(run)
			rows = append(rows, row{&credo.Change{Position: head, Type: credo.ChangeRecordAccepted,
				Ref: strconv.FormatInt(firstID+int64(end-run), 10)}, int64(run)})
		} else {
			for k := end - run; k < end; k++ {
				add(k)
			}
		}
		run = 0
	}
	for j, r := range recs {
		if sups[j] == 0 && !r.RecordedAt.IsZero() {
			run++
			continue
		}
		flush(j)
		add(j)
	}
	flush(len(recs))
	err := db.stmts.insert(ctx, tx, db.stmts.changes, len(rows), func(i int, args []any) []any {
		c := rows[i].c
		return append(args, c.Position, c.Type, c.Subject, c.Ref, unixNano(c.At), nil, string(c.Data), rows[i].span)
	})
	if err != nil {
		return fmt.Errorf("appending to the change log: %w", err)
	}
	return nil
}

// Head implements credo.ChangeLog.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var head int64
	// Prepared once: every tail of the log (the webhook worker's, each
	// event stream's) polls it every few tens of milliseconds.
	st, err := db.reads.get(ctx, db.r, `SELECT coalesce(max(position), 0) FROM changes`)
	if err != nil {
		return 0, err
	}
	if err := st.QueryRowContext(ctx).Scan(&head); err != nil {
		return 0, fmt.Errorf("sqlite: reading the change log's head: %w", err)
	}
	return head, nil
}

// Changes implements credo.ChangeLog. A span row is expanded into its
// changes (expandSpan), clipped to the query's positions and subjects.
func (db *DB) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	var subjects map[string]bool
	sqlQ := `SELECT position, type, subject, ref, at, coalesce(key, ''), data, coalesce(span, 0) FROM changes WHERE position > ?`
	var args []any
	if q.Upto > 0 {
		// A span's first position is position-span+1.
		sqlQ += ` AND position - coalesce(span, 1) < ?`
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
		sqlQ += ` AND (span IS NOT NULL OR subject IN (SELECT value FROM json_each(?)))`
		args = append(args, string(arg))
		subjects = make(map[string]bool, len(q.Subjects))
		for _, s := range q.Subjects {
			subjects[s] = true
		}
	}
	sqlQ += ` ORDER BY position LIMIT ?`
	out := []*credo.Change{}
	// A row holds one change or a span of them, and a span may hold none
	// the query wants: read rows a page at a time until limit changes.
	for after := q.After; len(out) < limit; {
		page, err := db.changeRows(ctx, sqlQ, append(append([]any{after}, args...), limit))
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading the change log: %w", err)
		}
		for _, c := range page {
			if len(out) == limit {
				break
			}
			after = c.Position
			if c.span == 0 {
				out = append(out, &c.Change)
				continue
			}
			lo, hi := max(c.Position-c.span, q.After), c.Position // positions (lo, hi]
			if q.Upto > 0 {
				hi = min(hi, q.Upto)
			}
			if hi <= lo {
				continue
			}
			first, err := strconv.ParseInt(c.Ref, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("sqlite: reading the change log: span at %d: %w", c.Position, err)
			}
			// Position p is record first+(p-(c.Position-c.span+1)).
			base := first - (c.Position - c.span + 1)
			expanded, err := db.expandSpan(ctx, lo+1+base, hi+base, -base, subjects, limit-len(out))
			if err != nil {
				return nil, fmt.Errorf("sqlite: reading the change log: span at %d: %w", c.Position, err)
			}
			out = append(out, expanded...)
		}
		if len(page) < limit {
			break
		}
	}
	return out, nil
}

// changeRow is a row of changes: a change, or a span of them (span > 0).
type changeRow struct {
	credo.Change
	span int64
}

func (db *DB) changeRows(ctx context.Context, query string, args []any) ([]changeRow, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []changeRow
	for rows.Next() {
		var c changeRow
		var at int64
		var data string
		if err := rows.Scan(&c.Position, &c.Type, &c.Subject, &c.Ref, &at, &c.Key, &data, &c.span); err != nil {
			return nil, err
		}
		c.At, c.Data = fromUnixNano(at), []byte(data)
		out = append(out, c)
	}
	return out, rows.Err()
}

// expandSpan makes the record.accepted changes of records from..to, of
// subjects (nil: any), at most limit, each at position id+offset, as
// appendRecordChanges would have written them (credo.RecordChanger), from
// the records' columns and their digest, kept in hash since schema
// version 16: the body is not read.
func (db *DB) expandSpan(ctx context.Context, from, to, offset int64, subjects map[string]bool, limit int) ([]*credo.Change, error) {
	query := `SELECT id, subject, authority, external_id, category, kind, occurred_at, recorded_at, supersedes, hash
		FROM records WHERE id BETWEEN ? AND ? ORDER BY id`
	args := []any{from, to}
	if subjects == nil {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*credo.Change
	for rows.Next() && len(out) < limit {
		var r credo.Record
		var occurred, recorded int64
		var sup sql.NullInt64
		var hash []byte
		if err := rows.Scan(&r.ID, &r.Subject, &r.Authority, &r.ExternalID, &r.Category, &r.Kind,
			&occurred, &recorded, &sup, &hash); err != nil {
			return nil, err
		}
		if subjects != nil && !subjects[r.Subject] {
			continue
		}
		if sup.Valid || len(hash) != 32 || recorded == 0 {
			return nil, fmt.Errorf("record %d cannot be in a span", r.ID)
		}
		r.OccurredAt, r.RecordedAt = fromUnixNano(occurred), fromUnixNano(recorded)
		c := credo.RecordChangerWithDigest(&r, hex.EncodeToString(hash)).Changes(r.ID, 0)[0]
		c.Position = r.ID + offset
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if subjects == nil && int64(len(out)) != min(to-from+1, int64(limit)) {
		return nil, fmt.Errorf("records %d..%d: %d found", from, to, len(out))
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
			// A position inside a span is stored too.
			if _, err := tx.ExecContext(ctx, `INSERT INTO changes(position, type, subject, ref, at, key, data)
				SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7 WHERE NOT EXISTS (SELECT 1 FROM
					(SELECT position, span FROM changes WHERE position >= ?1 ORDER BY position LIMIT 1)
					WHERE position - coalesce(span, 1) < ?1)
				ON CONFLICT(position) DO NOTHING`,
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
