package postgres

import (
	"context"
	"crypto/rand"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.ReplyStore = (*DB)(nil)

// AddReply implements credo.ReplyStore: the reply and its change in one
// transaction. A write retried after its commit went unacknowledged finds
// its own row by its random writer token and does not store it twice.
func (db *DB) AddReply(ctx context.Context, r *credo.Reply) error {
	writer := rand.Text()
	err := db.write(ctx, "storing a reply", func(ctx context.Context, tx pgx.Tx, _ int) error {
		err := tx.QueryRow(ctx, `INSERT INTO replies(subject, target_kind, target_id, text, by_actor, at, writer)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (writer) DO NOTHING RETURNING id`,
			r.Subject, r.Target.Kind, r.Target.ID, r.Text, r.By, *nsOf(r.At), writer).Scan(&r.ID)
		if err == pgx.ErrNoRows {
			return tx.QueryRow(ctx, `SELECT id FROM replies WHERE writer = $1`, writer).Scan(&r.ID)
		}
		if err != nil {
			return err
		}
		return appendChanges(ctx, tx, []*credo.Change{credo.ReplyPublishedChange(r)})
	})
	if err != nil {
		r.ID = 0
	}
	return err
}

// Replies implements credo.ReplyStore.
func (db *DB) Replies(ctx context.Context, code string) ([]*credo.Reply, error) {
	out := []*credo.Reply{}
	err := db.read(ctx, "reading replies", func(ctx context.Context) error {
		out = out[:0]
		rows, err := db.pool.Query(ctx, `SELECT id, subject, target_kind, target_id, text, by_actor, at FROM replies WHERE subject = $1 ORDER BY id`, code)
		if err != nil {
			return err
		}
		var r credo.Reply
		var at int64
		_, err = pgx.ForEachRow(rows, []any{&r.ID, &r.Subject, &r.Target.Kind, &r.Target.ID, &r.Text, &r.By, &at}, func() error {
			cp := r
			cp.At = timeOf(&at)
			out = append(out, &cp)
			return nil
		})
		return err
	})
	return out, err
}

// RestoreReplies implements credo.ReplyStore.
func (db *DB) RestoreReplies(ctx context.Context, replies []*credo.Reply) error {
	if len(replies) == 0 {
		return nil
	}
	return db.write(ctx, "restoring replies", func(ctx context.Context, tx pgx.Tx, _ int) error {
		var top int64
		for _, r := range replies {
			if _, err := tx.Exec(ctx, `INSERT INTO replies(id, subject, target_kind, target_id, text, by_actor, at, writer)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
				r.ID, r.Subject, r.Target.Kind, r.Target.ID, r.Text, r.By, *nsOf(r.At), "restore:"+strconv.FormatInt(r.ID, 10)); err != nil {
				return err
			}
			top = max(top, r.ID)
		}
		return advance(ctx, tx, "replies_id_seq", top)
	})
}
