package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

var _ credo.ReportStore = (*DB)(nil)

// IssueReport implements credo.ReportStore: the number is unique (a
// constraint), and the issue's change is logged in the same transaction.
func (db *DB) IssueReport(ctx context.Context, r *credo.IssuedReport) error {
	rbs := r.Rulebooks
	if rbs == nil {
		rbs = []credo.RulebookRef{}
	}
	books, err := json.Marshal(rbs)
	if err != nil {
		return credo.Errorf(credo.EINVALID, "report cannot be stored: %v", err)
	}
	var conflict error
	err = db.write(ctx, func(tx *sql.Tx) error {
		var sum string
		err := tx.QueryRowContext(ctx, `SELECT sha256 FROM issued_reports WHERE number = ?`, r.Number).Scan(&sum)
		switch {
		case err == nil:
			if sum != r.SHA256 {
				conflict = numberTaken(r.Number)
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO issued_reports(number, subject, viewer, format, issued_at, as_of, rulebooks, sha256)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, r.Number, r.Subject, r.Viewer, r.Format, unixNano(r.IssuedAt), unixNano(r.AsOf), string(books), r.SHA256); err != nil {
			return err
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.ReportIssuedChangeOf(r)})
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: issuing report %s: %w", r.Number, err)
	}
	return conflict
}

func numberTaken(number string) error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "number", Reason: "taken", Message: "report number " + number + " was issued already"}
}

func reportNotFound(number string) error {
	return &credo.Error{Code: credo.ENOTFOUND, Field: "number", Reason: "not_found", Message: "no report was issued with number " + number}
}

// IssuedReport implements credo.ReportStore.
func (db *DB) IssuedReport(ctx context.Context, number string) (*credo.IssuedReport, error) {
	r, err := issuedReport(ctx, db.r, number)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading report %s: %w", number, err)
	}
	return r, nil
}

type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// issuedReport reads the report with number and judges its status.
func issuedReport(ctx context.Context, q queryer, number string) (*credo.IssuedReport, error) {
	r := &credo.IssuedReport{Number: number}
	var id, issued, asOf int64
	var books string
	var wAt sql.NullInt64
	var wBy, wReason sql.NullString
	err := q.QueryRowContext(ctx, `SELECT r.id, r.subject, r.viewer, r.format, r.issued_at, r.as_of, r.rulebooks, r.sha256, w.at, w.by_who, w.reason
		FROM issued_reports r LEFT JOIN report_withdrawals w ON w.number = r.number WHERE r.number = ?`, number).
		Scan(&id, &r.Subject, &r.Viewer, &r.Format, &issued, &asOf, &books, &r.SHA256, &wAt, &wBy, &wReason)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, reportNotFound(number)
	}
	if err != nil {
		return nil, err
	}
	r.IssuedAt, r.AsOf = fromUnixNano(issued), fromUnixNano(asOf)
	if err := json.Unmarshal([]byte(books), &r.Rulebooks); err != nil {
		return nil, fmt.Errorf("decoding rulebooks: %w", err)
	}
	err = q.QueryRowContext(ctx, `SELECT number FROM issued_reports WHERE subject = ? AND viewer = ? AND (issued_at > ? OR issued_at = ? AND id > ?)
		ORDER BY issued_at DESC, id DESC LIMIT 1`, r.Subject, r.Viewer, issued, issued, id).Scan(&r.SupersededBy)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	r.Status = credo.ReportValid
	if r.SupersededBy != "" {
		r.Status = credo.ReportSuperseded
	}
	if wAt.Valid {
		r.Status = credo.ReportWithdrawn
		r.Withdrawal = &credo.ReportWithdrawal{At: fromUnixNano(wAt.Int64), By: wBy.String, Reason: wReason.String}
	}
	return r, nil
}

// WithdrawReport implements credo.ReportStore: the withdrawal's primary
// key keeps it to one per report.
func (db *DB) WithdrawReport(ctx context.Context, number string, w credo.ReportWithdrawal) (*credo.IssuedReport, error) {
	var out *credo.IssuedReport
	var refusal error
	err := db.write(ctx, func(tx *sql.Tx) error {
		r, err := issuedReport(ctx, tx, number)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			refusal = err
			return nil
		}
		if err != nil {
			return err
		}
		if r.Withdrawal != nil {
			refusal = &credo.Error{Code: credo.ECONFLICT, Field: "number", Reason: "withdrawn",
				Message: fmt.Sprintf("report %s was withdrawn already, at %s", number, r.Withdrawal.At)}
			return nil
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_withdrawals(number, at, by_who, reason) VALUES (?, ?, ?, ?)`,
			number, unixNano(w.At), w.By, w.Reason); err != nil {
			return err
		}
		if _, err := db.appendChanges(ctx, tx, []*credo.Change{credo.ReportWithdrawnChangeOf(r, w)}); err != nil {
			return err
		}
		r.Status, r.Withdrawal = credo.ReportWithdrawn, &w
		out = r
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: withdrawing report %s: %w", number, err)
	}
	if refusal != nil {
		return nil, refusal
	}
	return out, nil
}

// RestoreIssuedReports implements credo.CopyStore.
func (db *DB) RestoreIssuedReports(ctx context.Context, reports []*credo.IssuedReport) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, r := range reports {
			rbs := r.Rulebooks
			if rbs == nil {
				rbs = []credo.RulebookRef{}
			}
			books, err := json.Marshal(rbs)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO issued_reports(number, subject, viewer, format, issued_at, as_of, rulebooks, sha256)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (number) DO NOTHING`,
				r.Number, r.Subject, r.Viewer, r.Format, unixNano(r.IssuedAt), unixNano(r.AsOf), string(books), r.SHA256); err != nil {
				return err
			}
			if w := r.Withdrawal; w != nil {
				if _, err := tx.ExecContext(ctx, `INSERT INTO report_withdrawals(number, at, by_who, reason) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
					r.Number, unixNano(w.At), w.By, w.Reason); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: restoring issued reports: %w", err)
	}
	return nil
}
