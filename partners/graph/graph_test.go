package graph_test

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo/partners/graph"
)

// Real codes (shared/data/uscc).
const (
	a = "91152201078377449P"
	b = "91152201078382010M"
	c = "91152201078394644D"
	d = "91310112087994932F"
	e = "91310116052958608G"
	f = "91340600MA2PBM9HXD"
)

var (
	t2020 = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	t2024 = time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	t2026 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
)

func seq(edges []graph.Edge) iter.Seq2[graph.Edge, error] {
	return func(yield func(graph.Edge, error) bool) {
		for _, e := range edges {
			if !yield(e, nil) {
				return
			}
		}
	}
}

func mustBuild(t *testing.T, edges []graph.Edge, asOf time.Time) *graph.Graph {
	t.Helper()
	g, err := graph.Build(seq(edges), asOf)
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func node(t *testing.T, g *graph.Graph, code string) int32 {
	t.Helper()
	u, ok := g.Node(code)
	if !ok {
		t.Fatalf("%s not in the graph", code)
	}
	return u
}

var params = graph.Params{Reach: 3, Decay: 0.5, Counted: 4, Weight: map[string]float64{
	"shareholder": 1, "subsidiary": 1, "shared_officer": 0.8, "supplier": 0.5, "customer": 0.5,
}}

// severities returns a severity function giving codes theirs.
func severities(g *graph.Graph, m map[string]float64) func(int32) float64 {
	return func(u int32) float64 { return m[g.Code(u)] }
}

// a —supplier→ b —shareholder→ c; c —shareholder→ a (a cycle); b —customer→ d;
// d —contract→ e (contract weighs nothing); e —shareholder→ f.
func sample() []graph.Edge {
	return []graph.Edge{
		{From: a, To: b, Kind: "supplier", Since: t2020},
		{From: b, To: c, Kind: "shareholder", Since: t2020},
		{From: c, To: a, Kind: "shareholder", Since: t2024},
		{From: b, To: d, Kind: "customer", Since: t2020},
		{From: d, To: e, Kind: "contract", Since: t2020},
		{From: e, To: f, Kind: "shareholder", Since: t2020},
	}
}

func TestPropagatePathsAndWeights(t *testing.T) {
	g := mustBuild(t, sample(), t2026)
	if g.Nodes() != 6 || g.Edges() != 6 {
		t.Fatalf("nodes %d edges %d, want 6 and 6", g.Nodes(), g.Edges())
	}
	res, err := g.Propagate(context.Background(), severities(g, map[string]float64{c: 40}), params, 2)
	if err != nil {
		t.Fatal(err)
	}
	// a reaches c directly (c is a's shareholder), heavier than through b.
	xa := res.Of(node(t, g, a))
	if len(xa) != 1 || xa[0].Value != 40 || g.Code(xa[0].Source) != c {
		t.Fatalf("a: %+v, want c at 40", xa)
	}
	p, w := res.Path(xa[0])
	if len(p) != 1 || p[0].From != c || p[0].Kind != "shareholder" || p[0].To != a || !p[0].Since.Equal(t2024) || w != 1 {
		t.Fatalf("a's path %+v weight %v, want c —shareholder→ a since 2024, 1", p, w)
	}
	// d: d ← customer — b ← shareholder — c: 1 × 0.5 × decay 0.5.
	xd := res.Of(node(t, g, d))
	if len(xd) != 1 || xd[0].Value != 10 {
		t.Fatalf("d: %+v, want c at 10", xd)
	}
	p, w = res.Path(xd[0])
	want := []graph.Hop{{From: b, Kind: "customer", To: d, Since: t2020}, {From: b, Kind: "shareholder", To: c, Since: t2020}}
	if !slices.Equal(p, want) || w != 0.25 {
		t.Fatalf("d's path %+v weight %v, want %+v, 0.25", p, w, want)
	}
	// e and f are behind a contract, which weighs nothing; c itself is not
	// its own partner.
	for _, code := range []string{e, f, c} {
		if x := res.Of(node(t, g, code)); len(x) != 0 {
			t.Fatalf("%s: %+v, want none", code, x)
		}
	}
}

func TestPropagateHeaviestPath(t *testing.T) {
	// a reaches d through b (supplier 0.5, shareholder 1: 0.25 with the
	// decay), through c (shared officer 0.8 twice: 0.32) and through e
	// and f (shareholders: 0.25).
	edges := []graph.Edge{
		{From: a, To: b, Kind: "supplier", Since: t2020},
		{From: b, To: d, Kind: "shareholder", Since: t2020},
		{From: a, To: c, Kind: "shared_officer", Since: t2020},
		{From: c, To: d, Kind: "shared_officer", Since: t2020},
		{From: a, To: e, Kind: "shareholder", Since: t2020},
		{From: e, To: f, Kind: "shareholder", Since: t2020},
		{From: f, To: d, Kind: "shareholder", Since: t2020},
	}
	g := mustBuild(t, edges, t2026)
	res, err := g.Propagate(context.Background(), severities(g, map[string]float64{d: 10}), params, 1)
	if err != nil {
		t.Fatal(err)
	}
	x := res.Of(node(t, g, a))
	if len(x) != 1 || math.Abs(float64(x[0].Value)-3.2) > 1e-5 {
		t.Fatalf("a: %+v, want d at 3.2", x)
	}
	if p, w := res.Path(x[0]); len(p) != 2 || p[0].Kind != "shared_officer" || p[1].To != d || math.Abs(w-0.32) > 1e-12 {
		t.Fatalf("path %+v weight %v, want through c, 0.32", p, w)
	}
}

func TestPropagateSameForAnyOrderAndWorkers(t *testing.T) {
	edges := sample()
	g1 := mustBuild(t, edges, t2026)
	rev := slices.Clone(edges)
	slices.Reverse(rev)
	g2 := mustBuild(t, rev, t2026)
	sev := map[string]float64{a: 7, c: 30, f: 12}
	r1, err := g1.Propagate(context.Background(), severities(g1, sev), params, 1)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := g2.Propagate(context.Background(), severities(g2, sev), params, 4)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, code := range []string{a, b, c, d, e, f} {
		x1, x2 := r1.Of(node(t, g1, code)), r2.Of(node(t, g2, code))
		if len(x1) != len(x2) {
			t.Fatalf("%s: %d and %d partners", code, len(x1), len(x2))
		}
		for i := range x1 {
			p1, w1 := r1.Path(x1[i])
			p2, w2 := r2.Path(x2[i])
			if g1.Code(x1[i].Source) != g2.Code(x2[i].Source) || x1[i].Value != x2[i].Value || w1 != w2 || !slices.Equal(p1, p2) {
				t.Fatalf("%s partner %d differs: %v / %v", code, i, p1, p2)
			}
			n++
		}
	}
	if n < 6 {
		t.Fatalf("only %d partners in all", n)
	}
}

func TestBuildAsOf(t *testing.T) {
	edges := sample()
	edges[1].Until = t2024 // b —shareholder→ c ended in 2024
	g := mustBuild(t, edges, t2020)
	if _, ok := g.Node(a); !ok {
		t.Fatal("a missing")
	}
	if g.Edges() != 5 { // c —shareholder→ a begins in 2024
		t.Fatalf("edges in 2020: %d, want 5", g.Edges())
	}
	g = mustBuild(t, edges, t2026)
	if g.Edges() != 5 { // the b—c shareholding ended
		t.Fatalf("edges in 2026: %d, want 5", g.Edges())
	}
	res, err := g.Propagate(context.Background(), severities(g, map[string]float64{c: 8}), params, 1)
	if err != nil {
		t.Fatal(err)
	}
	// d is now reached through a and b: c —shareholder→ a, a —supplier→ b, b —customer→ d.
	x := res.Of(node(t, g, d))
	if len(x) != 1 {
		t.Fatalf("d: %+v, want c", x)
	}
	if p, _ := res.Path(x[0]); len(p) != 3 {
		t.Fatalf("d's path %+v, want 3 relationships", p)
	}
}

func TestBuildAndPropagateRefuse(t *testing.T) {
	_, err := graph.Build(seq([]graph.Edge{{From: a, To: "9115220107837744", Kind: "supplier", Since: t2020}}), t2026)
	if !errors.Is(err, graph.ErrCode) {
		t.Fatalf("short code: %v, want ErrCode", err)
	}
	g := mustBuild(t, sample(), t2026)
	for _, p := range []graph.Params{
		{Reach: 0, Decay: 0.5, Counted: 1}, {Reach: 4, Decay: 0.5, Counted: 1}, {Reach: 2, Decay: 0, Counted: 1},
		{Reach: 2, Decay: 1.5, Counted: 1}, {Reach: 2, Decay: 0.5, Counted: 0}, {Reach: 2, Decay: 0.5, Counted: 5},
		{Reach: 2, Decay: 0.5, Counted: 1, Weight: map[string]float64{"supplier": 2}},
	} {
		if _, err := g.Propagate(context.Background(), func(int32) float64 { return 0 }, p, 1); !errors.Is(err, graph.ErrParams) {
			t.Errorf("%+v: %v, want ErrParams", p, err)
		}
	}
	if _, ok := g.Node("91340600MA2PBN188W"); ok {
		t.Error("a code without relationships is in the graph")
	}
}

// TestPropagateDeclarationsOnlyForTheirDeclarant: a declaration is the
// declarant's statement about itself (only it, the authorities over it and
// administrators may see it), so risk travels along it only as the first
// relationship of the declarant's own paths: a —supplier→ b declared by a
// makes b weigh on a, but never a on b, and never b on c (a's shareholder)
// through a's declaration; d's declaration (d —customer→ b) is no part of
// a's paths either, and c still reaches b where a registration
// relationship joins them.
func TestPropagateDeclarationsOnlyForTheirDeclarant(t *testing.T) {
	edges := []graph.Edge{
		{From: a, To: b, Kind: "supplier", Since: t2020, Declarant: a},
		{From: c, To: a, Kind: "shareholder", Since: t2020},
		{From: d, To: b, Kind: "customer", Since: t2020, Declarant: b},
		{From: d, To: e, Kind: "shareholder", Since: t2020},
	}
	g := mustBuild(t, edges, t2026)
	for _, workers := range []int{1, 3} {
		res, err := g.Propagate(context.Background(), severities(g, map[string]float64{b: 40, a: 20, e: 10}), params, workers)
		if err != nil {
			t.Fatal(err)
		}
		xa := res.Of(node(t, g, a))
		if len(xa) != 1 || g.Code(xa[0].Source) != b || xa[0].Value != 20 {
			t.Fatalf("a counts b through its own declaration (40 × 0.5), nothing through b's: %+v", xa)
		}
		if p, _ := res.Path(xa[0]); len(p) != 1 || p[0].From != a || p[0].To != b {
			t.Fatalf("a's path %+v", p)
		}
		// b counts e through its own declaration (d —customer→ b, then d's
		// shareholder e: 10 × 0.5 × 1 × 0.5), never a through a's.
		if xb := res.Of(node(t, g, b)); len(xb) != 1 || g.Code(xb[0].Source) != e || xb[0].Value != 2.5 {
			t.Fatalf("b: %+v, want e at 2.5 only", xb)
		}
		if xc := res.Of(node(t, g, c)); len(xc) != 1 || g.Code(xc[0].Source) != a {
			t.Fatalf("c counts a (its shareholding), never b through a's declaration: %+v", xc)
		}
		if xd := res.Of(node(t, g, d)); len(xd) != 1 || g.Code(xd[0].Source) != e {
			t.Fatalf("d counts e, never b through b's declaration: %+v", xd)
		}
	}
	if _, err := graph.Build(seq([]graph.Edge{{From: a, To: b, Kind: "supplier", Since: t2020, Declarant: c}}), t2026); err == nil {
		t.Error("a declaration by neither end was accepted")
	}
}

// TestWithin: the nodes within a depth of some starts, starts included,
// through relationships either way.
func TestWithin(t *testing.T) {
	code := func(i int) string { return fmt.Sprintf("%018d", i) }
	// 1—2—3—4—5, and 6—7 apart.
	var edges []graph.Edge
	for _, e := range [][2]int{{1, 2}, {3, 2}, {3, 4}, {4, 5}, {6, 7}} {
		edges = append(edges, graph.Edge{From: code(e[0]), To: code(e[1]), Kind: "supplier", Since: t2020})
	}
	g, err := graph.Build(seq(edges), t2026)
	if err != nil {
		t.Fatal(err)
	}
	node := func(i int) int32 { u, _ := g.Node(code(i)); return u }
	for _, tc := range []struct {
		starts []int
		depth  int
		want   []int
	}{
		{[]int{1}, 2, []int{1, 2, 3}},
		{[]int{3}, 1, []int{2, 3, 4}},
		{[]int{1, 7}, 1, []int{1, 2, 6, 7}},
		{[]int{5}, 0, []int{5}},
		{[]int{2}, 9, []int{1, 2, 3, 4, 5}},
	} {
		var starts []int32
		for _, s := range tc.starts {
			starts = append(starts, node(s))
		}
		var got []string
		for _, u := range g.Within(starts, tc.depth) {
			got = append(got, g.Code(u))
		}
		var want []string
		for _, w := range tc.want {
			want = append(want, code(w))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("within %d of %v: %v, want %v", tc.depth, tc.starts, got, want)
		}
	}
}
