package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/credo-registry/credo"
)

var _ credo.RulebookStore = (*DB)(nil)

// PublishRulebook implements credo.RulebookStore. ID and Version are
// required (EINVALID). Where the contract is silent: an empty Hash is
// computed from Source, and a Hash that is not the SHA-256 of Source is
// EINVALID; a zero PublishedAt is the time of publication (to the
// microsecond, as PostgreSQL keeps it). rb itself is not changed: read the
// version back for what was stored.
func (db *DB) PublishRulebook(ctx context.Context, rb *credo.Rulebook) error {
	if rb == nil || rb.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	if rb.Version == "" {
		return credo.FieldError("version", "required", "is required")
	}
	sum := sha256.Sum256(rb.Source)
	hash := hex.EncodeToString(sum[:])
	if rb.Hash != "" && rb.Hash != hash {
		return credo.FieldError("hash", "mismatch", "is not the SHA-256 of the source (%s)", hash)
	}
	published := rb.PublishedAt
	if published.IsZero() {
		published = credo.NewTime(time.Now().Truncate(time.Microsecond))
	}
	source := rb.Source
	if source == nil {
		source = []byte{} // a nil []byte would be NULL
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO rulebooks(id, version, hash, source, published_at) VALUES (?, ?, ?, ?, ?)`,
			rb.ID, rb.Version, hash, source, unixNano(published))
		if isUniqueViolation(err) {
			return &credo.Error{Code: credo.ECONFLICT, Field: "version", Reason: "exists",
				Message: fmt.Sprintf("rulebook %s version %s is already published; publish a new version", rb.ID, rb.Version)}
		}
		if err != nil {
			return fmt.Errorf("sqlite: publishing rulebook %s %s: %w", rb.ID, rb.Version, err)
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.RulebookPublishedChange(
			&credo.Rulebook{ID: rb.ID, Version: rb.Version, Hash: hash, PublishedAt: published})})
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
