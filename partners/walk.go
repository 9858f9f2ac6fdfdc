// Package partners answers who an organization is tied to: the walk of
// the relationship graph within a depth, as of a time, as a viewer may
// see it (Walk); the organizations it reaches, with the path to each and
// their grades and active adverse list entries (Service.Partners); the
// same as nodes and edges for drawing (Service.Network); a person's roles
// (Service.Roles); and the submissions of relationships by authorities
// and organizations (Service.Submit).
//
// The walk reads one hop at a time: the relationships of every
// organization at the frontier in a few batched, indexed reads
// (credo.RelationshipStore.Adjacent), never one read per
// organization, so that a hub of ten thousand partners is walked in
// milliseconds. The grades and entries of what is shown are read only for
// the page asked for.
package partners

import (
	"context"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/visibility"
)

// MaxDepth is the deepest walk.
const MaxDepth = 3

// Query is a walk from Code: Depth 1..MaxDepth hops, over relationships
// of Kinds (none: every kind), in force at AsOf (zero: now).
type Query struct {
	Code  string
	Depth int
	Kinds []string
	AsOf  time.Time
}

// Check validates q: the field named in each error is the API's.
func (q Query) Check() error {
	if err := credo.ValidateCode("code", q.Code); err != nil {
		return err
	}
	if q.Depth < 1 || q.Depth > MaxDepth {
		return credo.FieldError("depth", "range", "must be from 1 to %d, not %d", MaxDepth, q.Depth)
	}
	for _, k := range q.Kinds {
		if !slices.Contains(credo.RelationshipKinds, k) {
			return credo.FieldError("kind", "enum", "%q is not a kind of relationship: one of %s", k, strings.Join(credo.RelationshipKinds, ", "))
		}
	}
	return nil
}

// Hop is one relationship on a path, as stored: From is To's Kind.
type Hop struct {
	From  string     `json:"from"`
	Kind  string     `json:"kind"`
	To    string     `json:"to"`
	Since credo.Date `json:"since"`
	// Relationship is the id of the version the hop follows.
	Relationship int64 `json:"relationship"`
}

// Reached is an organization the walk reached and its distance.
type Reached struct {
	Code     string
	Distance int
}

// Graph is what a walk found: the organizations reached in order of
// distance, then code (the start left out), the hop that reached each,
// and every relationship it read that v may see, in no particular order
// (Path reads them by position: callers must not reorder them).
type Graph struct {
	Start   string
	Reached []Reached
	Edges   []credo.Edge
	nodes   map[string]node
}

// node is an organization the walk reached: its distance, and the
// position in Edges of the relationship that reached it (-1: the start).
type node struct {
	dist, edge int32
}

// Path returns the path from the start to code (Path[0] touches the
// start, the last hop touches code); none for the start or a code not
// reached.
func (g *Graph) Path(code string) []Hop {
	var path []Hop
	for at := code; at != g.Start; {
		n, ok := g.nodes[at]
		if !ok || n.edge < 0 {
			return nil
		}
		r := &g.Edges[n.edge]
		path = append(path, Hop{From: r.From, Kind: r.Kind, To: r.To, Since: r.Since, Relationship: r.ID})
		if at == r.From {
			at = r.To
		} else {
			at = r.From
		}
	}
	slices.Reverse(path)
	return path
}

// AdjacencyReader is what a walk reads.
type AdjacencyReader interface {
	Adjacent(ctx context.Context, q credo.RelationshipQuery) ([]credo.Edge, error)
}

// Walk walks the relationships from q.Code breadth first, hop by hop,
// as v may see them. Each organization is reached once, by the
// relationship with the lowest id from the nearest frontier, so cycles (of
// shareholders or any other kind) end the walk where they close. A hop
// reads the frontier's relationships in batches of
// credo.MaxRelationshipCodes, leaving out those back to the hop before
// (read already).
func Walk(ctx context.Context, rels AdjacencyReader, v credo.Viewer, q Query) (*Graph, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	g := &Graph{Start: q.Code}
	// The relationships between two organizations of one frontier, which
	// a hop reads from both ends. Any other is read once: from its nearer
	// end, the hop before being left out of the next.
	var within map[int64]bool
	var before []string
	frontier := []string{q.Code}
	for d := int32(1); d <= int32(q.Depth) && len(frontier) > 0; d++ {
		var next []string
		hop, err := readHop(ctx, rels, frontier, before, q)
		if err != nil {
			return nil, err
		}
		n := 0
		for _, found := range hop {
			n += len(found)
		}
		if d == 1 {
			// Sized once for what the first hop suggests the walk will
			// find (a hub's partners, each with as many behind it), so
			// that a hub's walk does not grow them hop by hop.
			guess := min(n*q.Depth, 1<<20)
			g.nodes = make(map[string]node, 1+guess)
			g.nodes[q.Code] = node{dist: 0, edge: -1}
			g.Edges = make([]credo.Edge, 0, guess)
		}
		g.Edges = slices.Grow(g.Edges, n)
		for _, found := range hop {
			for _, r := range found {
				if !visibility.Edge(v, r) {
					continue
				}
				from, fromSeen := g.nodes[r.From]
				to, toSeen := g.nodes[r.To]
				fromAt, toAt := fromSeen && from.dist == d-1, toSeen && to.dist == d-1
				var other string
				var o node
				var seen bool
				switch {
				case fromAt && toAt:
					if within[r.ID] {
						continue
					}
					if within == nil {
						within = map[int64]bool{}
					}
					within[r.ID] = true
					g.Edges = append(g.Edges, r)
					continue
				case fromAt:
					other, o, seen = r.To, to, toSeen
				case toAt:
					other, o, seen = r.From, from, fromSeen
				default:
					continue // touches no organization of the frontier
				}
				if seen && o.dist < d-1 {
					continue // read from its other end, a hop earlier
				}
				i := int32(len(g.Edges))
				g.Edges = append(g.Edges, r)
				switch {
				case !seen:
					g.nodes[other] = node{dist: d, edge: i}
					next = append(next, other)
				case o.dist == d && r.ID < g.Edges[o.edge].ID:
					// Reached on this hop by several: the lowest id
					// decides, whatever order the reads came in.
					g.nodes[other] = node{dist: d, edge: i}
				}
			}
		}
		slices.Sort(next)
		for _, c := range next {
			g.Reached = append(g.Reached, Reached{Code: c, Distance: int(d)})
		}
		before, frontier = frontier, next
	}
	return g, nil
}

// readHop reads the relationships of frontier in batches of
// credo.MaxRelationshipCodes, several at once (the store's readers work
// in parallel), and returns them by batch.
func readHop(ctx context.Context, rels AdjacencyReader, frontier, before []string, q Query) ([][]credo.Edge, error) {
	n := (len(frontier) + credo.MaxRelationshipCodes - 1) / credo.MaxRelationshipCodes
	out := make([][]credo.Edge, n)
	errs := make([]error, n)
	sem := make(chan struct{}, max(1, min(n, runtime.GOMAXPROCS(0))))
	var wg sync.WaitGroup
	for b := range n {
		batch := frontier[b*credo.MaxRelationshipCodes : min((b+1)*credo.MaxRelationshipCodes, len(frontier))]
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out[b], errs[b] = rels.Adjacent(ctx, credo.RelationshipQuery{Codes: batch, Kinds: q.Kinds, AsOf: q.AsOf, Except: before})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func compareID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
