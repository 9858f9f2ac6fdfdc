package risk

import (
	"context"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/partners/graph"
	"github.com/credo-registry/credo/rulebook"
)

// EdgeScanner streams the relationships in force (the store's whole-graph
// scan).
type EdgeScanner interface {
	EachRelationship(ctx context.Context, asOf time.Time, fn func([]credo.Edge) error) error
}

// Timing says how long each step of a whole-graph computation took.
type Timing struct {
	Build, States, Propagate, Gather time.Duration
	Nodes, Edges                     int
	Scanned                          int64
}

// All computes the partners of every organization that has any, as of
// asOf, under set: the graph built from the store in one scan, each
// organization's own state read once, the counted partners propagated in
// parallel over the whole graph (workers, 0: all cores), and the direct
// partners read for the organizations with relationships of the kinds
// direct partner rules read. Organizations with no partners are left out,
// unless every is set: then every organization with a relationship in
// force is in the map (with no partners when it has none).
func (f *Facts) All(ctx context.Context, set *rulebook.Set, asOf time.Time, every bool, workers int) (map[string]*credo.Partners, *Timing, error) {
	out, g, tm, err := f.whole(ctx, set, asOf, workers)
	if err != nil || g == nil {
		return out, tm, err
	}
	if every {
		for u := range int32(g.Nodes()) {
			if c := g.Code(u); out[c] == nil {
				out[c] = &credo.Partners{}
			}
		}
	}
	return out, tm, nil
}

// AllWithin is All for the organizations with a relationship in force
// within the rulebooks' reach of any of codes (codes themselves included
// when they have one): each of them is in the map, with no partners when
// it has none; nothing else is. It computes over the whole graph, so it
// suits a bulk write that touched a large part of it: its cost is the
// graph's, whatever codes are.
func (f *Facts) AllWithin(ctx context.Context, set *rulebook.Set, codes []string, asOf time.Time, workers int) (map[string]*credo.Partners, *Timing, error) {
	reach := Reach(set, asOf)
	if reach == 0 || len(codes) == 0 {
		return map[string]*credo.Partners{}, &Timing{}, nil
	}
	all, g, tm, err := f.whole(ctx, set, asOf, workers)
	if err != nil || g == nil {
		return map[string]*credo.Partners{}, tm, err
	}
	starts := make([]int32, 0, len(codes))
	for _, c := range codes {
		if u, ok := g.Node(c); ok {
			starts = append(starts, u)
		}
	}
	near := g.Within(starts, reach)
	out := make(map[string]*credo.Partners, len(near))
	for _, u := range near {
		c := g.Code(u)
		if ps := all[c]; ps != nil {
			out[c] = ps
		} else {
			out[c] = &credo.Partners{}
		}
	}
	return out, tm, nil
}

// whole computes the partners of every organization that has any over
// the whole graph (All without every), and returns the graph (nil when no
// rulebook reads partners).
func (f *Facts) whole(ctx context.Context, set *rulebook.Set, asOf time.Time, workers int) (map[string]*credo.Partners, *graph.Graph, *Timing, error) {
	scan := f.Store
	plan, _ := set.Plan(asOf, "")
	pd, kinds := plan.PartnerDimension(), plan.PartnerKinds()
	out := map[string]*credo.Partners{}
	tm := &Timing{}
	if pd == nil && len(kinds) == 0 {
		return out, nil, tm, nil
	}
	t := time.Now()
	g, err := graph.Build(func(yield func(graph.Edge, error) bool) {
		stop := false
		err := scan.EachRelationship(ctx, asOf, func(batch []credo.Edge) error {
			for _, e := range batch {
				if !yield(graph.Edge{From: e.From, To: e.To, Kind: e.Kind, Since: e.Since.Time, Declarant: e.Declarant}, nil) {
					stop = true
					return context.Canceled
				}
			}
			return nil
		})
		if err != nil && !stop {
			yield(graph.Edge{}, err)
		}
	}, asOf)
	if err != nil {
		return nil, nil, nil, err
	}
	tm.Build, tm.Nodes, tm.Edges = time.Since(t), g.Nodes(), g.Edges()
	states := newStates(f, set, asOf)
	get := func(code string) *credo.Partner {
		p, ok := states.m[code]
		if !ok {
			return nil
		}
		return p
	}
	t = time.Now()
	// Every organization's own state, once, in code order.
	sev := make([]float64, g.Nodes())
	for u := range int32(g.Nodes()) {
		p, err := states.of(ctx, g.Code(u))
		if err != nil {
			return nil, nil, nil, err
		}
		if pd != nil {
			if sev[u], _, err = assess.PartnerSeverity(pd, p, asOf); err != nil {
				return nil, nil, nil, err
			}
		}
	}
	tm.States = time.Since(t)
	if pd != nil {
		t = time.Now()
		res, err := g.Propagate(ctx, func(u int32) float64 { return sev[u] }, Params(pd), workers)
		if err != nil {
			return nil, nil, nil, err
		}
		tm.Propagate, tm.Scanned = time.Since(t), res.Scanned
		t = time.Now()
		err = res.Exposed(func(u int32, xs []graph.Exposure) error {
			ps := &credo.Partners{}
			for _, x := range xs {
				q := *get(g.Code(x.Source))
				path, _ := res.Path(x)
				q.Path = hops(path)
				ps.Counted = append(ps.Counted, q)
			}
			out[g.Code(u)] = ps
			return nil
		})
		if err != nil {
			return nil, nil, nil, err
		}
		tm.Gather = time.Since(t)
	}
	if len(kinds) > 0 {
		t = time.Now()
		// Organizations with a relationship of a kind direct rules read:
		// their relationships of those kinds, with roles, in batched reads.
		var codes []string
		for u := range int32(g.Nodes()) {
			for _, h := range g.Neighbours(u) {
				if slices.Contains(kinds, h.Kind) {
					codes = append(codes, g.Code(u))
					break
				}
			}
		}
		for i := 0; i < len(codes); i += credo.MaxRelationshipCodes {
			batch := codes[i:min(i+credo.MaxRelationshipCodes, len(codes))]
			rels, err := f.Store.Relationships(ctx, credo.RelationshipQuery{Codes: batch, Kinds: kinds, AsOf: asOf})
			if err != nil {
				return nil, nil, nil, err
			}
			slices.SortFunc(rels, func(a, b *credo.Relationship) int {
				switch {
				case a.ID < b.ID:
					return -1
				case a.ID > b.ID:
					return 1
				}
				return 0
			})
			for _, r := range rels {
				for _, end := range [2]string{r.From, r.To} {
					if !slices.Contains(batch, end) {
						continue
					}
					p, err := states.of(ctx, r.Other(end))
					if err != nil {
						return nil, nil, nil, err
					}
					q := *p
					q.Path = []credo.Hop{hopOf(r)}
					ps := out[end]
					if ps == nil {
						ps = &credo.Partners{}
						out[end] = ps
					}
					ps.Direct = append(ps.Direct, q)
				}
			}
		}
		tm.Gather += time.Since(t)
	}
	return out, g, tm, nil
}
