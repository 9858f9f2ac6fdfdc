package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/credo-registry/credo"
)

var _ credo.ReplyStore = (*DB)(nil)

// AddReply implements credo.ReplyStore: the reply and its change in one
// transaction.
func (db *DB) AddReply(ctx context.Context, r *credo.Reply) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO replies(subject, target_kind, target_id, text, by_actor, at) VALUES (?, ?, ?, ?, ?, ?)`,
			r.Subject, r.Target.Kind, r.Target.ID, r.Text, r.By, unixNano(r.At))
		if err != nil {
			return err
		}
		if r.ID, err = res.LastInsertId(); err != nil {
			return err
		}
		_, err = db.appendChanges(ctx, tx, []*credo.Change{credo.ReplyPublishedChange(r)})
		return err
	})
	if err != nil {
		r.ID = 0
		return fmt.Errorf("sqlite: storing reply: %w", err)
	}
	return nil
}

// Replies implements credo.ReplyStore.
func (db *DB) Replies(ctx context.Context, code string) ([]*credo.Reply, error) {
	st, err := db.reads.get(ctx, db.r, `SELECT id, subject, target_kind, target_id, text, by_actor, at FROM replies WHERE subject = ? ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading replies of %s: %w", code, err)
	}
	defer rows.Close()
	out := []*credo.Reply{}
	for rows.Next() {
		r := new(credo.Reply)
		var at int64
		if err := rows.Scan(&r.ID, &r.Subject, &r.Target.Kind, &r.Target.ID, &r.Text, &r.By, &at); err != nil {
			return nil, err
		}
		r.At = fromUnixNano(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// RestoreReplies implements credo.ReplyStore.
func (db *DB) RestoreReplies(ctx context.Context, replies []*credo.Reply) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		for _, r := range replies {
			if _, err := tx.ExecContext(ctx, `INSERT INTO replies(id, subject, target_kind, target_id, text, by_actor, at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
				r.ID, r.Subject, r.Target.Kind, r.Target.ID, r.Text, r.By, unixNano(r.At)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: restoring replies: %w", err)
	}
	return nil
}
