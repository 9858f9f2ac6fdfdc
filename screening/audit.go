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

// auditState is where a supply-chain audit stands: the organizations
// screened, how each was reached, the codes of each tier in line order
// (tier 0: the organizations the input rows matched) and the last line.
type auditState struct {
	seen  map[string]bool
	at    map[string]reach
	tiers [][]string
	line  int
}

// auditFrom is the state of an audit after rows, in line order: the
// screened input rows, then any rows the audit added (those with Via),
// as a job stored them before a restart.
func auditFrom(rows []Row) *auditState {
	st := &auditState{seen: map[string]bool{}, at: map[string]reach{}, tiers: [][]string{nil}}
	for _, r := range rows {
		st.line = max(st.line, r.Line)
		if r.Via == nil {
			if r.Match == nil || st.seen[r.Match.Code] {
				continue
			}
			st.seen[r.Match.Code] = true
			st.tiers[0] = append(st.tiers[0], r.Match.Code)
			st.at[r.Match.Code] = reach{line: r.Line, root: r.Match.Code}
			continue
		}
		c := r.Input.Code
		st.seen[c] = true
		st.at[c] = reach{line: r.Via.Line, root: r.Via.From, path: r.Via.Path}
		for len(st.tiers) <= r.Via.Tier {
			st.tiers = append(st.tiers, nil)
		}
		st.tiers[r.Via.Tier] = append(st.tiers[r.Via.Tier], c)
	}
	return st
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
	var added []Row
	err := s.audit(ctx, v, p, auditFrom(screened), nil, func(r Row) error {
		added = append(added, r)
		return nil
	})
	return added, err
}

// audit screens the tiers of st not screened yet, to p.Depth. The last
// tier st holds may be partial (a job stopped in it): it is found again
// and only its organizations not seen yet are added, numbered after
// st.line. found, when not nil, is told the rows a tier will add before
// they are screened; emit gets each row added, in line order.
func (s *Service) audit(ctx context.Context, v credo.Viewer, p Params, st *auditState, found func(n int) error, emit func(Row) error) error {
	now := s.now()
	row := Params{Action: p.Action, Audit: p.Audit}
	for tier := max(1, len(st.tiers)-1); tier <= p.Depth; tier++ {
		frontier := st.tiers[tier-1]
		if len(frontier) == 0 {
			return nil
		}
		if len(st.tiers) == tier {
			st.tiers = append(st.tiers, nil)
		}
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
				return err
			}
			for _, e := range edges {
				if !in[e.To] || e.Declarant != e.To || st.seen[e.From] || !visibility.Edge(v, e) {
					continue
				}
				b, ok := best[e.From]
				if !ok || st.at[e.To].line < st.at[b.from].line || st.at[e.To].line == st.at[b.from].line && e.ID < b.edge.ID {
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
			if la, lb := st.at[best[a].from].line, st.at[best[b].from].line; la != lb {
				return la - lb
			}
			return strings.Compare(a, b)
		})
		if found != nil && len(next) > 0 {
			if err := found(len(next)); err != nil {
				return err
			}
		}
		// The tier is screened jobBatch rows at a time, each batch on
		// ScreenRange's workers.
		for i := 0; i < len(next); i += jobBatch {
			chunk := next[i:min(i+jobBatch, len(next))]
			inputs := make([]Input, len(chunk))
			vias := make([]*Via, len(chunk))
			for k, c := range chunk {
				b := best[c]
				prev := st.at[b.from]
				hop := partners.Hop{From: b.edge.From, Kind: b.edge.Kind, To: b.edge.To, Since: b.edge.Since, Relationship: b.edge.ID}
				st.at[c] = reach{line: prev.line, root: prev.root, path: append(slices.Clip(prev.path), hop)}
				st.seen[c] = true
				inputs[k] = Input{Code: c}
				vias[k] = &Via{Line: prev.line, From: prev.root, DeclaredBy: b.from, Tier: tier, Path: st.at[c].path}
			}
			screened, err := s.ScreenRange(ctx, v, row, st.line+1, inputs)
			if err != nil {
				return err
			}
			st.line += len(chunk)
			for k, r := range screened {
				r.Via = vias[k]
				st.tiers[tier] = append(st.tiers[tier], chunk[k])
				if err := emit(r); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
