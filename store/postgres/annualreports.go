package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AnnualReportStore = (*DB)(nil)

// FileAnnualReport implements credo.AnnualReportStore. INSERT ... ON
// CONFLICT DO NOTHING on the primary key (subject, year, version) lets one
// of two filings of the same version, on any nodes, win; the loser reads
// the winner's row. A write retried after its commit went unacknowledged
// finds its own row by its random writer token, and succeeds. The
// filing's change is logged in the same transaction.
func (db *DB) FileAnnualReport(ctx context.Context, r *credo.AnnualReport) error {
	body, err := json.Marshal(r)
	if err != nil {
		return credo.Errorf(credo.EINVALID, "annual report cannot be stored: %v", err)
	}
	hash := r.ContentHash()
	at := *nsOf(r.FiledAt)
	writer := rand.Text()
	var conflict *credo.Error
	err = db.write(ctx, "filing an annual report", func(ctx context.Context, tx pgx.Tx, _ int) error {
		conflict = nil
		tag, err := tx.Exec(ctx, `INSERT INTO annual_reports(subject, year, version, filed_at, hash, body, writer)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`, r.Subject, r.Year, r.Version, at, hash, string(body), writer)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return appendChanges(ctx, tx, []*credo.Change{credo.AnnualReportFiledChange(r)})
		}
		var storedWriter string
		var storedAt int64
		if err := tx.QueryRow(ctx, `SELECT writer, filed_at FROM annual_reports WHERE subject = $1 AND year = $2 AND version = $3`,
			r.Subject, r.Year, r.Version).Scan(&storedWriter, &storedAt); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errRace
			}
			return err
		}
		if storedWriter != writer {
			conflict = &credo.Error{Code: credo.ECONFLICT, Field: "year", Reason: "filed",
				Message: fmt.Sprintf("version %d of the %d report of %s was filed already, at %s; to correct it, file again with corrects: %d",
					r.Version, r.Year, r.Subject, timeOf(&storedAt), r.Version)}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if conflict != nil {
		return conflict
	}
	return nil
}

// AnnualReports implements credo.AnnualReportStore.
func (db *DB) AnnualReports(ctx context.Context, code string) ([]*credo.AnnualReport, error) {
	out := []*credo.AnnualReport{}
	err := db.read(ctx, "reading annual reports", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT body FROM annual_reports WHERE subject = $1 ORDER BY year, version`, code)
		if err != nil {
			return err
		}
		var body []byte
		_, err = pgx.ForEachRow(rows, []any{&body}, func() error {
			r := new(credo.AnnualReport)
			if err := json.Unmarshal(body, r); err != nil {
				return fmt.Errorf("decoding annual report of %s: %w", code, err)
			}
			out = append(out, r)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// UnfiledAnnualReports implements credo.AnnualReportStore.
func (db *DB) UnfiledAnnualReports(ctx context.Context, q credo.UnfiledQuery) ([]*credo.Subject, error) {
	n, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	before := int64(1<<63 - 1)
	if !q.Before.IsZero() {
		before = *nsOf(credo.NewTime(q.Before))
	}
	var out []*credo.Subject
	err = db.read(ctx, "reading organizations without a report", func(ctx context.Context) (err error) {
		out, err = db.querySubjects(ctx, `
			SELECT v.body FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version
			WHERE s.code > $1 AND starts_with(s.division, $2)
			AND NOT EXISTS (SELECT 1 FROM annual_reports a WHERE a.year = $3 AND a.subject = s.code AND a.filed_at < $4)
			ORDER BY s.code LIMIT $5`, q.After, q.Division, q.Year, before, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out == nil {
		out = []*credo.Subject{}
	}
	return out, nil
}

// RestoreAnnualReports implements credo.CopyStore.
func (db *DB) RestoreAnnualReports(ctx context.Context, reports []*credo.AnnualReport) error {
	bodies := make([]string, len(reports))
	for i, r := range reports {
		b, err := json.Marshal(r)
		if err != nil {
			return credo.Errorf(credo.EINVALID, "annual report cannot be stored: %v", err)
		}
		bodies[i] = string(b)
	}
	return db.write(ctx, "restoring annual reports", func(ctx context.Context, tx pgx.Tx, _ int) error {
		for i, r := range reports {
			if _, err := tx.Exec(ctx, `INSERT INTO annual_reports(subject, year, version, filed_at, hash, body, writer)
				VALUES ($1, $2, $3, $4, $5, $6, 'restore') ON CONFLICT DO NOTHING`,
				r.Subject, r.Year, r.Version, *nsOf(r.FiledAt), r.ContentHash(), bodies[i]); err != nil {
				return err
			}
		}
		return nil
	})
}
