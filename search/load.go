package search

import (
	"context"
	"fmt"

	"github.com/credo-registry/credo"
)

// SubjectScanner reads every stored registration version in (code,
// version) order: credo.CopyStore's ScanSubjects.
type SubjectScanner interface {
	ScanSubjects(ctx context.Context, afterCode string, afterVersion int, limit int) ([]*credo.Subject, error)
}

// loadBatch is how many versions Load reads at a time.
const loadBatch = 5000

// Load indexes the latest version of every organization the store holds.
// It is how a node builds its index at start; Put keeps it current after.
func (ix *Index) Load(ctx context.Context, store SubjectScanner) error {
	var (
		afterCode    string
		afterVersion int
		pending      *credo.Subject // the latest version seen of the current code
	)
	for {
		batch, err := store.ScanSubjects(ctx, afterCode, afterVersion, loadBatch)
		if err != nil {
			return fmt.Errorf("search: loading names: %w", err)
		}
		var latest []*credo.Subject
		for _, s := range batch {
			if pending != nil && pending.Code != s.Code {
				latest = append(latest, pending)
			}
			pending = s
		}
		ix.Put(latest...)
		if len(batch) < loadBatch {
			if pending != nil {
				ix.Put(pending)
			}
			return nil
		}
		last := batch[len(batch)-1]
		afterCode, afterVersion = last.Code, last.Version
	}
}
