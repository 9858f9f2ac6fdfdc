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
// and every relationship it read that v may see, in no particular order.
type Graph struct {
	Start   string
	Reached []Reached
	Edges   []credo.Edge
	via     map[string]via
}

// via is how the walk reached an organization: the hop, from prev.
type via struct {
	prev string
	hop  Hop
}

// Path returns the path from the start to code (Path[0] touches the
// start, the last hop touches code); none for the start or a code not
// reached.
func (g *Graph) Path(code string) []Hop {
	var path []Hop
	for at := code; at != g.Start; {
		w, ok := g.via[at]
		if !ok {
			return nil
		}
		path = append(path, w.hop)
		at = w.prev
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
	g := &Graph{Start: q.Code, via: map[string]via{}}
	dist := map[string]int{q.Code: 0}
	edgeSeen := map[int64]bool{}
	var before []string
	frontier := []string{q.Code}
	for d := 1; d <= q.Depth && len(frontier) > 0; d++ {
		var next []string
		hop, err := readHop(ctx, rels, frontier, before, q)
		if err != nil {
			return nil, err
		}
		for _, found := range hop {
			for _, r := range found {
				if edgeSeen[r.ID] || !visibility.Edge(v, r) {
					continue
				}
				edgeSeen[r.ID] = true
				g.Edges = append(g.Edges, r)
				for _, end := range [2]string{r.From, r.To} {
					if de, ok := dist[end]; !ok || de != d-1 {
						continue // not at the frontier
					}
					other := r.From
					if other == end {
						other = r.To
					}
					hop := Hop{From: r.From, Kind: r.Kind, To: r.To, Since: r.Since, Relationship: r.ID}
					do, seen := dist[other]
					switch {
					case !seen:
						dist[other] = d
						g.via[other] = via{prev: end, hop: hop}
						next = append(next, other)
					case do == d && r.ID < g.via[other].hop.Relationship:
						// Reached on this hop by several: the lowest id
						// decides, whatever order the reads came in.
						g.via[other] = via{prev: end, hop: hop}
					}
				}
			}
		}
		slices.Sort(next)
		for _, c := range next {
			g.Reached = append(g.Reached, Reached{Code: c, Distance: d})
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
