package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

// CreateAuthority stores a new authority with one token hash, or returns
// an ECONFLICT error when the id (or the token hash) is taken. When a
// retried attempt finds the authority holding this very token hash, the
// first attempt committed and lost only its acknowledgement: that is
// success, not a conflict.
func (db *DB) CreateAuthority(ctx context.Context, a *credo.Authority, tokenHash string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	if tokenHash == "" {
		return credo.FieldError("token", "required", "an authority needs a token")
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("postgres: encoding authority %s: %w", a.ID, err)
	}
	return db.write(ctx, "creating an authority", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `INSERT INTO authorities (id, body) VALUES ($1, $2) ON CONFLICT DO NOTHING`, a.ID, body)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if attempt > 0 {
				var owner string
				err := tx.QueryRow(ctx, `SELECT authority_id FROM authority_tokens WHERE token_hash = $1`, tokenHash).Scan(&owner)
				if err == nil && owner == a.ID {
					return nil
				}
			}
			return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists",
				Message: fmt.Sprintf("authority %s already exists", a.ID)}
		}
		if err := insertToken(ctx, tx, a.ID, tokenHash); err != nil {
			return err
		}
		return appendChanges(ctx, tx, []*credo.Change{credo.AuthorityChange(a)})
	})
}

// insertToken adds a token hash; one held by another authority is a
// conflict, one this authority holds already is no change.
func insertToken(ctx context.Context, tx pgx.Tx, authorityID, tokenHash string) error {
	tag, err := tx.Exec(ctx, `INSERT INTO authority_tokens (token_hash, authority_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		tokenHash, authorityID)
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	var owner string
	if err := tx.QueryRow(ctx, `SELECT authority_id FROM authority_tokens WHERE token_hash = $1`, tokenHash).Scan(&owner); err != nil {
		return err
	}
	if owner != authorityID {
		return &credo.Error{Code: credo.ECONFLICT, Field: "token", Reason: "exists", Message: "the token is already held by another authority"}
	}
	return nil
}

// AddToken adds another token hash to an existing authority.
func (db *DB) AddToken(ctx context.Context, authorityID, tokenHash string) error {
	if tokenHash == "" {
		return credo.FieldError("token", "required", "is required")
	}
	return db.write(ctx, "adding a token", func(ctx context.Context, tx pgx.Tx, _ int) error {
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM authorities WHERE id = $1 FOR KEY SHARE)`, authorityID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return credo.ErrNotFound("authority", authorityID)
		}
		return insertToken(ctx, tx, authorityID, tokenHash)
	})
}

// Authority returns the authority with id.
func (db *DB) Authority(ctx context.Context, id string) (*credo.Authority, error) {
	as, err := db.authorities(ctx, `SELECT body FROM authorities WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, credo.ErrNotFound("authority", id)
	}
	return as[0], nil
}

// AuthorityByToken returns the authority holding tokenHash.
func (db *DB) AuthorityByToken(ctx context.Context, tokenHash string) (*credo.Authority, error) {
	as, err := db.authorities(ctx, `
		SELECT a.body FROM authority_tokens t JOIN authorities a ON a.id = t.authority_id
		WHERE t.token_hash = $1`, tokenHash)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, credo.ErrNotFound("authority", "with this token")
	}
	return as[0], nil
}

// Authorities lists every authority by id.
func (db *DB) Authorities(ctx context.Context) ([]*credo.Authority, error) {
	as, err := db.authorities(ctx, `SELECT body FROM authorities ORDER BY id`)
	if as == nil && err == nil {
		as = []*credo.Authority{}
	}
	return as, err
}

func (db *DB) authorities(ctx context.Context, q string, args ...any) ([]*credo.Authority, error) {
	var out []*credo.Authority
	err := db.read(ctx, "reading authorities", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*credo.Authority, error) {
			var body []byte
			if err := row.Scan(&body); err != nil {
				return nil, err
			}
			a := new(credo.Authority)
			if err := json.Unmarshal(body, a); err != nil {
				return nil, fmt.Errorf("decoding a stored authority: %w", err)
			}
			return a, nil
		})
		return err
	})
	return out, err
}

// AuthorityTokens returns the token hashes of an authority, sorted (none
// for an unknown authority).
func (db *DB) AuthorityTokens(ctx context.Context, authorityID string) ([]string, error) {
	out := []string{}
	err := db.read(ctx, "reading tokens", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT token_hash FROM authority_tokens WHERE authority_id = $1 ORDER BY token_hash`, authorityID)
		if err != nil {
			return err
		}
		out, err = pgx.AppendRows(out[:0], rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// secretSize is the length of every registry secret.
const secretSize = 32

// Secret returns the 32-byte secret called name, creating it on first use.
// Nodes racing to create it agree on the bytes: the insert of all but one
// does nothing, and each then reads the one stored.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	var secret []byte
	err := db.read(ctx, "reading a secret", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&secret)
		if err == pgx.ErrNoRows {
			return nil
		}
		return err
	})
	if err != nil || secret != nil {
		return secret, err
	}
	fresh := make([]byte, secretSize)
	rand.Read(fresh)
	err = db.write(ctx, "creating a secret", func(ctx context.Context, tx pgx.Tx, _ int) error {
		if _, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&secret)
	})
	return secret, err
}

// RestoreSecret stores a secret under name unless one exists.
func (db *DB) RestoreSecret(ctx context.Context, name string, secret []byte) error {
	if len(secret) != secretSize {
		return credo.FieldError("secret", "length", "must be %d bytes, not %d", secretSize, len(secret))
	}
	return db.write(ctx, "restoring a secret", func(ctx context.Context, tx pgx.Tx, _ int) error {
		_, err := tx.Exec(ctx, `INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING`, name, secret)
		return err
	})
}

// StoredSecret returns the secret called name, or ENOTFOUND.
func (db *DB) StoredSecret(ctx context.Context, name string) ([]byte, error) {
	var secret []byte
	err := db.read(ctx, "reading a secret", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT value FROM secrets WHERE name = $1`, name).Scan(&secret)
		if err == pgx.ErrNoRows {
			return credo.ErrNotFound("secret", name)
		}
		return err
	})
	return secret, err
}

// DeleteSecret removes the secret called name.
func (db *DB) DeleteSecret(ctx context.Context, name string) error {
	return db.write(ctx, "deleting a secret", func(ctx context.Context, tx pgx.Tx, _ int) error {
		_, err := tx.Exec(ctx, `DELETE FROM secrets WHERE name = $1`, name)
		return err
	})
}

// Stats returns the counts. Records and organizations are summed from the
// counters their writers keep; authorities are few and counted.
func (db *DB) Stats(ctx context.Context) (credo.Stats, error) {
	var st credo.Stats
	err := db.read(ctx, "reading stats", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `
			SELECT coalesce(sum(n) FILTER (WHERE name = 'organizations'), 0),
			       coalesce(sum(n) FILTER (WHERE name = 'records'), 0),
			       (SELECT count(*) FROM authorities)
			FROM counters`).Scan(&st.Organizations, &st.Records, &st.Authorities)
	})
	return st, err
}

// Claim reports whether the caller is the first, on any node, to claim
// job for slot (the time the job is due): true for one claim per (job,
// slot), false for every other. A node whose clock fires a time-driven
// change claims it first, so that the change is applied once, not once per
// node. A claim that committed but lost its acknowledgement is recognised
// as this DB's own when retried.
func (db *DB) Claim(ctx context.Context, job string, slot time.Time) (bool, error) {
	var won bool
	err := db.write(ctx, "claiming a job", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `INSERT INTO job_claims (job, slot, claimant) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
			job, slot, db.node)
		if err != nil {
			return err
		}
		won = tag.RowsAffected() == 1
		if !won && attempt > 0 {
			var claimant string
			if err := tx.QueryRow(ctx, `SELECT claimant FROM job_claims WHERE job = $1 AND slot = $2`, job, slot).Scan(&claimant); err != nil {
				return err
			}
			won = claimant == db.node
		}
		return nil
	})
	return won, err
}
