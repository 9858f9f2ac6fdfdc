package postgres

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.PublicityIndex = (*DB)(nil)

// IndexPublicity implements credo.PublicityIndex. Rows are written in
// record order, so that nodes indexing the same records at once take
// their locks in one order and do not deadlock.
func (db *DB) IndexPublicity(ctx context.Context, ends []credo.PublicityEnd, position int64) error {
	sorted := slices.Clone(ends)
	slices.SortStableFunc(sorted, func(a, b credo.PublicityEnd) int { return cmp.Compare(a.Record, b.Record) })
	var put, gone []int64
	var subjects []string
	var untils []int64
	for _, e := range sorted {
		if e.Until.IsZero() {
			gone = append(gone, e.Record)
			continue
		}
		put, subjects, untils = append(put, e.Record), append(subjects, e.Subject), append(untils, unixNano(e.Until.Time))
	}
	return db.write(ctx, "indexing publicity", func(ctx context.Context, tx pgx.Tx, _ int) error {
		if len(gone) > 0 {
			if _, err := tx.Exec(ctx, `DELETE FROM record_publicity WHERE record = ANY($1)`, gone); err != nil {
				return err
			}
		}
		if len(put) > 0 {
			// The last end of a record given twice wins.
			if _, err := tx.Exec(ctx, `
				INSERT INTO record_publicity (record, subject, until_ns)
				SELECT DISTINCT ON (r) r, s, u FROM unnest($1::bigint[], $2::text[], $3::bigint[]) WITH ORDINALITY AS t(r, s, u, i)
				ORDER BY r, i DESC
				ON CONFLICT (record) DO UPDATE SET subject = excluded.subject, until_ns = excluded.until_ns`,
				put, subjects, untils); err != nil {
				return err
			}
		}
		if position < 0 {
			return nil
		}
		_, err := tx.Exec(ctx, `INSERT INTO publicity_indexed (one, position) VALUES (true, $1)
			ON CONFLICT (one) DO UPDATE SET position = greatest(publicity_indexed.position, excluded.position)`, position)
		return err
	})
}

// PublicityIndexed implements credo.PublicityIndex.
func (db *DB) PublicityIndexed(ctx context.Context) (int64, bool, error) {
	var pos int64
	built := true
	err := db.read(ctx, "reading the publicity index's position", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT position FROM publicity_indexed`).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			pos, built = 0, false
			return nil
		}
		return err
	})
	if err != nil {
		return 0, false, err
	}
	return pos, built, nil
}

// PublicityEnding implements credo.PublicityIndex.
func (db *DB) PublicityEnding(ctx context.Context, from, to time.Time, after credo.PublicityEnd, limit int) ([]credo.PublicityEnd, error) {
	limit, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	lo, lastID := unixNano(from), int64(0)
	if !after.Until.IsZero() {
		lo, lastID = unixNano(after.Until.Time), after.Record
	}
	out := []credo.PublicityEnd{}
	err = db.read(ctx, "reading publicity ends", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT record, subject, until_ns FROM record_publicity
			WHERE (until_ns, record) > ($1, $2) AND until_ns >= $3 AND until_ns < $4
			ORDER BY until_ns, record LIMIT $5`, lo, lastID, unixNano(from), unixNano(to), limit)
		if err != nil {
			return err
		}
		out = out[:0]
		var e credo.PublicityEnd
		var until int64
		_, err = pgx.ForEachRow(rows, []any{&e.Record, &e.Subject, &until}, func() error {
			out = append(out, credo.PublicityEnd{Record: e.Record, Subject: e.Subject, Until: credo.NewTime(time.Unix(0, until))})
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
