package postgres

import (
	"context"
	"crypto/rand"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.WebhookStore = (*DB)(nil)

const webhookColumns = `id, owner, watchlist, url, secret, previous, previous_until, created_ns, deleted_ns, paused_ns, failing_ns,
	(SELECT count(*) FROM webhook_deliveries d WHERE d.webhook = webhooks.id AND d.dead_ns IS NOT NULL)`

func scanWebhook(row pgx.Row) (*credo.Webhook, error) {
	w := new(credo.Webhook)
	var until, created, dead int64
	var deleted, paused, failing *int64
	if err := row.Scan(&w.ID, &w.Owner, &w.Watchlist, &w.URL, &w.Secret, &w.Previous, &until, &created, &deleted, &paused, &failing, &dead); err != nil {
		return nil, err
	}
	w.DeadLetters = int(dead)
	w.PreviousUntil, w.CreatedAt = timeOf(&until), timeOf(&created)
	if until == 0 {
		w.PreviousUntil = credo.Time{}
	}
	w.DeletedAt, w.PausedAt, w.FailingSince = timeOf(deleted), timeOf(paused), timeOf(failing)
	return w, nil
}

// CreateWebhook implements credo.WebhookStore.
func (db *DB) CreateWebhook(ctx context.Context, w *credo.Webhook) error {
	writer := rand.Text()
	var id int64
	err := db.write(ctx, "creating a webhook", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := liveWatchlist(ctx, tx, w.Watchlist); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `INSERT INTO webhooks(owner, watchlist, url, secret, created_ns, writer, id)
			OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, nextval(pg_get_serial_sequence('webhooks', 'id'))))
			ON CONFLICT (writer) DO UPDATE SET writer = EXCLUDED.writer RETURNING id`,
			w.Owner, w.Watchlist, w.URL, w.Secret, unixNano(w.CreatedAt.Time), writer, givenID(w.ID)).Scan(&id); err != nil {
			return err
		}
		return advanceIdentity(ctx, tx, "webhooks", w.ID)
	})
	if err != nil {
		return err
	}
	w.ID = id
	return nil
}

// Webhook implements credo.WebhookStore.
func (db *DB) Webhook(ctx context.Context, id int64) (*credo.Webhook, error) {
	var w *credo.Webhook
	err := db.read(ctx, "reading a webhook", func(ctx context.Context) error {
		var err error
		w, err = scanWebhook(db.pool.QueryRow(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE id = $1`, id))
		if err == pgx.ErrNoRows {
			return credo.ErrWebhookNotFound(id)
		}
		return err
	})
	return w, err
}

// Webhooks implements credo.WebhookStore.
func (db *DB) Webhooks(ctx context.Context, owner string) ([]*credo.Webhook, error) {
	out := []*credo.Webhook{}
	err := db.read(ctx, "reading webhooks", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT `+webhookColumns+` FROM webhooks WHERE owner = $1 AND deleted_ns IS NULL ORDER BY id`, owner)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			w, err := scanWebhook(rows)
			if err != nil {
				return err
			}
			out = append(out, w)
		}
		return rows.Err()
	})
	return out, err
}

// liveWebhook locks webhook id inside tx, checking it exists undeleted.
func liveWebhook(ctx context.Context, tx pgx.Tx, id int64) error {
	var deleted *int64
	err := tx.QueryRow(ctx, `SELECT deleted_ns FROM webhooks WHERE id = $1 FOR UPDATE`, id).Scan(&deleted)
	if err == pgx.ErrNoRows || err == nil && deleted != nil {
		return credo.ErrWebhookNotFound(id)
	}
	return err
}

// DeleteWebhook implements credo.WebhookStore.
func (db *DB) DeleteWebhook(ctx context.Context, id int64, at time.Time) error {
	return db.write(ctx, "deleting a webhook", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE webhooks SET deleted_ns = $1 WHERE id = $2`, unixNano(at), id)
		return err
	})
}

// RotateWebhookSecret implements credo.WebhookStore. A retry after a lost
// commit finds secret current already and changes nothing.
func (db *DB) RotateWebhookSecret(ctx context.Context, id int64, secret string, previousUntil time.Time) error {
	return db.write(ctx, "rotating a webhook secret", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE webhooks SET previous = secret, previous_until = $1, secret = $2 WHERE id = $3 AND secret <> $2`,
			unixNano(previousUntil), secret, id)
		return err
	})
}

// WebhookEndpoints implements credo.WebhookStore.
func (db *DB) WebhookEndpoints(ctx context.Context) ([]credo.WebhookTarget, error) {
	var out []credo.WebhookTarget
	err := db.read(ctx, "reading webhook endpoints", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT l.id, l.types, w.id, w.owner, l.partner_depth
			FROM webhooks AS w JOIN watchlists AS l ON l.id = w.watchlist AND l.deleted_ns IS NULL
			WHERE w.deleted_ns IS NULL ORDER BY w.id`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var t credo.WebhookTarget
			if err := rows.Scan(&t.Watchlist, &t.Types, &t.Webhook, &t.Owner, &t.PartnerDepth); err != nil {
				return err
			}
			out = append(out, t)
		}
		return rows.Err()
	})
	return out, err
}

// WebhookWatchMark implements credo.WebhookStore.
func (db *DB) WebhookWatchMark(ctx context.Context) (credo.WebhookWatchMark, error) {
	var m credo.WebhookWatchMark
	err := db.read(ctx, "reading the webhook watch mark", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `SELECT
			(SELECT coalesce(max(id), 0) FROM watchlist_member_changes),
			(SELECT count(*) FROM watchlists WHERE deleted_ns IS NULL), (SELECT coalesce(max(id), 0) FROM watchlists),
			(SELECT coalesce(sum(id), 0)::bigint FROM watchlists WHERE deleted_ns IS NULL),
			(SELECT count(*) FROM webhooks WHERE deleted_ns IS NULL), (SELECT coalesce(max(id), 0) FROM webhooks),
			(SELECT coalesce(sum(id), 0)::bigint FROM webhooks WHERE deleted_ns IS NULL)`).
			Scan(&m.MemberChange, &m.LiveWatchlists, &m.LastWatchlist, &m.WatchlistSum, &m.LiveWebhooks, &m.LastWebhook, &m.WebhookSum)
	})
	return m, err
}

// WebhookCursor implements credo.WebhookStore.
func (db *DB) WebhookCursor(ctx context.Context) (int64, error) {
	var p int64
	err := db.read(ctx, "reading the webhook cursor", func(ctx context.Context) error {
		return db.pool.QueryRow(ctx, `SELECT position FROM webhook_cursor WHERE one = 1`).Scan(&p)
	})
	return p, err
}

// EnqueueWebhookDeliveries implements credo.WebhookStore. The cursor's
// row lock orders nodes queueing at once: the second finds the cursor
// moved and stores nothing.
func (db *DB) EnqueueWebhookDeliveries(ctx context.Context, from, to int64, ds []*credo.WebhookDelivery) error {
	n := len(ds)
	hooks, positions, nexts := make([]int64, n), make([]int64, n), make([]int64, n)
	subjects, bodies := make([]string, n), make([][]byte, n)
	for i, d := range ds {
		hooks[i], positions[i], subjects[i], bodies[i], nexts[i] = d.Webhook, d.Position, d.Subject, d.Event, unixNano(d.NextAt.Time)
	}
	var ids []int64
	err := db.write(ctx, "queueing webhook deliveries", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `UPDATE webhook_cursor SET position = $1 WHERE one = 1 AND position = $2`, to, from)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return credo.Errorf(credo.ECONFLICT, "the webhook cursor is no longer at %d", from)
		}
		if n == 0 {
			return nil
		}
		rows, err := tx.Query(ctx, `INSERT INTO webhook_deliveries(webhook, position, subject, event, next_ns)
			SELECT h, p, s, e, x FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::bytea[], $5::bigint[]) WITH ORDINALITY AS u(h, p, s, e, x, o)
			ORDER BY o RETURNING id`, hooks, positions, subjects, bodies, nexts)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		return err
	}
	slices.Sort(ids)
	for i, id := range ids {
		ds[i].ID = id
	}
	return nil
}

const deliveryColumns = `id, webhook, position, subject, event, attempts, first_failed_ns, next_ns, last_status, last_error, dead_ns, replayed`

func scanDelivery(row pgx.Row) (*credo.WebhookDelivery, error) {
	d := new(credo.WebhookDelivery)
	var event []byte
	var first, next int64
	var dead *int64
	var attempts, status int32
	if err := row.Scan(&d.ID, &d.Webhook, &d.Position, &d.Subject, &event, &attempts, &first, &next, &status, &d.LastError, &dead, &d.Replayed); err != nil {
		return nil, err
	}
	d.Event, d.Attempts, d.LastStatus = event, int(attempts), int(status)
	if first != 0 {
		d.FirstFailedAt = timeOf(&first)
	}
	d.NextAt, d.DeadAt = timeOf(&next), timeOf(dead)
	return d, nil
}

// scanClaimed reads a claimed delivery and its endpoint.
func scanClaimed(row pgx.Row) (*credo.WebhookDelivery, *credo.Webhook, error) {
	d, w := new(credo.WebhookDelivery), new(credo.Webhook)
	var event []byte
	var first, next, until, created, dead0 int64
	var dead, deleted, paused, failing *int64
	var attempts, status int32
	if err := row.Scan(&d.ID, &d.Webhook, &d.Position, &d.Subject, &event, &attempts, &first, &next, &status, &d.LastError, &dead, &d.Replayed,
		&w.ID, &w.Owner, &w.Watchlist, &w.URL, &w.Secret, &w.Previous, &until, &created, &deleted, &paused, &failing, &dead0); err != nil {
		return nil, nil, err
	}
	d.Event, d.Attempts, d.LastStatus = event, int(attempts), int(status)
	if first != 0 {
		d.FirstFailedAt = timeOf(&first)
	}
	d.NextAt, d.DeadAt = timeOf(&next), timeOf(dead)
	w.CreatedAt = timeOf(&created)
	if until != 0 {
		w.PreviousUntil = timeOf(&until)
	}
	w.DeletedAt, w.PausedAt, w.FailingSince = timeOf(deleted), timeOf(paused), timeOf(failing)
	return d, w, nil
}

// ClaimWebhookDeliveries implements credo.WebhookStore: rows another node
// is claiming at the same moment are skipped (SKIP LOCKED), and a claim
// committed meanwhile is seen by the lease check made on the locked row.
//
// The queue empties and fills within seconds, so its statistics (and the
// plans cached with them) are mostly those of another size: the claim is
// made of statements that no plan makes slow. It finds the heads by one
// pass over the queue (no join: a nested loop over rows believed few
// scanned every due delivery once per endpoint, or once per due
// delivery, up to minutes a claim with 1,000 endpoints), locks those it
// takes by id, and then reads each one's run from the heads taken (at
// most limit).
func (db *DB) ClaimWebhookDeliveries(ctx context.Context, done []credo.WebhookResult, node string, now time.Time, lease time.Duration, limit, runs int) ([]*credo.WebhookDelivery, error) {
	var out []*credo.WebhookDelivery
	ns := unixNano(now)
	err := db.write(ctx, "claiming webhook deliveries", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		out = out[:0]
		if err := finishDeliveries(ctx, tx, done); err != nil {
			return err
		}
		if limit <= 0 {
			return nil
		}
		var stopped []int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM webhooks WHERE paused_ns IS NOT NULL OR deleted_ns IS NOT NULL`).Scan(&stopped); err != nil {
			return err
		}
		// The first queued of each endpoint and organization (dead
		// letters too: they hold the rest back until replayed), when due
		// and held by no one.
		rows, err := tx.Query(ctx, `SELECT id FROM (
				SELECT id, dead_ns, next_ns, lease_ns, row_number() OVER (PARTITION BY webhook, subject ORDER BY id) AS k
				FROM webhook_deliveries WHERE webhook <> ALL ($1::bigint[])) AS q
			WHERE k = 1 AND dead_ns IS NULL AND next_ns <= $2 AND lease_ns < $2
			ORDER BY id LIMIT $3`, stopped, ns, limit)
		if err != nil {
			return err
		}
		heads, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(heads) == 0 {
			return err
		}
		// Locked, checked again on the row as it now is (another node may
		// have claimed it meanwhile).
		rows, err = tx.Query(ctx, `SELECT id, webhook, subject FROM webhook_deliveries
			WHERE id = ANY($1::bigint[]) AND dead_ns IS NULL AND next_ns <= $2 AND lease_ns < $2
			FOR UPDATE SKIP LOCKED`, heads, ns)
		if err != nil {
			return err
		}
		var ids, hooks []int64
		var subjects []string
		for rows.Next() {
			var id, hook int64
			var subject string
			if err := rows.Scan(&id, &hook, &subject); err != nil {
				rows.Close()
				return err
			}
			ids, hooks, subjects = append(ids, id), append(hooks, hook), append(subjects, subject)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ids) == 0 {
			return err
		}
		// Each head with up to runs-1 of those queued behind it (which no
		// one else may claim while it is queued).
		rows, err = tx.Query(ctx, `UPDATE webhook_deliveries AS t SET lease_owner = $1, lease_ns = $2
			FROM (SELECT id FROM (
					SELECT r.id, row_number() OVER (PARTITION BY r.webhook, r.subject ORDER BY r.id) AS k
					FROM unnest($3::bigint[], $4::bigint[], $5::text[]) AS h(id, webhook, subject)
					JOIN webhook_deliveries AS r ON r.webhook = h.webhook AND r.subject = h.subject AND r.id >= h.id AND r.dead_ns IS NULL) AS n
				WHERE k <= $6) AS c, webhooks AS w
			WHERE t.id = c.id AND w.id = t.webhook
			RETURNING t.id, t.webhook, t.position, t.subject, t.event, t.attempts, t.first_failed_ns, t.next_ns, t.last_status, t.last_error, t.dead_ns, t.replayed,
				w.id, w.owner, w.watchlist, w.url, w.secret, w.previous, w.previous_until, w.created_ns, w.deleted_ns, w.paused_ns, w.failing_ns, 0`,
			node, unixNano(now.Add(lease)), ids, hooks, subjects, max(runs, 1))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, h, err := scanClaimed(rows)
			if err != nil {
				return err
			}
			d.Endpoint = h
			out = append(out, d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *credo.WebhookDelivery) int { return int(a.ID - b.ID) })
	return out, nil
}

// FinishWebhookDeliveries implements credo.WebhookStore.
func (db *DB) FinishWebhookDeliveries(ctx context.Context, results []credo.WebhookResult) error {
	if len(results) == 0 {
		return nil
	}
	return db.write(ctx, "finishing webhook deliveries", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		return finishDeliveries(ctx, tx, results)
	})
}

// finishDeliveries stores results inside tx in a few statements, sent
// together: the deliveries that leave the queue, those given back, the
// failures and the endpoints' states each as arrays.
func finishDeliveries(ctx context.Context, tx pgx.Tx, results []credo.WebhookResult) error {
	if len(results) == 0 {
		return nil
	}
	o := credo.SortWebhookResults(results)
	b := &pgx.Batch{}
	if len(o.Delivered) > 0 {
		b.Queue(`DELETE FROM webhook_deliveries WHERE id = ANY($1::bigint[])`, o.Delivered)
	}
	if len(o.Released) > 0 {
		b.Queue(`UPDATE webhook_deliveries SET lease_owner = '', lease_ns = 0 WHERE id = ANY($1::bigint[])`, o.Released)
	}
	if len(o.Clear) > 0 {
		b.Queue(`UPDATE webhooks SET failing_ns = NULL WHERE id = ANY($1::bigint[]) AND failing_ns IS NOT NULL`, o.Clear)
	}
	if n := len(o.Failed); n > 0 {
		ids, attempts, first, next, status, dead := make([]int64, n), make([]int32, n), make([]int64, n), make([]int64, n), make([]int32, n), make([]*int64, n)
		errs := make([]string, n)
		for i, r := range o.Failed {
			ids[i], attempts[i], first[i], next[i], status[i], errs[i] = r.Delivery, int32(r.Attempts), unixNano(r.FirstFailedAt), unixNano(r.NextAt), int32(r.Status), r.Error
			if r.Dead {
				ns := unixNano(r.At)
				dead[i] = &ns
			}
		}
		b.Queue(`UPDATE webhook_deliveries AS d SET attempts = u.a, first_failed_ns = u.f, next_ns = u.x, last_status = u.s, last_error = u.e,
			dead_ns = u.dd, lease_owner = '', lease_ns = 0
			FROM unnest($1::bigint[], $2::int[], $3::bigint[], $4::bigint[], $5::int[], $6::text[], $7::bigint[]) AS u(id, a, f, x, s, e, dd)
			WHERE d.id = u.id`, ids, attempts, first, next, status, errs, dead)
	}
	for _, f := range o.Failing {
		if f.Reset {
			b.Queue(`UPDATE webhooks SET failing_ns = $1 WHERE id = $2`, unixNano(f.At), f.Webhook)
		} else {
			b.Queue(`UPDATE webhooks SET failing_ns = $1 WHERE id = $2 AND failing_ns IS NULL`, unixNano(f.At), f.Webhook)
		}
	}
	return tx.SendBatch(ctx, b).Close()
}

// ReleaseWebhookLeases implements credo.WebhookStore.
func (db *DB) ReleaseWebhookLeases(ctx context.Context) error {
	return db.write(ctx, "releasing webhook leases", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		_, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET lease_owner = '', lease_ns = 0 WHERE lease_ns <> 0`)
		return err
	})
}

// PauseWebhook implements credo.WebhookStore.
func (db *DB) PauseWebhook(ctx context.Context, id int64, at time.Time) (bool, error) {
	var paused bool
	err := db.write(ctx, "pausing a webhook", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		tag, err := tx.Exec(ctx, `UPDATE webhooks SET paused_ns = $1 WHERE id = $2 AND paused_ns IS NULL AND deleted_ns IS NULL`, unixNano(at), id)
		paused = err == nil && tag.RowsAffected() > 0
		return err
	})
	return paused, err
}

// WebhookDeadLetters implements credo.WebhookStore.
func (db *DB) WebhookDeadLetters(ctx context.Context, id int64, after int64, limit int) ([]*credo.WebhookDelivery, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	limit = min(limit, credo.MaxPageSize)
	out := []*credo.WebhookDelivery{}
	err := db.read(ctx, "reading dead letters", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT `+deliveryColumns+` FROM webhook_deliveries
			WHERE webhook = $1 AND dead_ns IS NOT NULL AND id > $2 ORDER BY id LIMIT $3`, id, after, limit)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			d, err := scanDelivery(rows)
			if err != nil {
				return err
			}
			out = append(out, d)
		}
		return rows.Err()
	})
	return out, err
}

// ReplayWebhook implements credo.WebhookStore.
func (db *DB) ReplayWebhook(ctx context.Context, id int64, at time.Time) (int, error) {
	var n int64
	err := db.write(ctx, "replaying a webhook", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if err := liveWebhook(ctx, tx, id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE webhook_deliveries SET dead_ns = NULL, replayed = true, attempts = 0, first_failed_ns = 0,
			next_ns = $1, lease_owner = '', lease_ns = 0 WHERE webhook = $2 AND dead_ns IS NOT NULL`, unixNano(at), id)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, `UPDATE webhooks SET paused_ns = NULL, failing_ns = NULL WHERE id = $1`, id)
		return err
	})
	return int(n), err
}

// givenID is an id a caller gave (a copy keeps the source's), or NULL to
// draw one.
func givenID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// advanceIdentity moves the id sequence of table (one of the schema's,
// never user input) past a given id, never back, so that later rows draw
// ids above it.
func advanceIdentity(ctx context.Context, tx pgx.Tx, table string, given int64) error {
	if given == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `SELECT setval(s, greatest($1, pg_sequence_last_value(s::regclass)))
		FROM pg_get_serial_sequence($2, 'id') AS s`, given, table)
	return err
}
