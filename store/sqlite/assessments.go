package sqlite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AssessmentStore = (*DB)(nil)

// savedAssessment is one change of a SaveAssessments batch, encoded before
// the batch waits for the writer.
type savedAssessment struct {
	change  *credo.AssessmentChange
	code    string
	grade   string
	grades  string // gradesOf the assessment
	asOf    string // AsOf as text ('' when zero)
	nextAt  string // NextChange as text ('' when zero)
	next    any    // NextChange as dueNano, nil when none is known
	at      int64
	cause   []byte
	body    []byte // the assessment without AsOf and NextChange
	content []byte // contentHash of body
}

// current is what the assessments table holds of a code's current
// assessment, as much as deciding a change needs.
type current struct {
	seq     int64 // the last history entry; 0 when never assessed
	grades  string
	content []byte            // contentHash of the stored body; nil when not known
	prev    *credo.Assessment // the one before in the batch, if any
}

// SaveAssessments implements credo.AssessmentStore. The comparison with the
// current assessment happens inside the write transaction, so concurrent
// savers of the same change record it once. Where the contract is silent:
// each change needs a Subject and an Assessment whose Subject is empty or
// the same (else EINVALID, and nothing is stored); changes of one code in
// one batch apply in order, each compared with the one before it; the
// comprehensive Score is not compared (it follows from the dimensions),
// and a dimension that appears or disappears is a change.
//
// Storage: every save writes the organization's narrow stamp row (as_of,
// next change); the body, without those two times, is written only when
// it differs from the stored one (by its hash), and the history entry
// (the full assessment) only when the grades differ.
func (db *DB) SaveAssessments(ctx context.Context, changes []*credo.AssessmentChange) error {
	if len(changes) == 0 {
		return nil
	}
	batch := make([]savedAssessment, len(changes))
	codes := make([]string, len(changes))
	for i, c := range changes {
		s, err := encodeChange(c)
		if err != nil {
			if e := credo.AsError(err); e != nil {
				e.Field = strings.TrimSuffix("changes["+strconv.Itoa(i)+"]."+e.Field, ".")
			}
			return err
		}
		batch[i], codes[i] = s, s.code
	}
	codesArg, err := json.Marshal(codes)
	if err != nil {
		return fmt.Errorf("sqlite: saving assessments: %w", err)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		cur, err := currentOf(ctx, tx, codesArg)
		if err != nil {
			return err
		}
		put, stamp, add := tx.StmtContext(ctx, db.stmts.putAssessment), tx.StmtContext(ctx, db.stmts.putStamp), tx.StmtContext(ctx, db.stmts.addHistory)
		var changes []*credo.Change
		for _, s := range batch {
			c := cur[s.code]
			changed := c.seq == 0 || c.grades != s.grades
			if changed {
				full, err := json.Marshal(s.change.Assessment)
				if err != nil {
					return credo.Errorf(credo.EINVALID, "assessment of %s cannot be stored: %v", s.code, err)
				}
				prev := c.prev
				if prev == nil && c.seq > 0 {
					if prev, err = storedAssessment(ctx, tx, s.code); err != nil {
						return err
					}
				}
				c.seq++
				if _, err := add.ExecContext(ctx, s.code, c.seq, s.at, s.cause, full); err != nil {
					return err
				}
				changes = append(changes, credo.GradeChanges(s.code, s.change.At.Time, prev, s.change.Assessment)...)
			}
			if changed || !bytes.Equal(c.content, s.content) {
				if _, err := put.ExecContext(ctx, s.code, c.seq, s.grade, s.grades, s.content, s.body); err != nil {
					return err
				}
			}
			if _, err := stamp.ExecContext(ctx, s.code, s.asOf, s.nextAt, s.next); err != nil {
				return err
			}
			cur[s.code] = current{seq: c.seq, grades: s.grades, content: s.content, prev: s.change.Assessment}
		}
		_, err = db.appendChanges(ctx, tx, changes)
		return err
	})
	if err != nil && credo.AsError(err) == nil {
		return fmt.Errorf("sqlite: saving assessments: %w", err)
	}
	return err
}

func encodeChange(c *credo.AssessmentChange) (savedAssessment, error) {
	switch {
	case c == nil:
		return savedAssessment{}, credo.FieldError("", "required", "change is missing")
	case c.Subject == "":
		return savedAssessment{}, credo.FieldError("subject", "required", "is required")
	case c.Assessment == nil:
		return savedAssessment{}, credo.FieldError("assessment", "required", "is required")
	case c.Assessment.Subject != "" && c.Assessment.Subject != c.Subject:
		return savedAssessment{}, credo.FieldError("assessment.subject", "mismatch",
			"is %s, but the change is of %s", c.Assessment.Subject, c.Subject)
	}
	a := c.Assessment
	grades, err := gradesOf(a)
	if err != nil {
		return savedAssessment{}, credo.Errorf(credo.EINVALID, "assessment of %s cannot be stored: %v", c.Subject, err)
	}
	unstamped := *a
	unstamped.AsOf, unstamped.NextChange = credo.Time{}, credo.Time{}
	body, err := json.Marshal(&unstamped, json.Deterministic(true)) // equal content, equal bytes
	if err != nil {
		return savedAssessment{}, credo.Errorf(credo.EINVALID, "assessment of %s cannot be stored: %v", c.Subject, err)
	}
	cause, err := json.Marshal(&c.Cause)
	if err != nil {
		return savedAssessment{}, credo.Errorf(credo.EINVALID, "cause of %s cannot be stored: %v", c.Subject, err)
	}
	s := savedAssessment{change: c, code: c.Subject, grade: a.Grade, grades: grades, asOf: a.AsOf.String(), nextAt: a.NextChange.String(),
		at: unixNano(c.At), cause: cause, body: body, content: contentHash(body)}
	if !a.NextChange.IsZero() {
		s.next = dueNano(a.NextChange.Time)
	}
	return s, nil
}

// contentHash tells stored bodies apart: the first 16 bytes of body's
// SHA-256.
func contentHash(body []byte) []byte {
	h := sha256.Sum256(body)
	return h[:16]
}

// gradedDimension is what a change of a dimension is judged by.
type gradedDimension struct {
	Grade string  `json:"grade"`
	Score float64 `json:"score"`
}

// gradesOf is what decides whether a is a change: the comprehensive grade
// and each dimension's grade and score, by name (a nil dimension counts as
// absent), as JSON with sorted keys. Scores compare exactly (JSON numbers
// round-trip float64), 0 and -0 alike. It is stored (assessments.grades):
// changing its form takes a migration that rewrites the column, or every
// organization's next save is taken for a change.
func gradesOf(a *credo.Assessment) (string, error) {
	dims := make(map[string]gradedDimension, len(a.Dimensions))
	for name, d := range a.Dimensions {
		if d != nil {
			dims[name] = gradedDimension{Grade: d.Grade, Score: d.Score + 0} // -0 + 0 is 0
		}
	}
	b, err := json.Marshal(struct {
		Grade      string                     `json:"grade"`
		Dimensions map[string]gradedDimension `json:"dimensions"`
	}{a.Grade, dims}, json.Deterministic(true))
	return string(b), err
}

// dueNano is t as next_change holds it: unix nanoseconds, held to the
// range they can hold (1678-2262), so that a time outside it orders as the
// nearest one inside.
func dueNano(t time.Time) int64 {
	switch {
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// currentOf reads the current assessments of the codes in the JSON array
// codes, in one query; a code never assessed is missing from the map.
func currentOf(ctx context.Context, tx *sql.Tx, codes []byte) (map[string]current, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.code, a.seq, a.grades, a.content
		FROM json_each(?) AS j CROSS JOIN assessments AS a ON a.code = j.value`, string(codes))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := map[string]current{}
	for rows.Next() {
		var code string
		var c current
		if err := rows.Scan(&code, &c.seq, &c.grades, &c.content); err != nil {
			return nil, err
		}
		found[code] = c
	}
	return found, rows.Err()
}

// assessmentQuery reads a current assessment: its body and its stamp.
const assessmentQuery = `SELECT a.body, s.as_of, s.next_at FROM assessments a
	JOIN assessment_stamps s ON s.code = a.code WHERE a.code = ?`

// storedAssessment reads code's current assessment in tx.
func storedAssessment(ctx context.Context, tx *sql.Tx, code string) (*credo.Assessment, error) {
	var body []byte
	var asOf, nextAt string
	if err := tx.QueryRowContext(ctx, assessmentQuery, code).Scan(&body, &asOf, &nextAt); err != nil {
		return nil, fmt.Errorf("reading the assessment of %s: %w", code, err)
	}
	return decodeAssessment(code, body, asOf, nextAt)
}

// decodeAssessment is the stored body with its stamp's times.
func decodeAssessment(code string, body []byte, asOf, nextAt string) (*credo.Assessment, error) {
	a := new(credo.Assessment)
	if err := json.Unmarshal(body, a); err != nil {
		return nil, fmt.Errorf("sqlite: decoding assessment of %s: %w", code, err)
	}
	if err := a.AsOf.UnmarshalText([]byte(asOf)); err != nil {
		return nil, fmt.Errorf("sqlite: decoding assessment of %s: %w", code, err)
	}
	if err := a.NextChange.UnmarshalText([]byte(nextAt)); err != nil {
		return nil, fmt.Errorf("sqlite: decoding assessment of %s: %w", code, err)
	}
	return a, nil
}

// CurrentAssessment implements credo.AssessmentStore.
func (db *DB) CurrentAssessment(ctx context.Context, code string) (*credo.Assessment, error) {
	var body []byte
	var asOf, nextAt string
	st, err := db.reads.get(ctx, db.r, assessmentQuery)
	if err != nil {
		return nil, err
	}
	err = st.QueryRowContext(ctx, code).Scan(&body, &asOf, &nextAt)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("assessment of", code)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading assessment of %s: %w", code, err)
	}
	return decodeAssessment(code, body, asOf, nextAt)
}

// AssessmentHistory implements credo.AssessmentStore. Newest first is the
// reverse of the order the changes were recorded in (which is the order of
// their At for a grader whose clock does not go back); the cursor is the
// position of the last change of the previous page.
func (db *DB) AssessmentHistory(ctx context.Context, code, cursor string, limit int) (*credo.AssessmentPage, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	before := int64(math.MaxInt64)
	if cursor != "" {
		pos, err := paging.Position('a', cursor)
		if err != nil {
			return nil, err
		}
		if before, err = strconv.ParseInt(pos, 10, 64); err != nil || before < 1 {
			return nil, paging.BadCursor()
		}
	}
	// Prepared once: the organization page reads it on every view.
	st, err := db.reads.get(ctx, db.r, `SELECT seq, at, cause, body FROM assessment_history
		WHERE code = ? AND seq < ? ORDER BY seq DESC LIMIT ?`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, code, before, n+1)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading assessment history of %s: %w", code, err)
	}
	defer rows.Close()
	page := &credo.AssessmentPage{Changes: []*credo.AssessmentChange{}}
	var last int64
	for rows.Next() {
		if len(page.Changes) == n {
			page.Next = paging.Cursor('a', strconv.FormatInt(last, 10))
			break
		}
		var at int64
		var cause, body []byte
		if err := rows.Scan(&last, &at, &cause, &body); err != nil {
			return nil, fmt.Errorf("sqlite: reading assessment history of %s: %w", code, err)
		}
		c := &credo.AssessmentChange{Subject: code, At: fromUnixNano(at), Assessment: new(credo.Assessment)}
		if err := json.Unmarshal(cause, &c.Cause); err != nil {
			return nil, fmt.Errorf("sqlite: decoding assessment history of %s: %w", code, err)
		}
		if err := json.Unmarshal(body, c.Assessment); err != nil {
			return nil, fmt.Errorf("sqlite: decoding assessment history of %s: %w", code, err)
		}
		page.Changes = append(page.Changes, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading assessment history of %s: %w", code, err)
	}
	return page, nil
}

// gradeHistoryQuery reads the grade history from the index
// assessment_history_grades alone (migration 0020): its expressions are
// the index's, written the same.
const gradeHistoryQuery = `SELECT at, json_extract(CAST(body AS TEXT), '$.grade'),
	json_extract(CAST(body AS TEXT), '$.public'), json_extract(CAST(cause AS TEXT), '$.kind')
	FROM assessment_history INDEXED BY assessment_history_grades WHERE code = ? ORDER BY seq DESC LIMIT ?`

// GradeHistory implements credo.AssessmentStore.
func (db *DB) GradeHistory(ctx context.Context, code string, limit int) ([]credo.GradeChange, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	st, err := db.reads.get(ctx, db.r, gradeHistoryQuery)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, code, n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading grade history of %s: %w", code, err)
	}
	defer rows.Close()
	out := []credo.GradeChange{}
	for rows.Next() {
		var at int64
		var grade, kind sql.NullString
		var public sql.NullBool
		if err := rows.Scan(&at, &grade, &public, &kind); err != nil {
			return nil, fmt.Errorf("sqlite: reading grade history of %s: %w", code, err)
		}
		out = append(out, credo.GradeChange{At: fromUnixNano(at), Grade: grade.String, Public: public.Bool, Cause: kind.String})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading grade history of %s: %w", code, err)
	}
	return out, nil
}

// DueAssessments implements credo.AssessmentStore; ties are in code order.
// A limit of 0 means DefaultPageSize and one above MaxPageSize is cut to
// it, as for every paginated read (callers loop until nothing is due).
func (db *DB) DueAssessments(ctx context.Context, t time.Time, limit int) ([]string, error) {
	n, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, `SELECT code FROM assessment_stamps
		WHERE next_change IS NOT NULL AND next_change <= ? ORDER BY next_change, code LIMIT ?`, dueNano(t), n)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading due assessments: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, fmt.Errorf("sqlite: reading due assessments: %w", err)
		}
		out = append(out, code)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading due assessments: %w", err)
	}
	return out, nil
}
