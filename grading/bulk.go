package grading

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"sync"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners/risk"
)

// Bulk regrades what a bulk write (an import, which regrades once at the
// end) touched, in two passes: Grade, the organizations it touched, a
// batch at a time (from any number of goroutines); then Partners, every
// organization within the rulebooks' partner reach of them, so that
// partners read the grades and list entries the first pass stored. The
// first pass leaves the partners one relationship away (which a single
// write regrades at once) to the second, and remembers the partners it
// graded each organization with: the second regrades only those whose
// partners differ from them.
type Bulk struct {
	s      *Service
	mu     sync.Mutex
	graded map[string]partnersKey // by code: the partners its stored assessment was computed with
	again  int                    // how many Partners regraded
}

// Bulk begins a bulk regrade.
func (s *Service) Bulk() *Bulk {
	return &Bulk{s: s, graded: map[string]partnersKey{}}
}

// Grade regrades the organizations in causes as Regrade does, except
// their partners one relationship away: Partners must follow. Calls may
// run at once, each with its own organizations.
func (b *Bulk) Grade(ctx context.Context, causes map[string]credo.Cause) error {
	return b.s.regrade(ctx, causes, regradeOptions{noDirect: b.s.partners != nil, graded: func(code string, ps *credo.Partners) {
		k := keyOf(ps)
		b.mu.Lock()
		b.graded[code] = k
		b.mu.Unlock()
	}})
}

// Partners regrades, as of now, every organization within the
// rulebooks' partner reach of codes whose partners are not those Grade
// graded it with (every one Grade did not grade).
func (b *Bulk) Partners(ctx context.Context, codes []string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.s.regradePartners(ctx, codes, b.graded)
	b.again += n
	return err
}

// Regraded returns how many organizations Partners regraded.
func (b *Bulk) Regraded() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.again
}

// RegradePartners regrades every organization within the rulebooks'
// partner reach of codes, as of now: what a bulk write does so that
// partners read the grades it stored (Bulk does it with less work).
// Organizations whose grade does not change add nothing.
func (s *Service) RegradePartners(ctx context.Context, codes []string) error {
	_, err := s.regradePartners(ctx, codes, nil)
	return err
}

// regradePartners is RegradePartners leaving out the organizations in
// graded whose partners are those it holds for them; it returns how many
// it regraded.
//
// When codes, or what is within reach of them, are 5,000 organizations
// or more, their partners are computed once over the whole graph
// (PartnerFacts.AllWithin: one scan, each organization's own state read
// once) rather than by a walk of each batch's neighbourhood (whose
// states are read again for every batch that reaches them), and they are
// regraded with them as of one instant, a batch of 1,000 at a time on
// every processor; organizations with no relationship in force are then
// left out (they have no partners, so nothing partners did changes their
// grade: the bulk write graded them itself).
func (s *Service) regradePartners(ctx context.Context, codes []string, graded map[string]partnersKey) (int, error) {
	if s.partners == nil {
		return 0, nil
	}
	now := s.now()
	set := s.Set()
	reach := risk.Reach(set, now)
	if reach == 0 || len(codes) == 0 {
		return 0, nil
	}
	if len(codes) < wholeGraphFrom {
		near, err := s.partners.WithinMany(ctx, codes, reach, now)
		if err != nil {
			return 0, fmt.Errorf("partners: %w", err)
		}
		if len(near) < wholeGraphFrom {
			causes := map[string]credo.Cause{}
			for i, c := range near {
				causes[c] = credo.Cause{Kind: credo.CausePartner}
				if len(causes) == 1000 || i == len(near)-1 {
					if err := s.Regrade(ctx, causes); err != nil {
						return 0, err
					}
					clear(causes)
				}
			}
			return len(near), nil
		}
	}
	facts, _, err := s.partners.AllWithin(ctx, set, codes, now, 0)
	if err != nil {
		return 0, fmt.Errorf("partners: %w", err)
	}
	near := make([]string, 0, len(facts))
	for _, c := range slices.Sorted(maps.Keys(facts)) {
		if k, ok := graded[c]; !ok || k != keyOf(facts[c]) {
			near = append(near, c)
		}
	}
	o := regradeOptions{given: &givenPartners{asOf: now, facts: facts}}
	// Batches in code order, a worker per processor: grading runs on
	// every core, the store serializes the writes.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan []string)
	var first error
	var mu sync.Mutex
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for batch := range batches {
				causes := make(map[string]credo.Cause, len(batch))
				for _, c := range batch {
					causes[c] = credo.Cause{Kind: credo.CausePartner}
				}
				if err := s.regrade(ctx, causes, o); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
	for lo := 0; lo < len(near) && ctx.Err() == nil; lo += 1000 {
		select {
		case batches <- near[lo:min(lo+1000, len(near))]:
		case <-ctx.Done():
		}
	}
	close(batches)
	wg.Wait()
	if first != nil {
		return 0, first
	}
	return len(near), ctx.Err()
}

// partnersKey identifies an organization's partners (what samePartners
// compares: their JSON), in 32 bytes rather than the facts themselves,
// which a bulk regrade would otherwise keep for every organization until
// its second pass. No partners (nil or empty) is the zero key.
type partnersKey [sha256.Size]byte

func keyOf(ps *credo.Partners) partnersKey {
	if ps == nil || (len(ps.Counted) == 0 && len(ps.Direct) == 0) {
		return partnersKey{}
	}
	b, _ := json.Marshal(ps)
	return sha256.Sum256(b)
}
