package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlcommon"
)

var _ credo.RelationshipStore = (*DB)(nil)

// inForce is the condition of a version in force at $2 (unix ns).
const inForce = `r.recorded_at <= $2 AND r.since <= $2 AND (r.until = 0 OR r.until > $2)
	AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id AND s.recorded_at <= $2)`

func scanRelationship(row pgx.Row) (*credo.Relationship, error) {
	r := new(credo.Relationship)
	var since, until, recorded int64
	var roles string
	if err := row.Scan(&r.ID, &r.Kind, &r.Source, &r.From, &r.To, &since, &until, &r.Share, &r.PersonKey,
		&r.PersonName, &roles, &r.Reference, &r.Authority, &r.Declarant, &r.Account, &recorded, &r.Supersedes); err != nil {
		return nil, err
	}
	r.Kind, r.Source = intern(credo.RelationshipKinds, r.Kind), intern(relSources, r.Source)
	r.Since, r.Until, r.RecordedAt = sqlcommon.DateOf(since), sqlcommon.DateOf(until), timeOf(&recorded)
	r.Roles = sqlcommon.DecodeRoles(roles)
	return r, nil
}

var relSources = []string{credo.SourceRegistration, credo.SourceAuthority, credo.SourceDeclaration}

// intern returns the constant of consts equal to s, so that a scanned
// graph does not hold a copy per edge.
func intern(consts []string, s string) string {
	if i := slices.Index(consts, s); i >= 0 {
		return consts[i]
	}
	return s
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func asOfNano(t time.Time) int64 {
	if t.IsZero() {
		return 1<<63 - 1
	}
	return unixNano(t)
}

// insertRelationship stores r with id (0: the next of the sequence) and
// returns the id.
func insertRelationship(ctx context.Context, tx pgx.Tx, r *credo.Relationship, id int64) (int64, error) {
	err := tx.QueryRow(ctx, `INSERT INTO relationships(id, key, kind, source, from_code, to_code, since, until, share,
		person_key, person_name, roles, reference, authority, declarant, account, recorded_at, supersedes, hash)
		VALUES (coalesce($1, nextval('relationship_ids')), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
		RETURNING id`,
		nullID(id), r.Key(), r.Kind, r.Source, r.From, r.To, sqlcommon.DateNano(r.Since), sqlcommon.DateNano(r.Until), r.Share,
		r.PersonKey, r.PersonName, sqlcommon.EncodeRoles(r.Roles), r.Reference, r.Authority, r.Declarant, r.Account,
		unixNano(r.RecordedAt.Time), nullID(r.Supersedes), r.ContentHash()).Scan(&id)
	if err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO adjacency(code, id, other, outgoing, kind, source, declarant, since, until, share, recorded_at, superseded_at)
		VALUES ($1, $3, $2, true, $4, $5, $6, $7, $8, $9, $10, 0), ($2, $3, $1, false, $4, $5, $6, $7, $8, $9, $10, 0)`,
		r.From, r.To, id, r.Kind, r.Source, r.Declarant, sqlcommon.DateNano(r.Since), sqlcommon.DateNano(r.Until), r.Share, unixNano(r.RecordedAt.Time)); err != nil {
		return 0, err
	}
	if r.Supersedes != 0 {
		// The superseded version has the same ends (the same Key).
		if _, err := tx.Exec(ctx, `UPDATE adjacency SET superseded_at = $1 WHERE code IN ($2, $3) AND id = $4`,
			unixNano(r.RecordedAt.Time), r.From, r.To, r.Supersedes); err != nil {
			return 0, err
		}
	}
	return id, nil
}

// lockKeys takes transaction-scoped advisory locks on keys, in order, so
// that writers deciding about the same relationship or person take turns
// (two never wait for each other in a circle).
func lockKeys(ctx context.Context, tx pgx.Tx, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	keys = slices.Clone(keys)
	slices.Sort(keys)
	keys = slices.Compact(keys)
	_, err := tx.Exec(ctx, `SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7)))
		FROM (SELECT k FROM unnest($1::text[]) AS k ORDER BY k) AS q`, keys)
	return err
}

// AppendRelationships implements credo.RelationshipStore. Each version's
// Key is locked for the transaction, so that of two writers creating the
// same relationship on any nodes one finds the other's; the unique index
// on supersedes decides between two superseding one version (the loser
// runs again and finds the winner).
func (db *DB) AppendRelationships(ctx context.Context, rels []*credo.Relationship) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(rels))
	ids := make([]int64, len(rels))
	keys := make([]string, len(rels))
	for i, r := range rels {
		keys[i] = "relationship:" + r.Key()
	}
	err := db.write(ctx, "storing relationships", func(ctx context.Context, tx pgx.Tx, _ int) error {
		clear(out)
		clear(ids)
		if err := lockKeys(ctx, tx, keys); err != nil {
			return err
		}
		var changes []*credo.Change
		for i, r := range rels {
			o, err := appendRelationship(ctx, tx, r)
			if err != nil {
				return err
			}
			out[i] = o
			if o.Status == credo.Created {
				ids[i] = o.ID
				c := *r
				c.ID = o.ID
				changes = append(changes, credo.RelationshipChanges(&c)...)
			}
		}
		return appendChanges(ctx, tx, changes)
	})
	if err != nil {
		return nil, err
	}
	for i, r := range rels {
		if ids[i] != 0 {
			r.ID = ids[i]
		}
	}
	return out, nil
}

func appendRelationship(ctx context.Context, tx pgx.Tx, r *credo.Relationship) (credo.Outcome, error) {
	hash := r.ContentHash()
	if r.Supersedes == 0 {
		rows, err := tx.Query(ctx, `SELECT r.id, r.hash, r.until FROM relationships r WHERE r.key = $1
			AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id) ORDER BY r.id`, r.Key())
		if err != nil {
			return credo.Outcome{}, err
		}
		var open, same, id, until int64
		var h string
		if _, err := pgx.ForEachRow(rows, []any{&id, &h, &until}, func() error {
			if h == hash {
				same = id
			}
			if until == 0 {
				open = id
			}
			return nil
		}); err != nil {
			return credo.Outcome{}, err
		}
		switch {
		case same != 0:
			return credo.Outcome{Status: credo.Exists, ID: same}, nil
		case open != 0:
			return sqlcommon.RelationshipOpen(open), nil
		}
	} else {
		var key string
		err := tx.QueryRow(ctx, `SELECT key FROM relationships WHERE id = $1`, r.Supersedes).Scan(&key)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && key != r.Key() {
			return sqlcommon.RelationshipUnknown(), nil
		}
		if err != nil {
			return credo.Outcome{}, err
		}
		var by int64
		var h string
		err = tx.QueryRow(ctx, `SELECT id, hash FROM relationships WHERE supersedes = $1`, r.Supersedes).Scan(&by, &h)
		switch {
		case err == nil && h == hash:
			return credo.Outcome{Status: credo.Exists, ID: by}, nil
		case err == nil:
			return sqlcommon.RelationshipSuperseded(r.Supersedes, by), nil
		case !errors.Is(err, pgx.ErrNoRows):
			return credo.Outcome{}, err
		}
	}
	id, err := insertRelationship(ctx, tx, r, 0)
	if err != nil {
		return credo.Outcome{}, err
	}
	return credo.Outcome{Status: credo.Created, ID: id}, nil
}

// deriveRelationships keeps the people and registration relationships of
// the codes of versions (stored just now in tx, in order) current
// (credo.DeriveRelationships) and returns the changes to log. The people
// concerned, before and after, are locked first, so that two writers
// registering organizations that share a person take turns and each sees
// the other's people.
func deriveRelationships(ctx context.Context, tx pgx.Tx, versions []*credo.Subject) ([]*credo.Change, error) {
	if len(versions) == 0 {
		return nil, nil
	}
	var keys, codes []string
	for _, s := range versions {
		codes = append(codes, s.Code)
		for _, p := range credo.PersonRoles(s) {
			keys = append(keys, "person:"+p.PersonKey)
		}
	}
	rows, err := tx.Query(ctx, `SELECT 'person:' || person_key FROM people WHERE code = ANY($1)`, codes)
	if err != nil {
		return nil, err
	}
	had, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	if err := lockKeys(ctx, tx, append(keys, had...)); err != nil {
		return nil, err
	}
	var changes []*credo.Change
	for _, s := range versions {
		people, err := setPeople(ctx, tx, s)
		if err != nil {
			return nil, err
		}
		pks := make([]string, len(people))
		for i, p := range people {
			pks[i] = p.PersonKey
		}
		rows, err := tx.Query(ctx, `SELECT person_key, code, name, roles, version FROM people
			WHERE person_key = ANY($1) AND code <> $2`, pks, s.Code)
		if err != nil {
			return nil, err
		}
		others, err := scanPeople(rows)
		if err != nil {
			return nil, err
		}
		rows, err = tx.Query(ctx, `SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r
			WHERE r.from_code = $1 AND r.source = 'registration' AND r.until = 0
			AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id)
			UNION ALL SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r
			WHERE r.to_code = $1 AND r.source = 'registration' AND r.until = 0
			AND NOT EXISTS (SELECT 1 FROM relationships s WHERE s.supersedes = r.id)`, s.Code)
		if err != nil {
			return nil, err
		}
		current, err := scanRelationships(rows)
		if err != nil {
			return nil, err
		}
		for _, r := range credo.DeriveRelationships(s, current, others) {
			if r.ID, err = insertRelationship(ctx, tx, r, 0); err != nil {
				return nil, err
			}
			changes = append(changes, credo.RelationshipChanges(r)...)
		}
	}
	return changes, nil
}

// setPeople makes s's people the people of its code (s being its latest
// version) and returns them.
func setPeople(ctx context.Context, tx pgx.Tx, s *credo.Subject) ([]credo.PersonRole, error) {
	if _, err := tx.Exec(ctx, `DELETE FROM people WHERE code = $1`, s.Code); err != nil {
		return nil, err
	}
	people := credo.PersonRoles(s)
	if len(people) == 0 {
		return people, nil
	}
	rows := make([][]any, len(people))
	for i, p := range people {
		rows[i] = []any{p.PersonKey, p.Code, p.Name, strings.Join(p.Roles, ","), int32(p.Version)}
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"people"}, []string{"person_key", "code", "name", "roles", "version"}, pgx.CopyFromRows(rows))
	return people, err
}

func scanPeople(rows pgx.Rows) ([]credo.PersonRole, error) {
	out := []credo.PersonRole{}
	var p credo.PersonRole
	var roles string
	_, err := pgx.ForEachRow(rows, []any{&p.PersonKey, &p.Code, &p.Name, &roles, &p.Version}, func() error {
		q := p
		q.Roles = sqlcommon.SplitList(roles)
		slices.Sort(q.Roles)
		out = append(out, q)
		return nil
	})
	return out, err
}

func scanRelationships(rows pgx.Rows) ([]*credo.Relationship, error) {
	defer rows.Close()
	out := []*credo.Relationship{}
	for rows.Next() {
		r, err := scanRelationship(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Relationship implements credo.RelationshipStore.
func (db *DB) Relationship(ctx context.Context, id int64) (*credo.Relationship, error) {
	var r *credo.Relationship
	err := db.read(ctx, "reading a relationship", func(ctx context.Context) error {
		var err error
		r, err = scanRelationship(db.pool.QueryRow(ctx, `SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r WHERE r.id = $1`, id))
		if err != nil {
			return err
		}
		return db.pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM relationships WHERE supersedes = $1`, id).Scan(&r.SupersededBy)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, credo.ErrNotFound("relationship", id)
	}
	return r, err
}

// Relationships implements credo.RelationshipStore: for each end, one
// indexed lookup of every code at once.
func (db *DB) Relationships(ctx context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error) {
	if len(q.Codes) > credo.MaxRelationshipCodes {
		return nil, credo.FieldError("codes", "too_many", "at most %d codes a query", credo.MaxRelationshipCodes)
	}
	out := []*credo.Relationship{}
	if len(q.Codes) == 0 {
		return out, nil
	}
	err := db.read(ctx, "reading relationships", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r
			WHERE r.from_code = ANY($1) AND `+inForce+` AND (cardinality($3::text[]) = 0 OR r.kind = ANY($3))
			UNION ALL SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r
			WHERE r.to_code = ANY($1) AND `+inForce+` AND (cardinality($3::text[]) = 0 OR r.kind = ANY($3))`,
			q.Codes, asOfNano(q.AsOf), nonNil(q.Kinds))
		if err != nil {
			return err
		}
		out, err = scanRelationships(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *credo.Relationship) int { return cmpID(a.ID, b.ID) })
	return slices.CompactFunc(out, func(a, b *credo.Relationship) bool { return a.ID == b.ID }), nil
}

// Adjacent implements credo.RelationshipStore from the adjacency index.
func (db *DB) Adjacent(ctx context.Context, q credo.RelationshipQuery) ([]credo.Edge, error) {
	if len(q.Codes) > credo.MaxRelationshipCodes {
		return nil, credo.FieldError("codes", "too_many", "at most %d codes a query", credo.MaxRelationshipCodes)
	}
	out := []credo.Edge{}
	if len(q.Codes) == 0 {
		return out, nil
	}
	asked := make(map[string]bool, len(q.Codes))
	for _, c := range q.Codes {
		asked[c] = true
	}
	err := db.read(ctx, "reading relationships", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT a.code, a.id, a.other, a.outgoing, a.kind, a.source, a.declarant, a.since, a.share
			FROM adjacency a WHERE a.code = ANY($1) AND a.recorded_at <= $2 AND a.since <= $2
			AND (a.until = 0 OR a.until > $2) AND (a.superseded_at = 0 OR a.superseded_at > $2)
			AND (cardinality($3::text[]) = 0 OR a.kind = ANY($3))
			AND a.other NOT IN (SELECT unnest($4::text[]))`, q.Codes, asOfNano(q.AsOf), nonNil(q.Kinds), nonNil(q.Except))
		if err != nil {
			return err
		}
		var e credo.Edge
		var code, other string
		var outgoing bool
		var since int64
		_, err = pgx.ForEachRow(rows, []any{&code, &e.ID, &other, &outgoing, &e.Kind, &e.Source, &e.Declarant, &since, &e.Share}, func() error {
			e.From, e.To = code, other
			if !outgoing {
				if asked[other] {
					return nil // read from its other end, where it is outgoing
				}
				e.From, e.To = other, code
			}
			e.Kind, e.Source, e.Since = intern(credo.RelationshipKinds, e.Kind), intern(relSources, e.Source), sqlcommon.DateOf(since)
			out = append(out, e)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AdjacentVersions implements credo.RelationshipStore from the
// adjacency index, as Adjacent without the time.
func (db *DB) AdjacentVersions(ctx context.Context, codes []string) ([]credo.EdgeVersion, error) {
	if len(codes) > credo.MaxRelationshipCodes {
		return nil, credo.FieldError("codes", "too_many", "at most %d codes a query", credo.MaxRelationshipCodes)
	}
	out := []credo.EdgeVersion{}
	if len(codes) == 0 {
		return out, nil
	}
	asked := make(map[string]bool, len(codes))
	for _, c := range codes {
		asked[c] = true
	}
	err := db.read(ctx, "reading relationships", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT a.code, a.id, a.other, a.outgoing, a.kind, a.source, a.declarant, a.since, a.share,
			a.until, a.recorded_at, a.superseded_at FROM adjacency a WHERE a.code = ANY($1)`, codes)
		if err != nil {
			return err
		}
		var v credo.EdgeVersion
		var code, other string
		var outgoing bool
		var since, until, recorded, superseded int64
		_, err = pgx.ForEachRow(rows, []any{&code, &v.ID, &other, &outgoing, &v.Kind, &v.Source, &v.Declarant, &since, &v.Share,
			&until, &recorded, &superseded}, func() error {
			v.From, v.To = code, other
			if !outgoing {
				if asked[other] {
					return nil // read from its other end, where it is outgoing
				}
				v.From, v.To = other, code
			}
			v.Kind, v.Source = intern(credo.RelationshipKinds, v.Kind), intern(relSources, v.Source)
			v.Since, v.Until = sqlcommon.DateOf(since), sqlcommon.DateOf(until)
			v.RecordedAt, v.SupersededAt = timeOfNano(recorded), timeOfNano(superseded)
			out = append(out, v)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// timeOfNano is the time of a stored instant in nanoseconds (0: none).
func timeOfNano(n int64) credo.Time {
	if n == 0 {
		return credo.Time{}
	}
	return credo.NewTime(time.Unix(0, n))
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// RelationshipHistory implements credo.RelationshipStore.
func (db *DB) RelationshipHistory(ctx context.Context, code string) ([]*credo.Relationship, error) {
	out := []*credo.Relationship{}
	err := db.read(ctx, "reading relationships", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT `+sqlcommon.RelationshipColumns+`, coalesce((SELECT max(s.id) FROM relationships s WHERE s.supersedes = r.id), 0)
			FROM relationships r WHERE r.from_code = $1 OR r.to_code = $1 ORDER BY r.id`, code)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var by int64
			r, err := scanRelationship(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &by)...) }))
			if err != nil {
				return err
			}
			r.SupersededBy = by
			out = append(out, r)
		}
		return rows.Err()
	})
	return out, err
}

type scanFunc func(...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// edgeBatch is how many edges EachRelationship hands fn at once.
const edgeBatch = 4096

// EachRelationship implements credo.RelationshipStore, reading by id in
// pages (each an indexed range of the primary key).
func (db *DB) EachRelationship(ctx context.Context, asOf time.Time, fn func([]credo.Edge) error) error {
	at := asOfNano(asOf)
	batch := make([]credo.Edge, 0, edgeBatch)
	after := int64(0)
	for {
		batch = batch[:0]
		err := db.read(ctx, "scanning relationships", func(ctx context.Context) error {
			batch = batch[:0]
			rows, err := db.pool.Query(ctx, `SELECT r.id, r.kind, r.source, r.from_code, r.to_code, r.since, r.share, r.declarant
				FROM relationships r WHERE r.id > $1 AND `+inForce+` ORDER BY r.id LIMIT $3`, after, at, edgeBatch)
			if err != nil {
				return err
			}
			var e credo.Edge
			var since int64
			_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Kind, &e.Source, &e.From, &e.To, &since, &e.Share, &e.Declarant}, func() error {
				e.Kind, e.Source, e.Since = intern(credo.RelationshipKinds, e.Kind), intern(relSources, e.Source), sqlcommon.DateOf(since)
				batch = append(batch, e)
				return nil
			})
			return err
		})
		if err != nil {
			return err
		}
		if len(batch) == 0 {
			return nil
		}
		after = batch[len(batch)-1].ID
		if err := fn(batch); err != nil {
			return err
		}
		if len(batch) < edgeBatch {
			return nil
		}
	}
}

// PersonRoles implements credo.RelationshipStore.
func (db *DB) PersonRoles(ctx context.Context, personKey string) ([]credo.PersonRole, error) {
	var out []credo.PersonRole
	err := db.read(ctx, "reading roles", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT person_key, code, name, roles, version FROM people WHERE person_key = $1 ORDER BY code`, personKey)
		if err != nil {
			return err
		}
		out, err = scanPeople(rows)
		return err
	})
	return out, err
}

// ScanRelationships implements credo.RelationshipStore.
func (db *DB) ScanRelationships(ctx context.Context, afterID int64, limit int) ([]*credo.Relationship, error) {
	var out []*credo.Relationship
	err := db.read(ctx, "scanning relationships", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT `+sqlcommon.RelationshipColumns+` FROM relationships r WHERE r.id > $1 ORDER BY r.id LIMIT $2`, afterID, limit)
		if err != nil {
			return err
		}
		out, err = scanRelationships(rows)
		return err
	})
	return out, err
}

// RestoreRelationships implements credo.RelationshipStore.
func (db *DB) RestoreRelationships(ctx context.Context, rels []*credo.Relationship) error {
	for _, r := range rels {
		if r.ID <= 0 {
			return credo.FieldError("id", "required", "a restored relationship needs its id")
		}
	}
	return db.write(ctx, "restoring relationships", func(ctx context.Context, tx pgx.Tx, _ int) error {
		var max int64
		for _, r := range rels {
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM relationships WHERE id = $1`, r.ID).Scan(&n); err != nil {
				return err
			}
			max = maxOf(max, r.ID)
			if n > 0 {
				continue
			}
			if _, err := insertRelationship(ctx, tx, r, r.ID); err != nil {
				return err
			}
		}
		return advance(ctx, tx, "relationship_ids", max)
	})
}

func maxOf(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
