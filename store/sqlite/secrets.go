package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
)

// secretSize is the length of every registry secret.
const secretSize = 32

// Secret implements credo.SecretStore. The first caller's random bytes are
// inserted unless a secret already exists, and every caller then reads what
// the table holds, so concurrent first calls agree.
func (db *DB) Secret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := db.r.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("sqlite: reading secret %s: %w", name, err)
	}
	fresh := make([]byte, secretSize)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("sqlite: making secret %s: %w", name, err)
	}
	err = db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, fresh); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: storing secret %s: %w", name, err)
	}
	return v, nil
}

// RestoreSecret implements credo.CopyStore.
func (db *DB) RestoreSecret(ctx context.Context, name string, secret []byte) error {
	if len(secret) != secretSize {
		return credo.FieldError("secret", "length", "must be %d bytes, not %d", secretSize, len(secret))
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO secrets(name, value) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, secret)
		if err != nil {
			return fmt.Errorf("sqlite: restoring secret %s: %w", name, err)
		}
		return nil
	})
}

// StoredSecret implements credo.SecretStore.
func (db *DB) StoredSecret(ctx context.Context, name string) ([]byte, error) {
	var v []byte
	err := db.r.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("secret", name)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading secret %s: %w", name, err)
	}
	return v, nil
}

// DeleteSecret implements credo.SecretStore.
func (db *DB) DeleteSecret(ctx context.Context, name string) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM secrets WHERE name = ?`, name); err != nil {
			return fmt.Errorf("sqlite: deleting secret %s: %w", name, err)
		}
		return nil
	})
}
