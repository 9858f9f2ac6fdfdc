package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.CaseStore = (*DB)(nil)

// FileCase stores a new case and sets its ID. A call that runs again after
// its commit went through unacknowledged finds its own row by its filing
// token and answers its id instead of filing the case twice.
func (db *DB) FileCase(ctx context.Context, c *credo.Case) error {
	if c == nil {
		return credo.FieldError("", "required", "case is missing")
	}
	var attachments *string
	if c.Attachments != nil {
		b, err := json.Marshal(c.Attachments)
		if err != nil {
			return credo.Errorf(credo.EINVALID, "the case's attachments cannot be encoded: %v", err)
		}
		s := string(b)
		attachments = &s
	}
	filing := rand.Text()
	var id int64
	err := db.write(ctx, "filing a case", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if attempt > 0 {
			err := tx.QueryRow(ctx, `SELECT id FROM cases WHERE filing = $1`, filing).Scan(&id)
			if err != pgx.ErrNoRows {
				return err
			}
		}
		ids, err := drawIDs(ctx, tx, "case_ids", 1)
		if err != nil {
			return err
		}
		id = ids[0]
		_, err = tx.Exec(ctx, `
			INSERT INTO cases (id, kind, subject, target_kind, target_id, authority, reasons, attachments,
				commitment, filed_by, filed_ns, decide_by_ns, filing)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13)`,
			id, c.Kind, c.Subject, c.Target.Kind, c.Target.ID, c.Authority, c.Reasons, attachments,
			c.Commitment, c.FiledBy, nsOf(c.FiledAt), nsOf(c.DecideBy), filing)
		if err != nil {
			return err
		}
		filed := *c
		filed.ID = id
		return appendChanges(ctx, tx, []*credo.Change{credo.CaseFiledChange(&filed)})
	})
	if err != nil {
		return err
	}
	c.ID = id
	return nil
}

// DecideCase stores the decision on a case. The primary key of
// case_decisions keeps one decision per case across nodes: of two nodes
// deciding at once, the second waits for the first and, when it committed,
// inserts nothing and answers ECONFLICT. An approved repair whose case
// targets a record marks the record repaired (record_repairs) in the same
// transaction; a record repaired already keeps its first repair time.
func (db *DB) DecideCase(ctx context.Context, d *credo.CaseDecision) error {
	if d == nil {
		return credo.FieldError("", "required", "decision is missing")
	}
	writer := rand.Text()
	return db.write(ctx, "deciding a case", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		c := credo.Case{ID: d.Case}
		err := tx.QueryRow(ctx, `SELECT kind, subject, authority, target_kind, target_id FROM cases WHERE id = $1`, d.Case).
			Scan(&c.Kind, &c.Subject, &c.Authority, &c.Target.Kind, &c.Target.ID)
		kind, targetKind, targetID := c.Kind, c.Target.Kind, c.Target.ID
		if err == pgx.ErrNoRows {
			e := credo.ErrNotFound("case", d.Case)
			e.Field = "case"
			return e
		}
		if err != nil {
			return err
		}
		var record *int64
		if d.Record != 0 {
			record = &d.Record
		}
		tag, err := tx.Exec(ctx, `
			INSERT INTO case_decisions (case_id, outcome, reasons, actor, record, at_ns, writer)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_id) DO NOTHING`,
			d.Case, d.Outcome, d.Reasons, d.Actor, record, nsOf(d.At), writer)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if attempt > 0 {
				var stored string
				err := tx.QueryRow(ctx, `SELECT writer FROM case_decisions WHERE case_id = $1`, d.Case).Scan(&stored)
				if err == nil && stored == writer {
					return nil
				}
			}
			return &credo.Error{Code: credo.ECONFLICT, Field: "case", Reason: "decided",
				Message: fmt.Sprintf("case %d is decided already", d.Case)}
		}
		if kind == credo.CaseRepair && d.Outcome == credo.OutcomeApproved && targetKind == credo.TargetRecord {
			_, err := tx.Exec(ctx, `
				INSERT INTO record_repairs (record_id, at_ns, case_id) VALUES ($1, $2, $3)
				ON CONFLICT (record_id) DO NOTHING`, targetID, nsOf(d.At), d.Case)
			if err != nil {
				return err
			}
		}
		return appendChanges(ctx, tx, credo.CaseDecidedChanges(&c, d))
	})
}

// caseSelect reads cases with their decision (at most one: case_decisions
// is keyed by case).
const caseSelect = `
	SELECT c.id, c.kind, c.subject, c.target_kind, c.target_id, c.authority, c.reasons, c.attachments,
		c.commitment, c.filed_by, c.filed_ns, c.decide_by_ns,
		d.case_id, d.outcome, d.reasons, d.actor, d.record, d.at_ns
	FROM cases c LEFT JOIN case_decisions d ON d.case_id = c.id`

func (db *DB) cases(ctx context.Context, q string, args ...any) ([]*credo.Case, error) {
	out := []*credo.Case{}
	err := db.read(ctx, "reading cases", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		var (
			c                          credo.Case
			attachments                []byte
			filed, decideBy            *int64
			dcase, drecord, dat        *int64
			doutcome, dreasons, dactor *string
		)
		_, err = pgx.ForEachRow(rows, []any{&c.ID, &c.Kind, &c.Subject, &c.Target.Kind, &c.Target.ID, &c.Authority,
			&c.Reasons, &attachments, &c.Commitment, &c.FiledBy, &filed, &decideBy,
			&dcase, &doutcome, &dreasons, &dactor, &drecord, &dat}, func() error {
			cc := c
			cc.Attachments = nil
			if attachments != nil {
				if err := json.Unmarshal(attachments, &cc.Attachments); err != nil {
					return fmt.Errorf("case %d: decoding stored attachments: %w", c.ID, err)
				}
			}
			cc.FiledAt, cc.DecideBy = timeOf(filed), timeOf(decideBy)
			cc.Decision = nil
			if dcase != nil {
				d := &credo.CaseDecision{Case: *dcase, Outcome: deref(doutcome), Reasons: deref(dreasons),
					Actor: deref(dactor), At: timeOf(dat)}
				if drecord != nil {
					d.Record = *drecord
				}
				cc.Decision = d
			}
			out = append(out, &cc)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Case returns the case with id and its decision.
func (db *DB) Case(ctx context.Context, id int64) (*credo.Case, error) {
	cs, err := db.cases(ctx, caseSelect+` WHERE c.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, credo.ErrNotFound("case", id)
	}
	return cs[0], nil
}

// Cases returns a page of cases matching q, newest (highest id) first.
// The cursor is the id of the page's last case. Open and Decided together
// match nothing; DueBefore filters whenever it is set.
func (db *DB) Cases(ctx context.Context, q credo.CaseQuery) (*credo.CasePage, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	before := int64(math.MaxInt64)
	if q.Cursor != "" {
		if before, err = paging.ID('c', q.Cursor); err != nil {
			return nil, err
		}
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	where := []string{"c.id < " + arg(before)}
	if q.Kind != "" {
		where = append(where, "c.kind = "+arg(q.Kind))
	}
	if q.Subject != "" {
		where = append(where, "c.subject = "+arg(q.Subject))
	}
	if q.Authority != "" {
		where = append(where, "c.authority = "+arg(q.Authority))
	}
	if q.Open {
		where = append(where, "d.case_id IS NULL")
	}
	if q.Decided {
		where = append(where, "d.case_id IS NOT NULL")
	}
	if !q.DueBefore.IsZero() {
		where = append(where, "coalesce(c.decide_by_ns, "+minNS+") < "+arg(unixNano(q.DueBefore)))
	}
	cs, err := db.cases(ctx, caseSelect+" WHERE "+strings.Join(where, " AND ")+" ORDER BY c.id DESC LIMIT "+arg(limit+1), args...)
	if err != nil {
		return nil, err
	}
	page := &credo.CasePage{Cases: cs}
	if len(cs) > limit {
		page.Cases = cs[:limit]
		page.Next = paging.IDCursor('c', cs[limit-1].ID)
	}
	return page, nil
}

// TargetCases returns every case about t, by id, with decisions.
func (db *DB) TargetCases(ctx context.Context, t credo.Target) ([]*credo.Case, error) {
	return db.cases(ctx, caseSelect+` WHERE c.target_kind = $1 AND c.target_id = $2 ORDER BY c.id`, t.Kind, t.ID)
}
