package assess

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// partnerValue is a partner as CEL reads it (`partner`): code, grades
// (map of dimension to grade) and entries (list of {list, since,
// decision_number}).
func partnerValue(p *credo.Partner) ref.Val {
	grades := make(map[string]any, len(p.Grades))
	for k, g := range p.Grades {
		grades[k] = g
	}
	entries := make([]any, len(p.Entries))
	for i, e := range p.Entries {
		m := map[string]any{"list": e.List, "since": e.Since.UTC()}
		if e.DecisionNumber != "" {
			m["decision_number"] = e.DecisionNumber
		}
		entries[i] = m
	}
	return types.DefaultTypeAdapter.NativeToValue(map[string]any{"code": p.Code, "grades": grades, "entries": entries})
}

// linkValue is the relationship to a partner one away as CEL reads it
// (`link`): kind, since, and for a shared officer the person's roles in
// the organization (roles) and in the partner (partner_roles).
func linkValue(code string, h credo.Hop) ref.Val {
	m := map[string]any{"kind": h.Kind, "since": h.Since.UTC()}
	roles, partnerRoles := []any{}, []any{}
	if h.Roles != nil {
		own, other := h.Roles.From, h.Roles.To
		if h.To == code {
			own, other = other, own
		}
		for _, r := range own {
			roles = append(roles, r)
		}
		for _, r := range other {
			partnerRoles = append(partnerRoles, r)
		}
	}
	m["roles"], m["partner_roles"] = roles, partnerRoles
	return types.DefaultTypeAdapter.NativeToValue(m)
}

// PartnerSeverity is what partner p's own state weighs under dim's
// weighted partner rules, as a positive number (0: nothing), with the
// rules that hold. Propagation over the whole graph uses it as each
// organization's severity.
func PartnerSeverity(dim *rulebook.Dimension, p *credo.Partner, asOf time.Time) (float64, []*rulebook.PartnerRule, error) {
	if dim.Partners == nil {
		return 0, nil, nil
	}
	v := map[string]any{"partner": partnerValue(p), "as_of": timestamp(asOf)}
	var sev float64
	var held []*rulebook.PartnerRule
	for _, r := range dim.Partners.Rules {
		ok, err := r.When.Bool(v)
		if err != nil {
			return 0, nil, fmt.Errorf("partner %s: %w", p.Code, err)
		}
		if ok {
			sev -= r.Points
			held = append(held, r)
		}
	}
	return sev, held, nil
}

// pathKinds returns the kinds of a path, from the organization.
func pathKinds(path []credo.Hop) []string {
	kinds := make([]string, len(path))
	for i, h := range path {
		kinds[i] = h.Kind
	}
	return kinds
}

// partnerDimension grades the organization in dim (weighted partner
// rules) from its counted partners, or returns nil when none weighs on
// it. Of the partners given, those within reach whose value reaches
// min_points count, the `counted` heaviest (ties: the lower code), each
// rule that holds for one costing its points times the path's weight.
func (st *state) partnerDimension(dim *rulebook.Dimension, code string, partners []credo.Partner, asOf time.Time) (*credo.Dimension, error) {
	sec := dim.Partners
	type candidate struct {
		p     *credo.Partner
		kinds []string
		value float32
		held  []*rulebook.PartnerRule
	}
	var cands []candidate
	for i := range partners {
		p := &partners[i]
		if len(p.Path) == 0 || len(p.Path) > sec.Reach || p.Code == code {
			continue
		}
		sev, held, err := PartnerSeverity(dim, p, asOf)
		if err != nil {
			return nil, err
		}
		if sev <= 0 {
			continue
		}
		kinds := pathKinds(p.Path)
		x := sec.Value(sev, kinds)
		if x <= 0 || x < float32(sec.MinPoints) {
			continue
		}
		cands = append(cands, candidate{p, kinds, x, held})
	}
	if len(cands) == 0 {
		return nil, nil
	}
	slices.SortFunc(cands, func(a, b candidate) int {
		return cmp.Or(-cmp.Compare(a.value, b.value), cmp.Compare(a.p.Code, b.p.Code))
	})
	cands = cands[:min(len(cands), sec.Counted)]
	v := &st.vars
	v.record, v.records, v.recordIdx, v.dims, v.count = nil, nil, nil, nil, 0
	v.input.Record, v.input.Records = nil, nil
	v.previous, v.score = nil, nil
	v.input.Previous, v.input.Score, v.input.ScoreOK = nil, 0, false
	start, err := dim.Start.Number(v)
	if err != nil {
		return nil, err
	}
	score := start
	var contributions []credo.Contribution
	for _, c := range cands {
		w := sec.Weight(c.kinds)
		for _, r := range c.held {
			pts := r.Points * w
			score += pts
			contributions = append(contributions, credo.Contribution{
				Rule: r.ID, Rulebook: r.Rulebook.ID, Points: pts, Basis: r.Basis,
				Reason:  partnerReason(or(r.Description, r.ID), code, c.p),
				Partner: c.p.Code, Path: slices.Clone(c.p.Path),
			})
		}
	}
	if dim.Floor != nil && score < *dim.Floor {
		score = *dim.Floor
	}
	if dim.Ceiling != nil && score > *dim.Ceiling {
		score = *dim.Ceiling
	}
	out := &credo.Dimension{Title: dim.Title, Public: dim.Public, Start: start, Score: score, Grade: dim.Band(score),
		Basis: dim.Basis, Contributions: contributions}
	v.score = types.Double(score)
	v.input.Score, v.input.ScoreOK = score, true
	for _, cp := range dim.Caps {
		if dim.Rank(out.Grade) >= dim.Rank(cp.MaxGrade) {
			continue
		}
		ok, err := cp.When.Bool(v)
		if err != nil {
			return nil, err
		}
		if ok {
			out.Grade = cp.MaxGrade
			reason := or(cp.Reason, cp.Description, cp.ID)
			out.Reasons = append(out.Reasons, reason)
			out.Contributions = append(out.Contributions, credo.Contribution{Rule: cp.ID, Rulebook: cp.Rulebook.ID, Grade: cp.MaxGrade, Reason: reason, Basis: cp.Basis})
		}
	}
	return out, nil
}

// partnerReason says what a partner rule found and where:
// `rule: A —supplier→ B —shareholder→ C; C: on serious-dishonesty since
// 2025-03-01, decision …; grades tax D`.
func partnerReason(what, code string, p *credo.Partner) string {
	var b strings.Builder
	b.WriteString(what)
	b.WriteString(": ")
	b.WriteString(credo.PathString(code, p.Path))
	var facts []string
	for _, e := range p.Entries {
		f := "on " + e.List + " since " + e.Since.UTC().Format(time.DateOnly)
		if e.DecisionNumber != "" {
			f += ", decision " + e.DecisionNumber
		}
		facts = append(facts, f)
	}
	dims := make([]string, 0, len(p.Grades))
	for d := range p.Grades {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	for _, d := range dims {
		facts = append(facts, d+" "+p.Grades[d])
	}
	if len(facts) > 0 {
		b.WriteString("; " + p.Code + ": " + strings.Join(facts, "; "))
	}
	return b.String()
}

// partnerDirect applies dim's direct partner rules to the dimension d
// computed from the organization's own records (nil: not graded): the
// worst grade of a rule that holds for a partner one away replaces a
// better one, keeping it as OwnGrade. It returns the dimension, made when
// the organization was not graded in it.
func (st *state) partnerDirect(dim *rulebook.Dimension, code string, d *credo.Dimension, partners []credo.Partner, asOf time.Time) (*credo.Dimension, error) {
	worst := -1
	var found []credo.Contribution
	for i := range partners {
		p := &partners[i]
		if len(p.Path) != 1 || p.Code == code {
			continue
		}
		h := p.Path[0]
		var pv ref.Val
		for _, r := range dim.Partners.Direct {
			if !slices.Contains(r.Kinds, h.Kind) {
				continue
			}
			if pv == nil {
				pv = partnerValue(p)
			}
			v := map[string]any{"partner": pv, "link": linkValue(code, h), "org": &st.org, "as_of": timestamp(asOf)}
			ok, err := r.When.Bool(v)
			if err != nil {
				return nil, fmt.Errorf("partner %s: %w", p.Code, err)
			}
			if !ok {
				continue
			}
			if rk := dim.Rank(r.Grade); rk > worst {
				worst = rk
			}
			found = append(found, credo.Contribution{
				Rule: r.ID, Rulebook: r.Rulebook.ID, Grade: r.Grade, Basis: r.Basis,
				Reason:  partnerReason(or(r.Reason, r.Description, r.ID), code, p),
				Partner: p.Code, Path: slices.Clone(p.Path),
			})
		}
	}
	if worst < 0 {
		return d, nil
	}
	grade := dim.Grades[worst]
	if d == nil {
		d = &credo.Dimension{Title: dim.Title, Public: dim.Public, Basis: dim.Basis, Evaluation: dim.Evaluation}
		if dim.Annual() {
			d.Evaluation = credo.EvaluationAnnual
		}
	}
	if d.Grade != "" && dim.Rank(d.Grade) >= worst {
		// Its own grade is as bad already: the partners add the reasons.
		d.Contributions = append(d.Contributions, found...)
		return d, nil
	}
	d.OwnGrade, d.ByPartners = d.Grade, true
	d.Grade = grade
	for _, c := range found {
		if c.Grade == grade && !slices.Contains(d.Reasons, c.Reason) {
			d.Reasons = append(d.Reasons, c.Reason)
		}
	}
	d.Contributions = append(d.Contributions, found...)
	return d, nil
}
