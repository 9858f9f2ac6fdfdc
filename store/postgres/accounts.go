package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.AccountStore = (*DB)(nil)

// CreateAccount stores a new account with one token hash. The primary keys
// of accounts (id) and account_tokens (token_hash) refuse a taken id or
// hash with ECONFLICT, on any node. When a retried attempt finds the
// account holding this very token hash, the first attempt committed and
// lost only its acknowledgement: that is success, not a conflict.
func (db *DB) CreateAccount(ctx context.Context, a *credo.Account, tokenHash string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	if tokenHash == "" {
		return credo.FieldError("token", "required", "an account needs a token")
	}
	return db.write(ctx, "creating an account", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO accounts (id, role, subject, name, created_ns) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, a.ID, a.Role, a.Subject, a.Name, nsOf(a.CreatedAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if attempt > 0 {
				var owner string
				err := tx.QueryRow(ctx, `SELECT account_id FROM account_tokens WHERE token_hash = $1`, tokenHash).Scan(&owner)
				if err == nil && owner == a.ID {
					return nil
				}
			}
			return &credo.Error{Code: credo.ECONFLICT, Field: "id", Reason: "exists",
				Message: fmt.Sprintf("account %s already exists", a.ID)}
		}
		tag, err = tx.Exec(ctx, `INSERT INTO account_tokens (token_hash, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			tokenHash, a.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return &credo.Error{Code: credo.ECONFLICT, Field: "token", Reason: "exists",
				Message: "the token is already held by another account"}
		}
		return appendChanges(ctx, tx, []*credo.Change{credo.AccountChange(a)})
	})
}

// Account returns the account with id.
func (db *DB) Account(ctx context.Context, id string) (*credo.Account, error) {
	as, err := db.accounts(ctx, `SELECT id, role, subject, name, created_ns FROM accounts WHERE id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, credo.ErrNotFound("account", id)
	}
	return as[0], nil
}

// AccountByToken returns the account holding tokenHash.
func (db *DB) AccountByToken(ctx context.Context, tokenHash string) (*credo.Account, error) {
	as, err := db.accounts(ctx, `
		SELECT a.id, a.role, a.subject, a.name, a.created_ns
		FROM account_tokens t JOIN accounts a ON a.id = t.account_id
		WHERE t.token_hash = $1`, tokenHash)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, credo.ErrNotFound("account", "with this token")
	}
	return as[0], nil
}

// Accounts lists every account by id.
func (db *DB) Accounts(ctx context.Context) ([]*credo.Account, error) {
	return db.accounts(ctx, `SELECT id, role, subject, name, created_ns FROM accounts ORDER BY id`)
}

// ListAccounts returns one page of the accounts by id.
func (db *DB) ListAccounts(ctx context.Context, cursor string, limit int) (*credo.AccountPage, error) {
	after, size, err := paging.Accounts(cursor, limit)
	if err != nil {
		return nil, err
	}
	got, err := db.accounts(ctx, `SELECT id, role, subject, name, created_ns FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`, after, size+1)
	if err != nil {
		return nil, err
	}
	return paging.AccountPage(got, size), nil
}

func (db *DB) accounts(ctx context.Context, q string, args ...any) ([]*credo.Account, error) {
	out := []*credo.Account{}
	err := db.read(ctx, "reading accounts", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		var a credo.Account
		var created *int64
		_, err = pgx.ForEachRow(rows, []any{&a.ID, &a.Role, &a.Subject, &a.Name, &created}, func() error {
			aa := a
			aa.CreatedAt = timeOf(created)
			out = append(out, &aa)
			return nil
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
