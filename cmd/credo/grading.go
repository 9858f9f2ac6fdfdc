package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners/risk"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
)

// publishedSet returns the set of every rulebook version published in the
// store, publishing the bundled rulebooks first when they are not there
// yet. A bundled version published earlier with other content is kept as
// published (published versions are immutable) and reported on warn.
func publishedSet(ctx context.Context, store credo.Store, warn io.Writer) (*rulebook.Set, error) {
	published, err := store.Rulebooks(ctx)
	if err != nil {
		return nil, err
	}
	have := map[credo.RulebookRef]*credo.Rulebook{}
	for _, rb := range published {
		have[credo.RulebookRef{ID: rb.ID, Version: rb.Version}] = rb
	}
	bundled, err := rulebooks.Books()
	if err != nil {
		return nil, fmt.Errorf("bundled rulebooks: %w", err)
	}
	for _, b := range bundled {
		stored := newPublished(b.ID, b.Version, b.Source)
		old, ok := have[b.Ref()]
		if ok {
			if old.Hash != stored.Hash {
				fmt.Fprintf(warn, "credo: rulebook %s %s is published with other content than this binary bundles; the published one stays in force\n", b.ID, b.Version)
			}
			continue
		}
		if err := store.PublishRulebook(ctx, stored); err != nil && credo.ErrorCodeOf(err) != credo.ECONFLICT {
			return nil, fmt.Errorf("publishing bundled rulebook %s %s: %w", b.ID, b.Version, err)
		}
		published = append(published, stored)
	}
	return parseSet(usable(published, warn))
}

// usable leaves out, with a warning, published versions that no longer
// parse: those written before rules had to state their basis (issue 13).
// They stay stored (nothing published is deleted); grading uses the
// versions this binary can read, among them the bundled ones that replaced
// them.
func usable(published []*credo.Rulebook, warn io.Writer) []*credo.Rulebook {
	out := make([]*credo.Rulebook, 0, len(published))
	for _, p := range published {
		if _, err := rulebook.Parse(p.ID+"@"+p.Version, p.Source); err != nil {
			fmt.Fprintf(warn, "credo: published rulebook %s %s does not parse in this version of credo and is left out of grading: %v\n",
				p.ID, p.Version, firstLine(err.Error()))
			continue
		}
		out = append(out, p)
	}
	return out
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// parseSet parses and checks published rulebook versions as one set.
func parseSet(published []*credo.Rulebook) (*rulebook.Set, error) {
	books := make([]*rulebook.Rulebook, 0, len(published))
	for _, p := range published {
		b, err := rulebook.Parse(p.ID+"@"+p.Version, p.Source)
		if err != nil {
			return nil, fmt.Errorf("published rulebook %s %s: %w", p.ID, p.Version, err)
		}
		books = append(books, b)
	}
	return rulebook.NewSet(books...)
}

func newPublished(id, version string, source []byte) *credo.Rulebook {
	h := sha256.Sum256(source)
	return &credo.Rulebook{ID: id, Version: version, Hash: hex.EncodeToString(h[:]), Source: source, PublishedAt: credo.NewTime(time.Now())}
}

// newGrading wires the grading service to the store's published rulebooks
// and the bundled lists (whose effects amend every grade).
func newGrading(ctx context.Context, store credo.Store, warn io.Writer) (*grading.Service, error) {
	set, err := publishedSet(ctx, store, warn)
	if err != nil {
		return nil, err
	}
	return withLists(store, set)
}

// partnerFacts gathers partners from the store for grades, the lists of
// cat saying which entries weigh.
func partnerFacts(store credo.Store, cat *lists.Catalogue) *risk.Facts {
	return &risk.Facts{Store: store, Adverse: func(list string) bool {
		d := cat.List(list)
		return d != nil && d.Adverse
	}}
}
