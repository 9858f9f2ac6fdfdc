package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.LedgerStore = (*DB)(nil)

// ledgerLock is the advisory lock key under which one node at a time
// integrates leaves and signs a checkpoint.
const ledgerLock = 0x6c6564676572 // "ledger"

// LedgerSize implements credo.LedgerStore.
func (db *DB) LedgerSize(ctx context.Context) (size, position int64, err error) {
	err = db.read(ctx, "reading the ledger's size", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT idx+1, position FROM ledger_leaves ORDER BY idx DESC LIMIT 1`).Scan(&size, &position)
		if errors.Is(err, pgx.ErrNoRows) {
			size, position = 0, 0
			return nil
		}
		return err
	})
	return size, position, err
}

// IntegrateLeaves implements credo.LedgerStore. The transaction holds the
// ledger's advisory lock, so nodes integrate one at a time; one that finds
// the tree grown under it gets ECONFLICT and serves what the other signed.
func (db *DB) IntegrateLeaves(ctx context.Context, size int64, leaves []*credo.LedgerLeaf, nodes []*credo.LedgerNode, checkpoint []byte) error {
	return db.write(ctx, "integrating leaves", func(ctx context.Context, tx pgx.Tx, _ int) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(ledgerLock)); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(idx)+1, 0) FROM ledger_leaves`).Scan(&n); err != nil {
			return err
		}
		if n != size {
			return credo.Errorf(credo.ECONFLICT, "the ledger has %d leaves, not %d", n, size)
		}
		var rows, refs [][]any
		for i, l := range leaves {
			if l.Index != size+int64(i) {
				return credo.Errorf(credo.EINVALID, "leaf %d given at index %d", l.Index, size+int64(i))
			}
			rows = append(rows, []any{l.Index, l.Position, l.Salt, l.Hash})
			if l.Type != "" {
				ref, err := strconv.ParseInt(l.Ref, 10, 64)
				if err != nil {
					return credo.Errorf(credo.EINVALID, "leaf %d: ref %q is not a whole number", l.Index, l.Ref)
				}
				refs = append(refs, []any{l.Type, ref, l.Index})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ledger_leaves"}, []string{"idx", "position", "salt", "hash"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		// A ref already there (the first leaf of a change stays) would
		// fail a COPY; refs are few beside leaves, so they are inserted.
		if len(refs) > 0 {
			types, ids, idxs := make([]string, len(refs)), make([]int64, len(refs)), make([]int64, len(refs))
			for i, r := range refs {
				types[i], ids[i], idxs[i] = r[0].(string), r[1].(int64), r[2].(int64)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_refs (type, ref, idx) SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
				ON CONFLICT DO NOTHING`, types, ids, idxs); err != nil {
				return err
			}
		}
		rows = rows[:0]
		for _, nd := range nodes {
			if nd.Level > 0 { // level 0: the leaves' own hashes
				rows = append(rows, []any{int64(nd.Level), int64(nd.Index), nd.Hash})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"ledger_nodes"}, []string{"level", "idx", "hash"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		if checkpoint != nil {
			if _, err := tx.Exec(ctx, `INSERT INTO ledger_checkpoints (size, note) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
				size+int64(len(leaves)), checkpoint); err != nil {
				return err
			}
		}
		return nil
	})
}

// LedgerNodes implements credo.LedgerStore.
func (db *DB) LedgerNodes(ctx context.Context, ids []credo.LedgerNodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	err := db.read(ctx, "reading ledger nodes", func(ctx context.Context) error {
		levels, idxs := make([]int64, len(ids)), make([]int64, len(ids))
		for i, id := range ids {
			levels[i], idxs[i] = int64(id.Level), int64(id.Index)
		}
		rows, err := db.pool.Query(ctx, `SELECT q.o, coalesce(n.hash, l.hash) FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS q(level, idx, o)
			LEFT JOIN ledger_nodes AS n ON q.level > 0 AND n.level = q.level AND n.idx = q.idx
			LEFT JOIN ledger_leaves AS l ON q.level = 0 AND l.idx = q.idx`, levels, idxs)
		if err != nil {
			return err
		}
		var o int64
		var h []byte
		_, err = pgx.ForEachRow(rows, []any{&o, &h}, func() error { out[o-1] = h; return nil })
		return err
	})
	if err != nil {
		return nil, err
	}
	for i, h := range out {
		if h == nil {
			return nil, credo.ErrNotFound("ledger node", fmt.Sprintf("%d.%d", ids[i].Level, ids[i].Index))
		}
	}
	return out, nil
}

// LedgerLeaf implements credo.LedgerStore.
func (db *DB) LedgerLeaf(ctx context.Context, index int64) (*credo.LedgerLeaf, error) {
	l := &credo.LedgerLeaf{Index: index}
	err := db.read(ctx, "reading a leaf", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT position, salt, hash FROM ledger_leaves WHERE idx = $1`, index).
			Scan(&l.Position, &l.Salt, &l.Hash)
		if errors.Is(err, pgx.ErrNoRows) {
			return credo.ErrNotFound("leaf", index)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return l, nil
}

// LedgerLeaves implements credo.LedgerStore.
func (db *DB) LedgerLeaves(ctx context.Context, from int64, limit int) ([]*credo.LedgerLeaf, error) {
	var out []*credo.LedgerLeaf
	err := db.read(ctx, "reading leaves", func(ctx context.Context) error {
		out = []*credo.LedgerLeaf{}
		rows, err := db.pool.Query(ctx, `SELECT idx, position, salt, hash FROM ledger_leaves WHERE idx >= $1 ORDER BY idx LIMIT $2`, from, limit)
		if err != nil {
			return err
		}
		var l credo.LedgerLeaf
		_, err = pgx.ForEachRow(rows, []any{&l.Index, &l.Position, &l.Salt, &l.Hash}, func() error {
			c := l
			out = append(out, &c)
			return nil
		})
		return err
	})
	return out, err
}

// LedgerIndex implements credo.LedgerStore.
func (db *DB) LedgerIndex(ctx context.Context, typ, ref string) (int64, error) {
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return 0, credo.ErrNotFound("leaf of "+typ, ref)
	}
	var idx int64
	err = db.read(ctx, "reading a leaf index", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT idx FROM ledger_refs WHERE type = $1 AND ref = $2`, typ, n).Scan(&idx)
		if errors.Is(err, pgx.ErrNoRows) {
			return credo.ErrNotFound("leaf of "+typ, ref)
		}
		return err
	})
	return idx, err
}

// Checkpoint implements credo.LedgerStore.
func (db *DB) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := db.read(ctx, "reading the checkpoint", func(ctx context.Context) error {
		err := db.pool.QueryRow(ctx, `SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&note)
		if errors.Is(err, pgx.ErrNoRows) {
			return credo.ErrNotFound("checkpoint", "latest")
		}
		return err
	})
	return note, err
}

// LedgerCheckpoints implements credo.LedgerStore.
func (db *DB) LedgerCheckpoints(ctx context.Context, after int64, limit int) ([]*credo.LedgerCheckpoint, error) {
	var out []*credo.LedgerCheckpoint
	err := db.read(ctx, "reading checkpoints", func(ctx context.Context) error {
		out = []*credo.LedgerCheckpoint{}
		rows, err := db.pool.Query(ctx, `SELECT size, note FROM ledger_checkpoints WHERE size > $1 ORDER BY size LIMIT $2`, after, limit)
		if err != nil {
			return err
		}
		var size int64
		var note []byte
		_, err = pgx.ForEachRow(rows, []any{&size, &note}, func() error {
			out = append(out, &credo.LedgerCheckpoint{Size: size, Note: append([]byte(nil), note...)})
			return nil
		})
		return err
	})
	return out, err
}

// EraseLeaf implements credo.LedgerStore.
func (db *DB) EraseLeaf(ctx context.Context, index int64) error {
	return db.write(ctx, "erasing a leaf", func(ctx context.Context, tx pgx.Tx, _ int) error {
		var pos int64
		err := tx.QueryRow(ctx, `UPDATE ledger_leaves SET salt = NULL WHERE idx = $1 RETURNING position`, index).Scan(&pos)
		if errors.Is(err, pgx.ErrNoRows) {
			return credo.ErrNotFound("leaf", index)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE changes SET data = 'null' WHERE seq = change_seq($1)`, pos) // a span's change too
		return err
	})
}
