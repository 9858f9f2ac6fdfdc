package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/transparency-dev/merkle/compact"

	"github.com/credo-registry/credo"
)

// ErrMismatch is wrapped by Copy's error when the target's ledger or
// change log is not the source's.
var ErrMismatch = errors.New("the copied ledger does not match the source's")

// Copy gives to the tree from holds, leaf for leaf with their positions,
// salts and hashes, and every checkpoint from signed, so that the copy
// answers every proof the source answered and goes on under the same key
// (a copy takes the key's store secret along; a key file stays with the
// operator). It runs after the change log was copied with its positions,
// and checks each leaf that can be opened against to's own copy of its
// change. It can be resumed: to's leaves must be a prefix of from's (the
// same root), and copying goes on after them. progress, when not nil, is
// told the leaves copied so far.
func Copy(ctx context.Context, from, to Store, progress func(leaves int64)) error {
	fsize, _, err := from.LedgerSize(ctx)
	if err != nil {
		return fmt.Errorf("ledger: reading the source's size: %w", err)
	}
	tsize, _, err := to.LedgerSize(ctx)
	if err != nil {
		return fmt.Errorf("ledger: reading the target's size: %w", err)
	}
	if tsize > fsize {
		return fmt.Errorf("%w: the target has %d leaves, the source %d", ErrMismatch, tsize, fsize)
	}
	src, dst := &Log{store: from}, &Log{store: to}
	r, err := dst.rangeAt(ctx, uint64(tsize))
	if err != nil {
		return fmt.Errorf("ledger: reading the target's tree: %w", err)
	}
	if tsize > 0 {
		if err := sameRoot(ctx, src, r); err != nil {
			return err
		}
	}
	cps, err := checkpointsAfter(ctx, from, tsize)
	if err != nil {
		return err
	}
	for cur := tsize; cur < fsize; {
		end, note := min(cur+MaxBatch, fsize), []byte(nil)
		for len(cps) > 0 && cps[0].Size <= cur {
			cps = cps[1:]
		}
		if len(cps) > 0 && cps[0].Size <= end { // a batch ends at each checkpoint, which it stores
			end, note = cps[0].Size, cps[0].Note
		}
		leaves, err := from.LedgerLeaves(ctx, cur, int(end-cur))
		if err != nil {
			return fmt.Errorf("ledger: reading the source's leaves from %d: %w", cur, err)
		}
		if int64(len(leaves)) != end-cur {
			return fmt.Errorf("ledger: the source's leaves from %d: %d read, want %d", cur, len(leaves), end-cur)
		}
		if err := openCopied(ctx, to, leaves); err != nil {
			return err
		}
		var nodes []*credo.LedgerNode
		visit := func(id compact.NodeID, h []byte) {
			if id.Level >= nodeLevel {
				nodes = append(nodes, &credo.LedgerNode{LedgerNodeID: credo.LedgerNodeID{Level: id.Level, Index: id.Index}, Hash: h})
			}
		}
		for _, l := range leaves {
			if err := r.Append(l.Hash, visit); err != nil {
				return err
			}
		}
		if note != nil {
			cp, err := parseNote(note)
			if err != nil {
				return fmt.Errorf("ledger: the source's checkpoint %d: %w", end, err)
			}
			root, err := r.GetRootHash(nil)
			if err != nil {
				return err
			}
			if cp.Size != uint64(end) || !bytes.Equal(root, cp.Root) {
				return fmt.Errorf("%w: the source's checkpoint %d signs another root than its leaves make", ErrMismatch, end)
			}
		}
		if err := to.IntegrateLeaves(ctx, cur, leaves, nodes, note); err != nil {
			return fmt.Errorf("ledger: storing leaves from %d: %w", cur, err)
		}
		cur = end
		if progress != nil {
			progress(cur)
		}
	}
	if fsize > 0 {
		return sameRoot(ctx, src, r)
	}
	return nil
}

// sameRoot checks that the source's tree of r's size has r's root.
func sameRoot(ctx context.Context, src *Log, r *compact.Range) error {
	want, err := src.Root(ctx, r.End())
	if err != nil {
		return fmt.Errorf("ledger: the source's root at %d: %w", r.End(), err)
	}
	got, err := r.GetRootHash(nil)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: the trees of %d leaves have different roots", ErrMismatch, r.End())
	}
	return nil
}

// checkpointsAfter reads every checkpoint st holds of a size above after.
func checkpointsAfter(ctx context.Context, st Store, after int64) ([]*credo.LedgerCheckpoint, error) {
	var out []*credo.LedgerCheckpoint
	for {
		page, err := st.LedgerCheckpoints(ctx, after, credo.MaxPageSize)
		if err != nil {
			return nil, fmt.Errorf("ledger: reading the source's checkpoints: %w", err)
		}
		out = append(out, page...)
		if len(page) < credo.MaxPageSize {
			return out, nil
		}
		after = page[len(page)-1].Size
	}
}

// openCopied checks leaves against to's changes at their positions (each
// one there, and, unless erased, opening the leaf's commitment), and
// gives the leaves LedgerIndex finds their Type and Ref.
func openCopied(ctx context.Context, to Store, leaves []*credo.LedgerLeaf) error {
	byPos := make(map[int64]*credo.Change, len(leaves))
	last := leaves[len(leaves)-1].Position
	for after := leaves[0].Position - 1; after < last; {
		page, err := to.Changes(ctx, credo.ChangeQuery{After: after, Upto: last, Limit: credo.MaxPageSize})
		if err != nil {
			return fmt.Errorf("ledger: reading the target's change log: %w", err)
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			byPos[c.Position] = c
		}
		after = page[len(page)-1].Position
	}
	var canon []byte
	for _, l := range leaves {
		c := byPos[l.Position]
		if c == nil {
			return fmt.Errorf("%w: leaf %d is the change at position %d, which the target's log does not hold (copy the log first)", ErrMismatch, l.Index, l.Position)
		}
		if l.Salt != nil {
			var err error
			if canon, err = AppendCanonical(canon[:0], c); err != nil {
				return err
			}
			if !bytes.Equal(LeafHash(l.Salt, canon), l.Hash) {
				return fmt.Errorf("%w: leaf %d does not open with the target's change at position %d", ErrMismatch, l.Index, l.Position)
			}
		}
		if slices.Contains(Indexed, c.Type) {
			l.Type, l.Ref = c.Type, c.Ref
		}
	}
	return nil
}
