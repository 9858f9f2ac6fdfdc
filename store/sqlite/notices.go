package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.NoticeStore = (*DB)(nil)

// addNotice is prepared at Open (writeQueries): every regrade stores notices.
const addNotice = `INSERT INTO notices(audience, subject, kind, what, why, options, refs, at, key)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`

// AddNotices implements credo.NoticeStore. A notice whose Key is stored
// already, or earlier in the batch, is skipped (ON CONFLICT DO NOTHING on
// the unique index of keys).
func (db *DB) AddNotices(ctx context.Context, notices []*credo.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	type encoded struct{ options, refs []byte }
	enc := make([]encoded, len(notices))
	for i, n := range notices {
		if n == nil {
			return credo.FieldError("notices["+strconv.Itoa(i)+"]", "required", "notice is missing")
		}
		var err error
		if enc[i].options, err = json.Marshal(n.Options); err == nil {
			enc[i].refs, err = json.Marshal(&n.Refs)
		}
		if err != nil {
			return credo.Errorf(credo.EINVALID, "notice %d cannot be stored: %v", i, err)
		}
	}
	ids := make([]int64, len(notices))
	err := db.write(ctx, func(tx *sql.Tx) error {
		stmt, err := db.txStmt(ctx, tx, addNotice)
		if err != nil {
			return err
		}
		for i, n := range notices {
			var key any
			if n.Key != "" {
				key = n.Key
			}
			res, err := stmt.ExecContext(ctx,
				n.Audience, n.Subject, n.Kind, n.What, n.Why, enc[i].options, enc[i].refs, unixNano(n.At), key)
			if err != nil {
				return err
			}
			if added, err := res.RowsAffected(); err != nil {
				return err
			} else if added == 0 {
				continue
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: adding notices: %w", err)
	}
	for i, n := range notices {
		n.ID = ids[i]
	}
	return nil
}

// Notices implements credo.NoticeStore. The cursor is the id of the last
// notice of the previous page.
func (db *DB) Notices(ctx context.Context, audience, cursor string, limit int) (*credo.NoticePage, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	before := int64(1<<63 - 1)
	if cursor != "" {
		if before, err = paging.ID('n', cursor); err != nil {
			return nil, err
		}
	}
	got, err := db.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE audience = ? AND id < ? ORDER BY id DESC LIMIT ?`,
		audience, before, n+1)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading notices of %s: %w", audience, err)
	}
	page := &credo.NoticePage{Notices: got}
	if len(got) > n {
		page.Notices = got[:n]
		page.Next = paging.IDCursor('n', got[n-1].ID)
	}
	return page, nil
}

// noticeColumns is what every read of notices scans with notices.
const noticeColumns = `id, audience, subject, kind, what, why, options, refs, at, key`

// notices runs a query of noticeColumns.
func (db *DB) notices(ctx context.Context, q string, args ...any) ([]*credo.Notice, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*credo.Notice{}
	for rows.Next() {
		x := new(credo.Notice)
		var options, refs []byte
		var at int64
		var key sql.NullString
		if err := rows.Scan(&x.ID, &x.Audience, &x.Subject, &x.Kind, &x.What, &x.Why, &options, &refs, &at, &key); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(options, &x.Options); err != nil {
			return nil, fmt.Errorf("decoding notice %d: %w", x.ID, err)
		}
		if err := json.Unmarshal(refs, &x.Refs); err != nil {
			return nil, fmt.Errorf("decoding notice %d: %w", x.ID, err)
		}
		x.At, x.Key = fromUnixNano(at), key.String
		out = append(out, x)
	}
	return out, rows.Err()
}
