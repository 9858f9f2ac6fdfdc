package postgres

import (
	"context"
	"fmt"

	"github.com/credo-registry/credo"
)

var _ credo.GradeReader = (*DB)(nil)

// CurrentGrades implements credo.GradeReader in one query: the grade and
// the public flag are taken out of each body by the server.
func (db *DB) CurrentGrades(ctx context.Context, codes []string) ([]credo.CurrentGrade, error) {
	out := []credo.CurrentGrade{}
	if len(codes) == 0 {
		return out, nil
	}
	var found map[string]credo.CurrentGrade
	err := db.read(ctx, "reading grades", func(ctx context.Context) error {
		found = make(map[string]credo.CurrentGrade, len(codes))
		rows, err := db.pool.Query(ctx, `SELECT a.code, coalesce(a.body->>'grade', ''), coalesce((a.body->>'public')::boolean, false),
			s.as_of, s.next_at FROM assessments a JOIN assessment_stamps s ON s.code = a.code
			WHERE a.code = ANY($1)`, codes)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var g credo.CurrentGrade
			var asOf, nextAt string
			if err := rows.Scan(&g.Subject, &g.Grade, &g.Public, &asOf, &nextAt); err != nil {
				return err
			}
			if err := g.AsOf.UnmarshalText([]byte(asOf)); err != nil {
				return fmt.Errorf("decoding the assessment of %s: %w", g.Subject, err)
			}
			if err := g.NextChange.UnmarshalText([]byte(nextAt)); err != nil {
				return fmt.Errorf("decoding the assessment of %s: %w", g.Subject, err)
			}
			found[g.Subject] = g
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		if g, ok := found[c]; ok {
			out = append(out, g)
			delete(found, c) // a code given twice is returned once
		}
	}
	return out, nil
}
