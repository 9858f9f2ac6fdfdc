package sqlite

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/credo-registry/credo"
)

var _ credo.GradeReader = (*DB)(nil)

// gradesQuery reads the current grades of many codes, given as one JSON
// array (json_each: one index lookup per code, one prepared statement
// whatever their number).
const gradesQuery = `SELECT a.code, a.grade, a.body, s.as_of, s.next_at FROM assessments a
	JOIN assessment_stamps s ON s.code = a.code
	WHERE a.code IN (SELECT value FROM json_each(?))`

// CurrentGrades implements credo.GradeReader. Of each body it reads the
// members before "public" only (the grade column holds the grade; the
// explanation that follows is not decoded).
func (db *DB) CurrentGrades(ctx context.Context, codes []string) ([]credo.CurrentGrade, error) {
	out := []credo.CurrentGrade{}
	if len(codes) == 0 {
		return out, nil
	}
	arg, err := json.Marshal(codes)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading grades: %w", err)
	}
	st, err := db.reads.get(ctx, db.r, gradesQuery)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, string(arg))
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading grades: %w", err)
	}
	defer rows.Close()
	found := make(map[string]credo.CurrentGrade, len(codes))
	var dec jsontext.Decoder
	for rows.Next() {
		var g credo.CurrentGrade
		var body []byte
		var asOf, nextAt string
		if err := rows.Scan(&g.Subject, &g.Grade, &body, &asOf, &nextAt); err != nil {
			return nil, fmt.Errorf("sqlite: reading grades: %w", err)
		}
		if g.Public, err = bodyPublic(&dec, body); err != nil {
			return nil, fmt.Errorf("sqlite: decoding the assessment of %s: %w", g.Subject, err)
		}
		if err := g.AsOf.UnmarshalText([]byte(asOf)); err != nil {
			return nil, fmt.Errorf("sqlite: decoding the assessment of %s: %w", g.Subject, err)
		}
		if err := g.NextChange.UnmarshalText([]byte(nextAt)); err != nil {
			return nil, fmt.Errorf("sqlite: decoding the assessment of %s: %w", g.Subject, err)
		}
		found[g.Subject] = g
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading grades: %w", err)
	}
	for _, c := range codes {
		if g, ok := found[c]; ok {
			out = append(out, g)
			delete(found, c) // a code given twice is returned once
		}
	}
	return out, nil
}

// bodyPublic returns the "public" member of a stored assessment body (the
// JSON of credo.Assessment), reading the top-level members up to it and
// skipping their values, or false when the body has none (Public's zero).
func bodyPublic(dec *jsontext.Decoder, body []byte) (bool, error) {
	dec.Reset(bytes.NewReader(body))
	if t, err := dec.ReadToken(); err != nil {
		return false, err
	} else if t.Kind() != '{' {
		return false, fmt.Errorf("the body is not an object")
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return false, err
		}
		if name.String() != "public" {
			if err := dec.SkipValue(); err != nil {
				return false, err
			}
			continue
		}
		v, err := dec.ReadToken()
		if err != nil {
			return false, err
		}
		if k := v.Kind(); k != 't' && k != 'f' {
			return false, fmt.Errorf("public is not a boolean")
		}
		return v.Bool(), nil
	}
	return false, nil
}
