package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlcommon"
)

var _ credo.RulebookStore = (*DB)(nil)

// PublishRulebook implements credo.RulebookStore. ID and Version are
// required (EINVALID). Where the contract is silent: as
// sqlcommon.RulebookVersion says (the hash, the time of publication). rb
// itself is not changed: read the version back for what was stored.
func (db *DB) PublishRulebook(ctx context.Context, rb *credo.Rulebook) error {
	v, err := sqlcommon.RulebookVersion(rb)
	if err != nil {
		return err
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rulebooks(id, version, hash, source, published_at) VALUES (?, ?, ?, ?, ?)`,
			v.ID, v.Version, v.Hash, v.Source, unixNano(v.PublishedAt))
		if isUniqueViolation(err) {
			return sqlcommon.RulebookExists(v)
		}
		if err != nil {
			return fmt.Errorf("sqlite: publishing rulebook %s %s: %w", v.ID, v.Version, err)
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.RulebookPublishedChange(v)})
		return err
	})
}

// Rulebook implements credo.RulebookStore.
func (db *DB) Rulebook(ctx context.Context, id, version string) (*credo.Rulebook, error) {
	rb, err := scanRulebook(db.r.QueryRowContext(ctx, `SELECT `+rulebookSelect+` FROM rulebooks WHERE id = ? AND version = ?`, id, version))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("rulebook", id+" "+version)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading rulebook %s %s: %w", id, version, err)
	}
	return rb, nil
}

// Rulebooks implements credo.RulebookStore; the publication order is the
// order PublishRulebook stored the versions in.
func (db *DB) Rulebooks(ctx context.Context) ([]*credo.Rulebook, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+rulebookSelect+` FROM rulebooks ORDER BY id, rowid`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing rulebooks: %w", err)
	}
	defer rows.Close()
	out := []*credo.Rulebook{}
	for rows.Next() {
		rb, err := scanRulebook(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: listing rulebooks: %w", err)
		}
		out = append(out, rb)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: listing rulebooks: %w", err)
	}
	return out, nil
}

const rulebookSelect = "id, version, hash, source, published_at"

func scanRulebook(row interface{ Scan(...any) error }) (*credo.Rulebook, error) {
	rb := new(credo.Rulebook)
	var published int64
	if err := row.Scan(&rb.ID, &rb.Version, &rb.Hash, &rb.Source, &published); err != nil {
		return nil, err
	}
	if rb.Source == nil {
		rb.Source = []byte{}
	}
	rb.PublishedAt = fromUnixNano(published)
	return rb, nil
}
