package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// Subject implements credo.SubjectStore.
func (db *DB) Subject(ctx context.Context, code string) (*credo.Subject, error) {
	var body []byte
	st, err := db.reads.get(ctx, db.r, `SELECT v.body FROM subjects s JOIN subject_versions v
		ON v.code = s.code AND v.version = s.version WHERE s.code = ?`)
	if err != nil {
		return nil, err
	}
	err = st.QueryRowContext(ctx, code).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("organization", code)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading subject %s: %w", code, err)
	}
	return decodeSubject(body)
}

// SubjectVersions implements credo.SubjectStore.
func (db *DB) SubjectVersions(ctx context.Context, code string) ([]*credo.Subject, error) {
	st, err := db.reads.get(ctx, db.r, `SELECT body FROM subject_versions WHERE code = ? ORDER BY version`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading versions of %s: %w", code, err)
	}
	out, err := decodeVersions(rows)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading versions of %s: %w", code, err)
	}
	if len(out) == 0 {
		return nil, credo.ErrNotFound("organization", code)
	}
	return out, nil
}

// ScanSubjects implements credo.CopyStore.
func (db *DB) ScanSubjects(ctx context.Context, afterCode string, afterVersion int, limit int) ([]*credo.Subject, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	out, err := db.subjectVersions(ctx, `SELECT body FROM subject_versions
		WHERE (code, version) > (?, ?) ORDER BY code, version LIMIT ?`, afterCode, afterVersion, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scanning subjects: %w", err)
	}
	return out, nil
}

func (db *DB) subjectVersions(ctx context.Context, q string, args ...any) ([]*credo.Subject, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return decodeVersions(rows)
}

// decodeVersions reads and closes rows of subject bodies.
func decodeVersions(rows *sql.Rows) ([]*credo.Subject, error) {
	defer rows.Close()
	var out []*credo.Subject
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		s, err := decodeSubject(body)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func decodeSubject(body []byte) (*credo.Subject, error) {
	s := new(credo.Subject)
	if err := json.Unmarshal(body, s); err != nil {
		return nil, fmt.Errorf("sqlite: decoding subject: %w", err)
	}
	return s, nil
}
