// Package rulebooks bundles the reference rulebooks credo ships: the
// national tax, customs, environmental and comprehensive evaluations and
// the Jiangsu environmental overlay. Each lives in its own folder, named
// by its id, as rulebook.yaml (the rulebook, see docs/RULEBOOKS.md) and
// tests.yaml (the cases it must pass before it is published); a rulebook
// with several versions, one for each regime the law went through, has
// rulebook-VERSION.yaml and tests-VERSION.yaml for each, and tests.yaml
// for cases that straddle a change of regime.
package rulebooks

import (
	"cmp"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sync"

	"github.com/credo-registry/credo/rulebook"
)

// FS holds the bundled rulebooks and their tests.
//
//go:embed */rulebook*.yaml */tests*.yaml
var FS embed.FS

// Books parses every bundled rulebook version (sorted by id, then
// effective_from).
func Books() ([]*rulebook.Rulebook, error) {
	files, err := fs.Glob(FS, "*/rulebook*.yaml")
	if err != nil {
		return nil, err
	}
	books := make([]*rulebook.Rulebook, 0, len(files))
	for _, name := range files {
		src, err := FS.ReadFile(name)
		if err != nil {
			return nil, err
		}
		rb, err := rulebook.Parse(name, src)
		if err != nil {
			return nil, err
		}
		if dir := path.Dir(name); rb.ID != dir {
			return nil, fmt.Errorf("rulebooks: %s has id %q: a bundled rulebook's folder is its id", name, rb.ID)
		}
		books = append(books, rb)
	}
	slices.SortFunc(books, func(a, b *rulebook.Rulebook) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), a.EffectiveFrom.Compare(b.EffectiveFrom))
	})
	return books, nil
}

// Set returns the bundled rulebooks as one checked set (parsed once,
// cached).
func Set() (*rulebook.Set, error) { return set() }

var set = sync.OnceValues(func() (*rulebook.Set, error) {
	books, err := Books()
	if err != nil {
		return nil, err
	}
	return rulebook.NewSet(books...)
})
