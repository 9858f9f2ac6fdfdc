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
// (credo.RelationshipStore.Relationships), never one read per
// organization, so that a hub of ten thousand partners is walked in
// milliseconds. The grades and entries of what is shown are read only for
// the page asked for.
package partners

import (
	"context"
	"slices"
	"strings"
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

// Reached is an organization the walk reached: its distance and the path
// from the start (Path[0] touches the start, the last hop touches Code).
type Reached struct {
	Code     string
	Distance int
	Path     []Hop
}

// Graph is what a walk found: the organizations reached in order of
// distance, then code (the start left out), and every relationship it
// read that v may see, by id.
type Graph struct {
	Start   string
	Reached []Reached
	Edges   []*credo.Relationship
}

// RelationshipReader is what a walk reads.
type RelationshipReader interface {
	Relationships(ctx context.Context, q credo.RelationshipQuery) ([]*credo.Relationship, error)
}

// Walk walks the relationships from q.Code breadth first, hop by hop,
// as v may see them. Each organization is reached once, by the first
// relationship (lowest id) from the nearest frontier, so cycles (of
// shareholders or any other kind) end the walk where they close.
func Walk(ctx context.Context, rels RelationshipReader, v credo.Viewer, q Query) (*Graph, error) {
	if err := q.Check(); err != nil {
		return nil, err
	}
	type via struct {
		dist int
		prev string
		hop  Hop
	}
	seen := map[string]*via{q.Code: {}}
	g := &Graph{Start: q.Code}
	edgeSeen := map[int64]bool{}
	frontier := []string{q.Code}
	for d := 1; d <= q.Depth && len(frontier) > 0; d++ {
		inFrontier := make(map[string]bool, len(frontier))
		for _, c := range frontier {
			inFrontier[c] = true
		}
		var found []*credo.Relationship
		for i := 0; i < len(frontier); i += credo.MaxRelationshipCodes {
			batch, err := rels.Relationships(ctx, credo.RelationshipQuery{
				Codes: frontier[i:min(i+credo.MaxRelationshipCodes, len(frontier))], Kinds: q.Kinds, AsOf: q.AsOf})
			if err != nil {
				return nil, err
			}
			found = append(found, batch...)
		}
		slices.SortFunc(found, func(a, b *credo.Relationship) int { return compareID(a.ID, b.ID) })
		var next []string
		for _, r := range found {
			if edgeSeen[r.ID] || !visibility.Relationship(v, r) {
				continue
			}
			edgeSeen[r.ID] = true
			g.Edges = append(g.Edges, r)
			for _, end := range [2]string{r.From, r.To} {
				if !inFrontier[end] {
					continue
				}
				other := r.Other(end)
				if seen[other] != nil {
					continue
				}
				seen[other] = &via{dist: d, prev: end, hop: Hop{From: r.From, Kind: r.Kind, To: r.To, Since: r.Since, Relationship: r.ID}}
				next = append(next, other)
			}
		}
		slices.Sort(next)
		for _, c := range next {
			var path []Hop
			for at := c; at != q.Code; at = seen[at].prev {
				path = append(path, seen[at].hop)
			}
			slices.Reverse(path)
			g.Reached = append(g.Reached, Reached{Code: c, Distance: d, Path: path})
		}
		frontier = next
	}
	slices.SortFunc(g.Edges, func(a, b *credo.Relationship) int { return compareID(a.ID, b.ID) })
	return g, nil
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
