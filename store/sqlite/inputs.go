package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// The four reads of GradingInputs, each over a list of codes (a JSON
// array bound once; json_each gives the index one lookup per code). None
// orders its rows: an ORDER BY the index does not give could make
// SQLite walk a whole table in that order instead; each code's rows are
// put in order here.
const (
	inputsVersions = `SELECT code, version, body FROM subject_versions
		WHERE code IN (SELECT value FROM json_each(?))`
	inputsRecords = `SELECT ` + repairedSelect + ` FROM ` + repairedRecords + `
		WHERE records.subject IN (SELECT value FROM json_each(?))`
	inputsEntries = `SELECT ` + listEntrySelect + `
		WHERE e.subject IN (SELECT value FROM json_each(?))`
	inputsAssessments = `SELECT a.code, a.body, s.as_of, s.next_at FROM assessments a
		JOIN assessment_stamps s ON s.code = a.code WHERE a.code IN (SELECT value FROM json_each(?))`
)

// GradingInputs implements credo.GradingStore: four statements for all
// the codes (each code read once), not four for each, which is most of
// what a read of one organization costs in process (screening reads its
// code rows this way, a batch at a time). Like the four methods it
// stands for, the reads are not one snapshot.
func (db *DB) GradingInputs(ctx context.Context, codes []string) ([]*credo.Inputs, error) {
	if len(codes) > credo.MaxGradingInputs {
		return nil, fmt.Errorf("sqlite: %d codes for grading inputs, more than %d", len(codes), credo.MaxGradingInputs)
	}
	out := make([]*credo.Inputs, len(codes))
	if len(codes) == 0 {
		return out, nil
	}
	byCode := make(map[string]*credo.Inputs, len(codes))
	var unique []string
	for i, c := range codes {
		if byCode[c] == nil {
			byCode[c] = &credo.Inputs{Code: c, Versions: []*credo.Subject{}, Records: []*credo.Record{}, Entries: []*credo.ListEntry{}}
			unique = append(unique, c)
		}
		out[i] = byCode[c]
	}
	list, err := json.Marshal(unique)
	if err != nil {
		return nil, err
	}
	fail := func(what string, err error) error {
		return fmt.Errorf("sqlite: reading the %s of %d organizations: %w", what, len(unique), err)
	}
	if err := db.inputsQuery(ctx, inputsVersions, list, func(rows *sql.Rows) error {
		type version struct {
			n int
			s *credo.Subject
		}
		got := map[string][]version{}
		for rows.Next() {
			var code string
			var n int
			var body []byte
			if err := rows.Scan(&code, &n, &body); err != nil {
				return err
			}
			s, err := decodeSubject(body)
			if err != nil {
				return err
			}
			got[code] = append(got[code], version{n, s})
		}
		for code, vs := range got {
			slices.SortFunc(vs, func(a, b version) int { return cmp.Compare(a.n, b.n) })
			for _, v := range vs {
				byCode[code].Versions = append(byCode[code].Versions, v.s)
			}
		}
		return nil
	}); err != nil {
		return nil, fail("versions", err)
	}
	if err := db.inputsQuery(ctx, inputsRecords, list, func(rows *sql.Rows) error {
		for rows.Next() {
			r, err := scanRepaired(rows)
			if err != nil {
				return err
			}
			if in := byCode[r.Subject]; in != nil {
				in.Records = append(in.Records, r)
			}
		}
		return nil
	}); err != nil {
		return nil, fail("records", err)
	}
	for _, in := range byCode {
		slices.SortFunc(in.Records, func(a, b *credo.Record) int { return cmp.Compare(a.ID, b.ID) })
		linkSupersedes(in.Records)
	}
	st, err := db.reads.get(ctx, db.r, inputsEntries)
	if err != nil {
		return nil, err
	}
	entries, err := db.listEntriesStmt(ctx, st, string(list))
	if err != nil {
		return nil, fail("list entries", err)
	}
	slices.SortFunc(entries, func(a, b *credo.ListEntry) int { return cmp.Compare(a.ID, b.ID) })
	for _, e := range entries {
		if in := byCode[e.Subject]; in != nil {
			in.Entries = append(in.Entries, e)
		}
	}
	if err := db.inputsQuery(ctx, inputsAssessments, list, func(rows *sql.Rows) error {
		for rows.Next() {
			var code, asOf, nextAt string
			var body []byte
			if err := rows.Scan(&code, &body, &asOf, &nextAt); err != nil {
				return err
			}
			a, err := decodeAssessment(code, body, asOf, nextAt)
			if err != nil {
				return err
			}
			if in := byCode[code]; in != nil {
				in.Current = a
			}
		}
		return nil
	}); err != nil {
		return nil, fail("assessments", err)
	}
	return out, nil
}

// inputsQuery runs the prepared read q with the codes of list and gives
// its rows to scan.
func (db *DB) inputsQuery(ctx context.Context, q string, list []byte, scan func(*sql.Rows) error) error {
	st, err := db.reads.get(ctx, db.r, q)
	if err != nil {
		return err
	}
	rows, err := st.QueryContext(ctx, string(list))
	if err != nil {
		return err
	}
	defer rows.Close()
	if err := scan(rows); err != nil {
		return err
	}
	return rows.Err()
}
