package postgres

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/store/paging"
)

// Search follows the embedded store exactly (package search decides what
// matches and in which order): candidates come from a code-prefix range, a
// normalized-name prefix range and the gram index, at most maxCandidates
// from each; search.Score verifies and ranks them; pages are offsets into
// that order. A division-only listing pages by code.

// maxCandidates bounds how many subjects one query verifies and ranks from
// each source.
const maxCandidates = 5000

// maxQueryGrams bounds the grams a query is narrowed by; the rarest are
// used, and Score verifies the rest.
const maxQueryGrams = 6

// top ends every prefix range: U+10FFFF sorts after any character that can
// follow a prefix in the "C" collation.
const top = "\U0010FFFF"

// SearchSubjects finds organizations by name, former name, code prefix
// and division prefix, in relevance order.
func (db *DB) SearchSubjects(ctx context.Context, q credo.SubjectQuery) (*credo.SubjectPage, error) {
	limit, offset, byDivision, err := paging.Search(q)
	if err != nil {
		return nil, err
	}
	if byDivision {
		return db.listDivision(ctx, q.Division, q.Cursor, limit)
	}
	var ranked []*credo.Subject
	page := &credo.SubjectPage{Subjects: []*credo.Subject{}}
	err = db.read(ctx, "searching subjects", func(ctx context.Context) error {
		var err error
		if ranked, err = db.rank(ctx, q.Q, q.Division); err != nil || offset >= len(ranked) {
			return err
		}
		end := min(offset+limit, len(ranked))
		codes := make([]string, 0, end-offset)
		for _, c := range ranked[offset:end] {
			codes = append(codes, c.Code)
		}
		if page.Subjects, err = db.latestSubjects(ctx, codes); err != nil {
			return err
		}
		page.Next = paging.SearchNext(end, len(ranked))
		return nil
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// rank returns the subjects matching q within division, best first, ties
// by code.
func (db *DB) rank(ctx context.Context, q, division string) ([]*credo.Subject, error) {
	found := map[string]*credo.Subject{}
	add := func(query string, args ...any) error {
		rows, err := db.pool.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		var code, name string
		var former []string
		_, err = pgx.ForEachRow(rows, []any{&code, &name, &former}, func() error {
			c := &credo.Subject{Code: code, Name: name} // code, name and former names only
			for _, f := range former {
				c.FormerNames = append(c.FormerNames, credo.FormerName{Name: f})
			}
			found[code] = c
			return nil
		})
		return err
	}
	div, divArgs := divisionFilter("s", division, 4)
	cols := `SELECT s.code, s.name, s.former_names FROM subjects s`
	if prefix, ok := search.LooksLikeCode(q); ok {
		err := add(cols+` WHERE s.code >= $1 AND s.code < $2`+div+` ORDER BY s.code LIMIT $3`,
			append([]any{prefix, prefix + top, maxCandidates}, divArgs...)...)
		if err != nil {
			return nil, err
		}
	}
	if nq := search.Normalize(q); nq != "" {
		err := add(cols+` WHERE s.norm_name >= $1 AND s.norm_name < $2`+div+` ORDER BY s.norm_name LIMIT $3`,
			append([]any{nq, nq + top, maxCandidates}, divArgs...)...)
		if err != nil {
			return nil, err
		}
		grams, err := db.rarest(ctx, search.QueryGrams(q))
		if err != nil {
			return nil, err
		}
		// The rarest gram drives an index range scan in code order; the
		// others are probed per candidate.
		query := cols + ` JOIN subject_grams g ON g.code = s.code WHERE g.gram = $1`
		args := []any{grams[0], maxCandidates}
		for _, g := range grams[1:] {
			args = append(args, g)
			query += ` AND EXISTS (SELECT 1 FROM subject_grams x WHERE x.gram = $` + strconv.Itoa(len(args)) + ` AND x.code = g.code)`
		}
		div, divArgs := divisionFilter("s", division, len(args)+1)
		if err := add(query+div+` ORDER BY g.code LIMIT $2`, append(args, divArgs...)...); err != nil {
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
// bound), rarest first, and keeps the first maxQueryGrams.
func (db *DB) rarest(ctx context.Context, grams []string) ([]string, error) {
	if len(grams) <= 1 {
		return grams, nil
	}
	rows, err := db.pool.Query(ctx, `
		SELECT q.gram, (SELECT count(*) FROM (SELECT 1 FROM subject_grams g WHERE g.gram = q.gram LIMIT $2) AS l)
		FROM unnest($1::text[]) AS q (gram)`, grams, maxCandidates*4)
	if err != nil {
		return nil, err
	}
	counts := make(map[string]int64, len(grams))
	var g string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&g, &n}, func() error {
		counts[g] = n
		return nil
	}); err != nil {
		return nil, err
	}
	sorted := slices.Clone(grams)
	slices.SortStableFunc(sorted, func(a, b string) int { return cmp.Compare(counts[a], counts[b]) })
	if counts[sorted[0]] == 0 {
		return sorted[:1], nil // nothing holds it: the query matches no name
	}
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
	page := &credo.SubjectPage{}
	div, args := divisionFilter("", division, 3)
	err := db.read(ctx, "listing a division", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT code FROM subjects WHERE code > $1`+div+` ORDER BY code LIMIT $2`,
			append([]any{after, limit + 1}, args...)...)
		if err != nil {
			return err
		}
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		page.Next = ""
		if len(codes) > limit {
			codes = codes[:limit]
			page.Next = paging.Cursor('d', codes[limit-1])
		}
		page.Subjects, err = db.latestSubjects(ctx, codes)
		return err
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// divisionFilter is the SQL condition (with a leading AND) and arguments,
// numbered from $n, for a division prefix, or nothing for "".
func divisionFilter(alias, division string, n int) (string, []any) {
	if division == "" {
		return "", nil
	}
	col := "division"
	if alias != "" {
		col = alias + ".division"
	}
	return ` AND ` + col + ` >= $` + strconv.Itoa(n) + ` AND ` + col + ` < $` + strconv.Itoa(n+1),
		[]any{division, division + top}
}

// latestSubjects returns the latest versions of codes, in the given order.
func (db *DB) latestSubjects(ctx context.Context, codes []string) ([]*credo.Subject, error) {
	out := make([]*credo.Subject, 0, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	found, err := db.querySubjects(ctx, `
		SELECT v.body FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version
		WHERE s.code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	byCode := make(map[string]*credo.Subject, len(found))
	for _, s := range found {
		byCode[s.Code] = s
	}
	for _, c := range codes {
		if s := byCode[c]; s != nil {
			out = append(out, s)
		}
	}
	return out, nil
}
