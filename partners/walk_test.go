package partners_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/visibility"
)

// edges is an AdjacencyReader over a fixed set of edges, answering in
// reverse id order (the walk must not depend on the order) and counting
// its reads.
type edges struct {
	all   []credo.Edge
	reads int
}

func (s *edges) Adjacent(_ context.Context, q credo.RelationshipQuery) ([]credo.Edge, error) {
	s.reads++
	var out []credo.Edge
	for i := len(s.all) - 1; i >= 0; i-- {
		e := s.all[i]
		if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, e.Kind) {
			continue
		}
		for _, end := range [2]string{e.From, e.To} {
			other := e.From
			if other == end {
				other = e.To
			}
			if slices.Contains(q.Codes, end) && !slices.Contains(q.Except, other) {
				out = append(out, e)
				break
			}
		}
	}
	return out, nil
}

func TestWalk(t *testing.T) {
	a, b, c, d := hubCode(t, 1), hubCode(t, 2), hubCode(t, 3), hubCode(t, 4)
	reg := func(id int64, kind, from, to string) credo.Edge {
		return credo.Edge{ID: id, Kind: kind, Source: credo.SourceRegistration, From: from, To: to}
	}
	s := &edges{all: []credo.Edge{
		reg(1, credo.RelationshipShareholder, a, b),
		reg(2, credo.RelationshipShareholder, b, a), // a cycle of shareholders
		reg(3, credo.RelationshipSharedOfficer, b, c),
		reg(4, credo.RelationshipBranch, c, a), // c is reached at 1 from a, not at 2 from b
		{ID: 5, Kind: credo.RelationshipSupplier, Source: credo.SourceDeclaration, From: d, To: a, Declarant: a},
	}}
	g, err := partners.Walk(context.Background(), s, credo.Public, partners.Query{Code: a, Depth: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Reached) != 2 || g.Reached[0].Code != b || g.Reached[1].Code != c || g.Reached[0].Distance != 1 || g.Reached[1].Distance != 1 {
		t.Fatalf("reached %+v", g.Reached)
	}
	if p := g.Path(b); len(p) != 1 || p[0].Relationship != 1 {
		t.Errorf("b is reached by the lowest id of the two: %+v", p)
	}
	if p := g.Path(c); len(p) != 1 || p[0].Kind != credo.RelationshipBranch || p[0].From != c {
		t.Errorf("path to c: %+v", p)
	}
	if s.reads != 2 {
		t.Errorf("%d reads for 2 hops with organizations (the third has none)", s.reads)
	}
	// The declaration is seen by the declarant.
	own := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "a", Role: credo.RoleOrganization, Subject: a}}
	g, err = partners.Walk(context.Background(), s, own, partners.Query{Code: a, Depth: 1, Kinds: []string{credo.RelationshipSupplier}})
	if err != nil || len(g.Reached) != 1 || g.Reached[0].Code != d {
		t.Fatalf("the declarant's suppliers: %+v, %v", g, err)
	}
	for _, q := range []partners.Query{{Code: a, Depth: 0}, {Code: a, Depth: 4}, {Code: a, Depth: 1, Kinds: []string{"friend"}}, {Code: "x", Depth: 1}} {
		if _, err := partners.Walk(context.Background(), s, credo.Public, q); credo.ErrorCodeOf(err) != credo.EINVALID {
			t.Errorf("%+v: %v", q, err)
		}
	}
}

// referenceWalk is the walk as first written (a set of the relationships
// seen, a map of distances, one of the hops that reached each), kept to
// check that the leaner Walk finds the same: described as describe does.
func referenceWalk(ctx context.Context, rels partners.AdjacencyReader, v credo.Viewer, q partners.Query) (string, error) {
	type via struct {
		prev string
		hop  partners.Hop
	}
	vias := map[string]via{}
	dist := map[string]int{q.Code: 0}
	edgeSeen := map[int64]bool{}
	var edges []credo.Edge
	var reached []partners.Reached
	var before []string
	frontier := []string{q.Code}
	for d := 1; d <= q.Depth && len(frontier) > 0; d++ {
		var next []string
		var found []credo.Edge
		for i := 0; i < len(frontier); i += credo.MaxRelationshipCodes {
			es, err := rels.Adjacent(ctx, credo.RelationshipQuery{Codes: frontier[i:min(i+credo.MaxRelationshipCodes, len(frontier))],
				Kinds: q.Kinds, AsOf: q.AsOf, Except: before})
			if err != nil {
				return "", err
			}
			found = append(found, es...)
		}
		for _, r := range found {
			if edgeSeen[r.ID] || !visibility.Edge(v, r) {
				continue
			}
			edgeSeen[r.ID] = true
			edges = append(edges, r)
			for _, end := range [2]string{r.From, r.To} {
				if de, ok := dist[end]; !ok || de != d-1 {
					continue
				}
				other := r.From
				if other == end {
					other = r.To
				}
				hop := partners.Hop{From: r.From, Kind: r.Kind, To: r.To, Since: r.Since, Relationship: r.ID}
				do, seen := dist[other]
				switch {
				case !seen:
					dist[other] = d
					vias[other] = via{prev: end, hop: hop}
					next = append(next, other)
				case do == d && r.ID < vias[other].hop.Relationship:
					vias[other] = via{prev: end, hop: hop}
				}
			}
		}
		slices.Sort(next)
		for _, c := range next {
			reached = append(reached, partners.Reached{Code: c, Distance: d})
		}
		before, frontier = frontier, next
	}
	s := ""
	for _, r := range reached {
		var path []partners.Hop
		for at := r.Code; at != q.Code; at = vias[at].prev {
			path = append(path, vias[at].hop)
		}
		slices.Reverse(path)
		s += fmt.Sprintf("%s@%d %+v; ", r.Code, r.Distance, path)
	}
	slices.SortFunc(edges, func(a, b credo.Edge) int { return int(a.ID - b.ID) })
	return s + fmt.Sprintf("edges %+v", edges), nil
}
