package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.NoticeStore = (*DB)(nil)

// AddNotices stores notices in one transaction and sets the ids of those
// stored. The unique constraint on notices (key) skips a notice whose key
// is stored already, by this batch or any node (ON CONFLICT DO NOTHING).
// Each row carries the call's random writer token and its place in the
// batch, so that a call that runs again after its commit went through
// unacknowledged finds its rows instead of storing its keyless notices
// twice.
func (db *DB) AddNotices(ctx context.Context, notices []*credo.Notice) error {
	n := len(notices)
	if n == 0 {
		return nil
	}
	var (
		audience, subject, kind, what, why, measure = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		options, key                                = make([]*string, n), make([]*string, n)
		record, entry, cs, at                       = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
		ord                                         = make([]int32, n)
	)
	nonzero := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	for i, nt := range notices {
		if nt == nil {
			return credo.FieldError("notices["+strconv.Itoa(i)+"]", "required", "notice is missing")
		}
		audience[i], subject[i], kind[i], what[i], why[i], measure[i] = nt.Audience, nt.Subject, nt.Kind, nt.What, nt.Why, nt.Refs.Measure
		if nt.Options != nil {
			b, err := json.Marshal(nt.Options)
			if err != nil {
				return credo.Errorf(credo.EINVALID, "notice options cannot be encoded: %v", err)
			}
			s := string(b)
			options[i] = &s
		}
		if nt.Key != "" {
			key[i] = &nt.Key
		}
		record[i], entry[i], cs[i] = nonzero(nt.Refs.Record), nonzero(nt.Refs.ListEntry), nonzero(nt.Refs.Case)
		at[i] = nsOf(nt.At)
		ord[i] = int32(i)
	}
	writer := rand.Text()
	ids := make([]int64, n)
	err := db.writeOne(ctx, "adding notices", func(ctx context.Context, tx querier, attempt int) error {
		clear(ids)
		collect := func(rows pgx.Rows) error {
			var o int32
			var id int64
			_, err := pgx.ForEachRow(rows, []any{&o, &id}, func() error {
				ids[o] = id
				return nil
			})
			return err
		}
		if attempt > 0 {
			rows, err := tx.Query(ctx, `SELECT ord, id FROM notices WHERE writer = $1`, writer)
			if err != nil {
				return err
			}
			if err := collect(rows); err != nil {
				return err
			}
			for _, id := range ids {
				if id != 0 {
					return nil // an earlier attempt committed
				}
			}
		}
		// One statement: ids drawn from the sequence, the i-th smallest
		// for the i-th notice (as drawIDs gives them), and the rows.
		rows, err := tx.Query(ctx, `
			WITH drawn AS MATERIALIZED (SELECT nextval('notice_ids') AS id FROM generate_series(1, $1::int)),
				ids AS (SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS ord FROM drawn)
			INSERT INTO notices (id, audience, subject, kind, what, why, options, ref_record, ref_list_entry,
				ref_case, ref_measure, at_ns, key, ord, writer)
			SELECT ids.id, v.audience, v.subject, v.kind, v.what, v.why, v.options, v.ref_record, v.ref_list_entry,
				v.ref_case, v.ref_measure, v.at_ns, v.key, v.ord, $15
			FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
				$7::jsonb[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::text[],
				$14::int[]) AS v (audience, subject, kind, what, why, options, ref_record, ref_list_entry,
				ref_case, ref_measure, at_ns, key, ord)
			JOIN ids ON ids.ord = v.ord
			ON CONFLICT DO NOTHING
			RETURNING ord, id`,
			n, audience, subject, kind, what, why, options, record, entry, cs, measure, at, key, ord, writer)
		if err != nil {
			return err
		}
		return collect(rows)
	})
	if err != nil {
		return err
	}
	for i, nt := range notices {
		nt.ID = ids[i]
	}
	return nil
}

// Notices returns a page of audience's notices, newest first. The cursor
// is the id of the page's last notice.
func (db *DB) Notices(ctx context.Context, audience, cursor string, limit int) (*credo.NoticePage, error) {
	limit, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	before := int64(math.MaxInt64)
	if cursor != "" {
		if before, err = paging.ID('n', cursor); err != nil {
			return nil, err
		}
	}
	out, err := db.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE audience = $1 AND id < $2 ORDER BY id DESC LIMIT $3`,
		audience, before, limit+1)
	if err != nil {
		return nil, err
	}
	page := &credo.NoticePage{Notices: out}
	if len(out) > limit {
		page.Notices = out[:limit]
		page.Next = paging.IDCursor('n', out[limit-1].ID)
	}
	return page, nil
}

// noticeColumns is what every read of notices scans with notices.
const noticeColumns = `id, audience, subject, kind, what, why, options, ref_record, ref_list_entry, ref_case,
	ref_measure, at_ns, key`

// notices runs a query of noticeColumns.
func (db *DB) notices(ctx context.Context, q string, args ...any) ([]*credo.Notice, error) {
	out := []*credo.Notice{}
	err := db.read(ctx, "reading notices", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		var (
			nt                   credo.Notice
			options              []byte
			record, entry, c, at *int64
			key                  *string
		)
		_, err = pgx.ForEachRow(rows, []any{&nt.ID, &nt.Audience, &nt.Subject, &nt.Kind, &nt.What, &nt.Why, &options,
			&record, &entry, &c, &nt.Refs.Measure, &at, &key}, func() error {
			v := nt
			v.Options = nil
			if options != nil {
				if err := json.Unmarshal(options, &v.Options); err != nil {
					return fmt.Errorf("notice %d: decoding stored options: %w", nt.ID, err)
				}
			}
			v.Refs.Record, v.Refs.ListEntry, v.Refs.Case = derefInt(record), derefInt(entry), derefInt(c)
			v.At, v.Key = timeOf(at), deref(key)
			out = append(out, &v)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func derefInt(v *int64) int64 {
	if v == nil {
		return 0
	}
	return *v
}
