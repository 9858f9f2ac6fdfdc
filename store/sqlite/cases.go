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

var _ credo.CaseStore = (*DB)(nil)

// caseSelect is what every read of cases scans with scanCases: a case (c)
// and its decision (d), when it has one.
const caseSelect = `c.id, c.kind, c.subject, c.target_kind, c.target_id, c.authority, c.reasons, c.attachments,
	c.commitment, c.filed_by, c.filed_at, c.decide_by,
	d.outcome, d.reasons, d.actor, d.record_id, d.at
	FROM cases AS c LEFT JOIN case_decisions AS d ON d.case_id = c.id`

// FileCase implements credo.CaseStore. The case's Decision, if any, is
// not stored: decisions come through DecideCase.
func (db *DB) FileCase(ctx context.Context, c *credo.Case) error {
	if c == nil {
		return credo.FieldError("", "required", "case is missing")
	}
	attachments, err := json.Marshal(c.Attachments)
	if err != nil {
		return credo.Errorf(credo.EINVALID, "case cannot be stored: %v", err)
	}
	var id int64
	err = db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO cases(kind, subject, target_kind, target_id, authority, reasons,
			attachments, commitment, filed_by, filed_at, decide_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			c.Kind, c.Subject, c.Target.Kind, c.Target.ID, c.Authority, c.Reasons, attachments, c.Commitment,
			c.FiledBy, unixNano(c.FiledAt), unixNano(c.DecideBy))
		if err != nil {
			return err
		}
		if id, err = res.LastInsertId(); err != nil {
			return err
		}
		filed := *c
		filed.ID = id
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.CaseFiledChange(&filed)})
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: filing case: %w", err)
	}
	c.ID = id
	return nil
}

// DecideCase implements credo.CaseStore. A record repaired by an earlier
// approved repair keeps its first RepairedAt.
func (db *DB) DecideCase(ctx context.Context, d *credo.CaseDecision) error {
	if d == nil {
		return credo.FieldError("", "required", "decision is missing")
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		c := credo.Case{ID: d.Case}
		var decided bool
		err := tx.QueryRowContext(ctx, `SELECT c.kind, c.subject, c.authority, c.target_kind, c.target_id,
			EXISTS (SELECT 1 FROM case_decisions WHERE case_id = c.id) FROM cases AS c WHERE c.id = ?`, d.Case).
			Scan(&c.Kind, &c.Subject, &c.Authority, &c.Target.Kind, &c.Target.ID, &decided)
		kind, targetKind, targetID := c.Kind, c.Target.Kind, c.Target.ID
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return &credo.Error{Code: credo.ENOTFOUND, Field: "case", Reason: "not_found", Message: fmt.Sprintf("case %d not found", d.Case)}
		case err != nil:
			return fmt.Errorf("sqlite: deciding case %d: %w", d.Case, err)
		case decided:
			return caseDecided(d.Case)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO case_decisions(case_id, outcome, reasons, actor, record_id, at)
			VALUES (?, ?, ?, ?, ?, ?)`, d.Case, d.Outcome, d.Reasons, d.Actor, nullable(d.Record), unixNano(d.At)); err != nil {
			if isUniqueViolation(err) {
				return caseDecided(d.Case)
			}
			return fmt.Errorf("sqlite: deciding case %d: %w", d.Case, err)
		}
		if kind == credo.CaseRepair && d.Outcome == credo.OutcomeApproved && targetKind == credo.TargetRecord {
			if _, err := tx.ExecContext(ctx, `INSERT INTO record_repairs(record_id, at) VALUES (?, ?)
				ON CONFLICT DO NOTHING`, targetID, unixNano(d.At)); err != nil {
				return fmt.Errorf("sqlite: repairing record %d: %w", targetID, err)
			}
		}
		_, err = db.appendChanges(ctx, tx, credo.CaseDecidedChanges(&c, d))
		return err
	})
	return err
}

func caseDecided(id int64) *credo.Error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "case", Reason: "decided", Message: fmt.Sprintf("case %d is decided already", id)}
}

// Case implements credo.CaseStore.
func (db *DB) Case(ctx context.Context, id int64) (*credo.Case, error) {
	got, err := db.cases(ctx, `SELECT `+caseSelect+` WHERE c.id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading case %d: %w", id, err)
	}
	if len(got) == 0 {
		return nil, credo.ErrNotFound("case", id)
	}
	return got[0], nil
}

// Cases implements credo.CaseStore. Newest first is by id; the cursor is
// the id of the last case of the previous page. Open and Decided together
// keep nothing; DueBefore applies with or without Open.
func (db *DB) Cases(ctx context.Context, q credo.CaseQuery) (*credo.CasePage, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	sqlQ := `SELECT ` + caseSelect + ` WHERE 1`
	var args []any
	if q.Cursor != "" {
		before, err := paging.ID('c', q.Cursor)
		if err != nil {
			return nil, err
		}
		sqlQ += ` AND c.id < ?`
		args = append(args, before)
	}
	if q.Kind != "" {
		sqlQ += ` AND c.kind = ?`
		args = append(args, q.Kind)
	}
	if q.Subject != "" {
		sqlQ += ` AND c.subject = ?`
		args = append(args, q.Subject)
	}
	if q.Authority != "" {
		sqlQ += ` AND c.authority = ?`
		args = append(args, q.Authority)
	}
	if q.Open {
		sqlQ += ` AND d.case_id IS NULL`
	}
	if q.Decided {
		sqlQ += ` AND d.case_id IS NOT NULL`
	}
	if !q.DueBefore.IsZero() {
		sqlQ += ` AND c.decide_by < ?`
		args = append(args, dueNano(q.DueBefore))
	}
	sqlQ += ` ORDER BY c.id DESC LIMIT ?`
	args = append(args, limit+1)
	got, err := db.cases(ctx, sqlQ, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading cases: %w", err)
	}
	page := &credo.CasePage{Cases: got}
	if len(got) > limit {
		page.Cases = got[:limit]
		page.Next = paging.IDCursor('c', got[limit-1].ID)
	}
	return page, nil
}

// TargetCases implements credo.CaseStore.
func (db *DB) TargetCases(ctx context.Context, t credo.Target) ([]*credo.Case, error) {
	got, err := db.cases(ctx, `SELECT `+caseSelect+` WHERE c.target_kind = ? AND c.target_id = ? ORDER BY c.id`, t.Kind, t.ID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading cases about %s %d: %w", t.Kind, t.ID, err)
	}
	return got, nil
}

// cases runs a query of caseSelect.
func (db *DB) cases(ctx context.Context, q string, args ...any) ([]*credo.Case, error) {
	// Prepared once per query text (Cases makes at most 128 of them): an
	// organization's open objections are read on each of its pages.
	st, err := db.reads.get(ctx, db.r, q)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*credo.Case{}
	for rows.Next() {
		c := new(credo.Case)
		var attachments []byte
		var filed, due int64
		var outcome, reasons, actor sql.NullString
		var record, at sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Kind, &c.Subject, &c.Target.Kind, &c.Target.ID, &c.Authority, &c.Reasons,
			&attachments, &c.Commitment, &c.FiledBy, &filed, &due,
			&outcome, &reasons, &actor, &record, &at); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(attachments, &c.Attachments); err != nil {
			return nil, fmt.Errorf("decoding the attachments of case %d: %w", c.ID, err)
		}
		c.FiledAt, c.DecideBy = fromUnixNano(filed), fromUnixNano(due)
		if outcome.Valid {
			c.Decision = &credo.CaseDecision{Case: c.ID, Outcome: outcome.String, Reasons: reasons.String,
				Actor: actor.String, Record: record.Int64, At: fromUnixNano(at.Int64)}
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
