package grading

import (
	"context"
	"sort"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/rulebook"
)

// Impact is how a rule change would move grades: for the comprehensive
// grade ("comprehensive") and each dimension, a from→to matrix over all
// organizations and one per province (the code's first two division
// digits), with sample organizations for every change.
type Impact struct {
	AsOf          time.Time                           `json:"as_of"`
	Organizations int                                 `json:"organizations"`
	Changed       int                                 `json:"changed"` // organizations with any grade changed
	Dimensions    map[string]*ImpactMatrix            `json:"dimensions"`
	Provinces     map[string]map[string]*ImpactMatrix `json:"provinces"` // province → dimension → matrix
}

// ImpactMatrix counts organizations by their grade under the old rules
// (from) and the new (to); "" is "not graded".
type ImpactMatrix struct {
	Counts  map[string]map[string]int `json:"counts"` // from → to → organizations
	Samples []ImpactSample            `json:"samples,omitempty"`
}

// ImpactSample is one organization whose grade changes, with the new
// explanation.
type ImpactSample struct {
	Code        string           `json:"code"`
	From        string           `json:"from"`
	To          string           `json:"to"`
	Explanation *credo.Dimension `json:"explanation,omitempty"`
}

const comprehensiveKey = "comprehensive"

// Diff assesses every organization in the store under both sets as of
// asOf and tallies how grades would move. samples bounds the samples kept
// per dimension and change. Nothing is stored.
func Diff(ctx context.Context, store Store, oldSet, newSet *rulebook.Set, asOf time.Time, samples int) (*Impact, error) {
	im := &Impact{AsOf: asOf, Dimensions: map[string]*ImpactMatrix{}, Provinces: map[string]map[string]*ImpactMatrix{}}
	err := store.EachSubject(ctx, "", func(code string, records []*credo.Record) error {
		versions, err := store.SubjectVersions(ctx, code)
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return err
		}
		before, err := assess.Assess(oldSet, code, versions, records, asOf)
		if err != nil {
			return err
		}
		after, err := assess.Assess(newSet, code, versions, records, asOf)
		if err != nil {
			return err
		}
		im.Organizations++
		province := code[2:4]
		if im.Provinces[province] == nil {
			im.Provinces[province] = map[string]*ImpactMatrix{}
		}
		changed := false
		tally := func(dim, from, to string, explanation *credo.Dimension) {
			for _, m := range []map[string]*ImpactMatrix{im.Dimensions, im.Provinces[province]} {
				if m[dim] == nil {
					m[dim] = &ImpactMatrix{Counts: map[string]map[string]int{}}
				}
				x := m[dim]
				if x.Counts[from] == nil {
					x.Counts[from] = map[string]int{}
				}
				x.Counts[from][to]++
			}
			if from != to {
				changed = true
				x := im.Dimensions[dim]
				n := 0
				for _, s := range x.Samples {
					if s.From == from && s.To == to {
						n++
					}
				}
				if n < samples {
					x.Samples = append(x.Samples, ImpactSample{Code: code, From: from, To: to, Explanation: explanation})
				}
			}
		}
		tally(comprehensiveKey, before.Grade, after.Grade, nil)
		for _, dim := range dimensionNames(before, after) {
			var from, to string
			var explanation *credo.Dimension
			if d := before.Dimensions[dim]; d != nil {
				from = d.Grade
			}
			if d := after.Dimensions[dim]; d != nil {
				to, explanation = d.Grade, d
			}
			tally(dim, from, to, explanation)
		}
		if changed {
			im.Changed++
		}
		return nil
	})
	return im, err
}

func dimensionNames(a, b *credo.Assessment) []string {
	seen := map[string]bool{}
	var names []string
	for _, x := range []*credo.Assessment{a, b} {
		for n := range x.Dimensions {
			if !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// DiffSources parses two versions of a rulebook (their YAML sources) and
// tallies, as Diff does, how replacing every version of that rulebook in
// the set in use by each would move grades. A source that does not load
// is an EINVALID error naming it and the rulebook's file:line:col message.
func (s *Service) DiffSources(ctx context.Context, oldSrc, newSrc []byte, asOf time.Time, samples int) (*Impact, error) {
	base := s.Set().Rulebooks()
	sets := make([]*rulebook.Set, 2)
	for i, src := range [][]byte{oldSrc, newSrc} {
		name := [2]string{"old", "new"}[i]
		rb, err := rulebook.Parse(name+".yaml", src)
		if err != nil {
			return nil, credo.FieldError(name, "rulebook", "%v", err)
		}
		if sets[i], err = rulebook.NewSet(Replace(base, rb)...); err != nil {
			return nil, credo.FieldError(name, "rulebook", "%v", err)
		}
	}
	return Diff(ctx, s.Store, sets[0], sets[1], asOf, samples)
}

// Replace returns books with every version of each of with's ids replaced
// by the versions in with.
func Replace(books []*rulebook.Rulebook, with ...*rulebook.Rulebook) []*rulebook.Rulebook {
	ids := map[string]bool{}
	for _, b := range with {
		ids[b.ID] = true
	}
	var out []*rulebook.Rulebook
	for _, b := range books {
		if !ids[b.ID] {
			out = append(out, b)
		}
	}
	return append(out, with...)
}
