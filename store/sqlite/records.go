package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

// Record implements credo.RecordStore.
func (db *DB) Record(ctx context.Context, id int64) (*credo.Record, error) {
	// Prepared: the webhook worker reads every accepted record to judge
	// who may see it.
	st, err := db.reads.get(ctx, db.r, `SELECT `+repairedSelect+` FROM `+repairedRecords+` WHERE id = ?`)
	if err != nil {
		return nil, err
	}
	r, err := scanRepaired(st.QueryRowContext(ctx, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("record", id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading record %d: %w", id, err)
	}
	if err := db.fillSupersededBy(ctx, []*credo.Record{r}); err != nil {
		return nil, err
	}
	return r, nil
}

// RecordsByID returns the stored records among ids, each once, in the
// order of ids, as Record returns them (ids not stored are left out): one
// read for the records of a batch of changes (the webhook worker's).
func (db *DB) RecordsByID(ctx context.Context, ids []int64) ([]*credo.Record, error) {
	out := []*credo.Record{}
	if len(ids) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	st, err := db.reads.get(ctx, db.r, `SELECT `+repairedSelect+` FROM `+repairedRecords+` WHERE id IN (SELECT value FROM json_each(?))`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, string(arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading records by id: %w", err)
	}
	byID := map[int64]*credo.Record{}
	for rows.Next() {
		r, err := scanRepaired(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: reading records by id: %w", err)
		}
		byID[r.ID] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading records by id: %w", err)
	}
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
			delete(byID, id)
		}
	}
	if err := db.fillSupersededBy(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// SubjectRecords implements credo.RecordStore. The cursor is the
// (occurred_at, id) of the last record of the previous page, which the
// records_subject index seeks to directly.
func (db *DB) SubjectRecords(ctx context.Context, code string, f credo.RecordFilter) (*credo.RecordPage, error) {
	limit, err := paging.Size(f.Limit)
	if err != nil {
		return nil, err
	}
	q := `SELECT ` + repairedSelect + ` FROM ` + repairedRecords + ` WHERE subject = ?`
	args := []any{code}
	if f.Cursor != "" {
		pos, err := paging.Position('r', f.Cursor)
		if err != nil {
			return nil, err
		}
		at, id, ok := strings.Cut(pos, ",")
		atN, err1 := strconv.ParseInt(at, 10, 64)
		idN, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return nil, paging.BadCursor()
		}
		q += ` AND (occurred_at, id) < (?, ?)`
		args = append(args, atN, idN)
	}
	if f.Category != "" {
		q += ` AND category = ?`
		args = append(args, f.Category)
	}
	if f.Kind != "" {
		q += ` AND kind = ?`
		args = append(args, f.Kind)
	}
	if !f.From.IsZero() {
		q += ` AND occurred_at >= ?`
		args = append(args, f.From.UnixNano())
	}
	if !f.To.IsZero() {
		q += ` AND occurred_at < ?`
		args = append(args, f.To.UnixNano())
	}
	q += ` ORDER BY occurred_at DESC, id DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
	}
	defer rows.Close()
	page := &credo.RecordPage{Records: []*credo.Record{}}
	for rows.Next() {
		if len(page.Records) == limit {
			last := page.Records[limit-1]
			page.Next = paging.RecordCursor(last)
			break
		}
		r, err := scanRepaired(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
		}
		page.Records = append(page.Records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
	}
	if err := db.fillSupersededBy(ctx, page.Records); err != nil {
		return nil, err
	}
	return page, nil
}

// ScanRecords implements credo.CopyStore.
func (db *DB) ScanRecords(ctx context.Context, afterID int64, limit int) ([]*credo.Record, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	rows, err := db.r.QueryContext(ctx, `SELECT `+recordSelect+` FROM records WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scanning records: %w", err)
	}
	defer rows.Close()
	var out []*credo.Record
	for rows.Next() {
		r, err := scanRecord(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: scanning records: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: scanning records: %w", err)
	}
	if err := db.fillSupersededBy(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// fillSupersededBy sets SupersededBy of each record to the newest record
// that supersedes it, in one query.
func (db *DB) fillSupersededBy(ctx context.Context, records []*credo.Record) error {
	if len(records) == 0 {
		return nil
	}
	ids := make([]int64, len(records))
	byID := make(map[int64]*credo.Record, len(records))
	for i, r := range records {
		ids[i] = r.ID
		byID[r.ID] = r
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	st, err := db.reads.get(ctx, db.r, `SELECT r.supersedes, max(r.id)
		FROM json_each(?) AS j CROSS JOIN records AS r
		ON r.supersedes = j.value AND r.supersedes IS NOT NULL
		GROUP BY r.supersedes`)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, string(arg))
	if err != nil {
		return fmt.Errorf("sqlite: reading superseding records: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var target, by int64
		if err := rows.Scan(&target, &by); err != nil {
			return fmt.Errorf("sqlite: reading superseding records: %w", err)
		}
		if r := byID[target]; r != nil {
			r.SupersededBy = by
		}
	}
	return rows.Err()
}

// inList returns n placeholders for an IN list.
func inList(n int) string {
	return strings.TrimSuffix(strings.Repeat("?,", n), ",")
}
