package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AssessmentStore = (*DB)(nil)

// assessed is an assessment change to store, with what storing it takes
// that does not depend on the database.
type assessed struct {
	change  *credo.AssessmentChange // Subject set
	grades  string                  // gradesOf(change.Assessment)
	asOf    string                  // AsOf as text ('' when zero)
	nextAt  string                  // NextChange as text ('' when zero)
	next    *int64                  // NextChange in ns, nil when none is known
	body    string                  // the JSON of the assessment without AsOf and NextChange
	content []byte                  // contentHash of body
	entry   string                  // the JSON of the change, once it is known to be one
}

// current is what the assessments row of a code holds that a writer
// compares with.
type current struct {
	grades  string
	seq     int32
	content []byte            // contentHash of the stored body; nil when not known
	prev    *credo.Assessment // the one before in the batch, if any
}

// SaveAssessments stores changes in one transaction. The assessments rows
// of the batch's codes are locked first (in code order), so that writers
// of one organization on any node take turns and each compares with the
// current assessment the one before it stored: a change saved by several
// nodes at once is recorded once. An organization assessed for the first
// time has no row to lock; there the primary key of assessment_history
// (code, seq) decides, and the loser of the race runs again and finds the
// winner's assessment current.
//
// Storage: every save writes the organization's narrow stamp row (as_of,
// next change); the body, without those two times, is written only when
// it differs from the stored one (by its hash), and the history entry
// (the full change) only when the grades differ.
func (db *DB) SaveAssessments(ctx context.Context, changes []*credo.AssessmentChange) error {
	if len(changes) == 0 {
		return nil
	}
	batch := make([]assessed, len(changes))
	for i, c := range changes {
		if err := encodeAssessment(c, &batch[i]); err != nil {
			if e := credo.AsError(err); e != nil {
				e.Field = strings.TrimSuffix("changes["+strconv.Itoa(i)+"]."+e.Field, ".")
			}
			return err
		}
	}
	return db.write(ctx, "saving assessments", func(ctx context.Context, tx pgx.Tx, _ int) error {
		return saveAssessments(ctx, tx, batch)
	})
}

// encodeAssessment checks and encodes one change. Where the contract is
// silent, as the embedded store does: a change needs a Subject and an
// Assessment whose Subject is empty or the same.
func encodeAssessment(c *credo.AssessmentChange, out *assessed) error {
	switch {
	case c == nil:
		return credo.FieldError("", "required", "change is missing")
	case c.Subject == "":
		return credo.FieldError("subject", "required", "is required")
	case c.Assessment == nil:
		return credo.FieldError("assessment", "required", "is required")
	case c.Assessment.Subject != "" && c.Assessment.Subject != c.Subject:
		return credo.FieldError("assessment.subject", "mismatch",
			"is %s, but the change is of %s", c.Assessment.Subject, c.Subject)
	}
	a, code := c.Assessment, c.Subject
	unstamped := *a
	unstamped.AsOf, unstamped.NextChange = credo.Time{}, credo.Time{}
	body, err := json.Marshal(&unstamped, json.Deterministic(true)) // equal content, equal bytes
	if err != nil {
		return credo.Errorf(credo.EINVALID, "the assessment of %s cannot be encoded: %v", code, err)
	}
	h := sha256.Sum256(body)
	*out = assessed{change: c, grades: gradesOf(a), asOf: a.AsOf.String(), nextAt: a.NextChange.String(), body: string(body), content: h[:16]}
	if !a.NextChange.IsZero() {
		ns := unixNano(a.NextChange.Time)
		out.next = &ns
	}
	return nil
}

// gradesOf is what decides whether an assessment is a change from another:
// the comprehensive grade and each dimension's grade and score, by
// dimension name (a nil dimension counts as absent). Equal scores give
// equal text (0 and -0 alike). It is stored (assessments.grades): a change
// of its form needs a migration that rewrites the column, or every
// organization's next save is taken for a change.
func gradesOf(a *credo.Assessment) string {
	var b strings.Builder
	b.WriteString(a.Grade)
	for _, name := range slices.Sorted(maps.Keys(a.Dimensions)) {
		d := a.Dimensions[name]
		if d == nil {
			continue // as if absent
		}
		score := d.Score
		if score == 0 {
			score = 0 // -0
		}
		b.WriteString("\x1f" + name + "\x1e" + d.Grade + "\x1e" + strconv.FormatFloat(score, 'g', -1, 64))
	}
	return b.String()
}

func saveAssessments(ctx context.Context, tx pgx.Tx, batch []assessed) error {
	codes := make([]string, len(batch))
	for i := range batch {
		codes[i] = batch[i].change.Subject
	}
	before, err := lockAssessments(ctx, tx, codes)
	if err != nil {
		return err
	}
	// Changes are judged in input order, each against the one before it
	// in the batch or the stored one.
	now := maps.Clone(before)
	final := make(map[string]*assessed)
	type entry struct {
		a   *assessed
		seq int32
	}
	var entries []entry
	var changes []*credo.Change
	// The writes go to the server together, in one round trip.
	b := &pgx.Batch{}
	for i := range batch {
		p := &batch[i]
		code := p.change.Subject
		cur, ok := now[code]
		if !ok || cur.grades != p.grades {
			cur.seq++
			entries = append(entries, entry{p, cur.seq})
			prev := cur.prev
			if prev == nil && ok {
				if prev, err = storedAssessment(ctx, tx, code); err != nil {
					return err
				}
			}
			changes = append(changes, credo.GradeChanges(code, p.change.At.Time, prev, p.change.Assessment)...)
		}
		now[code] = current{grades: p.grades, seq: cur.seq, content: p.content, prev: p.change.Assessment}
		final[code] = p
	}

	if len(entries) > 0 {
		slices.SortFunc(entries, func(a, b entry) int {
			if c := strings.Compare(a.a.change.Subject, b.a.change.Subject); c != 0 {
				return c
			}
			return int(a.seq - b.seq)
		})
		n := len(entries)
		var (
			hcodes = make([]string, 0, n)
			seqs   = make([]int32, 0, n)
			ats    = make([]int64, 0, n)
			bodies = make([]string, 0, n)
		)
		for _, e := range entries {
			if e.a.entry == "" {
				b, err := json.Marshal(e.a.change)
				if err != nil {
					return fmt.Errorf("encoding the assessment change of %s: %w", e.a.change.Subject, err)
				}
				e.a.entry = string(b)
			}
			hcodes = append(hcodes, e.a.change.Subject)
			seqs = append(seqs, e.seq)
			ats = append(ats, unixNano(e.a.change.At.Time))
			bodies = append(bodies, e.a.entry)
		}
		// No ON CONFLICT: an entry another node stored meanwhile under the
		// same number fails this transaction with a unique violation, and
		// it runs again.
		b.Queue(`
			INSERT INTO assessment_history (code, seq, at_ns, body)
			SELECT * FROM unnest($1::text[], $2::int[], $3::bigint[], $4::json[])`,
			hcodes, seqs, ats, bodies)
	}

	keys := slices.Sorted(maps.Keys(final))
	n := len(keys)
	var (
		asOfs   = make([]string, 0, n)
		nextAts = make([]string, 0, n)
		nexts   = make([]*int64, 0, n)
		written = make([]string, 0, n) // codes whose row changes
		grades  = make([]string, 0, n)
		seqs    = make([]int32, 0, n)
		hashes  = make([][]byte, 0, n)
		bodies  = make([]string, 0, n)
	)
	for _, code := range keys {
		p := final[code]
		asOfs = append(asOfs, p.asOf)
		nextAts = append(nextAts, p.nextAt)
		nexts = append(nexts, p.next)
		if was, ok := before[code]; ok && was.seq == now[code].seq && bytes.Equal(was.content, p.content) {
			continue // the same body: the stamp alone moves
		}
		written = append(written, code)
		grades = append(grades, p.grades)
		seqs = append(seqs, now[code].seq)
		hashes = append(hashes, p.content)
		bodies = append(bodies, p.body)
	}
	if len(written) > 0 {
		b.Queue(`
			INSERT INTO assessments (code, grades, seq, content, body)
			SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bytea[], $5::json[])
			ON CONFLICT (code) DO UPDATE SET grades = excluded.grades, seq = excluded.seq,
				content = excluded.content, body = excluded.body`,
			written, grades, seqs, hashes, bodies)
	}
	b.Queue(`
		INSERT INTO assessment_stamps (code, as_of, next_at, next_change_ns)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
		ON CONFLICT (code) DO UPDATE SET as_of = excluded.as_of, next_at = excluded.next_at,
			next_change_ns = excluded.next_change_ns`,
		keys, asOfs, nextAts, nexts)
	queueChanges(b, changes)
	return tx.SendBatch(ctx, b).Close()
}

// lockAssessments reads and locks the assessments rows of codes, in code
// order so that two batches never wait for each other in a circle.
func lockAssessments(ctx context.Context, tx pgx.Tx, codes []string) (map[string]current, error) {
	codes = slices.Clone(codes)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	rows, err := tx.Query(ctx, `
		SELECT code, grades, seq, content FROM assessments
		WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	if err != nil {
		return nil, err
	}
	found := make(map[string]current, len(codes))
	var code string
	var c current
	var content []byte
	_, err = pgx.ForEachRow(rows, []any{&code, &c.grades, &c.seq, &content}, func() error {
		c.content = slices.Clone(content)
		found[code] = c
		return nil
	})
	return found, err
}

// assessmentColumns read a current assessment (from assessments a joined
// with assessment_stamps s): code, body and stamp, for decodeAssessment.
const assessmentColumns = `a.code, a.body, s.as_of, s.next_at FROM assessments a JOIN assessment_stamps s ON s.code = a.code`

// storedAssessment reads code's current assessment in tx.
func storedAssessment(ctx context.Context, tx pgx.Tx, code string) (*credo.Assessment, error) {
	var body []byte
	var asOf, nextAt string
	if err := tx.QueryRow(ctx, `SELECT `+assessmentColumns+` WHERE a.code = $1`, code).Scan(&code, &body, &asOf, &nextAt); err != nil {
		return nil, fmt.Errorf("reading the assessment of %s: %w", code, err)
	}
	return decodeAssessment(code, body, asOf, nextAt)
}

// decodeAssessment is a stored body with its stamp's times.
func decodeAssessment(code string, body []byte, asOf, nextAt string) (*credo.Assessment, error) {
	a := new(credo.Assessment)
	if err := json.Unmarshal(body, a); err != nil {
		return nil, fmt.Errorf("postgres: decoding the stored assessment of %s: %w", code, err)
	}
	if err := a.AsOf.UnmarshalText([]byte(asOf)); err != nil {
		return nil, fmt.Errorf("postgres: decoding the stored assessment of %s: %w", code, err)
	}
	if err := a.NextChange.UnmarshalText([]byte(nextAt)); err != nil {
		return nil, fmt.Errorf("postgres: decoding the stored assessment of %s: %w", code, err)
	}
	return a, nil
}

// CurrentAssessment returns code's current assessment.
func (db *DB) CurrentAssessment(ctx context.Context, code string) (*credo.Assessment, error) {
	var body []byte
	var asOf, nextAt string
	err := db.read(ctx, "reading an assessment", func(ctx context.Context) error {
		var c string
		err := db.pool.QueryRow(ctx, `SELECT `+assessmentColumns+` WHERE a.code = $1`, code).Scan(&c, &body, &asOf, &nextAt)
		if err == pgx.ErrNoRows {
			body = nil
			return nil
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if body == nil {
		return nil, credo.ErrNotFound("assessment of", code)
	}
	return decodeAssessment(code, body, asOf, nextAt)
}

// AssessmentHistory returns a page of code's changes, newest (the last
// stored) first. The cursor is the number of the page's last entry.
func (db *DB) AssessmentHistory(ctx context.Context, code, cursor string, limit int) (*credo.AssessmentPage, error) {
	limit, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	before := int64(math.MaxInt32)
	if cursor != "" {
		pos, err := paging.Position('a', cursor)
		if err != nil {
			return nil, err
		}
		if before, err = strconv.ParseInt(pos, 10, 32); err != nil || before < 1 {
			return nil, paging.BadCursor()
		}
	}
	page := &credo.AssessmentPage{Changes: []*credo.AssessmentChange{}}
	var last int32
	err = db.read(ctx, "reading assessment history", func(ctx context.Context) error {
		page.Changes, page.Next = page.Changes[:0], ""
		rows, err := db.pool.Query(ctx, `
			SELECT seq, body FROM assessment_history
			WHERE code = $1 AND seq < $2 ORDER BY seq DESC LIMIT $3`, code, before, limit+1)
		if err != nil {
			return err
		}
		var seq int32
		var body []byte
		_, err = pgx.ForEachRow(rows, []any{&seq, &body}, func() error {
			if len(page.Changes) == limit {
				page.Next = paging.Cursor('a', strconv.Itoa(int(last)))
				return nil
			}
			c := new(credo.AssessmentChange)
			if err := json.Unmarshal(body, c); err != nil {
				return fmt.Errorf("decoding assessment change %d of %s: %w", seq, code, err)
			}
			page.Changes = append(page.Changes, c)
			last = seq
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// GradeHistory implements credo.AssessmentStore: the grade fields of
// the history's bodies, extracted by the server.
func (db *DB) GradeHistory(ctx context.Context, code string, limit int) ([]credo.GradeChange, error) {
	limit, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	var out []credo.GradeChange
	err = db.read(ctx, "reading grade history", func(ctx context.Context) error {
		out = []credo.GradeChange{}
		rows, err := db.pool.Query(ctx, `
			SELECT at_ns, body->'assessment'->>'grade', (body->'assessment'->>'public')::boolean, body->'cause'->>'kind'
			FROM assessment_history WHERE code = $1 ORDER BY seq DESC LIMIT $2`, code, limit)
		if err != nil {
			return err
		}
		var at int64
		var grade, kind *string
		var public *bool
		_, err = pgx.ForEachRow(rows, []any{&at, &grade, &public, &kind}, func() error {
			c := credo.GradeChange{}
			if at != 0 {
				c.At = credo.NewTime(time.Unix(0, at))
			}
			if grade != nil {
				c.Grade = *grade
			}
			if public != nil {
				c.Public = *public
			}
			if kind != nil {
				c.Cause = *kind
			}
			out = append(out, c)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DueAssessments returns up to limit codes whose current assessment
// changes by time alone at or before t, earliest first (ties by code).
// The limit is a page size, as for every paginated read: 0 means
// DefaultPageSize and one above MaxPageSize is cut to it (callers loop
// until nothing is due).
func (db *DB) DueAssessments(ctx context.Context, t time.Time, limit int) ([]string, error) {
	limit, err := paging.Size(limit)
	if err != nil {
		return nil, err
	}
	out := []string{}
	err = db.read(ctx, "finding due assessments", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `
			SELECT code FROM assessment_stamps WHERE next_change_ns <= $1
			ORDER BY next_change_ns, code LIMIT $2`, unixNano(t), limit)
		if err != nil {
			return err
		}
		out, err = pgx.AppendRows(out[:0], rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
