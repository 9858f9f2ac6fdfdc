package postgres

import (
	"context"
	"crypto/rand"
	"math"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlcommon"
)

var _ credo.RulebookStore = (*DB)(nil)

// PublishRulebook stores a new rulebook version. The primary key (id,
// version) refuses a second publication, whatever its content, with an
// ECONFLICT error; a call that runs again after its commit went through
// unacknowledged finds its own row and succeeds. Where the contract is
// silent, as the embedded store does: sqlcommon.RulebookVersion (the
// hash, the time of publication); rb itself is not changed.
func (db *DB) PublishRulebook(ctx context.Context, rb *credo.Rulebook) error {
	v, err := sqlcommon.RulebookVersion(rb)
	if err != nil {
		return err
	}
	published := v.PublishedAt.Time
	publication := rand.Text()
	return db.write(ctx, "publishing a rulebook", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO rulebooks (id, version, hash, source, published_ns, publication)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
			v.ID, v.Version, v.Hash, v.Source, unixNano(published), publication)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			return appendChanges(ctx, tx, []*credo.Change{credo.RulebookPublishedChange(
				&credo.Rulebook{ID: v.ID, Version: v.Version, Hash: v.Hash, PublishedAt: credo.NewTime(published)})})
		}
		if attempt > 0 {
			var stored string
			err := tx.QueryRow(ctx, `SELECT publication FROM rulebooks WHERE id = $1 AND version = $2`, v.ID, v.Version).Scan(&stored)
			if err == nil && stored == publication {
				return nil
			}
		}
		return sqlcommon.RulebookExists(v)
	})
}

// Rulebook returns one published version with its source.
func (db *DB) Rulebook(ctx context.Context, id, version string) (*credo.Rulebook, error) {
	rbs, err := db.rulebooks(ctx, `WHERE id = $1 AND version = $2`, id, version)
	if err != nil {
		return nil, err
	}
	if len(rbs) == 0 {
		return nil, credo.ErrNotFound("rulebook", id+" "+version)
	}
	return rbs[0], nil
}

// Rulebooks lists every published version, by id then publication order.
func (db *DB) Rulebooks(ctx context.Context) ([]*credo.Rulebook, error) {
	rbs, err := db.rulebooks(ctx, `ORDER BY id, seq`)
	if rbs == nil && err == nil {
		rbs = []*credo.Rulebook{}
	}
	return rbs, err
}

func (db *DB) rulebooks(ctx context.Context, where string, args ...any) ([]*credo.Rulebook, error) {
	var out []*credo.Rulebook
	err := db.read(ctx, "reading rulebooks", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT id, version, hash, source, published_ns FROM rulebooks `+where, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*credo.Rulebook, error) {
			rb := new(credo.Rulebook)
			var ns int64
			if err := row.Scan(&rb.ID, &rb.Version, &rb.Hash, &rb.Source, &ns); err != nil {
				return nil, err
			}
			rb.PublishedAt = credo.NewTime(time.Unix(0, ns))
			return rb, nil
		})
		return err
	})
	return out, err
}

// unixNano is t in nanoseconds since 1970, held to the range of int64
// (the years 1678 to 2261), so that a time beyond it, such as a validity
// ending in 9999, still compares after every time within it.
func unixNano(t time.Time) int64 {
	switch {
	case t.Before(minNano):
		return math.MinInt64
	case t.After(maxNano):
		return math.MaxInt64
	}
	return t.UnixNano()
}

var (
	minNano = time.Unix(0, math.MinInt64)
	maxNano = time.Unix(0, math.MaxInt64)
)
