package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// latest is what the subjects table holds about a code's latest version.
type latest struct {
	version int
	hash    string
	names   []string // current name, then former names: what its grams came from
}

// PutSubjects implements credo.SubjectStore.
func (db *DB) PutSubjects(ctx context.Context, subjects []*credo.Subject) ([]credo.Outcome, error) {
	out, err := db.putSubjects(ctx, subjects)
	return out, storageFull(err)
}

func (db *DB) putSubjects(ctx context.Context, subjects []*credo.Subject) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(subjects))
	if len(subjects) == 0 {
		return out, nil
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.stmts == nil {
		return nil, errClosed
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: storing subjects: %w", err)
	}
	defer tx.Rollback()
	seen, err := latestOf(ctx, tx, subjects) // and then as the batch leaves them
	if err != nil {
		return nil, fmt.Errorf("sqlite: storing subjects: %w", err)
	}
	newCodes := 0
	var changes []*credo.Change
	for i, s := range subjects {
		if s == nil || s.Code == "" {
			out[i] = credo.Outcome{Status: credo.Refused, Err: credo.FieldError("code", "required", "is required")}
			continue
		}
		cur := seen[s.Code]
		hash := s.ContentHash()
		if cur.version > 0 && hash == cur.hash {
			out[i] = credo.Outcome{Status: credo.Exists, ID: int64(cur.version)}
			continue
		}
		v := *s
		v.Version = cur.version + 1
		if err := db.stmts.insertVersion(ctx, tx, &v, hash); err != nil {
			return nil, fmt.Errorf("sqlite: storing subject %s: %w", s.Code, err)
		}
		next, err := db.stmts.setLatest(ctx, tx, &v, hash, cur, db.deferGrams)
		if err != nil {
			return nil, fmt.Errorf("sqlite: indexing subject %s: %w", s.Code, err)
		}
		if cur.version == 0 {
			newCodes++
		}
		seen[s.Code] = next
		out[i] = credo.Outcome{Status: credo.Created, ID: int64(v.Version)}
		changes = append(changes, credo.SubjectChange(&v))
		derived, err := db.deriveRelationships(ctx, tx, &v)
		if err != nil {
			return nil, fmt.Errorf("sqlite: deriving the relationships of %s: %w", s.Code, err)
		}
		changes = append(changes, derived...)
	}
	if err := addCount(ctx, tx, "organizations", newCodes); err != nil {
		return nil, fmt.Errorf("sqlite: storing subjects: %w", err)
	}
	if _, err := db.appendChanges(ctx, tx, changes); err != nil {
		return nil, fmt.Errorf("sqlite: storing subjects: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: storing subjects: %w", err)
	}
	return out, nil
}

// latestOf reads the subjects rows of the subjects' codes, in one query;
// a code without one is missing from the map.
func latestOf(ctx context.Context, tx *sql.Tx, subjects []*credo.Subject) (map[string]latest, error) {
	codes := make([]string, 0, len(subjects))
	for _, s := range subjects {
		if s != nil && s.Code != "" {
			codes = append(codes, s.Code)
		}
	}
	arg, err := json.Marshal(codes)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT s.code, s.version, s.hash, s.name, s.former
		FROM json_each(?) AS j CROSS JOIN subjects AS s ON s.code = j.value`, string(arg))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	found := make(map[string]latest, len(codes))
	for rows.Next() {
		var l latest
		var code, name, former string
		if err := rows.Scan(&code, &l.version, &l.hash, &name, &former); err != nil {
			return nil, err
		}
		l.names = append([]string{name}, splitFormer(former)...)
		found[code] = l
	}
	return found, rows.Err()
}

// insertVersion stores one version; an existing (code, version) is kept
// (RestoreSubjects relies on that).
func (st *writerStmts) insertVersion(ctx context.Context, tx *sql.Tx, s *credo.Subject, hash string) error {
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, st.putVersion).ExecContext(ctx, s.Code, s.Version, hash, unixNano(s.RecordedAt), body)
	return err
}

// setLatest makes s the latest version of its code: the subjects row and
// the search grams, changed only where the names changed. With
// deferGrams (a BulkLoadSubjects), the code is listed in grams_pending
// instead, its former grams removed the first time, and its grams are
// written from its latest names when the load ends.
func (st *writerStmts) setLatest(ctx context.Context, tx *sql.Tx, s *credo.Subject, hash string, cur latest, deferGrams bool) (latest, error) {
	formers := make([]string, len(s.FormerNames))
	for i, f := range s.FormerNames {
		formers[i] = f.Name
	}
	next := latest{version: s.Version, hash: hash, names: append([]string{s.Name}, formers...)}
	if _, err := tx.StmtContext(ctx, st.upsertSubject).ExecContext(ctx,
		s.Code, s.Version, hash, s.Name, search.Normalize(s.Name), strings.Join(formers, formerSep), s.Division); err != nil {
		return latest{}, err
	}
	old, now := search.Grams(cur.names...), search.Grams(next.names...)
	if deferGrams {
		res, err := tx.StmtContext(ctx, st.pendingGrams).ExecContext(ctx, s.Code)
		if err != nil {
			return latest{}, err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return next, err // pending already: its grams were removed then
		}
		now = nil // every gram of the former names goes
	}
	for _, g := range old {
		if !contains(now, g) {
			if _, err := tx.StmtContext(ctx, st.deleteGram).ExecContext(ctx, g, s.Code); err != nil {
				return latest{}, err
			}
		}
	}
	var added []string
	for _, g := range now {
		if !contains(old, g) {
			added = append(added, g)
		}
	}
	err := st.insert(ctx, tx, st.grams, len(added), func(i int, args []any) []any {
		return append(args, added[i], s.Code)
	})
	return next, err
}

// formerSep joins former names in the subjects table; validated names
// cannot contain it (it is a control character).
const formerSep = "\x1f"

func splitFormer(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, formerSep)
}

// contains reports whether sorted holds s.
func contains(sorted []string, s string) bool {
	_, found := slices.BinarySearch(sorted, s)
	return found
}
