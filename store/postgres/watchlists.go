package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.WatchlistStore = (*DB)(nil)

func watchlistNotFound(id int64) error {
	return &credo.Error{Code: credo.ENOTFOUND, Field: "watchlist", Reason: "not_found", Message: fmt.Sprintf("watchlist %d not found", id)}
}

// CreateWatchlist implements credo.WatchlistStore.
func (db *DB) CreateWatchlist(ctx context.Context, w *credo.Watchlist) error {
	writer := rand.Text()
	types := w.Types
	if types == nil {
		types = []string{}
	}
	var id int64
	err := db.write(ctx, "creating a watchlist", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := tx.QueryRow(ctx, `INSERT INTO watchlists(owner, name, types, partner_depth, created_ns, writer, id)
			OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, nextval(pg_get_serial_sequence('watchlists', 'id'))))
			ON CONFLICT (writer) DO UPDATE SET writer = EXCLUDED.writer RETURNING id`,
			w.Owner, w.Name, types, w.PartnerDepth, unixNano(w.CreatedAt.Time), writer, givenID(w.ID)).Scan(&id); err != nil {
			return err
		}
		return advanceIdentity(ctx, tx, "watchlists", w.ID)
	})
	if err != nil {
		return err
	}
	w.ID, w.Members = id, 0
	return nil
}

const watchlistColumns = `id, owner, name, types, partner_depth, created_ns, deleted_ns,
	(SELECT count(*) FROM watchlist_members m WHERE m.watchlist = watchlists.id)`

func scanWatchlist(row pgx.Row) (*credo.Watchlist, error) {
	w := new(credo.Watchlist)
	var depth int16
	var created int64
	var deleted *int64
	var members int64
	if err := row.Scan(&w.ID, &w.Owner, &w.Name, &w.Types, &depth, &created, &deleted, &members); err != nil {
		return nil, err
	}
	w.PartnerDepth, w.Members = int(depth), int(members)
	w.CreatedAt, w.DeletedAt = timeOf(&created), timeOf(deleted)
	return w, nil
}

// Watchlist implements credo.WatchlistStore.
func (db *DB) Watchlist(ctx context.Context, id int64) (*credo.Watchlist, error) {
	var w *credo.Watchlist
	err := db.read(ctx, "reading a watchlist", func(ctx context.Context) error {
		var err error
		w, err = scanWatchlist(db.pool.QueryRow(ctx, `SELECT `+watchlistColumns+` FROM watchlists WHERE id = $1`, id))
		if err == pgx.ErrNoRows {
			return watchlistNotFound(id)
		}
		return err
	})
	return w, err
}

// Watchlists implements credo.WatchlistStore.
func (db *DB) Watchlists(ctx context.Context, owner string) ([]*credo.Watchlist, error) {
	out := []*credo.Watchlist{}
	err := db.read(ctx, "reading watchlists", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT `+watchlistColumns+` FROM watchlists WHERE owner = $1 AND deleted_ns IS NULL ORDER BY id`, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			w, err := scanWatchlist(rows)
			if err != nil {
				return err
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	return out, err
}

// liveWatchlist locks watchlist id inside tx, checking it exists
// undeleted; the lock orders concurrent member changes of one watchlist,
// so that the limit holds.
func liveWatchlist(ctx context.Context, tx pgx.Tx, id int64) error {
	var deleted *int64
	err := tx.QueryRow(ctx, `SELECT deleted_ns FROM watchlists WHERE id = $1 FOR UPDATE`, id).Scan(&deleted)
	if err == pgx.ErrNoRows || err == nil && deleted != nil {
		return watchlistNotFound(id)
	}
	return err
}

// DeleteWatchlist implements credo.WatchlistStore. A retry that finds the
// watchlist deleted by its own lost commit answers ENOTFOUND, as for a
// repeat.
func (db *DB) DeleteWatchlist(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, "deleting a watchlist", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := liveWatchlist(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE watchlists SET deleted_ns = $1 WHERE id = $2`, unixNano(at), id)
		return err
	})
}

// membersLock is the advisory lock key under which the membership
// history is written, one transaction at a time.
const membersLock = 0x6d656d62657273 // "members"

// ChangeWatchlistMembers implements credo.WatchlistStore; a retry finds
// the set changed already and appends nothing more.
func (db *DB) ChangeWatchlistMembers(ctx context.Context, id int64, add, remove []string, at time.Time) error {
	ns := unixNano(at)
	if add == nil {
		add = []string{}
	}
	if remove == nil {
		remove = []string{}
	}
	return db.write(ctx, "changing watchlist members", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		// One writer of the history at a time, so that its ids follow
		// commits (WatchlistMemberChanges).
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(membersLock)); err != nil {
			return err
		}
		if err := liveWatchlist(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH added AS (
				INSERT INTO watchlist_members(watchlist, code) SELECT $1, c FROM unnest($2::text[]) WITH ORDINALITY AS u(c, o)
				ON CONFLICT DO NOTHING RETURNING code)
			INSERT INTO watchlist_member_changes(watchlist, code, added, at_ns) SELECT $1, code, true, $3 FROM added`,
			id, add, ns); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `WITH removed AS (
				DELETE FROM watchlist_members WHERE watchlist = $1 AND code = ANY($2::text[]) RETURNING code)
			INSERT INTO watchlist_member_changes(watchlist, code, added, at_ns) SELECT $1, code, false, $3 FROM removed`,
			id, remove, ns); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM watchlist_members WHERE watchlist = $1`, id).Scan(&n); err != nil {
			return err
		}
		if n > credo.MaxWatchlistMembers {
			return credo.TooManyMembers(n)
		}
		return nil
	})
}

// WatchlistMembers implements credo.WatchlistStore.
func (db *DB) WatchlistMembers(ctx context.Context, id int64) ([]string, error) {
	out := []string{}
	err := db.read(ctx, "reading watchlist members", func(ctx context.Context) error {
		out = out[:0]
		var one int
		if err := db.pool.QueryRow(ctx, `SELECT 1 FROM watchlists WHERE id = $1`, id).Scan(&one); err == pgx.ErrNoRows {
			return watchlistNotFound(id)
		} else if err != nil {
			return err
		}
		rows, err := db.pool.Query(ctx, `SELECT code FROM watchlist_members WHERE watchlist = $1 ORDER BY code COLLATE "C"`, id)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}

// WatchlistMemberChanges implements credo.WatchlistStore. Writers of the
// history hold membersLock from before they take ids until their commit
// is visible (PostgreSQL releases a transaction's locks after its commit
// shows), so a visible id has every lower one visible or rolled back.
func (db *DB) WatchlistMemberChanges(ctx context.Context, after int64, limit int) ([]credo.WatchlistMemberChange, error) {
	var out []credo.WatchlistMemberChange
	err := db.read(ctx, "reading watchlist member changes", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT id, watchlist, code, added FROM watchlist_member_changes WHERE id > $1 ORDER BY id LIMIT $2`, after, max(limit, 1))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c credo.WatchlistMemberChange
			if err := rows.Scan(&c.ID, &c.Watchlist, &c.Code, &c.Added); err != nil {
				return err
			}
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}
