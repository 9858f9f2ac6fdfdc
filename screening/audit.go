package screening

import (
	"context"
	"slices"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/visibility"
)

// reach is an organization a supply-chain audit has reached: the input
// line it came from and the path of declared suppliers to it.
type reach struct {
	line int
	root string
	path []partners.Hop
}

// Audit is the supply-chain audit (p.Audit == AuditSupplyChain) after
// the input rows were screened: the suppliers the matched organizations
// declared (relationships of kind supplier whose To is the organization
// and which it declared itself), as viewer v may see them
// (visibility.Edge: declarations are seen by the declarant, the
// authorities over it and administrators), then the suppliers those
// declared, to p.Depth tiers. Each organization is screened once: one on
// the input list is not added again, and one reached from several is
// reached from the lowest input line, then by the lowest relationship
// id. The rows added are numbered after the last input line, tier by
// tier, each with Via.
func (s *Service) Audit(ctx context.Context, v credo.Viewer, p Params, screened []Row) ([]Row, error) {
	if p.Audit != AuditSupplyChain || p.Depth < 1 {
		return nil, nil
	}
	seen := map[string]bool{}
	var frontier []string
	at := map[string]reach{}
	line := 0
	for _, r := range screened {
		line = max(line, r.Line)
		if r.Match == nil || seen[r.Match.Code] {
			continue
		}
		seen[r.Match.Code] = true
		frontier = append(frontier, r.Match.Code)
		at[r.Match.Code] = reach{line: r.Line, root: r.Match.Code}
	}
	now := s.now()
	var added []Row
	row := Params{Action: p.Action, Audit: p.Audit}
	for tier := 1; tier <= p.Depth && len(frontier) > 0; tier++ {
		in := map[string]bool{}
		for _, c := range frontier {
			in[c] = true
		}
		best := map[string]struct {
			from string
			edge credo.Edge
		}{}
		for i := 0; i < len(frontier); i += credo.MaxRelationshipCodes {
			edges, err := s.store.Adjacent(ctx, credo.RelationshipQuery{Codes: frontier[i:min(i+credo.MaxRelationshipCodes, len(frontier))],
				Kinds: []string{credo.RelationshipSupplier}, AsOf: now})
			if err != nil {
				return nil, err
			}
			for _, e := range edges {
				if !in[e.To] || e.Declarant != e.To || seen[e.From] || !visibility.Edge(v, e) {
					continue
				}
				b, ok := best[e.From]
				if !ok || at[e.To].line < at[b.from].line || at[e.To].line == at[b.from].line && e.ID < b.edge.ID {
					best[e.From] = struct {
						from string
						edge credo.Edge
					}{e.To, e}
				}
			}
		}
		next := make([]string, 0, len(best))
		for c := range best {
			next = append(next, c)
		}
		slices.SortFunc(next, func(a, b string) int {
			if la, lb := at[best[a].from].line, at[best[b].from].line; la != lb {
				return la - lb
			}
			return strings.Compare(a, b)
		})
		for _, c := range next {
			b := best[c]
			prev := at[b.from]
			hop := partners.Hop{From: b.edge.From, Kind: b.edge.Kind, To: b.edge.To, Since: b.edge.Since, Relationship: b.edge.ID}
			at[c] = reach{line: prev.line, root: prev.root, path: append(slices.Clip(prev.path), hop)}
			seen[c] = true
			line++
			r, err := s.Screen(ctx, v, row, line, Input{Code: c})
			if err != nil {
				return nil, err
			}
			r.Via = &Via{Line: prev.line, From: prev.root, DeclaredBy: b.from, Tier: tier, Path: at[c].path}
			added = append(added, r)
		}
		frontier = next
	}
	return added, nil
}
