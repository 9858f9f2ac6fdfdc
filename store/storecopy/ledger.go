package storecopy

import (
	"context"
	"fmt"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ledger"
)

// copyLedger copies the ledger's tree, leaf for leaf with the salts that
// open them, and its checkpoints (ledger.Copy), after the change log; the
// signing key's store secret goes with the secrets (copySecret), so the
// copy verifies the same and signs on under the same key.
func copyLedger(ctx context.Context, from, to credo.Store, progress func(Progress)) error {
	size, _, err := from.LedgerSize(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: reading the source's ledger: %w", err)
	}
	have, _, err := to.LedgerSize(ctx)
	if err != nil {
		return fmt.Errorf("storecopy: reading the target's ledger: %w", err)
	}
	err = ledger.Copy(ctx, from, to, func(n int64) {
		progress(Progress{Stage: "ledger", Done: n, Copied: n - have})
	})
	if err != nil {
		return fmt.Errorf("storecopy: %w", err)
	}
	progress(Progress{Stage: "ledger", Done: size, Copied: size - have})
	return nil
}

// sumLedger hashes st's leaves below size (index, position, salt, hash)
// and its checkpoints up to size into the ledger part: what the registry
// integrates on the target after the copy, above the source's size, is
// not compared.
func (s *sums) sumLedger(ctx context.Context, st credo.Store, size int64) error {
	for from := int64(0); from < size; {
		leaves, err := st.LedgerLeaves(ctx, from, int(min(int64(batchSize), size-from)))
		if err != nil {
			return fmt.Errorf("storecopy: reading leaves: %w", err)
		}
		if len(leaves) == 0 {
			break
		}
		for _, l := range leaves {
			s.add(partLedger, l.Index, l.Position, string(l.Salt), string(l.Hash))
		}
		from = leaves[len(leaves)-1].Index + 1
	}
	for after := int64(0); ; {
		cps, err := st.LedgerCheckpoints(ctx, after, batchSize)
		if err != nil {
			return fmt.Errorf("storecopy: reading checkpoints: %w", err)
		}
		for _, c := range cps {
			if c.Size > size {
				return nil
			}
			s.add(partLedger, c.Size, string(c.Note))
		}
		if len(cps) < batchSize {
			return nil
		}
		after = cps[len(cps)-1].Size
	}
}
