package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AccountStore = (*DB)(nil)

const accountSelect = `SELECT id, role, subject, name, created_at FROM accounts`

// CreateAccount implements credo.AccountStore. Where the contract is
// silent: an account needs an id and a token hash (else EINVALID); a hash
// held by an authority is not looked at.
func (db *DB) CreateAccount(ctx context.Context, a *credo.Account, tokenHash string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	if tokenHash == "" {
		return credo.FieldError("token", "required", "an account needs a token")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var idTaken, hashTaken bool
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM accounts WHERE id = ?),
			EXISTS (SELECT 1 FROM accounts WHERE token_hash = ?)`, a.ID, tokenHash).Scan(&idTaken, &hashTaken); err != nil {
			return fmt.Errorf("sqlite: creating account %s: %w", a.ID, err)
		}
		switch {
		case idTaken:
			return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists", Message: "account " + a.ID + " already exists"}
		case hashTaken:
			return tokenTaken()
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO accounts(id, role, subject, name, created_at, token_hash)
			VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.Role, a.Subject, a.Name, unixNano(a.CreatedAt), tokenHash)
		if err != nil {
			if isUniqueViolation(err) {
				return tokenTaken()
			}
			return fmt.Errorf("sqlite: creating account %s: %w", a.ID, err)
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.AccountChange(a)})
		return err
	})
}

func tokenTaken() *credo.Error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "token", Reason: "exists", Message: "the token is already held by another account"}
}

// Account implements credo.AccountStore.
func (db *DB) Account(ctx context.Context, id string) (*credo.Account, error) {
	return db.account(ctx, id, accountSelect+` WHERE id = ?`, id)
}

// AccountByToken implements credo.AccountStore.
func (db *DB) AccountByToken(ctx context.Context, tokenHash string) (*credo.Account, error) {
	return db.account(ctx, "with this token", accountSelect+` WHERE token_hash = ?`, tokenHash)
}

func (db *DB) account(ctx context.Context, name, q, arg string) (*credo.Account, error) {
	got, err := db.accounts(ctx, q, arg)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, credo.ErrNotFound("account", name)
	}
	return got[0], nil
}

// Accounts implements credo.AccountStore.
func (db *DB) Accounts(ctx context.Context) ([]*credo.Account, error) {
	return db.accounts(ctx, accountSelect+` ORDER BY id`)
}

// ListAccounts implements credo.AccountStore.
func (db *DB) ListAccounts(ctx context.Context, cursor string, limit int) (*credo.AccountPage, error) {
	after, size, err := paging.Accounts(cursor, limit)
	if err != nil {
		return nil, err
	}
	got, err := db.accounts(ctx, accountSelect+` WHERE id > ? ORDER BY id LIMIT ?`, after, size+1)
	if err != nil {
		return nil, err
	}
	return paging.AccountPage(got, size), nil
}

func (db *DB) accounts(ctx context.Context, q string, args ...any) ([]*credo.Account, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading accounts: %w", err)
	}
	defer rows.Close()
	out := []*credo.Account{}
	for rows.Next() {
		a := new(credo.Account)
		var created int64
		if err := rows.Scan(&a.ID, &a.Role, &a.Subject, &a.Name, &created); err != nil {
			return nil, fmt.Errorf("sqlite: reading accounts: %w", err)
		}
		a.CreatedAt = fromUnixNano(created)
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading accounts: %w", err)
	}
	return out, nil
}
