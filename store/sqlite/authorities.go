package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// CreateAuthority implements credo.AuthorityStore. A token hash already
// held by any authority is a conflict too.
func (db *DB) CreateAuthority(ctx context.Context, a *credo.Authority, tokenHash string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	if tokenHash == "" {
		return credo.FieldError("token", "required", "an authority needs a token")
	}
	body, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("sqlite: encoding authority: %w", err)
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO authorities(id, body) VALUES (?, ?)`, a.ID, body); err != nil {
			if isUniqueViolation(err) {
				return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists", Message: "authority " + a.ID + " already exists"}
			}
			return fmt.Errorf("sqlite: creating authority %s: %w", a.ID, err)
		}
		if err := addToken(ctx, tx, a.ID, tokenHash); err != nil {
			return err
		}
		_, err := db.appendChanges(ctx, tx, []*credo.Change{credo.AuthorityChange(a)})
		return err
	})
}

// AddToken implements credo.AuthorityStore. Adding a hash the authority
// already holds changes nothing; one held by another authority is a
// conflict.
func (db *DB) AddToken(ctx context.Context, authorityID, tokenHash string) error {
	if tokenHash == "" {
		return credo.FieldError("token", "required", "is required")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM authorities WHERE id = ?`, authorityID).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: adding token: %w", err)
		}
		if n == 0 {
			return credo.ErrNotFound("authority", authorityID)
		}
		return addToken(ctx, tx, authorityID, tokenHash)
	})
}

func addToken(ctx context.Context, tx *sql.Tx, authorityID, tokenHash string) error {
	var holder string
	err := tx.QueryRowContext(ctx, `SELECT authority_id FROM authority_tokens WHERE hash = ?`, tokenHash).Scan(&holder)
	switch {
	case err == nil && holder == authorityID:
		return nil
	case err == nil:
		return &credo.Error{Code: credo.ECONFLICT, Field: "token", Reason: "exists", Message: "the token is already held by another authority"}
	case !errors.Is(err, sql.ErrNoRows):
		return fmt.Errorf("sqlite: adding token: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO authority_tokens(hash, authority_id) VALUES (?, ?)`, tokenHash, authorityID); err != nil {
		return fmt.Errorf("sqlite: adding token: %w", err)
	}
	return nil
}

// Authority implements credo.AuthorityStore.
func (db *DB) Authority(ctx context.Context, id string) (*credo.Authority, error) {
	return db.authority(ctx, id, `SELECT body FROM authorities WHERE id = ?`, id)
}

// AuthorityByToken implements credo.AuthorityStore.
func (db *DB) AuthorityByToken(ctx context.Context, tokenHash string) (*credo.Authority, error) {
	return db.authority(ctx, "with this token", `SELECT a.body FROM authority_tokens t JOIN authorities a ON a.id = t.authority_id WHERE t.hash = ?`, tokenHash)
}

func (db *DB) authority(ctx context.Context, name, q string, arg string) (*credo.Authority, error) {
	var body []byte
	st, err := db.reads.get(ctx, db.r, q)
	if err != nil {
		return nil, err
	}
	err = st.QueryRowContext(ctx, arg).Scan(&body)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("authority", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading authority: %w", err)
	}
	a := new(credo.Authority)
	if err := json.Unmarshal(body, a); err != nil {
		return nil, fmt.Errorf("sqlite: decoding authority: %w", err)
	}
	return a, nil
}

// Authorities implements credo.AuthorityStore.
func (db *DB) Authorities(ctx context.Context) ([]*credo.Authority, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT body FROM authorities ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing authorities: %w", err)
	}
	defer rows.Close()
	out := []*credo.Authority{}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			return nil, fmt.Errorf("sqlite: listing authorities: %w", err)
		}
		a := new(credo.Authority)
		if err := json.Unmarshal(body, a); err != nil {
			return nil, fmt.Errorf("sqlite: decoding authority: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// AuthorityTokens implements credo.CopyStore.
func (db *DB) AuthorityTokens(ctx context.Context, authorityID string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT hash FROM authority_tokens WHERE authority_id = ? ORDER BY hash`, authorityID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: listing tokens: %w", err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var h string
		if err := rows.Scan(&h); err != nil {
			return nil, fmt.Errorf("sqlite: listing tokens: %w", err)
		}
		out = append(out, h)
	}
	return out, rows.Err()
}
