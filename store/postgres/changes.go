package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.ChangeLog = (*DB)(nil)

// appendChanges appends changes to the log inside tx, without positions:
// integrate_changes gives them once the transaction has committed (see
// 0018_change_numbering.sql), so writers of the log never wait for each
// other. With them goes the change_pending row of the range of seqs they
// drew, which tells the integrator they wait. A change whose Key is in
// the log already is skipped.
func appendChanges(ctx context.Context, tx pgx.Tx, changes []*credo.Change) error {
	if len(changes) == 0 || unlogged.Load() {
		return nil
	}
	if len(changes) >= copyThreshold && !slices.ContainsFunc(changes, func(c *credo.Change) bool { return c.Key != "" }) {
		// An import's changes, none keyed: batches (0019_change_spans.sql)
		// of at most spanMax, COPYed in order after seqs drawn before
		// (below every seq of the COPY), which name the batches, each
		// numbered as one span.
		rows, err := tx.Query(ctx, `SELECT nextval('changes_seq_seq') FROM generate_series(1, $1)`, (len(changes)+spanMax-1)/spanMax)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(ids)
		n, err := tx.CopyFrom(ctx, pgx.Identifier{"changes"}, []string{"type", "subject", "ref", "at_ns", "data", "batch"},
			pgx.CopyFromSlice(len(changes), func(i int) ([]any, error) {
				c := changes[i]
				return []any{c.Type, c.Subject, c.Ref, unixNano(c.At.Time), c.Data, ids[i/spanMax]}, nil
			}))
		if err != nil {
			return err
		}
		if n != int64(len(changes)) {
			return fmt.Errorf("copied %d of %d changes", n, len(changes))
		}
		spans := make([]int64, len(ids))
		for j := range spans {
			spans[j] = int64(min(spanMax, len(changes)-j*spanMax))
		}
		_, err = tx.Exec(ctx, `INSERT INTO change_pending (lo, hi, span)
			SELECT lo, currval('changes_seq_seq'), span FROM unnest($1::bigint[], $2::bigint[]) AS b (lo, span)`, ids, spans)
		return err
	}
	b := &pgx.Batch{}
	queueChanges(b, changes)
	return tx.SendBatch(ctx, b).Close()
}

// spanMax is the most changes of one batch (one span): a reader of a
// span's changes from its middle passes over those before.
const spanMax = 1024

// unlogged switches the log's appends off, for benchmarks only (log and
// nolog in one run; SetUnlogged).
var unlogged atomic.Bool

// queueChanges queues appendChanges's statement on b, to be sent with
// the write's others in one round trip.
func queueChanges(b *pgx.Batch, changes []*credo.Change) {
	if len(changes) == 0 || unlogged.Load() {
		return
	}
	if slices.ContainsFunc(changes, func(c *credo.Change) bool { return c.Key != "" }) {
		b.Queue(`WITH ins AS (`+insertChanges+` RETURNING seq) `+insertPending, changeColumns(changes)...)
		return
	}
	// None keyed: no ON CONFLICT, whose speculative insertion a row pays
	// even when the arbiter index (partial, on keys) does not hold it.
	if len(changes) == 1 {
		c := changes[0]
		b.Queue(`WITH ins AS (INSERT INTO changes (type, subject, ref, at_ns, data) VALUES ($1, $2, $3, $4, $5) RETURNING seq)
			INSERT INTO change_pending (lo, hi) SELECT seq, seq FROM ins`, c.Type, c.Subject, c.Ref, unixNano(c.At.Time), c.Data)
		return
	}
	b.Queue(`WITH ins AS (`+strings.TrimSuffix(insertChanges, onKeyConflict)+` RETURNING seq) `+insertPending, changeColumns(changes)...)
}

// onKeyConflict ends insertChanges: a change whose key is stored is
// skipped.
const onKeyConflict = `
	ON CONFLICT (key) WHERE key IS NOT NULL DO NOTHING`

// insertChanges appends unnumbered changes, in order (seq follows it).
const insertChanges = `
	INSERT INTO changes (type, subject, ref, at_ns, key, data)
	SELECT c.type, c.subject, c.ref, c.at_ns, c.key, c.data
	FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[])
		WITH ORDINALITY AS c (type, subject, ref, at_ns, key, data, n)
	ORDER BY c.n` + onKeyConflict

// insertPending records the range of seqs of ins's rows as waiting for
// positions (none when every change was skipped).
const insertPending = `
	INSERT INTO change_pending (lo, hi) SELECT min(seq), max(seq) FROM ins HAVING count(*) > 0`

func changeColumns(changes []*credo.Change) []any {
	n := len(changes)
	types, subjects, refs, keys, data := make([]string, n), make([]string, n), make([]string, n), make([]*string, n), make([]string, n)
	ats := make([]int64, n)
	for i, c := range changes {
		types[i], subjects[i], refs[i], ats[i], data[i] = c.Type, c.Subject, c.Ref, unixNano(c.At.Time), string(c.Data)
		if c.Key != "" {
			keys[i] = &c.Key
		}
	}
	return []any{types, subjects, refs, ats, keys, data}
}

// Head implements credo.ChangeLog: it first numbers what is committed
// and unnumbered (integrate_changes), so the head covers every change
// committed before the call.
func (db *DB) Head(ctx context.Context) (int64, error) {
	var head int64
	err := db.read(ctx, "reading the change log's head", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `SELECT integrate_changes()`).Scan(&head)
	})
	return head, err
}

// Changes implements credo.ChangeLog. A span row (a batch's changes,
// 0019_change_spans.sql) is expanded into its changes (expandSpan),
// clipped to the query's positions, types and subjects.
func (db *DB) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	upto := q.Upto
	if upto <= 0 {
		upto = 1<<63 - 1
	}
	types, subjects := nonNil(q.Types), nonNil(q.Subjects)
	var out []*credo.Change
	err = db.read(ctx, "reading the change log", func(ctx context.Context) error {
		out = []*credo.Change{}
		// A row is one change or a span of them, and a span may hold none
		// the query wants: rows are read a page at a time until limit
		// changes.
		integrate := q.Upto <= 0
		for after := q.After; len(out) < limit; {
			page, err := db.changeRows(ctx, integrate, after, upto, types, subjects, limit)
			if err != nil {
				return err
			}
			integrate = false // up to the head as it was at the first page
			for _, r := range page {
				if len(out) == limit {
					break
				}
				after = r.Position
				if r.span == 0 {
					out = append(out, &r.Change)
					continue
				}
				first := r.Position - r.span + 1
				lo, hi := max(first, q.After+1), min(r.Position, upto) // positions lo..hi
				if hi < lo {
					continue
				}
				expanded, err := db.expandSpan(ctx, r.seq, first, lo, hi, types, subjects, limit-len(out))
				if err != nil {
					return fmt.Errorf("span at %d: %w", r.Position, err)
				}
				out = append(out, expanded...)
			}
			if len(page) < limit {
				break
			}
		}
		return nil
	})
	return out, err
}

// changeRow is a row of change_positions with its change, or a span of
// changes (span > 0, seq its batch, no change read).
type changeRow struct {
	credo.Change
	seq  int64
	span int64
}

// changeRows reads up to limit rows of the log after position after,
// up to upto (a span reaching into (after, upto] included), first
// numbering what is committed when integrate, in the same round trip
// (each statement of the batch reads anew).
func (db *DB) changeRows(ctx context.Context, integrate bool, after, upto int64, types, subjects []string, limit int) ([]changeRow, error) {
	b := &pgx.Batch{}
	if integrate {
		b.Queue(`SELECT integrate_changes()`)
	}
	b.Queue(`
		SELECT p.position, p.seq, coalesce(p.span, 0), coalesce(c.type, ''), coalesce(c.subject, ''), coalesce(c.ref, ''),
			coalesce(c.at_ns, 0), coalesce(c.key, ''), coalesce(c.data, '')
		FROM change_positions p LEFT JOIN changes c ON c.seq = p.seq AND p.span IS NULL
		WHERE p.position > $1 AND p.position - coalesce(p.span, 1) < $2
			AND (p.span IS NOT NULL OR (
				(cardinality($3::text[]) = 0 OR c.type = ANY($3))
				AND (cardinality($4::text[]) = 0 OR p.subject = ANY($4))))
		ORDER BY p.position LIMIT $5`, after, upto, types, subjects, limit)
	res := db.pool.SendBatch(ctx, b)
	defer res.Close()
	if integrate {
		if _, err := res.Exec(); err != nil {
			return nil, err
		}
	}
	rows, err := res.Query()
	if err != nil {
		return nil, err
	}
	var out []changeRow
	var r changeRow
	var at int64
	var data string
	_, err = pgx.ForEachRow(rows, []any{&r.Position, &r.seq, &r.span, &r.Type, &r.Subject, &r.Ref, &at, &r.Key, &data}, func() error {
		rr := r
		if rr.span == 0 {
			rr.At, rr.Data = credo.NewTime(time.Unix(0, at)), []byte(data)
		}
		out = append(out, rr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, res.Close()
}

// expandSpan reads the changes at positions lo..hi of the span of batch
// whose first position is first, of types and subjects (empty: any), at
// most limit: the batch's rows in seq order, from the (lo-first)th on
// (fewer than spanMax to pass over).
func (db *DB) expandSpan(ctx context.Context, batch, first, lo, hi int64, types, subjects []string, limit int) ([]*credo.Change, error) {
	// i counts the changes read after the offset ones, 1 up.
	rows, err := db.pool.Query(ctx, `
		SELECT t.i, t.type, t.subject, t.ref, t.at_ns, t.data
		FROM (
			SELECT row_number() OVER (ORDER BY c.seq) - $3 AS i, c.type, c.subject, c.ref, c.at_ns, c.data
			FROM changes c WHERE c.seq > $1 AND c.batch = $2
			ORDER BY c.seq OFFSET $3 LIMIT $4
		) t
		WHERE (cardinality($5::text[]) = 0 OR t.type = ANY($5)) AND (cardinality($6::text[]) = 0 OR t.subject = ANY($6))
		ORDER BY t.i LIMIT $7`, batch, batch, lo-first, hi-lo+1, types, subjects, limit)
	if err != nil {
		return nil, err
	}
	var out []*credo.Change
	var c credo.Change
	var i, at int64
	var data string
	_, err = pgx.ForEachRow(rows, []any{&i, &c.Type, &c.Subject, &c.Ref, &at, &data}, func() error {
		cc := c
		cc.Position = lo + i - 1
		cc.At, cc.Data = credo.NewTime(time.Unix(0, at)), []byte(data)
		out = append(out, &cc)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(types) == 0 && len(subjects) == 0 && int64(len(out)) != min(hi-lo+1, int64(limit)) {
		return nil, fmt.Errorf("batch %d: %d changes read of %d", batch, len(out), min(hi-lo+1, int64(limit)))
	}
	return out, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AppendChanges implements credo.ChangeLog. A key in the log already,
// or committed meanwhile by another node, is skipped by its unique index;
// once committed, the changes are numbered (integrate_changes) and their
// positions read back.
func (db *DB) AppendChanges(ctx context.Context, changes []*credo.Change) (int, error) {
	for _, c := range changes {
		if c == nil || c.Type == "" || c.At.IsZero() || len(c.Data) == 0 {
			return 0, credo.FieldError("changes", "required", "every change needs a type, a time and data")
		}
	}
	if len(changes) == 0 {
		return 0, nil
	}
	var seqs []int64
	var added []*credo.Change
	err := db.write(ctx, "appending changes", func(ctx context.Context, tx pgx.Tx, _ int) error {
		seqs, added = seqs[:0], added[:0]
		rows, err := tx.Query(ctx, `
			WITH ins AS (`+insertChanges+` RETURNING seq, key), pending AS (`+insertPending+`)
			SELECT seq, coalesce(key, '') FROM ins ORDER BY seq`, changeColumns(changes)...)
		if err != nil {
			return err
		}
		inserted := map[string]int64{}
		var unkeyed []int64
		var seq int64
		var key string
		if _, err := pgx.ForEachRow(rows, []any{&seq, &key}, func() error {
			if key == "" {
				unkeyed = append(unkeyed, seq)
			} else {
				inserted[key] = seq
			}
			return nil
		}); err != nil {
			return err
		}
		for _, c := range changes {
			if c.Key == "" {
				seqs, added = append(seqs, unkeyed[0]), append(added, c)
				unkeyed = unkeyed[1:]
			} else if s, ok := inserted[c.Key]; ok {
				seqs, added = append(seqs, s), append(added, c)
				delete(inserted, c.Key) // a repeat in the batch is skipped
			}
		}
		return nil
	})
	if err != nil || len(added) == 0 {
		return 0, err
	}
	err = db.read(ctx, "numbering changes", func(ctx context.Context) error {
		b := &pgx.Batch{}
		b.Queue(`SELECT integrate_changes()`)
		b.Queue(`SELECT seq, position FROM change_positions WHERE seq = ANY($1)`, seqs)
		res := db.pool.SendBatch(ctx, b)
		defer res.Close()
		if _, err := res.Exec(); err != nil {
			return err
		}
		rows, err := res.Query()
		if err != nil {
			return err
		}
		at := map[int64]int64{}
		var seq int64
		var pos int64
		if _, err := pgx.ForEachRow(rows, []any{&seq, &pos}, func() error {
			at[seq] = pos
			return nil
		}); err != nil {
			return err
		}
		for i, c := range added {
			c.Position = at[seqs[i]]
		}
		return res.Close()
	})
	return len(added), err
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

// RestoreChanges implements credo.ChangeLog. A position stored already,
// or inside a stored span, is skipped. change_head moves up to the
// highest restored position first, under its lock, so an integrator
// meanwhile waits and later appends follow.
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
		if _, err := tx.Exec(ctx, `UPDATE change_head SET position = greatest(position, $1)`, top); err != nil {
			return err
		}
		// A position stored already is skipped, as is a repeat of one.
		_, err := tx.Exec(ctx, `
			WITH todo AS (
				SELECT nextval('changes_seq_seq') AS seq, r.*
				FROM (
					SELECT DISTINCT ON (i.position) i.*
					FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
						AS i (position, type, subject, ref, at_ns, key, data)
					WHERE NOT EXISTS (SELECT 1 FROM (
						SELECT position, span FROM change_positions WHERE position >= i.position ORDER BY position LIMIT 1) p
						WHERE p.position - coalesce(p.span, 1) < i.position)
					ORDER BY i.position
				) r
			), ins AS (
				INSERT INTO changes (seq, type, subject, ref, at_ns, key, data)
				SELECT seq, type, subject, ref, at_ns, key, data FROM todo
			)
			INSERT INTO change_positions (position, seq, subject) SELECT position, seq, subject FROM todo`,
			positions, types, subjects, refs, ats, keys, data)
		return err
	})
}
