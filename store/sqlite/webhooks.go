package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

var _ credo.WebhookStore = (*DB)(nil)

// The statements of the delivery queue, prepared at Open (writeQueries).
const (
	queueDelivery     = `INSERT INTO webhook_deliveries(webhook, position, subject, event, next_at) VALUES (?, ?, ?, ?, ?)`
	moveWebhookCursor = `UPDATE webhook_cursor SET position = ? WHERE one = 1 AND position = ?`
	webhooksIn        = `SELECT ` + webhookColumns + ` FROM webhooks WHERE id IN (SELECT value FROM json_each(?))`
	deliveredOut      = `DELETE FROM webhook_deliveries WHERE id IN (SELECT value FROM json_each(?))`
	releaseDeliveries = `UPDATE webhook_deliveries SET lease_owner = '', lease_until = 0 WHERE id IN (SELECT value FROM json_each(?))`
	clearFailing      = `UPDATE webhooks SET failing_since = NULL WHERE id IN (SELECT value FROM json_each(?)) AND failing_since IS NOT NULL`
	// claimDeliveries leases each head (the first queued of an endpoint
	// and organization, due, of a live unpaused endpoint) and those queued
	// behind it, up to the last argument (runs) each.
	claimDeliveries = `UPDATE webhook_deliveries SET lease_owner = ?, lease_until = ? WHERE id IN (
	SELECT id FROM (
		SELECT r.id, row_number() OVER (PARTITION BY r.webhook, r.subject ORDER BY r.id) AS k FROM (
			SELECT d.webhook, d.subject FROM webhook_deliveries AS d JOIN webhooks AS w ON w.id = d.webhook
			WHERE d.dead_at IS NULL AND +d.next_at <= ? AND +d.lease_until < ?
				AND w.paused_at IS NULL AND w.deleted_at IS NULL
				AND NOT EXISTS (SELECT 1 FROM webhook_deliveries AS p
					WHERE p.webhook = d.webhook AND p.subject = d.subject AND p.id < d.id)
			ORDER BY d.id LIMIT ?) AS h
		JOIN webhook_deliveries AS r ON r.webhook = h.webhook AND r.subject = h.subject AND r.dead_at IS NULL)
	WHERE k <= ?)
	RETURNING ` + deliveryColumns
)

func nullTime(n sql.NullInt64) credo.Time { return fromUnixNano(n.Int64) }

const webhookColumns = `id, owner, watchlist, url, secret, previous, previous_until, created_at, deleted_at, paused_at, failing_since,
	(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook = webhooks.id AND d.dead_at IS NOT NULL)`

func scanWebhook(row interface{ Scan(...any) error }) (*credo.Webhook, error) {
	w := new(credo.Webhook)
	var until, created int64
	var deleted, paused, failing sql.NullInt64
	if err := row.Scan(&w.ID, &w.Owner, &w.Watchlist, &w.URL, &w.Secret, &w.Previous, &until, &created, &deleted, &paused, &failing, &w.DeadLetters); err != nil {
		return nil, err
	}
	w.PreviousUntil, w.CreatedAt = fromUnixNano(until), fromUnixNano(created)
	w.DeletedAt, w.PausedAt, w.FailingSince = nullTime(deleted), nullTime(paused), nullTime(failing)
	return w, nil
}

// CreateWebhook implements credo.WebhookStore.
func (db *DB) CreateWebhook(ctx context.Context, w *credo.Webhook) error {
	var id int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWatchlist(ctx, tx, w.Watchlist); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO webhooks(id, owner, watchlist, url, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			nullable(w.ID), w.Owner, w.Watchlist, w.URL, w.Secret, unixNano(w.CreatedAt))
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: creating a webhook: %w", err)
	}
	w.ID = id
	return nil
}

// Webhook implements credo.WebhookStore.
func (db *DB) Webhook(ctx context.Context, id int64) (*credo.Webhook, error) {
	w, err := scanWebhook(db.r.QueryRowContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrWebhookNotFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading webhook %d: %w", id, err)
	}
	return w, nil
}

// Webhooks implements credo.WebhookStore.
func (db *DB) Webhooks(ctx context.Context, owner string) ([]*credo.Webhook, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE owner = ? AND deleted_at IS NULL ORDER BY id`, owner)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading webhooks of %s: %w", owner, err)
	}
	defer rows.Close()
	out := []*credo.Webhook{}
	for rows.Next() {
		w, err := scanWebhook(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading webhooks of %s: %w", owner, err)
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// liveWebhook checks, inside tx, that webhook id exists undeleted.
func liveWebhook(ctx context.Context, tx *sql.Tx, id int64) error {
	var deleted sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT deleted_at FROM webhooks WHERE id = ?`, id).Scan(&deleted)
	if errors.Is(err, sql.ErrNoRows) || err == nil && deleted.Valid {
		return credo.ErrWebhookNotFound(id)
	}
	return err
}

// DeleteWebhook implements credo.WebhookStore.
func (db *DB) DeleteWebhook(ctx context.Context, id int64, at time.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET deleted_at = ? WHERE id = ?`, unixNano(credo.NewTime(at)), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: deleting webhook %d: %w", id, err)
	}
	return nil
}

// RotateWebhookSecret implements credo.WebhookStore.
func (db *DB) RotateWebhookSecret(ctx context.Context, id int64, secret string, previousUntil time.Time) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE webhooks SET previous = secret, previous_until = ?, secret = ? WHERE id = ?`,
			unixNano(credo.NewTime(previousUntil)), secret, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: rotating the secret of webhook %d: %w", id, err)
	}
	return nil
}

// WebhookEndpoints implements credo.WebhookStore.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]credo.WebhookTarget, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT l.id, l.types, w.id, w.owner, l.partner_depth
		FROM webhooks AS w JOIN watchlists AS l ON l.id = w.watchlist AND l.deleted_at IS NULL
		WHERE w.deleted_at IS NULL ORDER BY w.id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading webhook endpoints: %w", err)
	}
	defer rows.Close()
	var out []credo.WebhookTarget
	for rows.Next() {
		var t credo.WebhookTarget
		var types []byte
		if err := rows.Scan(&t.Watchlist, &types, &t.Webhook, &t.Owner, &t.PartnerDepth); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(types, &t.Types); err != nil {
			return nil, fmt.Errorf("sqlite: decoding watchlist %d: %w", t.Watchlist, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// WebhookWatchMark implements credo.WebhookStore.
func (db *DB) WebhookWatchMark(ctx context.Context) (credo.WebhookWatchMark, error) {
	var m credo.WebhookWatchMark
	st, err := db.reads.get(ctx, db.r, `SELECT
		(SELECT coalesce(max(id), 0) FROM watchlist_member_changes),
		(SELECT count(*) FROM watchlists WHERE deleted_at IS NULL), (SELECT coalesce(max(id), 0) FROM watchlists),
		(SELECT coalesce(sum(id), 0) FROM watchlists WHERE deleted_at IS NULL),
		(SELECT count(*) FROM webhooks WHERE deleted_at IS NULL), (SELECT coalesce(max(id), 0) FROM webhooks),
		(SELECT coalesce(sum(id), 0) FROM webhooks WHERE deleted_at IS NULL)`)
	if err != nil {
		return m, err
	}
	err = st.QueryRowContext(ctx).Scan(&m.MemberChange, &m.LiveWatchlists, &m.LastWatchlist, &m.WatchlistSum, &m.LiveWebhooks, &m.LastWebhook, &m.WebhookSum)
	if err != nil {
		return m, fmt.Errorf("sqlite: reading the webhook watch mark: %w", err)
	}
	return m, nil
}

// WebhookCursor implements credo.WebhookStore.
func (db *DB) WebhookCursor(ctx context.Context) (int64, error) {
	var p int64
	if err := db.r.QueryRowContext(ctx, `SELECT position FROM webhook_cursor WHERE one = 1`).Scan(&p); err != nil {
		return 0, fmt.Errorf("sqlite: reading the webhook cursor: %w", err)
	}
	return p, nil
}

// EnqueueWebhookDeliveries implements credo.WebhookStore.
func (db *DB) EnqueueWebhookDeliveries(ctx context.Context, from, to int64, ds []*credo.WebhookDelivery) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		cursor, err := db.txStmt(ctx, tx, moveWebhookCursor)
		if err != nil {
			return err
		}
		res, err := cursor.ExecContext(ctx, to, from)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return credo.Errorf(credo.ECONFLICT, "the webhook cursor is no longer at %d", from)
		}
		stmt, err := db.txStmt(ctx, tx, queueDelivery)
		if err != nil {
			return err
		}
		for _, d := range ds {
			res, err := stmt.ExecContext(ctx, d.Webhook, d.Position, d.Subject, []byte(d.Event), unixNano(d.NextAt))
			if err != nil {
				return err
			}
			if d.ID, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: queueing webhook deliveries: %w", err)
	}
	return nil
}

const deliveryColumns = `id, webhook, position, subject, event, attempts, first_failed_at, next_at, last_status, last_error, dead_at, replayed`

func scanDelivery(row interface{ Scan(...any) error }) (*credo.WebhookDelivery, error) {
	d := new(credo.WebhookDelivery)
	var event []byte
	var first, next int64
	var dead sql.NullInt64
	if err := row.Scan(&d.ID, &d.Webhook, &d.Position, &d.Subject, &event, &d.Attempts, &first, &next, &d.LastStatus, &d.LastError, &dead, &d.Replayed); err != nil {
		return nil, err
	}
	d.Event = event
	d.FirstFailedAt, d.NextAt, d.DeadAt = fromUnixNano(first), fromUnixNano(next), nullTime(dead)
	return d, nil
}

// ClaimWebhookDeliveries implements credo.WebhookStore.
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, done []credo.WebhookResult, node string, now time.Time, lease time.Duration, limit, runs int) ([]*credo.WebhookDelivery, error) {
	var out []*credo.WebhookDelivery
	ns := now.UnixNano()
	err := db.write(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		if err := db.finishDeliveries(ctx, tx, done); err != nil {
			return err
		}
		if limit <= 0 {
			return nil
		}
		// Each head and up to runs-1 of those queued behind it.
		claim, err := db.txStmt(ctx, tx, claimDeliveries)
		if err != nil {
			return err
		}
		rows, err := claim.QueryContext(ctx, node, now.Add(lease).UnixNano(), ns, ns, limit, max(runs, 1))
		if err != nil {
			return err
		}
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				rows.Close()
				return err
			}
			out = append(out, d)
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil || len(out) == 0 {
			return err
		}
		// Their endpoints, read once each.
		ids := map[int64]*credo.Webhook{}
		for _, d := range out {
			ids[d.Webhook] = nil
		}
		arg, err := json.Marshal(slices.Collect(maps.Keys(ids)))
		if err != nil {
			return err
		}
		endpoints, err := db.txStmt(ctx, tx, webhooksIn)
		if err != nil {
			return err
		}
		hs, err := endpoints.QueryContext(ctx, string(arg))
		if err != nil {
			return err
		}
		defer hs.Close()
		for hs.Next() {
			h, err := scanWebhook(hs)
			if err != nil {
				return err
			}
			ids[h.ID] = h
		}
		for _, d := range out {
			d.Endpoint = ids[d.Webhook]
		}
		return hs.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: claiming webhook deliveries: %w", err)
	}
	slices.SortFunc(out, func(a, b *credo.WebhookDelivery) int { return int(a.ID - b.ID) })
	return out, nil
}

// FinishWebhookDeliveries implements credo.WebhookStore.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, results []credo.WebhookResult) error {
	if len(results) == 0 {
		return nil
	}
	err := db.write(ctx, func(tx *sql.Tx) error { return db.finishDeliveries(ctx, tx, results) })
	if err != nil {
		return fmt.Errorf("sqlite: finishing webhook deliveries: %w", err)
	}
	return nil
}

// finishDeliveries stores results inside tx: the deliveries that leave
// the queue, those given back and the endpoints' states each in one
// statement, the failures one by one.
func (db *DB) finishDeliveries(ctx context.Context, tx *sql.Tx, results []credo.WebhookResult) error {
	if len(results) == 0 {
		return nil
	}
	o := credo.SortWebhookResults(results)
	ids := func(v []int64) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}
	for _, step := range []struct {
		ids  []int64
		stmt string
	}{
		{o.Delivered, deliveredOut},
		{o.Released, releaseDeliveries},
		{o.Clear, clearFailing},
	} {
		if len(step.ids) == 0 {
			continue
		}
		arg, err := ids(step.ids)
		if err != nil {
			return err
		}
		stmt, err := db.txStmt(ctx, tx, step.stmt)
		if err != nil {
			return err
		}
		if _, err := stmt.ExecContext(ctx, arg); err != nil {
			return err
		}
	}
	for _, r := range o.Failed {
		var dead any
		if r.Dead {
			dead = r.At.UnixNano()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET attempts = ?, first_failed_at = ?, next_at = ?,
			last_status = ?, last_error = ?, dead_at = ?,
			lease_owner = '', lease_until = 0 WHERE id = ?`,
			r.Attempts, r.FirstFailedAt.UnixNano(), r.NextAt.UnixNano(), r.Status, r.Error, dead, r.Delivery); err != nil {
			return err
		}
	}
	for _, f := range o.Failing {
		stmt := `UPDATE webhooks SET failing_since = ? WHERE id = ? AND failing_since IS NULL`
		if f.Reset {
			stmt = `UPDATE webhooks SET failing_since = ? WHERE id = ?`
		}
		if _, err := tx.ExecContext(ctx, stmt, f.At.UnixNano(), f.Webhook); err != nil {
			return err
		}
	}
	return nil
}

// ReleaseWebhookLeases implements credo.WebhookStore.
func (db *DB) ReleaseWebhookLeases(ctx context.Context) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET lease_owner = '', lease_until = 0 WHERE lease_until <> 0`)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: releasing webhook leases: %w", err)
	}
	return nil
}

// PauseWebhook implements credo.WebhookStore.
func (db *DB) PauseWebhook(ctx context.Context, id int64, at time.Time) (bool, error) {
	var paused bool
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE webhooks SET paused_at = ? WHERE id = ? AND paused_at IS NULL AND deleted_at IS NULL`, at.UnixNano(), id)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		paused = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("sqlite: pausing webhook %d: %w", id, err)
	}
	return paused, nil
}

// WebhookDeadLetters implements credo.WebhookStore.
func (db *DB) WebhookDeadLetters(ctx context.Context, id int64, after int64, limit int) ([]*credo.WebhookDelivery, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	limit = min(limit, credo.MaxPageSize)
	rows, err := db.r.QueryContext(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
		WHERE webhook = ? AND dead_at IS NOT NULL AND id > ? ORDER BY id LIMIT ?`, id, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading the dead letters of webhook %d: %w", id, err)
	}
	defer rows.Close()
	out := []*credo.WebhookDelivery{}
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// ReplayWebhook implements credo.WebhookStore.
func (db *DB) ReplayWebhook(ctx context.Context, id int64, at time.Time) (int, error) {
	var n int64
	err := db.write(ctx, func(tx *sql.Tx) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE webhook_deliveries SET dead_at = NULL, replayed = 1, attempts = 0, first_failed_at = 0,
			next_at = ?, lease_owner = '', lease_until = 0 WHERE webhook = ? AND dead_at IS NOT NULL`, at.UnixNano(), id)
		if err != nil {
			return err
		}
		if n, err = res.RowsAffected(); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE webhooks SET paused_at = NULL, failing_since = NULL WHERE id = ?`, id)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: replaying webhook %d: %w", id, err)
	}
	return int(n), nil
}
