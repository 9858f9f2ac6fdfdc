package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
)

var _ credo.LedgerStore = (*DB)(nil)

// LedgerSize implements credo.LedgerStore.
func (db *DB) LedgerSize(ctx context.Context) (size, position int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(idx)+1, 0) FROM ledger_leaves), (SELECT coalesce(max(position), 0) FROM ledger_leaves)`).Scan(&size, &position)
	if err != nil {
		return 0, 0, fmt.Errorf("sqlite: reading the ledger's size: %w", err)
	}
	return size, position, nil
}

// IntegrateLeaves implements credo.LedgerStore.
func (db *DB) IntegrateLeaves(ctx context.Context, size int64, leaves []*credo.LedgerLeaf, nodes []*credo.LedgerNode, checkpoint []byte) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		var n int64
		if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(idx)+1, 0) FROM ledger_leaves`).Scan(&n); err != nil {
			return err
		}
		if n != size {
			return credo.Errorf(credo.ECONFLICT, "the ledger has %d leaves, not %d", n, size)
		}
		ins, err := tx.PrepareContext(ctx, `INSERT INTO ledger_leaves(idx, position, type, ref, salt, hash) VALUES (?, ?, ?, ?, ?, ?)`)
		if err != nil {
			return err
		}
		defer ins.Close()
		for i, l := range leaves {
			if l.Index != size+int64(i) {
				return credo.Errorf(credo.EINVALID, "leaf %d given at index %d", l.Index, size+int64(i))
			}
			if _, err := ins.ExecContext(ctx, l.Index, l.Position, l.Type, l.Ref, l.Salt, l.Hash); err != nil {
				return err
			}
		}
		insNode, err := tx.PrepareContext(ctx, `INSERT INTO ledger_nodes(level, idx, hash) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`)
		if err != nil {
			return err
		}
		defer insNode.Close()
		for _, nd := range nodes {
			if nd.Level == 0 {
				continue // the leaves' own hashes
			}
			if _, err := insNode.ExecContext(ctx, nd.Level, int64(nd.Index), nd.Hash); err != nil {
				return err
			}
		}
		if checkpoint != nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO ledger_checkpoints(size, note) VALUES (?, ?) ON CONFLICT DO NOTHING`,
				size+int64(len(leaves)), checkpoint); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil && credo.AsError(err) == nil {
		return fmt.Errorf("sqlite: integrating leaves: %w", err)
	}
	return err
}

// LedgerNodes implements credo.LedgerStore.
func (db *DB) LedgerNodes(ctx context.Context, ids []credo.LedgerNodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i, id := range ids {
		q := `SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?`
		if id.Level == 0 {
			q = `SELECT hash FROM ledger_leaves WHERE ? = 0 AND idx = ?`
		}
		err := db.r.QueryRowContext(ctx, q, id.Level, int64(id.Index)).Scan(&out[i])
		if errors.Is(err, sql.ErrNoRows) {
			return nil, credo.ErrNotFound("ledger node", fmt.Sprintf("%d.%d", id.Level, id.Index))
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading ledger nodes: %w", err)
		}
	}
	return out, nil
}

// LedgerLeaf implements credo.LedgerStore.
func (db *DB) LedgerLeaf(ctx context.Context, index int64) (*credo.LedgerLeaf, error) {
	l := &credo.LedgerLeaf{Index: index}
	err := db.r.QueryRowContext(ctx, `SELECT position, type, ref, salt, hash FROM ledger_leaves WHERE idx = ?`, index).
		Scan(&l.Position, &l.Type, &l.Ref, &l.Salt, &l.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("leaf", index)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading leaf %d: %w", index, err)
	}
	return l, nil
}

// LedgerIndex implements credo.LedgerStore.
func (db *DB) LedgerIndex(ctx context.Context, typ, ref string) (int64, error) {
	var idx int64
	err := db.r.QueryRowContext(ctx, `SELECT idx FROM ledger_leaves WHERE ref = ? AND type = ? ORDER BY idx LIMIT 1`, ref, typ).Scan(&idx)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, credo.ErrNotFound("leaf of "+typ, ref)
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: reading a leaf index: %w", err)
	}
	return idx, nil
}

// Checkpoint implements credo.LedgerStore.
func (db *DB) Checkpoint(ctx context.Context) ([]byte, error) {
	var note []byte
	err := db.r.QueryRowContext(ctx, `SELECT note FROM ledger_checkpoints ORDER BY size DESC LIMIT 1`).Scan(&note)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("checkpoint", "latest")
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading the checkpoint: %w", err)
	}
	return note, nil
}

// EraseLeaf implements credo.LedgerStore.
func (db *DB) EraseLeaf(ctx context.Context, index int64) error {
	err := db.write(ctx, func(tx *sql.Tx) error {
		var pos int64
		err := tx.QueryRowContext(ctx, `UPDATE ledger_leaves SET salt = NULL WHERE idx = ? RETURNING position`, index).Scan(&pos)
		if errors.Is(err, sql.ErrNoRows) {
			return credo.ErrNotFound("leaf", index)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE changes SET data = 'null' WHERE position = ?`, pos)
		return err
	})
	if err != nil && credo.AsError(err) == nil {
		return fmt.Errorf("sqlite: erasing leaf %d: %w", index, err)
	}
	return err
}
