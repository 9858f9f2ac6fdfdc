package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

var _ credo.WatchlistStore = (*DB)(nil)

func watchlistNotFound(id int64) error {
	return &credo.Error{Code: credo.ENOTFOUND, Field: "watchlist", Reason: "not_found", Message: fmt.Sprintf("watchlist %d not found", id)}
}

// CreateWatchlist implements credo.WatchlistStore.
func (db *DB) CreateWatchlist(ctx context.Context, w *credo.Watchlist) error {
	types, err := json.Marshal(w.Types)
	if err != nil {
		return credo.Errorf(credo.EINVALID, "watchlist types cannot be stored: %v", err)
	}
	var id int64
	err = db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO watchlists(id, owner, name, types, partner_depth, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			nullable(w.ID), w.Owner, w.Name, types, w.PartnerDepth, unixNano(w.CreatedAt))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: creating a watchlist: %w", err)
	}
	w.ID, w.Members = id, 0
	return nil
}

const watchlistColumns = `id, owner, name, types, partner_depth, created_at, deleted_at,
	(SELECT count(*) FROM watchlist_members m WHERE m.watchlist = watchlists.id)`

func scanWatchlist(rows interface{ Scan(...any) error }) (*credo.Watchlist, error) {
	w := new(credo.Watchlist)
	var types []byte
	var created int64
	var deleted sql.NullInt64
	if err := rows.Scan(&w.ID, &w.Owner, &w.Name, &types, &w.PartnerDepth, &created, &deleted, &w.Members); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(types, &w.Types); err != nil {
		return nil, fmt.Errorf("decoding watchlist %d: %w", w.ID, err)
	}
	w.CreatedAt, w.DeletedAt = fromUnixNano(created), fromUnixNano(deleted.Int64)
	return w, nil
}

// Watchlist implements credo.WatchlistStore.
func (db *DB) Watchlist(ctx context.Context, id int64) (*credo.Watchlist, error) {
	w, err := scanWatchlist(db.r.QueryRowContext(ctx, `SELECT `+watchlistColumns+` FROM watchlists WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, watchlistNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading watchlist %d: %w", id, err)
	}
	return w, nil
}

// Watchlists implements credo.WatchlistStore.
func (db *DB) Watchlists(ctx context.Context, owner string) ([]*credo.Watchlist, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+watchlistColumns+` FROM watchlists WHERE owner = ? AND deleted_at IS NULL ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading watchlists of %s: %w", owner, err)
	}
	defer rows.Close()
	out := []*credo.Watchlist{}
	for rows.Next() {
		w, err := scanWatchlist(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading watchlists of %s: %w", owner, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// liveWatchlist checks, inside tx, that watchlist id exists undeleted.
func liveWatchlist(ctx context.Context, tx *sql.Tx, id int64) error {
	var deleted sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT deleted_at FROM watchlists WHERE id = ?`, id).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) || err == nil && deleted.Valid {
		return watchlistNotFound(id)
	}
	return err
}

// DeleteWatchlist implements credo.WatchlistStore.
func (db *DB) DeleteWatchlist(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWatchlist(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE watchlists SET deleted_at = ? WHERE id = ?`, unixNano(credo.NewTime(at)), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: deleting watchlist %d: %w", id, err)
	}
	return nil
}

// ChangeWatchlistMembers implements credo.WatchlistStore: each change of
// the current set is appended to the history, in the same transaction.
func (db *DB) ChangeWatchlistMembers(ctx context.Context, id int64, add, remove []string, at time.Time) error {
	ns := unixNano(credo.NewTime(at))
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWatchlist(ctx, tx, id); err != nil {
			return err
		}
		for _, step := range []struct {
			codes  []string
			added  int
			change string
		}{
			{add, 1, `INSERT INTO watchlist_members(watchlist, code) VALUES (?, ?) ON CONFLICT DO NOTHING`},
			{remove, 0, `DELETE FROM watchlist_members WHERE watchlist = ? AND code = ?`},
		} {
			for _, c := range step.codes {
				res, err := tx.ExecContext(ctx, step.change, id, c)
				if err != nil {
					return err
				}
				if n, err := res.RowsAffected(); err != nil {
					return err
				} else if n == 0 {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO watchlist_member_changes(watchlist, code, added, at) VALUES (?, ?, ?, ?)`,
					id, c, step.added, ns); err != nil {
					return err
				}
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM watchlist_members WHERE watchlist = ?`, id).Scan(&n); err != nil {
			return err
		}
		if n > credo.MaxWatchlistMembers {
			return credo.TooManyMembers(n)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: changing the members of watchlist %d: %w", id, err)
	}
	return nil
}

// WatchlistMembers implements credo.WatchlistStore.
func (db *DB) WatchlistMembers(ctx context.Context, id int64) ([]string, error) {
	var one int
	if err := db.r.QueryRowContext(ctx, `SELECT 1 FROM watchlists WHERE id = ?`, id).Scan(&one); errors.Is(err, sql.ErrNoRows) {
		return nil, watchlistNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: reading watchlist %d: %w", id, err)
	}
	rows, err := db.r.QueryContext(ctx, `SELECT code FROM watchlist_members WHERE watchlist = ? ORDER BY code`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading the members of watchlist %d: %w", id, err)
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// WatchlistMemberChanges implements credo.WatchlistStore. The one writer
// commits one transaction at a time and the history is never deleted
// from, so ids (rowids, each above the highest) follow commits.
func (db *DB) WatchlistMemberChanges(ctx context.Context, after int64, limit int) ([]credo.WatchlistMemberChange, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, watchlist, code, added FROM watchlist_member_changes WHERE id > ? ORDER BY id LIMIT ?`, after, max(limit, 1))
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading watchlist member changes: %w", err)
	}
	defer rows.Close()
	var out []credo.WatchlistMemberChange
	for rows.Next() {
		var c credo.WatchlistMemberChange
		if err := rows.Scan(&c.ID, &c.Watchlist, &c.Code, &c.Added); err != nil {
			return nil, fmt.Errorf("sqlite: reading watchlist member changes: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
