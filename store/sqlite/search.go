package sqlite

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/store/paging"
)

// maxCandidates bounds how many subjects one query verifies and ranks from
// each source (code prefix, name prefix, grams). A query that matches more
// (say 有限公司) is answered from the first maxCandidates gram matches in
// code order, plus every exact and prefix name match up to the same bound.
const maxCandidates = 5000

// maxQueryGrams bounds the grams a query is narrowed by; the rarest are
// used, and Score verifies the rest.
const maxQueryGrams = 6

// top is the end of every prefix range: U+10FFFF sorts after any
// character that can follow a prefix in BINARY collation.
const top = "\U0010FFFF"

// SearchSubjects implements credo.SubjectStore. A query with Q ranks every
// candidate with search.Score and pages by offset into that order; a
// division-only listing pages by code.
func (db *DB) SearchSubjects(ctx context.Context, q credo.SubjectQuery) (*credo.SubjectPage, error) {
	limit, offset, byDivision, err := paging.Search(q)
	if err != nil {
		return nil, err
	}
	if byDivision {
		return db.listDivision(ctx, q.Division, q.Cursor, limit)
	}
	ranked, err := db.rank(ctx, q.Q, q.Division)
	if err != nil {
		return nil, fmt.Errorf("sqlite: searching %q: %w", q.Q, err)
	}
	page := &credo.SubjectPage{Subjects: []*credo.Subject{}}
	if offset >= len(ranked) {
		return page, nil
	}
	end := min(offset+limit, len(ranked))
	codes := make([]string, 0, end-offset)
	for _, c := range ranked[offset:end] {
		codes = append(codes, c.Code)
	}
	if page.Subjects, err = db.latestSubjects(ctx, codes); err != nil {
		return nil, err
	}
	page.Next = paging.SearchNext(end, len(ranked))
	return page, nil
}

// rank returns the subjects matching q within division, best first, ties by
// code.
func (db *DB) rank(ctx context.Context, q, division string) ([]*credo.Subject, error) {
	found := map[string]*credo.Subject{}
	add := func(query string, args ...any) error {
		rows, err := db.r.QueryContext(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			c := new(credo.Subject) // code, name and former names only
			var former string
			if err := rows.Scan(&c.Code, &c.Name, &former); err != nil {
				return err
			}
			for _, f := range splitFormer(former) {
				c.FormerNames = append(c.FormerNames, credo.FormerName{Name: f})
			}
			found[c.Code] = c
		}
		return rows.Err()
	}
	// The division narrows what the name, code or gram index found; "+"
	// keeps SQLite from scanning the division's index instead.
	div, divArgs := divisionFilter("+s.division", division)
	cols := `SELECT s.code, s.name, s.former FROM subjects s`
	if prefix, ok := search.LooksLikeCode(q); ok {
		err := add(cols+` WHERE s.code >= ? AND s.code < ?`+div+` ORDER BY s.code LIMIT ?`,
			append(append([]any{prefix, prefix + top}, divArgs...), maxCandidates)...)
		if err != nil {
			return nil, err
		}
	}
	if nq := search.Normalize(q); nq != "" {
		err := add(cols+` WHERE s.norm_name >= ? AND s.norm_name < ?`+div+` LIMIT ?`,
			append(append([]any{nq, nq + top}, divArgs...), maxCandidates)...)
		if err != nil {
			return nil, err
		}
		grams, err := db.rarest(ctx, search.QueryGrams(q))
		if err != nil {
			return nil, err
		}
		// CROSS JOIN makes SQLite drive from the rarest gram's postings.
		query := `SELECT s.code, s.name, s.former FROM subject_grams g CROSS JOIN subjects s ON s.code = g.code WHERE g.gram = ?`
		args := []any{grams[0]}
		for _, g := range grams[1:] {
			query += ` AND EXISTS (SELECT 1 FROM subject_grams WHERE gram = ? AND code = g.code)`
			args = append(args, g)
		}
		if err := add(query+div+` LIMIT ?`, append(append(args, divArgs...), maxCandidates)...); err != nil {
			return nil, err
		}
	}
	candidates := make([]*credo.Subject, 0, len(found))
	for _, c := range found {
		candidates = append(candidates, c)
	}
	return search.Rank(q, candidates), nil
}

// rarest orders grams by how many subjects hold them (counted up to a
// bound), rarest first, and keeps the first maxQueryGrams: the rarest gram
// drives the index scan, the others are probed.
func (db *DB) rarest(ctx context.Context, grams []string) ([]string, error) {
	if len(grams) <= 1 {
		return grams, nil
	}
	counts := make(map[string]int, len(grams))
	for _, g := range grams {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM subject_grams WHERE gram = ? LIMIT ?)`,
			g, maxCandidates*4).Scan(&n); err != nil {
			return nil, err
		}
		if n == 0 {
			return []string{g}, nil // nothing holds it: the query matches no name
		}
		counts[g] = n
	}
	sorted := slices.Clone(grams)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(counts[a], counts[b]) })
	return sorted[:min(len(sorted), maxQueryGrams)], nil
}

// listDivision lists the subjects of a division prefix by code.
func (db *DB) listDivision(ctx context.Context, division, cursor string, limit int) (*credo.SubjectPage, error) {
	after := ""
	if cursor != "" {
		var err error
		if after, err = paging.Position('d', cursor); err != nil {
			return nil, err
		}
	}
	div, args := divisionFilter("division", division)
	rows, err := db.r.QueryContext(ctx, `SELECT code FROM subjects WHERE code > ?`+div+` ORDER BY code LIMIT ?`,
		append(append([]any{after}, args...), limit+1)...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing division %s: %w", division, err)
	}
	var codes []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: listing division %s: %w", division, err)
		}
		codes = append(codes, code)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing division %s: %w", division, err)
	}
	page := &credo.SubjectPage{}
	if len(codes) > limit {
		codes = codes[:limit]
		page.Next = paging.Cursor('d', codes[limit-1])
	}
	if page.Subjects, err = db.latestSubjects(ctx, codes); err != nil {
		return nil, err
	}
	return page, nil
}

// divisionFilter is the SQL condition (with a leading AND) on column col
// and its arguments for a division prefix, or nothing for "".
func divisionFilter(col, division string) (string, []any) {
	if division == "" {
		return "", nil
	}
	return ` AND ` + col + ` >= ? AND ` + col + ` < ?`, []any{division, division + top}
}

// latestSubjects returns the latest versions of codes, in the given order.
func (db *DB) latestSubjects(ctx context.Context, codes []string) ([]*credo.Subject, error) {
	out := make([]*credo.Subject, 0, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	args := make([]any, len(codes))
	for i, c := range codes {
		args[i] = c
	}
	rows, err := db.r.QueryContext(ctx, `SELECT v.body FROM subjects s JOIN subject_versions v
		ON v.code = s.code AND v.version = s.version WHERE s.code IN (`+inList(len(codes))+`)`, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading subjects: %w", err)
	}
	defer rows.Close()
	byCode := make(map[string]*credo.Subject, len(codes))
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: reading subjects: %w", err)
		}
		s, err := decodeSubject(body)
		if err != nil {
			return nil, err
		}
		byCode[s.Code] = s
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading subjects: %w", err)
	}
	for _, c := range codes {
		if s := byCode[c]; s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}
