package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
)

var _ credo.LedgerStore = (*DB)(nil)

// LedgerSize implements credo.LedgerStore.
func (db *DB) LedgerSize(ctx context.Context) (size, position int64, err error) {
	err = db.r.QueryRowContext(ctx, `SELECT idx+1, position FROM ledger_leaves ORDER BY idx DESC LIMIT 1`).Scan(&size, &position)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
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
		var refs []any
		for i, l := range leaves {
			if l.Index != size+int64(i) {
				return credo.Errorf(credo.EINVALID, "leaf %d given at index %d", l.Index, size+int64(i))
			}
			if l.Type == "" {
				continue
			}
			ref, err := strconv.ParseInt(l.Ref, 10, 64)
			if err != nil {
				return credo.Errorf(credo.EINVALID, "leaf %d: ref %q is not a whole number", l.Index, l.Ref)
			}
			refs = append(refs, l.Type, ref, l.Index)
		}
		// Many rows a statement: a leaf is written for every change, and
		// a statement's own cost is most of a small row's.
		err := insertRows(ctx, tx, `INSERT INTO ledger_leaves(idx, position, salt, hash) VALUES `, "", 4, len(leaves), func(args []any, from, to int) []any {
			for _, l := range leaves[from:to] {
				args = append(args, l.Index, l.Position, l.Salt, l.Hash)
			}
			return args
		})
		if err != nil {
			return err
		}
		err = insertRows(ctx, tx, `INSERT INTO ledger_refs(type, ref, idx) VALUES `, " ON CONFLICT DO NOTHING", 3, len(refs)/3, func(args []any, from, to int) []any {
			return append(args, refs[3*from:3*to]...)
		})
		if err != nil {
			return err
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

// rowsPerInsert is how many rows insertRows writes a statement.
const rowsPerInsert = 100

// insertRows runs insert (ending in VALUES) for n rows of cols columns,
// then suffix, rowsPerInsert rows a statement, with the arguments add
// appends for rows [from, to).
func insertRows(ctx context.Context, tx *sql.Tx, insert, suffix string, cols, n int, add func(args []any, from, to int) []any) error {
	row := "(?" + strings.Repeat(", ?", cols-1) + ")"
	var full *sql.Stmt
	args := make([]any, 0, cols*rowsPerInsert)
	for from := 0; from < n; from += rowsPerInsert {
		to := min(n, from+rowsPerInsert)
		args = add(args[:0], from, to)
		if to-from == rowsPerInsert {
			if full == nil {
				var err error
				if full, err = tx.PrepareContext(ctx, insert+row+strings.Repeat(", "+row, rowsPerInsert-1)+suffix); err != nil {
					return err
				}
				defer full.Close()
			}
			if _, err := full.ExecContext(ctx, args...); err != nil {
				return err
			}
			continue
		}
		if _, err := tx.ExecContext(ctx, insert+row+strings.Repeat(", "+row, to-from-1)+suffix, args...); err != nil {
			return err
		}
	}
	return nil
}

// LedgerNodes implements credo.LedgerStore. A run of consecutive leaves
// (the ledger recomputes low nodes from theirs) is read in one query.
func (db *DB) LedgerNodes(ctx context.Context, ids []credo.LedgerNodeID) ([][]byte, error) {
	out := make([][]byte, len(ids))
	for i := 0; i < len(ids); {
		id := ids[i]
		if id.Level == 0 {
			j := i + 1
			for j < len(ids) && ids[j].Level == 0 && ids[j].Index == ids[j-1].Index+1 {
				j++
			}
			if err := db.leafHashes(ctx, int64(id.Index), out[i:j]); err != nil {
				return nil, err
			}
			i = j
			continue
		}
		err := db.r.QueryRowContext(ctx, `SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?`, id.Level, int64(id.Index)).Scan(&out[i])
		if errors.Is(err, sql.ErrNoRows) {
			return nil, credo.ErrNotFound("ledger node", fmt.Sprintf("%d.%d", id.Level, id.Index))
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading ledger nodes: %w", err)
		}
		i++
	}
	return out, nil
}

// leafHashes reads the hashes of the leaves from index from on into out.
func (db *DB) leafHashes(ctx context.Context, from int64, out [][]byte) error {
	rows, err := db.r.QueryContext(ctx, `SELECT hash FROM ledger_leaves WHERE idx >= ? ORDER BY idx LIMIT ?`, from, len(out))
	if err != nil {
		return fmt.Errorf("sqlite: reading ledger nodes: %w", err)
	}
	defer rows.Close()
	n := 0
	for ; rows.Next(); n++ {
		if err := rows.Scan(&out[n]); err != nil {
			return fmt.Errorf("sqlite: reading ledger nodes: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: reading ledger nodes: %w", err)
	}
	if n < len(out) {
		return credo.ErrNotFound("ledger node", fmt.Sprintf("0.%d", from+int64(n)))
	}
	return nil
}

// LedgerLeaf implements credo.LedgerStore.
func (db *DB) LedgerLeaf(ctx context.Context, index int64) (*credo.LedgerLeaf, error) {
	l := &credo.LedgerLeaf{Index: index}
	err := db.r.QueryRowContext(ctx, `SELECT position, salt, hash FROM ledger_leaves WHERE idx = ?`, index).
		Scan(&l.Position, &l.Salt, &l.Hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, credo.ErrNotFound("leaf", index)
	}
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading leaf %d: %w", index, err)
	}
	return l, nil
}

// LedgerLeaves implements credo.LedgerStore.
func (db *DB) LedgerLeaves(ctx context.Context, from int64, limit int) ([]*credo.LedgerLeaf, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT idx, position, salt, hash FROM ledger_leaves WHERE idx >= ? ORDER BY idx LIMIT ?`, from, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading leaves: %w", err)
	}
	defer rows.Close()
	out := []*credo.LedgerLeaf{}
	for rows.Next() {
		l := new(credo.LedgerLeaf)
		if err := rows.Scan(&l.Index, &l.Position, &l.Salt, &l.Hash); err != nil {
			return nil, fmt.Errorf("sqlite: reading leaves: %w", err)
		}
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading leaves: %w", err)
	}
	return out, nil
}

// LedgerIndex implements credo.LedgerStore.
func (db *DB) LedgerIndex(ctx context.Context, typ, ref string) (int64, error) {
	n, err := strconv.ParseInt(ref, 10, 64)
	if err != nil {
		return 0, credo.ErrNotFound("leaf of "+typ, ref)
	}
	var idx int64
	err = db.r.QueryRowContext(ctx, `SELECT idx FROM ledger_refs WHERE type = ? AND ref = ?`, typ, n).Scan(&idx)
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

// LedgerCheckpoints implements credo.LedgerStore.
func (db *DB) LedgerCheckpoints(ctx context.Context, after int64, limit int) ([]*credo.LedgerCheckpoint, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT size, note FROM ledger_checkpoints WHERE size > ? ORDER BY size LIMIT ?`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading checkpoints: %w", err)
	}
	defer rows.Close()
	out := []*credo.LedgerCheckpoint{}
	for rows.Next() {
		c := new(credo.LedgerCheckpoint)
		if err := rows.Scan(&c.Size, &c.Note); err != nil {
			return nil, fmt.Errorf("sqlite: reading checkpoints: %w", err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading checkpoints: %w", err)
	}
	return out, nil
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
