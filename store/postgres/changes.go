package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.ChangeLog = (*DB)(nil)

// appendChanges appends changes to the log inside tx. Writers call it as
// the last statement before COMMIT: it takes change_head's row lock, which
// the transaction then holds until it has committed, so the log's writers
// commit one after another in position order and a reader never finds a
// position below one it has seen appear later (see 0004_changes.sql). A
// change whose Key is in the log already is skipped (its position is then
// left unused).
func appendChanges(ctx context.Context, tx pgx.Tx, changes []*credo.Change) error {
	if len(changes) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	queueChanges(b, changes)
	return tx.SendBatch(ctx, b).Close()
}

// queueChanges queues appendChanges's statement on b, to be sent with
// the write's others in one round trip.
func queueChanges(b *pgx.Batch, changes []*credo.Change) {
	if len(changes) == 0 {
		return
	}
	n := len(changes)
	types, subjects, refs, keys, data := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n)
	ats := make([]int64, n)
	for i, c := range changes {
		types[i], subjects[i], refs[i], ats[i], data[i] = c.Type, c.Subject, c.Ref, unixNano(c.At.Time), string(c.Data)
		if c.Key != "" {
			keys[i] = &c.Key
		}
	}
	b.Queue(`
		WITH h AS (UPDATE change_head SET position = position + $1 RETURNING position - $1 AS base)
		INSERT INTO changes (position, type, subject, ref, at_ns, key, data)
		SELECT h.base + c.n, c.type, c.subject, c.ref, c.at_ns, c.key, c.data
		FROM h, unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
			WITH ORDINALITY AS c (type, subject, ref, at_ns, key, data, n)
		ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING`, n, types, subjects, refs, ats, keys, data)
}

// Head implements credo.ChangeLog. change_head may be ahead of the last
// committed change only while the transaction that moved it runs, and
// then no reader sees its new value; a skipped key leaves a number
// unused, which Changes simply does not find.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var head int64
	err := db.read(ctx, "reading the change log's head", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `SELECT position FROM change_head`).Scan(&head)
	})
	return head, err
}

// Changes implements credo.ChangeLog.
func (db *DB) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	upto := q.Upto
	if upto <= 0 {
		upto = 1<<63 - 1
	}
	var out []*credo.Change
	err = db.read(ctx, "reading the change log", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `
			SELECT position, type, subject, ref, at_ns, coalesce(key, ''), data FROM changes
			WHERE position > $1 AND position <= $2
				AND (cardinality($3::text[]) = 0 OR type = ANY($3))
				AND (cardinality($4::text[]) = 0 OR subject = ANY($4))
			ORDER BY position LIMIT $5`, q.After, upto, nonNil(q.Types), nonNil(q.Subjects), limit)
		if err != nil {
			return err
		}
		out = []*credo.Change{}
		var c credo.Change
		var at int64
		var data string
		_, err = pgx.ForEachRow(rows, []any{&c.Position, &c.Type, &c.Subject, &c.Ref, &at, &c.Key, &data}, func() error {
			cc := c
			cc.At, cc.Data = credo.NewTime(time.Unix(0, at)), []byte(data)
			out = append(out, &cc)
			return nil
		})
		return err
	})
	return out, err
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AppendChanges implements credo.ChangeLog. The head's row is locked
// first, so the keys are looked up after every earlier writer of the log
// has committed: no key is appended twice and no position is skipped.
func (db *DB) AppendChanges(ctx context.Context, changes []*credo.Change) (int, error) {
	for _, c := range changes {
		if c == nil || c.Type == "" || c.At.IsZero() || len(c.Data) == 0 {
			return 0, credo.FieldError("changes", "required", "every change needs a type, a time and data")
		}
	}
	if len(changes) == 0 {
		return 0, nil
	}
	var added []*credo.Change
	var positions []int64
	err := db.write(ctx, "appending changes", func(ctx context.Context, tx pgx.Tx, _ int) error {
		added, positions = added[:0], positions[:0]
		var head int64
		if err := tx.QueryRow(ctx, `SELECT position FROM change_head FOR UPDATE`).Scan(&head); err != nil {
			return err
		}
		var keys []string
		for _, c := range changes {
			if c.Key != "" {
				keys = append(keys, c.Key)
			}
		}
		seen := map[string]bool{}
		if len(keys) > 0 {
			rows, err := tx.Query(ctx, `SELECT key FROM changes WHERE key = ANY($1)`, keys)
			if err != nil {
				return err
			}
			var k string
			if _, err := pgx.ForEachRow(rows, []any{&k}, func() error { seen[k] = true; return nil }); err != nil {
				return err
			}
		}
		for _, c := range changes {
			if c.Key != "" {
				if seen[c.Key] {
					continue
				}
				seen[c.Key] = true
			}
			added = append(added, c)
			positions = append(positions, head+int64(len(added)))
		}
		return appendChanges(ctx, tx, added)
	})
	if err != nil {
		return 0, err
	}
	for i, c := range added {
		c.Position = positions[i]
	}
	return len(added), nil
}

// Cursor implements credo.ChangeLog.
func (db *DB) Cursor(ctx context.Context, name string) (int64, error) {
	var pos int64
	err := db.read(ctx, "reading a cursor", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT position FROM change_cursors WHERE name = $1`, name).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			pos = 0
			return nil
		}
		return err
	})
	return pos, err
}

// SaveCursor implements credo.ChangeLog.
func (db *DB) SaveCursor(ctx context.Context, name string, position int64) error {
	return db.write(ctx, "saving a cursor", func(ctx context.Context, tx pgx.Tx, _ int) error {
		_, err := tx.Exec(ctx, `INSERT INTO change_cursors (name, position) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET position = greatest(change_cursors.position, excluded.position)`, name, position)
		return err
	})
}

// Cursors implements credo.ChangeLog.
func (db *DB) Cursors(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	err := db.read(ctx, "reading cursors", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT name, position FROM change_cursors`)
		if err != nil {
			return err
		}
		var name string
		var pos int64
		_, err = pgx.ForEachRow(rows, []any{&name, &pos}, func() error { out[name] = pos; return nil })
		return err
	})
	return out, err
}

// RestoreChanges implements credo.ChangeLog. change_head moves up to the
// highest restored position under its lock, so later appends follow.
func (db *DB) RestoreChanges(ctx context.Context, changes []*credo.Change) error {
	if len(changes) == 0 {
		return nil
	}
	n := len(changes)
	positions, ats := make([]int64, n), make([]int64, n)
	types, subjects, refs, keys, data := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n)
	var top int64
	for i, c := range changes {
		positions[i], ats[i] = c.Position, unixNano(c.At.Time)
		types[i], subjects[i], refs[i], data[i] = c.Type, c.Subject, c.Ref, string(c.Data)
		if c.Key != "" {
			keys[i] = &c.Key
		}
		top = max(top, c.Position)
	}
	return db.write(ctx, "restoring changes", func(ctx context.Context, tx pgx.Tx, _ int) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO changes (position, type, subject, ref, at_ns, key, data)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
			ON CONFLICT (position) DO NOTHING`, positions, types, subjects, refs, ats, keys, data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE change_head SET position = greatest(position, $1)`, top)
		return err
	})
}
