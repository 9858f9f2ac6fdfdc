// Package risk gathers what an assessment needs of an organization's
// partners (credo.Partners) from the store, for one organization (its
// neighbourhood, read hop by hop) and for the whole graph (built from the
// store and propagated in parallel: package partners/graph), and says
// which organizations a change reaches. Both compute the counted partners
// with the same propagation over the same relationships, so a grade is
// the same whichever way it was computed.
//
// A partner's state is its own: its adverse list entries in effect and
// its grades from its own records (an assessment without partners), never
// what its partners did to it; so risk passes one step per relationship,
// and a change reaches partners once.
package risk

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/partners/graph"
	"github.com/credo-registry/credo/rulebook"
)

// Store is what gathering reads.
type Store interface {
	Relationships(ctx context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error)
	CurrentAssessment(ctx context.Context, code string) (*credo.Assessment, error)
	SubjectListEntries(ctx context.Context, code string) ([]*credo.ListEntry, error)
	SubjectVersions(ctx context.Context, code string) ([]*credo.Subject, error)
	AllRecords(ctx context.Context, code string) ([]*credo.Record, error)
	EdgeScanner
}

// Facts gathers partners from Store. Adverse says which lists weigh (the
// list catalogue's adverse flag).
type Facts struct {
	Store   Store
	Adverse func(list string) bool
}

// Reach is how far partners matter under the rulebooks in force at asOf:
// the weighted partner dimension's reach, at least 1 when direct partner
// rules read officer links; 0 when no rulebook reads partners.
func Reach(set *rulebook.Set, asOf time.Time) int {
	plan, _ := set.Plan(asOf, "")
	r := 0
	if len(plan.PartnerKinds()) > 0 {
		r = 1
	}
	if pd := plan.PartnerDimension(); pd != nil {
		r = max(r, pd.Partners.Reach)
	}
	return r
}

// Params are the propagation params of a partner dimension.
func Params(pd *rulebook.Dimension) graph.Params {
	p := pd.Partners
	return graph.Params{Reach: p.Reach, Decay: p.Decay, Weight: p.Weights, Counted: p.Counted, MinValue: p.MinPoints}
}

// Partners returns what code's assessment as of asOf needs of its
// partners under set: the counted partners of the partner dimension and
// the direct partners of the kinds direct partner rules read. It reads
// the neighbourhood within the reach, one batched read per hop.
func (f *Facts) Partners(ctx context.Context, set *rulebook.Set, code string, asOf time.Time) (*credo.Partners, error) {
	plan, _ := set.Plan(asOf, "")
	pd, kinds := plan.PartnerDimension(), plan.PartnerKinds()
	reach := Reach(set, asOf)
	if reach == 0 {
		return nil, nil
	}
	n, err := f.neighbourhood(ctx, code, reach, asOf)
	if err != nil {
		return nil, err
	}
	states := newStates(f, set, asOf)
	out := &credo.Partners{}
	for _, r := range n.edges {
		if (r.From != code && r.To != code) || !slices.Contains(kinds, r.Kind) {
			continue
		}
		p, err := states.of(ctx, r.Other(code))
		if err != nil {
			return nil, err
		}
		q := *p
		q.Path = []credo.Hop{hopOf(r)}
		out.Direct = append(out.Direct, q)
	}
	if pd == nil {
		return out, nil
	}
	g, err := graph.Build(edgesOf(n.edges), asOf)
	if err != nil {
		return nil, err
	}
	u, ok := g.Node(code)
	if !ok {
		return out, nil
	}
	var sevErr error
	res, err := g.Propagate(ctx, func(v int32) float64 {
		if v == u || sevErr != nil {
			return 0
		}
		s, err := states.severity(ctx, pd, g.Code(v))
		if err != nil {
			sevErr = err
		}
		return s
	}, Params(pd), 1)
	if err == nil {
		err = sevErr
	}
	if err != nil {
		return nil, err
	}
	for _, x := range res.Of(u) {
		p, err := states.of(ctx, g.Code(x.Source))
		if err != nil {
			return nil, err
		}
		q := *p
		path, _ := res.Path(x)
		q.Path = hops(path)
		out.Counted = append(out.Counted, q)
	}
	return out, nil
}

// PartnersMany is Partners for several organizations at once: one walk
// from all of them and one propagation over what it read, which gives
// each exactly what Partners gives it (an organization's counted partners
// depend only on the relationships with an end nearer than the reach,
// all of which the walk from it reads).
func (f *Facts) PartnersMany(ctx context.Context, set *rulebook.Set, codes []string, asOf time.Time) (map[string]*credo.Partners, error) {
	plan, _ := set.Plan(asOf, "")
	pd, kinds := plan.PartnerDimension(), plan.PartnerKinds()
	reach := Reach(set, asOf)
	out := make(map[string]*credo.Partners, len(codes))
	if reach == 0 || len(codes) == 0 {
		return out, nil
	}
	n, err := f.neighbourhoods(ctx, codes, reach, asOf)
	if err != nil {
		return nil, err
	}
	states := newStates(f, set, asOf)
	want := make(map[string]bool, len(codes))
	for _, c := range codes {
		want[c] = true
		out[c] = &credo.Partners{}
	}
	for _, r := range n.edges {
		if !slices.Contains(kinds, r.Kind) {
			continue
		}
		for _, end := range [2]string{r.From, r.To} {
			if !want[end] {
				continue
			}
			p, err := states.of(ctx, r.Other(end))
			if err != nil {
				return nil, err
			}
			q := *p
			q.Path = []credo.Hop{hopOf(r)}
			out[end].Direct = append(out[end].Direct, q)
		}
	}
	if pd == nil {
		return out, nil
	}
	g, err := graph.Build(edgesOf(n.edges), asOf)
	if err != nil {
		return nil, err
	}
	var sevErr error
	res, err := g.Propagate(ctx, func(v int32) float64 {
		if sevErr != nil {
			return 0
		}
		s, err := states.severity(ctx, pd, g.Code(v))
		if err != nil {
			sevErr = err
		}
		return s
	}, Params(pd), 1)
	if err == nil {
		err = sevErr
	}
	if err != nil {
		return nil, err
	}
	for _, c := range codes {
		u, ok := g.Node(c)
		if !ok {
			continue
		}
		for _, x := range res.Of(u) {
			p, err := states.of(ctx, g.Code(x.Source))
			if err != nil {
				return nil, err
			}
			q := *p
			path, _ := res.Path(x)
			q.Path = hops(path)
			out[c].Counted = append(out[c].Counted, q)
		}
	}
	return out, nil
}

// WithinMany returns the organizations within depth relationships of any
// of codes as of asOf, by code (codes themselves included).
func (f *Facts) WithinMany(ctx context.Context, codes []string, depth int, asOf time.Time) ([]string, error) {
	n, err := f.neighbourhoods(ctx, codes, depth, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(n.dist))
	for c := range n.dist {
		out = append(out, c)
	}
	slices.Sort(out)
	return out, nil
}

// neighbourhood is what a walk of reach hops from a code read: the
// relationships in force at asOf with an end within reach-1 hops, and the
// codes reached with their distance.
type neighbourhood struct {
	edges []*credo.Relationship
	dist  map[string]int
}

func (f *Facts) neighbourhood(ctx context.Context, code string, reach int, asOf time.Time) (*neighbourhood, error) {
	return f.neighbourhoods(ctx, []string{code}, reach, asOf)
}

// neighbourhoods is the walk from several codes at once (dist: the
// distance to the nearest).
func (f *Facts) neighbourhoods(ctx context.Context, codes []string, reach int, asOf time.Time) (*neighbourhood, error) {
	n := &neighbourhood{dist: map[string]int{}}
	var frontier []string
	for _, c := range codes {
		if _, ok := n.dist[c]; !ok {
			n.dist[c] = 0
			frontier = append(frontier, c)
		}
	}
	slices.Sort(frontier)
	seen := map[int64]bool{}
	for d := 1; d <= reach && len(frontier) > 0; d++ {
		var next []string
		for i := 0; i < len(frontier); i += credo.MaxRelationshipCodes {
			batch, err := f.Store.Relationships(ctx, credo.RelationshipQuery{Codes: frontier[i:min(i+credo.MaxRelationshipCodes, len(frontier))], AsOf: asOf})
			if err != nil {
				return nil, err
			}
			for _, r := range batch {
				if seen[r.ID] {
					continue
				}
				seen[r.ID] = true
				n.edges = append(n.edges, r)
				for _, end := range [2]string{r.From, r.To} {
					if _, ok := n.dist[end]; !ok {
						n.dist[end] = d
						next = append(next, end)
					}
				}
			}
		}
		slices.Sort(next)
		frontier = next
	}
	slices.SortFunc(n.edges, func(a, b *credo.Relationship) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	return n, nil
}

// Within returns the organizations within depth relationships of code as
// of asOf (code left out), nearest first, then by code.
func (f *Facts) Within(ctx context.Context, code string, depth int, asOf time.Time) ([]string, error) {
	if depth < 1 {
		return nil, nil
	}
	n, err := f.neighbourhood(ctx, code, depth, asOf)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(n.dist))
	for c := range n.dist {
		if c != code {
			out = append(out, c)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		if n.dist[a] != n.dist[b] {
			return n.dist[a] - n.dist[b]
		}
		if a < b {
			return -1
		}
		return 1
	})
	return out, nil
}

func hopOf(r *credo.Relationship) credo.Hop {
	h := credo.Hop{From: r.From, Kind: r.Kind, To: r.To, Since: r.Since}
	if r.Roles != nil {
		roles := *r.Roles
		h.Roles = &roles
	}
	return h
}

func hops(path []graph.Hop) []credo.Hop {
	out := make([]credo.Hop, len(path))
	for i, h := range path {
		out[i] = credo.Hop{From: h.From, Kind: h.Kind, To: h.To, Since: credo.NewDate(h.Since)}
	}
	return out
}

func edgesOf(rels []*credo.Relationship) func(yield func(graph.Edge, error) bool) {
	return func(yield func(graph.Edge, error) bool) {
		for _, r := range rels {
			if !yield(graph.Edge{From: r.From, To: r.To, Kind: r.Kind, Since: r.Since.Time, Until: r.Until.Time, Declarant: r.Declarant}, nil) {
				return
			}
		}
	}
}

// states reads and remembers partners' own states.
type states struct {
	f    *Facts
	set  *rulebook.Set
	asOf time.Time
	m    map[string]*credo.Partner
}

func newStates(f *Facts, set *rulebook.Set, asOf time.Time) *states {
	return &states{f: f, set: set, asOf: asOf, m: map[string]*credo.Partner{}}
}

func (s *states) of(ctx context.Context, code string) (*credo.Partner, error) {
	if p, ok := s.m[code]; ok {
		return p, nil
	}
	p, err := s.f.State(ctx, s.set, code, s.asOf)
	if err != nil {
		return nil, err
	}
	s.m[code] = p
	return p, nil
}

func (s *states) severity(ctx context.Context, pd *rulebook.Dimension, code string) (float64, error) {
	p, err := s.of(ctx, code)
	if err != nil {
		return 0, err
	}
	sev, _, err := assess.PartnerSeverity(pd, p, s.asOf)
	return sev, err
}

// State returns code's own state as a partner as of asOf: the stored
// assessment's own grades when it is current at asOf, else an assessment
// as of then from its records without partners; and its adverse list
// entries in effect then.
func (f *Facts) State(ctx context.Context, set *rulebook.Set, code string, asOf time.Time) (*credo.Partner, error) {
	p := &credo.Partner{Code: code}
	a, err := f.Store.CurrentAssessment(ctx, code)
	switch {
	case err == nil && !a.AsOf.After(asOf) && a.HoldsAt(asOf):
	case err == nil || credo.ErrorCodeOf(err) == credo.ENOTFOUND:
		versions, err := f.Store.SubjectVersions(ctx, code)
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return nil, err
		}
		records, err := f.Store.AllRecords(ctx, code)
		if err != nil {
			return nil, err
		}
		if a, err = assess.Assess(set, code, versions, records, asOf); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("partner %s: %w", code, err)
	}
	p.Grades = OwnGrades(set, a, asOf)
	entries, err := f.Store.SubjectListEntries(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, err
	}
	p.Entries = ActiveEntries(entries, f.Adverse, asOf)
	return p, nil
}

// OwnGrades are the grades of a that an organization's partners read:
// each dimension's grade from its own records (OwnGrade where a partner
// rule changed it), without the dimension made of partners.
func OwnGrades(set *rulebook.Set, a *credo.Assessment, asOf time.Time) map[string]string {
	plan, _ := set.Plan(asOf, "")
	skip := ""
	if pd := plan.PartnerDimension(); pd != nil {
		skip = pd.ID
	}
	out := map[string]string{}
	for id, d := range a.Dimensions {
		if d == nil || id == skip {
			continue
		}
		g := d.Grade
		if d.ByPartners {
			g = d.OwnGrade
		}
		if g != "" {
			out[id] = g
		}
	}
	return out
}

// ActiveEntries are the entries of adverse lists in effect at asOf as
// known then, by id.
func ActiveEntries(entries []*credo.ListEntry, adverse func(string) bool, asOf time.Time) []credo.PartnerEntry {
	var out []credo.PartnerEntry
	slices.SortFunc(entries, func(a, b *credo.ListEntry) int {
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	for _, e := range entries {
		if !e.KnownAt(asOf) || e.StateAt(asOf).Status != credo.ListActive || (adverse != nil && !adverse(e.List)) {
			continue
		}
		out = append(out, credo.PartnerEntry{List: e.List, Since: e.EffectiveAt, DecisionNumber: e.DecisionNumber})
	}
	return out
}
