package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// latest is what the subjects table holds about a code's latest version.
type latest struct {
	version int
	hash    string
	names   []string // current name, then former names: what its grams came from
}

// version is a subject version to store, with its content hash.
type version struct {
	s    *credo.Subject
	hash string
}

// PutSubjects stores new versions in one transaction. The subjects rows of
// the batch's codes are locked first (in code order), so that concurrent
// writers of one code take turns and each compares with the true latest
// version; a code seen for the first time has no row to lock, and there the
// primary key of subject_versions decides: the loser of a race fails with
// a unique violation and runs again.
func (db *DB) PutSubjects(ctx context.Context, subjects []*credo.Subject) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(subjects))
	if len(subjects) == 0 {
		return out, nil
	}
	hashes := make([]string, len(subjects))
	for i, s := range subjects {
		if s != nil {
			hashes[i] = s.ContentHash()
		}
	}
	err := db.write(ctx, "storing subjects", func(ctx context.Context, tx pgx.Tx, _ int) error {
		clear(out)
		return putSubjects(ctx, tx, subjects, hashes, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func putSubjects(ctx context.Context, tx pgx.Tx, subjects []*credo.Subject, hashes []string, out []credo.Outcome) error {
	codes := make([]string, 0, len(subjects))
	for _, s := range subjects {
		if s != nil && s.Code != "" {
			codes = append(codes, s.Code)
		}
	}
	before, err := lockLatest(ctx, tx, codes)
	if err != nil {
		return err
	}
	now := make(map[string]latest, len(before))
	final := make(map[string]version)
	var versions []version
	for i, s := range subjects {
		if s == nil || s.Code == "" {
			out[i] = refused(credo.FieldError("code", "required", "is required"))
			continue
		}
		cur, ok := now[s.Code]
		if !ok {
			cur = before[s.Code]
		}
		if cur.version > 0 && hashes[i] == cur.hash {
			out[i] = credo.Outcome{Status: credo.Exists, ID: int64(cur.version)}
			continue
		}
		v := *s
		v.Version = cur.version + 1
		versions = append(versions, version{&v, hashes[i]})
		final[s.Code] = version{&v, hashes[i]}
		now[s.Code] = latest{version: v.Version, hash: hashes[i]}
		out[i] = credo.Outcome{Status: credo.Created, ID: int64(v.Version)}
	}
	if len(versions) == 0 {
		return nil
	}
	if err := copyVersions(ctx, tx, versions); err != nil {
		return err
	}
	if err := setLatest(ctx, tx, final, before); err != nil {
		return err
	}
	changes := make([]*credo.Change, len(versions))
	stored := make([]*credo.Subject, len(versions))
	for i, v := range versions {
		changes[i] = credo.SubjectChange(v.s)
		stored[i] = v.s
	}
	derived, err := deriveRelationships(ctx, tx, stored)
	if err != nil {
		return err
	}
	return appendChanges(ctx, tx, append(changes, derived...))
}

// lockLatest reads and locks the subjects rows of codes, in code order so
// that two batches never wait for each other in a circle.
func lockLatest(ctx context.Context, tx pgx.Tx, codes []string) (map[string]latest, error) {
	codes = slices.Clone(codes)
	slices.Sort(codes)
	codes = slices.Compact(codes)
	rows, err := tx.Query(ctx, `
		SELECT code, version, content_hash, name, former_names FROM subjects
		WHERE code = ANY($1) ORDER BY code FOR UPDATE`, codes)
	if err != nil {
		return nil, err
	}
	found := make(map[string]latest, len(codes))
	var code, name string
	var l latest
	var former []string
	_, err = pgx.ForEachRow(rows, []any{&code, &l.version, &l.hash, &name, &former}, func() error {
		found[code] = latest{version: l.version, hash: l.hash, names: append([]string{name}, former...)}
		return nil
	})
	return found, err
}

var versionColumns = []string{"code", "version", "content_hash", "body"}

// copyVersions COPYs new versions into subject_versions, in (code,
// version) order so that concurrent batches claim new codes in one order.
func copyVersions(ctx context.Context, tx pgx.Tx, versions []version) error {
	slices.SortFunc(versions, func(a, b version) int {
		if c := strings.Compare(a.s.Code, b.s.Code); c != 0 {
			return c
		}
		return a.s.Version - b.s.Version
	})
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"subject_versions"}, versionColumns,
		pgx.CopyFromSlice(len(versions), func(i int) ([]any, error) {
			body, err := json.Marshal(versions[i].s)
			return []any{versions[i].s.Code, versions[i].s.Version, versions[i].hash, body}, err
		}))
	return err
}

// setLatest makes final[code] the latest version of each code: the
// subjects row, and the search grams where the names changed. before holds
// the rows as they were (a code without one is new, and counted).
func setLatest(ctx context.Context, tx pgx.Tx, final map[string]version, before map[string]latest) error {
	if len(final) == 0 {
		return nil
	}
	n := len(final)
	var (
		codes     = make([]string, 0, n)
		vers      = make([]int32, 0, n)
		hashes    = make([]string, 0, n)
		divisions = make([]string, 0, n)
		names     = make([]string, 0, n)
		norms     = make([]string, 0, n)
		formers   = make([]string, 0, n)
		gone      [2][]string // (code, gram) pairs to delete
		added     [][]any     // (code, gram) rows to insert
		newCodes  int64
	)
	for code, v := range final {
		s := v.s
		former := make([]string, len(s.FormerNames))
		for i, f := range s.FormerNames {
			former[i] = f.Name
		}
		codes = append(codes, code)
		vers = append(vers, int32(s.Version))
		hashes = append(hashes, v.hash)
		divisions = append(divisions, s.Division)
		names = append(names, s.Name)
		norms = append(norms, search.Normalize(s.Name))
		formers = append(formers, strings.Join(former, formerSep))

		old, ok := before[code]
		if !ok {
			newCodes++
		}
		was, is := search.Grams(old.names...), search.Grams(append([]string{s.Name}, former...)...)
		for _, g := range was {
			if _, found := slices.BinarySearch(is, g); !found {
				gone[0], gone[1] = append(gone[0], code), append(gone[1], g)
			}
		}
		for _, g := range is {
			if _, found := slices.BinarySearch(was, g); !found {
				added = append(added, []any{code, g})
			}
		}
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO subjects (code, version, content_hash, division, name, norm_name, former_names)
		SELECT q.code, q.version, q.hash, q.division, q.name, q.norm, string_to_array(q.former, chr(31))
		FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
			AS q (code, version, hash, division, name, norm, former)
		ON CONFLICT (code) DO UPDATE SET version = excluded.version, content_hash = excluded.content_hash,
			division = excluded.division, name = excluded.name, norm_name = excluded.norm_name,
			former_names = excluded.former_names`,
		codes, vers, hashes, divisions, names, norms, formers); err != nil {
		return err
	}
	if len(gone[0]) > 0 {
		if _, err := tx.Exec(ctx, `
			DELETE FROM subject_grams g USING unnest($1::text[], $2::text[]) AS q (code, gram)
			WHERE g.code = q.code AND g.gram = q.gram`, gone[0], gone[1]); err != nil {
			return err
		}
	}
	if len(added) > 0 {
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"subject_grams"}, []string{"code", "gram"}, pgx.CopyFromRows(added)); err != nil {
			return err
		}
	}
	return addCount(ctx, tx, "organizations", newCodes)
}

// formerSep joins former names on their way into former_names; validated
// names cannot contain it (it is a control character).
const formerSep = "\x1f"

// Subject returns code's latest version.
func (db *DB) Subject(ctx context.Context, code string) (*credo.Subject, error) {
	var out []*credo.Subject
	err := db.read(ctx, "reading a subject", func(ctx context.Context) (err error) {
		out, err = db.querySubjects(ctx, `
			SELECT v.body FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version
			WHERE s.code = $1`, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, credo.ErrNotFound("organization", code)
	}
	return out[0], nil
}

// SubjectVersions returns every version of code, oldest first.
func (db *DB) SubjectVersions(ctx context.Context, code string) ([]*credo.Subject, error) {
	var out []*credo.Subject
	err := db.read(ctx, "reading subject versions", func(ctx context.Context) (err error) {
		out, err = db.querySubjects(ctx, `SELECT body FROM subject_versions WHERE code = $1 ORDER BY version`, code)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, credo.ErrNotFound("organization", code)
	}
	return out, nil
}

// ScanSubjects returns up to limit versions after (afterCode,
// afterVersion), by code and version.
func (db *DB) ScanSubjects(ctx context.Context, afterCode string, afterVersion int, limit int) ([]*credo.Subject, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	var out []*credo.Subject
	err := db.read(ctx, "scanning subjects", func(ctx context.Context) (err error) {
		out, err = db.querySubjects(ctx, `
			SELECT body FROM subject_versions WHERE (code, version) > ($1, $2)
			ORDER BY code, version LIMIT $3`, afterCode, afterVersion, limit)
		return err
	})
	return out, err
}

// querySubjects reads subjects from a query of bodies.
func (db *DB) querySubjects(ctx context.Context, q string, args ...any) ([]*credo.Subject, error) {
	rows, err := db.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanSubjects(rows)
}

// scanSubjects reads rows of one column, a version's body.
func scanSubjects(rows pgx.Rows) ([]*credo.Subject, error) {
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*credo.Subject, error) {
		var body []byte
		if err := row.Scan(&body); err != nil {
			return nil, err
		}
		s := new(credo.Subject)
		if err := json.Unmarshal(body, s); err != nil {
			return nil, fmt.Errorf("decoding a stored subject: %w", err)
		}
		return s, nil
	})
}
