package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AnnualReportStore = (*DB)(nil)

// FileAnnualReport implements credo.AnnualReportStore. The single writer
// and the primary key (subject, year, version) make one of two filings of
// the same version win; the filing's change is logged in the same
// transaction.
func (db *DB) FileAnnualReport(ctx context.Context, r *credo.AnnualReport) error {
	body, err := json.Marshal(r)
	if err != nil {
		return credo.Errorf(credo.EINVALID, "annual report cannot be stored: %v", err)
	}
	hash := r.ContentHash()
	var conflict *credo.Error
	err = db.write(ctx, func(tx *sql.Tx) error {
		var storedAt int64
		err := tx.QueryRowContext(ctx, `SELECT filed_at FROM annual_reports WHERE subject = ? AND year = ? AND version = ?`,
			r.Subject, r.Year, r.Version).Scan(&storedAt)
		switch {
		case err == nil:
			conflict = versionTaken(r, fromUnixNano(storedAt))
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err = tx.ExecContext(ctx, `INSERT INTO annual_reports(subject, year, version, filed_at, hash, body) VALUES (?, ?, ?, ?, ?, ?)`,
			r.Subject, r.Year, r.Version, unixNano(r.FiledAt), hash, body); err != nil {
			return err
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.AnnualReportFiledChange(r)})
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: filing annual report: %w", err)
	}
	if conflict != nil {
		return conflict
	}
	return nil
}

// versionTaken is the conflict of a filing whose version another filing took.
func versionTaken(r *credo.AnnualReport, at credo.Time) *credo.Error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "year", Reason: "filed",
		Message: fmt.Sprintf("version %d of the %d report of %s was filed already, at %s; to correct it, file again with corrects: %d",
			r.Version, r.Year, r.Subject, at, r.Version)}
}

// AnnualReports implements credo.AnnualReportStore.
func (db *DB) AnnualReports(ctx context.Context, code string) ([]*credo.AnnualReport, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT body FROM annual_reports WHERE subject = ? ORDER BY year, version`, code)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading annual reports of %s: %w", code, err)
	}
	defer rows.Close()
	out := []*credo.AnnualReport{}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, err
		}
		r := new(credo.AnnualReport)
		if err := json.Unmarshal(body, r); err != nil {
			return nil, fmt.Errorf("sqlite: decoding annual report of %s: %w", code, err)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// UnfiledAnnualReports implements credo.AnnualReportStore.
func (db *DB) UnfiledAnnualReports(ctx context.Context, q credo.UnfiledQuery) ([]*credo.Subject, error) {
	n, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	before := int64(1<<63 - 1)
	if !q.Before.IsZero() {
		before = unixNano(credo.NewTime(q.Before))
	}
	out, err := db.subjectVersions(ctx, `SELECT v.body FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version
		WHERE s.code > ? AND s.division >= ? AND s.division < ?
		AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.year = ? AND a.subject = s.code AND a.filed_at < ?)
		ORDER BY s.code LIMIT ?`, q.After, q.Division, q.Division+"\uffff", q.Year, before, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading organizations without a %d report: %w", q.Year, err)
	}
	if out == nil {
		out = []*credo.Subject{}
	}
	return out, nil
}

// RestoreAnnualReports implements credo.CopyStore.
func (db *DB) RestoreAnnualReports(ctx context.Context, reports []*credo.AnnualReport) error {
	bodies := make([][]byte, len(reports))
	for i, r := range reports {
		b, err := json.Marshal(r)
		if err != nil {
			return credo.Errorf(credo.EINVALID, "annual report cannot be stored: %v", err)
		}
		bodies[i] = b
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		for i, r := range reports {
			if _, err := tx.ExecContext(ctx, `INSERT INTO annual_reports(subject, year, version, filed_at, hash, body)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				r.Subject, r.Year, r.Version, unixNano(r.FiledAt), r.ContentHash(), bodies[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: restoring annual reports: %w", err)
	}
	return nil
}
