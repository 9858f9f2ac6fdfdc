package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/credo-registry/credo/store/sqlcommon"
)

var errClosed = errors.New("sqlite: database is closed")

// writerStmts are the writer's prepared statements, prepared once at Open.
// A write transaction runs them through tx.StmtContext, which reuses what
// the writer's one connection has prepared; SQL text executed directly
// would be compiled again on every call.
type writerStmts struct {
	records       multiRow // INSERT OR ROLLBACK INTO records
	grams         multiRow // INSERT INTO subject_grams ... ON CONFLICT DO NOTHING
	changes       multiRow // INSERT INTO changes
	putVersion    *sql.Stmt
	upsertSubject *sql.Stmt
	deleteGram    *sql.Stmt
	pendingGrams  *sql.Stmt // INSERT OR IGNORE INTO grams_pending
	putAssessment *sql.Stmt
	putStamp      *sql.Stmt
	addHistory    *sql.Stmt
	// Relationships (relationships.go): each stored version's row, its
	// two adjacency rows, the superseded version's mark, and the lookup
	// of a key's current versions.
	putRelationship, putAdjacency, supersedeAdjacency, currentOfKey *sql.Stmt
	// A registration version's people and the registration relationships
	// derived from it (deriveRelationships).
	deletePeople, putPerson, othersOfPeople, openRegistration *sql.Stmt
	// byText: writeQueries, by their text (DB.txStmt).
	byText map[string]*sql.Stmt
	all    []*sql.Stmt
	args   []any // reused argument buffer; guarded by DB.mu
}

// multiRow is one INSERT prepared for several row counts: a statement per
// 100 rows saves most of the per-statement cost, the smaller ones take the
// remainder.
type multiRow struct {
	cols  int
	sizes []int // descending, ending in 1
	stmts map[int]*sql.Stmt
}

// recordColumns are the records columns a write binds, in order.
const recordColumns = "id, subject, authority, external_id, category, kind, occurred_at, recorded_at, supersedes, hash, body"

const nRecordColumns = 11

// Positions in recordColumns the writer sets.
const (
	colID         = 0
	colSupersedes = 8
)

// writeQueries are the statements DB.txStmt finds prepared.
var writeQueries = []string{queueDelivery, moveWebhookCursor, webhooksIn, deliveredOut, releaseDeliveries, clearFailing,
	claimDeliveries, addNotice}

func prepareWriterStmts(ctx context.Context, w *sql.DB) (*writerStmts, error) {
	s := &writerStmts{}
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		if st, err = w.PrepareContext(ctx, q); err != nil {
			err = fmt.Errorf("sqlite: preparing %q: %w", q, err)
			return nil
		}
		s.all = append(s.all, st)
		return st
	}
	rows := func(head string, cols int, tail string, sizes ...int) multiRow {
		m := multiRow{cols: cols, sizes: sizes, stmts: map[int]*sql.Stmt{}}
		row := "(" + strings.Repeat("?,", cols-1) + "?)"
		for _, n := range sizes {
			m.stmts[n] = prep(head + strings.Repeat(row+",", n-1) + row + tail)
		}
		return m
	}
	s.byText = map[string]*sql.Stmt{}
	for _, q := range writeQueries {
		s.byText[q] = prep(q)
	}
	// OR ROLLBACK: a clash ends the transaction (AppendRecords then decides
	// the batch again), and spares SQLite a statement journal.
	s.records = rows("INSERT OR ROLLBACK INTO records("+recordColumns+") VALUES ", nRecordColumns, "", 100, 10, 1)
	s.changes = rows("INSERT INTO changes(position, type, subject, ref, at, key, data, span) VALUES ", 8, "", 100, 10, 1)
	s.grams = rows("INSERT INTO subject_grams(gram, code) VALUES ", 2, " ON CONFLICT DO NOTHING", 100, 10, 1)
	s.putVersion = prep(`INSERT INTO subject_versions(code, version, hash, recorded_at, body)
		VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`)
	s.upsertSubject = prep(`INSERT INTO subjects(code, version, hash, name, norm_name, former, division)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET version = excluded.version, hash = excluded.hash, name = excluded.name,
			norm_name = excluded.norm_name, former = excluded.former, division = excluded.division`)
	s.deleteGram = prep(`DELETE FROM subject_grams WHERE gram = ? AND code = ?`)
	s.pendingGrams = prep(`INSERT OR IGNORE INTO grams_pending(code) VALUES (?)`)
	s.putAssessment = prep(`INSERT INTO assessments(code, seq, grade, grades, content, body)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET seq = excluded.seq, grade = excluded.grade, grades = excluded.grades,
			content = excluded.content, body = excluded.body`)
	s.putStamp = prep(`INSERT INTO assessment_stamps(code, as_of, next_at, next_change) VALUES (?, ?, ?, ?)
		ON CONFLICT(code) DO UPDATE SET as_of = excluded.as_of, next_at = excluded.next_at, next_change = excluded.next_change`)
	s.addHistory = prep(`INSERT INTO assessment_history(code, seq, at, cause, body) VALUES (?, ?, ?, ?, ?)`)
	s.putRelationship = prep(`INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share,
		person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	s.putAdjacency = prep(`INSERT INTO adjacency(code, id, other, outgoing, kind, source, declarant, since, until, share, recorded_at, superseded_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)`)
	s.supersedeAdjacency = prep(`UPDATE adjacency SET superseded_at = ? WHERE code IN (?, ?) AND id = ?`)
	s.deletePeople = prep(`DELETE FROM people WHERE code = ?`)
	s.putPerson = prep(`INSERT INTO people(person_key, code, name, roles, version) VALUES (?, ?, ?, ?, ?)`)
	s.othersOfPeople = prep(`SELECT p.person_key, p.code, p.name, p.roles, p.version
		FROM json_each(?) AS j JOIN people p ON p.person_key = j.value WHERE p.code <> ?`)
	s.openRegistration = prep(`SELECT ` + sqlcommon.RelationshipColumns + ` FROM relationships r
		WHERE r.from_code = ?1 AND r.source = 'registration' AND r.until = 0
		AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id)
		UNION ALL SELECT ` + sqlcommon.RelationshipColumns + ` FROM relationships r
		WHERE r.to_code = ?1 AND r.source = 'registration' AND r.until = 0
		AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id)`)
	s.currentOfKey = prep(`SELECT r.id, r.hash, r.until FROM relationships r WHERE r.key = ?
		AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id) ORDER BY r.id`)
	if err != nil {
		s.close()
		return nil, err
	}
	s.args = make([]any, 0, 100*nRecordColumns)
	return s, nil
}

func (s *writerStmts) close() error {
	var first error
	for _, st := range s.all {
		if err := st.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// insert runs m for n rows, row(i, args) appending row i's values.
func (s *writerStmts) insert(ctx context.Context, tx *sql.Tx, m multiRow, n int, row func(i int, args []any) []any) error {
	for done := 0; done < n; {
		size := 1
		for _, sz := range m.sizes {
			if n-done >= sz {
				size = sz
				break
			}
		}
		args := s.args[:0]
		for i := done; i < done+size; i++ {
			args = row(i, args)
		}
		_, err := tx.StmtContext(ctx, m.stmts[size]).ExecContext(ctx, args...)
		clear(args) // drop references to the rows
		if err != nil {
			return err
		}
		done += size
	}
	return nil
}
