// Package graph is the relationship graph in memory for whole-graph work:
// compressed sparse rows over dense node numbers, built in one streaming
// pass from the relationships in force at a time, and the propagation of
// partner risk over it (propagate.go).
//
// It is sized for 10 million organizations and 50 million relationships:
// no pointer or map per edge or per node. An organization is a node number
// (its code's rank among the codes, so numbering does not depend on the
// order relationships are read); a relationship is stored once by edge
// number (kind, since, until) and twice in the rows (once from each end),
// each row entry 9 bytes (target, kind with direction, edge number).
package graph

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"sort"
	"sync"
	"time"
)

// CodeLen is the length of the codes the graph holds (GB 32100).
const CodeLen = 18

// MaxKinds is how many relationship kinds a graph may name.
const MaxKinds = 32

// A row entry's flags: its kind index (kindMask) and these bits.
const (
	kindMask = MaxKinds - 1
	// declared marks an entry of an organization's declaration (an Edge
	// with a Declarant); foreign one in the row of the end that did not
	// declare it. A declaration is the declarant's statement about
	// itself: risk travels along it only as the first relationship of the
	// declarant's own paths, never in anyone else's (propagate.go).
	declared = 0x20
	foreign  = 0x40
	// reversed marks a row entry that runs against its relationship (the
	// row of the relationship's `to` end).
	reversed = 0x80
)

// Edge is one relationship as the graph is built from it: From —Kind→ To,
// in force from Since until Until (zero: no end).
type Edge struct {
	From, To     string
	Kind         string
	Since, Until time.Time
	// Declarant is the end that declared the relationship (From or To),
	// "" for relationships from registration data or an authority.
	Declarant string
}

// Graph is the relationship graph in force at one time. It is read-only
// once built and safe for concurrent use.
type Graph struct {
	asOf  time.Time
	codes []byte // node i's code at [i*CodeLen, (i+1)*CodeLen), ascending
	kinds []string

	// Rows: node u's entries are [offsets[u], offsets[u+1]).
	offsets []uint32
	targets []int32
	flags   []uint8  // kind index | declared | foreign | reversed
	edges   []uint32 // the entry's edge number

	// By edge number.
	since, until []int64 // Unix seconds; until 0: no end
}

// ErrCode is returned by Build for a code that is not CodeLen bytes long.
var ErrCode = errors.New("graph: a code must be 18 characters")

// Build makes the graph of the edges in force at asOf (Since <= asOf and
// asOf before Until, a zero Until being no end). Edges of one organization
// with itself are left out. The iterator is read once; an error it yields
// ends the build with that error.
func Build(edges iter.Seq2[Edge, error], asOf time.Time) (*Graph, error) {
	b := newBuilder()
	for e, err := range edges {
		if err != nil {
			return nil, err
		}
		if !active(e, asOf) {
			continue
		}
		if err := b.add(e); err != nil {
			return nil, err
		}
	}
	return b.finish(asOf), nil
}

func active(e Edge, asOf time.Time) bool {
	return !e.Since.After(asOf) && (e.Until.IsZero() || asOf.Before(e.Until))
}

// builder holds the edges as read, by edge number, with their ends as
// interned node numbers (in order of first appearance).
type builder struct {
	codes    codeTable
	kinds    []string
	lastKind string
	lastK    uint8
	from, to []int32
	// pending: the ends of the edges read since the last flush, interned
	// together (a tight loop whose table reads overlap).
	pending      []codeKey
	ids          []int32
	kind         []uint8
	decl         []uint8 // 0, or declared | (foreign: on the From end's entry)
	since, until []int64
}

const pendingEdges = 512

func newBuilder() *builder {
	return &builder{codes: newCodeTable(12), pending: make([]codeKey, 0, 2*pendingEdges), ids: make([]int32, 2*pendingEdges)}
}

// flush interns the pending ends.
func (b *builder) flush() {
	ids := b.ids[:len(b.pending)]
	for i, k := range b.pending {
		ids[i] = b.codes.intern(k)
	}
	for i := 0; i < len(ids); i += 2 {
		b.from = append(b.from, ids[i])
		b.to = append(b.to, ids[i+1])
	}
	b.pending = b.pending[:0]
}

func (b *builder) add(e Edge) error {
	if len(e.From) != CodeLen || len(e.To) != CodeLen {
		if e.From == e.To {
			return nil // with itself: left out
		}
		return fmt.Errorf("%w: %q —%s→ %q", ErrCode, e.From, e.Kind, e.To)
	}
	kf, kt := keyOf(e.From), keyOf(e.To)
	if kf == kt {
		return nil // with itself: left out
	}
	k := b.lastK
	if e.Kind != b.lastKind || len(b.kinds) == 0 {
		i := slices.Index(b.kinds, e.Kind)
		if i < 0 {
			if len(b.kinds) == MaxKinds {
				return fmt.Errorf("graph: more than %d relationship kinds", MaxKinds)
			}
			i = len(b.kinds)
			b.kinds = append(b.kinds, e.Kind)
		}
		k, b.lastKind, b.lastK = uint8(i), e.Kind, uint8(i)
	}
	if len(b.kind) == 1<<31-1 {
		return errors.New("graph: too many relationships")
	}
	var d uint8
	switch e.Declarant {
	case "":
	case e.From:
		d = declared
	case e.To:
		d = declared | foreign
	default:
		return fmt.Errorf("graph: %q —%s→ %q declared by %q, neither end", e.From, e.Kind, e.To, e.Declarant)
	}
	b.pending = append(b.pending, kf, kt)
	if len(b.pending) == cap(b.pending) {
		b.flush()
	}
	b.kind = append(b.kind, k)
	b.decl = append(b.decl, d)
	b.since = append(b.since, e.Since.Unix())
	var until int64
	if !e.Until.IsZero() {
		until = e.Until.Unix()
	}
	b.until = append(b.until, until)
	return nil
}

// finish numbers the nodes by code and lays out the rows: each node's
// entries sorted by (target, kind, since), so that everything computed
// over the graph depends on the relationships, not on the order read.
func (b *builder) finish(asOf time.Time) *Graph {
	b.flush()
	n := b.codes.len()
	// rank[i]: the node number of the i-th code interned.
	rank, codes := b.codes.ranks()
	b.codes = codeTable{}

	// Kinds by name, so that the order of rows does not depend on which
	// kind was read first.
	kinds := slices.Clone(b.kinds)
	slices.Sort(kinds)
	var remap [MaxKinds]uint8
	for i, k := range b.kinds {
		remap[i] = uint8(slices.Index(kinds, k))
	}
	for e := range b.kind {
		b.kind[e] = remap[b.kind[e]]
	}
	b.kinds = kinds
	m := len(b.from)
	g := &Graph{
		asOf: asOf, codes: codes, kinds: b.kinds,
		offsets: make([]uint32, n+1),
		targets: make([]int32, 2*m),
		flags:   make([]uint8, 2*m),
		edges:   make([]uint32, 2*m),
		since:   b.since, until: b.until,
	}
	for e := range m {
		u, v := rank[b.from[e]], rank[b.to[e]]
		b.from[e], b.to[e] = u, v
		g.offsets[u+1]++
		g.offsets[v+1]++
	}
	rank = nil
	for i := 1; i <= n; i++ {
		g.offsets[i] += g.offsets[i-1]
	}
	fill := make([]uint32, n)
	copy(fill, g.offsets[:n])
	for e := range m {
		u, v, k := b.from[e], b.to[e], b.kind[e]
		fu, fv := k, k|reversed
		if d := b.decl[e]; d != 0 {
			// The declarant's entry is declared; the other end's foreign.
			fu, fv = fu|declared|d&foreign, fv|declared|(d&foreign^foreign)
		}
		p := fill[u]
		fill[u]++
		g.targets[p], g.flags[p], g.edges[p] = v, fu, uint32(e)
		p = fill[v]
		fill[v]++
		g.targets[p], g.flags[p], g.edges[p] = u, fv, uint32(e)
	}
	fill = nil
	b.from, b.to, b.kind, b.decl = nil, nil, nil, nil
	// The rows are independent: sorted by as many workers as cores.
	workers := runtime.GOMAXPROCS(0)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := w * n / workers; u < (w+1)*n/workers; u++ {
				g.sortRow(int32(u))
			}
		}()
	}
	wg.Wait()
	return g
}

// sortRow orders node u's entries by target, then kind and direction, then
// since, then edge number (equal only for identical relationships read
// twice, whose order then cannot matter).
func (g *Graph) sortRow(u int32) {
	lo, hi := g.offsets[u], g.offsets[u+1]
	switch {
	case hi-lo < 2:
		return
	case hi-lo > 24:
		sort.Sort(row{g, lo, hi})
		return
	}
	// Short rows (almost all): insertion sort.
	r := row{g, lo, hi}
	for i := 1; i < r.Len(); i++ {
		for j := i; j > 0 && r.Less(j, j-1); j-- {
			r.Swap(j, j-1)
		}
	}
}

type row struct {
	g      *Graph
	lo, hi uint32
}

func (r row) Len() int { return int(r.hi - r.lo) }
func (r row) Less(i, j int) bool {
	g, a, b := r.g, r.lo+uint32(i), r.lo+uint32(j)
	if g.targets[a] != g.targets[b] {
		return g.targets[a] < g.targets[b]
	}
	if g.flags[a] != g.flags[b] {
		return g.flags[a] < g.flags[b]
	}
	if sa, sb := g.since[g.edges[a]], g.since[g.edges[b]]; sa != sb {
		return sa < sb
	}
	return g.edges[a] < g.edges[b]
}
func (r row) Swap(i, j int) {
	g, a, b := r.g, r.lo+uint32(i), r.lo+uint32(j)
	g.targets[a], g.targets[b] = g.targets[b], g.targets[a]
	g.flags[a], g.flags[b] = g.flags[b], g.flags[a]
	g.edges[a], g.edges[b] = g.edges[b], g.edges[a]
}

// AsOf is the time the graph holds the relationships of.
func (g *Graph) AsOf() time.Time { return g.asOf }

// Nodes is the number of organizations in the graph.
func (g *Graph) Nodes() int { return len(g.offsets) - 1 }

// Edges is the number of relationships in the graph.
func (g *Graph) Edges() int { return len(g.since) }

// Code returns node u's code.
func (g *Graph) Code(u int32) string {
	return string(g.codes[int(u)*CodeLen : int(u+1)*CodeLen])
}

// Node returns the node number of code, or false when the code has no
// relationship in force.
func (g *Graph) Node(code string) (int32, bool) {
	if len(code) != CodeLen {
		return 0, false
	}
	n := g.Nodes()
	i := sort.Search(n, func(i int) bool {
		return string(g.codes[i*CodeLen:(i+1)*CodeLen]) >= code
	})
	if i < n && string(g.codes[i*CodeLen:(i+1)*CodeLen]) == code {
		return int32(i), true
	}
	return 0, false
}

// Kinds returns the relationship kinds the graph names, by kind index.
func (g *Graph) Kinds() []string { return slices.Clone(g.kinds) }

// Degree returns how many relationships node u has.
func (g *Graph) Degree(u int32) int { return int(g.offsets[u+1] - g.offsets[u]) }

// Hop is one relationship on a path, as it was recorded: From —Kind→ To.
type Hop struct {
	From, Kind, To string
	Since, Until   time.Time // Until zero: no end
}

// hop describes row entry p of node u.
func (g *Graph) hop(u int32, p uint32) Hop {
	v, f, e := g.targets[p], g.flags[p], g.edges[p]
	h := Hop{From: g.Code(u), Kind: g.kinds[f&kindMask], To: g.Code(v), Since: time.Unix(g.since[e], 0).UTC()}
	if f&reversed != 0 {
		h.From, h.To = h.To, h.From
	}
	if g.until[e] != 0 {
		h.Until = time.Unix(g.until[e], 0).UTC()
	}
	return h
}

// Neighbours returns node u's relationships as hops (for reads and tests;
// whole-graph work reads the rows).
func (g *Graph) Neighbours(u int32) []Hop {
	var out []Hop
	for p := g.offsets[u]; p < g.offsets[u+1]; p++ {
		out = append(out, g.hop(u, p))
	}
	return out
}

// Within returns the nodes within depth relationships of any of starts
// (starts included), in node order.
func (g *Graph) Within(starts []int32, depth int) []int32 {
	in := make([]bool, g.Nodes())
	var frontier []int32
	for _, u := range starts {
		if !in[u] {
			in[u] = true
			frontier = append(frontier, u)
		}
	}
	for d := 0; d < depth && len(frontier) > 0; d++ {
		var next []int32
		for _, u := range frontier {
			for p := g.offsets[u]; p < g.offsets[u+1]; p++ {
				if v := g.targets[p]; !in[v] {
					in[v] = true
					next = append(next, v)
				}
			}
		}
		frontier = next
	}
	var out []int32
	for u, ok := range in {
		if ok {
			out = append(out, int32(u))
		}
	}
	return out
}
