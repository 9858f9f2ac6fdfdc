package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.ReportStore = (*DB)(nil)

// IssueReport implements credo.ReportStore. The unique number makes one
// of two issues under one number win on any nodes; a write retried after
// its commit went unacknowledged finds its own row (the same SHA-256) and
// succeeds. The issue's change is logged in the same transaction.
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
	err = db.write(ctx, "issuing a report", func(ctx context.Context, tx pgx.Tx, _ int) error {
		conflict = nil
		tag, err := tx.Exec(ctx, `INSERT INTO issued_reports(number, subject, viewer, format, issued_ns, as_of_ns, rulebooks, sha256)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (number) DO NOTHING`,
			r.Number, r.Subject, r.Viewer, r.Format, unixNano(r.IssuedAt.Time), unixNano(r.AsOf.Time), string(books), r.SHA256)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return appendChanges(ctx, tx, []*credo.Change{credo.ReportIssuedChangeOf(r)})
		}
		var sum string
		if err := tx.QueryRow(ctx, `SELECT sha256 FROM issued_reports WHERE number = $1`, r.Number).Scan(&sum); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return errRace
			}
			return err
		}
		if sum != r.SHA256 {
			conflict = &credo.Error{Code: credo.ECONFLICT, Field: "number", Reason: "taken", Message: "report number " + r.Number + " was issued already"}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return conflict
}

func reportNotFound(number string) error {
	return &credo.Error{Code: credo.ENOTFOUND, Field: "number", Reason: "not_found", Message: "no report was issued with number " + number}
}

type rowQueryer interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// issuedReport reads the report with number and judges its status.
func issuedReport(ctx context.Context, q rowQueryer, number string) (*credo.IssuedReport, error) {
	r := &credo.IssuedReport{Number: number}
	var id, issued, asOf int64
	var books []byte
	var wAt *int64
	var wBy, wReason *string
	err := q.QueryRow(ctx, `SELECT r.id, r.subject, r.viewer, r.format, r.issued_ns, r.as_of_ns, r.rulebooks, r.sha256, w.at_ns, w.by_who, w.reason
		FROM issued_reports r LEFT JOIN report_withdrawals w ON w.number = r.number WHERE r.number = $1`, number).
		Scan(&id, &r.Subject, &r.Viewer, &r.Format, &issued, &asOf, &books, &r.SHA256, &wAt, &wBy, &wReason)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, reportNotFound(number)
	}
	if err != nil {
		return nil, err
	}
	r.IssuedAt, r.AsOf = timeOf(&issued), timeOf(&asOf)
	if err := json.Unmarshal(books, &r.Rulebooks); err != nil {
		return nil, fmt.Errorf("decoding rulebooks: %w", err)
	}
	err = q.QueryRow(ctx, `SELECT number FROM issued_reports WHERE subject = $1 AND viewer = $2 AND (issued_ns > $3 OR issued_ns = $3 AND id > $4)
		ORDER BY issued_ns DESC, id DESC LIMIT 1`, r.Subject, r.Viewer, issued, id).Scan(&r.SupersededBy)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	r.Status = credo.ReportValid
	if r.SupersededBy != "" {
		r.Status = credo.ReportSuperseded
	}
	if wAt != nil {
		r.Status = credo.ReportWithdrawn
		r.Withdrawal = &credo.ReportWithdrawal{At: timeOf(wAt), By: deref(wBy), Reason: deref(wReason)}
	}
	return r, nil
}

// IssuedReport implements credo.ReportStore.
func (db *DB) IssuedReport(ctx context.Context, number string) (*credo.IssuedReport, error) {
	var out *credo.IssuedReport
	err := db.read(ctx, "reading a report", func(ctx context.Context) error {
		r, err := issuedReport(ctx, db.pool, number)
		out = r
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// WithdrawReport implements credo.ReportStore. The withdrawal's primary
// key keeps it to one per report on any nodes; a write retried after its
// commit went unacknowledged finds its own withdrawal and succeeds.
func (db *DB) WithdrawReport(ctx context.Context, number string, w credo.ReportWithdrawal) (*credo.IssuedReport, error) {
	var out *credo.IssuedReport
	var refusal error
	err := db.write(ctx, "withdrawing a report", func(ctx context.Context, tx pgx.Tx, _ int) error {
		out, refusal = nil, nil
		r, err := issuedReport(ctx, tx, number)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			refusal = err
			return nil
		}
		if err != nil {
			return err
		}
		if r.Withdrawal != nil {
			if r.Withdrawal.At.Equal(w.At.Time) && r.Withdrawal.By == w.By && r.Withdrawal.Reason == w.Reason {
				out = r // this very withdrawal, retried
				return nil
			}
			refusal = &credo.Error{Code: credo.ECONFLICT, Field: "number", Reason: "withdrawn",
				Message: fmt.Sprintf("report %s was withdrawn already, at %s", number, r.Withdrawal.At)}
			return nil
		}
		tag, err := tx.Exec(ctx, `INSERT INTO report_withdrawals(number, at_ns, by_who, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
			number, unixNano(w.At.Time), w.By, w.Reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return errRace
		}
		if err := appendChanges(ctx, tx, []*credo.Change{credo.ReportWithdrawnChangeOf(r, w)}); err != nil {
			return err
		}
		r.Status, r.Withdrawal = credo.ReportWithdrawn, &w
		out = r
		return nil
	})
	if err != nil {
		return nil, err
	}
	if refusal != nil {
		return nil, refusal
	}
	return out, nil
}

// RestoreIssuedReports implements credo.CopyStore.
func (db *DB) RestoreIssuedReports(ctx context.Context, reports []*credo.IssuedReport) error {
	return db.write(ctx, "restoring issued reports", func(ctx context.Context, tx pgx.Tx, _ int) error {
		for _, r := range reports {
			rbs := r.Rulebooks
			if rbs == nil {
				rbs = []credo.RulebookRef{}
			}
			books, err := json.Marshal(rbs)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO issued_reports(number, subject, viewer, format, issued_ns, as_of_ns, rulebooks, sha256)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (number) DO NOTHING`,
				r.Number, r.Subject, r.Viewer, r.Format, unixNano(r.IssuedAt.Time), unixNano(r.AsOf.Time), string(books), r.SHA256); err != nil {
				return err
			}
			if w := r.Withdrawal; w != nil {
				if _, err := tx.Exec(ctx, `INSERT INTO report_withdrawals(number, at_ns, by_who, reason) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
					r.Number, unixNano(w.At.Time), w.By, w.Reason); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
