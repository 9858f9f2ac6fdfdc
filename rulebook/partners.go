package rulebook

import (
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/strictyaml"
)

// Partners is a dimension's `partners:` section: how the state of an
// organization's partners weighs on the dimension.
//
// Rules (weighted) make a dimension of partner risk: each rule that holds
// for a partner's own state (`partner`) costs Points times the weight of
// the path that reaches it. Of the partners within Reach, the Counted
// heaviest count (a partner's value: its severity, the points of its
// rules as a positive number, times its path's weight). Such a dimension
// has no records of its own (categories: []); its floor caps what
// partners can cost.
//
// Direct rules assign a grade from a partner one relationship away of
// Kinds (officer links): the dimension's grade becomes the worst of them
// (when the organization's own grade is better, which stays as OwnGrade).
type Partners struct {
	Reach     int
	Decay     float64
	Counted   int
	MinPoints float64
	Weights   map[string]float64
	Basis     *credo.Basis
	Rules     []*PartnerRule
	Direct    []*PartnerDirect
	Pos       Pos
}

// PartnerRule weighs a partner's own state: When over `partner` and
// `as_of`; Points a negative number.
type PartnerRule struct {
	ID, Description string
	Basis           *credo.Basis
	When            *Expr
	Points          float64
	Rulebook        *Rulebook
	Pos             Pos
}

// PartnerDirect assigns Grade while a partner one relationship away of
// one of Kinds satisfies When (over `partner`, `link`, `org`, `as_of`).
type PartnerDirect struct {
	ID, Description, Reason string
	Basis                   *credo.Basis
	Kinds                   []string
	When                    *Expr
	Grade                   string
	Rulebook                *Rulebook
	Pos                     Pos
}

// Limits of a partners section (those of package partners/graph).
const (
	MaxPartnerReach   = 3
	MaxPartnerCounted = 4
)

// Weight returns the weight of a path of kinds (from the organization to
// the partner): the product of the kinds' weights and Decay for each
// relationship after the first counted from the partner.
func (p *Partners) Weight(kinds []string) float64 {
	w := 1.0
	for i := len(kinds) - 1; i >= 0; i-- {
		k := p.Weights[kinds[i]]
		if i < len(kinds)-1 {
			k *= p.Decay
		}
		w *= k
	}
	return w
}

// Value returns a partner's value along a path of kinds in the float32
// arithmetic of propagation (partners/graph): severity times each
// relationship's factor, from the partner outwards. Which partners are
// counted is decided by it, so that every computation agrees to the bit.
func (p *Partners) Value(severity float64, kinds []string) float32 {
	x := float32(severity)
	for i := len(kinds) - 1; i >= 0; i-- {
		w := float32(p.Weights[kinds[i]])
		if i == len(kinds)-1 {
			x *= w
		} else {
			x *= w * float32(p.Decay)
		}
	}
	return x
}

func (d *decoder) partners(n *yaml.Node, rb *Rulebook, ids ruleIDs, dim *Dimension, what string) *Partners {
	f := d.fields(n, "", what+": partners", "reach", "decay", "counted", "min_points", "weights", "basis", "rules", "direct")
	if f == nil {
		return nil
	}
	p := &Partners{Pos: d.pos(n)}
	p.Basis = d.optBasis(f, "", what+": partners")
	if r, ok := f["rules"]; ok && !isNull(r.Val) && d.kind(r.Val, yaml.SequenceNode, "", "partners: rules") {
		for _, rn := range r.Val.Content {
			if x := d.partnerRule(rn, rb, ids); x != nil {
				p.Rules = append(p.Rules, x)
			}
		}
	}
	if r, ok := f["direct"]; ok && !isNull(r.Val) && d.kind(r.Val, yaml.SequenceNode, "", "partners: direct") {
		for _, rn := range r.Val.Content {
			if x := d.partnerDirect(rn, rb, ids); x != nil {
				p.Direct = append(p.Direct, x)
			}
		}
	}
	weighted := p.Rules != nil
	for _, name := range []string{"reach", "decay", "counted", "weights"} {
		if _, has := f[name]; has != weighted {
			if weighted {
				d.required(f, name, n, "", what+": partners (with rules)")
			} else {
				d.errorf(f[name].Key, "", "%s: partners: %s applies only to weighted rules (partners: rules)", what, name)
			}
		}
	}
	if !weighted {
		return p
	}
	if p.Basis == nil {
		d.errorf(n, "", "%s: partners: basis is required with rules (what sets the weights, the reach and the decay)", what)
	}
	if r, ok := f["reach"]; ok {
		if v, ok := d.integer(r.Val, "", "reach"); ok && (v < 1 || v > MaxPartnerReach) {
			d.errorf(r.Val, "", "%s: partners: reach must be 1 to %d", what, MaxPartnerReach)
		} else {
			p.Reach = v
		}
	}
	if c, ok := f["counted"]; ok {
		if v, ok := d.integer(c.Val, "", "counted"); ok && (v < 1 || v > MaxPartnerCounted) {
			d.errorf(c.Val, "", "%s: partners: counted must be 1 to %d", what, MaxPartnerCounted)
		} else {
			p.Counted = v
		}
	}
	if x, ok := f["decay"]; ok {
		if v, ok := d.number(x.Val, "", "decay"); ok && !(v > 0 && v <= 1) {
			d.errorf(x.Val, "", "%s: partners: decay must be above 0 and at most 1", what)
		} else {
			p.Decay = v
		}
	}
	if x, ok := f["min_points"]; ok && !isNull(x.Val) {
		if v, ok := d.number(x.Val, "", "min_points"); ok && !(v >= 0) {
			d.errorf(x.Val, "", "%s: partners: min_points must not be negative", what)
		} else {
			p.MinPoints = v
		}
	}
	if w, ok := f["weights"]; ok && d.kind(w.Val, yaml.MappingNode, "", "partners: weights") {
		p.Weights = map[string]float64{}
		for i := 0; i+1 < len(w.Val.Content); i += 2 {
			k, vn := w.Val.Content[i], w.Val.Content[i+1]
			if !slices.Contains(credo.RelationshipKinds, k.Value) {
				d.errorf(k, "", "%s: partners: weights: unknown relationship kind %q (one of %s)", what, k.Value, strings.Join(credo.RelationshipKinds, ", "))
				continue
			}
			if v, ok := d.number(vn, "", "weight"); ok {
				if !(v >= 0 && v <= 1) {
					d.errorf(vn, "", "%s: partners: weights: %s must be 0 to 1", what, k.Value)
				}
				p.Weights[k.Value] = v
			}
		}
	}
	if rb.Jurisdiction != nil || rb.Extends != "" {
		d.errorf(n, "", "%s: partners: rules weigh partners wherever they are, so they belong to a national rulebook that extends none", what)
	}
	if len(dim.Categories) > 0 {
		d.errorf(n, "", "%s: a dimension with weighted partner rules has no records of its own: categories must be []", what)
	}
	return p
}

func (d *decoder) partnerRule(n *yaml.Node, rb *Rulebook, ids ruleIDs) *PartnerRule {
	f := d.fields(n, strictyaml.PeekID(n), "partner rule", "id", "description", "basis", "when", "points")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "partner rule")
	r := &PartnerRule{ID: id, Rulebook: rb, Pos: d.pos(n)}
	r.Description = d.str(f["description"].Val, id, "description")
	r.Basis = d.basis(f, n, id, "partner rule")
	if d.required(f, "when", n, id, "partner rule") {
		r.When = d.expr(f["when"].Val, partnerScope, wantBool, id, "when")
		if r.When != nil && r.When.UsesOrg() {
			d.errorf(f["when"].Val, id, "when: a weighted partner rule reads the partner alone (not org): its severity is the same for every organization it reaches")
			r.When = nil
		}
	}
	if d.required(f, "points", n, id, "partner rule") {
		if v, isNum := d.number(f["points"].Val, id, "points"); isNum {
			if v >= 0 {
				d.errorf(f["points"].Val, id, "points: a partner rule's points must be below 0 (a partner's risk)")
				ok = false
			}
			r.Points = v
		}
	}
	if !ok || r.When == nil || r.Basis == nil {
		return nil
	}
	return r
}

func (d *decoder) partnerDirect(n *yaml.Node, rb *Rulebook, ids ruleIDs) *PartnerDirect {
	f := d.fields(n, strictyaml.PeekID(n), "direct partner rule", "id", "description", "basis", "kinds", "when", "grade", "reason")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "direct partner rule")
	r := &PartnerDirect{ID: id, Rulebook: rb, Pos: d.pos(n)}
	r.Description = d.str(f["description"].Val, id, "description")
	r.Basis = d.basis(f, n, id, "direct partner rule")
	r.Reason = d.str(f["reason"].Val, id, "reason")
	if d.required(f, "kinds", n, id, "direct partner rule") {
		r.Kinds = d.strs(f["kinds"].Val, id, "kinds")
		for _, k := range r.Kinds {
			if !slices.Contains(credo.RelationshipKinds, k) {
				d.errorf(f["kinds"].Val, id, "kinds: unknown relationship kind %q (one of %s)", k, strings.Join(credo.RelationshipKinds, ", "))
				ok = false
			}
		}
	}
	if d.required(f, "when", n, id, "direct partner rule") {
		r.When = d.expr(f["when"].Val, linkScope, wantBool, id, "when")
	}
	if d.required(f, "grade", n, id, "direct partner rule") {
		r.Grade = d.str(f["grade"].Val, id, "grade")
	}
	if !ok || r.When == nil || r.Basis == nil {
		return nil
	}
	return r
}

// checkPartnerGrades refuses direct partner grades the dimension does not
// have.
func checkPartnerGrades(dim *Dimension, errs *errorList) {
	if dim.Partners == nil {
		return
	}
	for _, r := range dim.Partners.Direct {
		if !slices.Contains(dim.Grades, r.Grade) {
			errs.add(r.Pos.errorf(r.ID, "grade %q is not one of the dimension's grades (%s)", r.Grade, strings.Join(dim.Grades, ", ")))
		}
	}
}

// PartnerKinds returns the relationship kinds the plan's direct partner
// rules read (the Direct partners an assessment needs).
func (p *Plan) PartnerKinds() []string {
	var out []string
	for _, dim := range p.Dimensions {
		if dim.Partners == nil {
			continue
		}
		for _, r := range dim.Partners.Direct {
			for _, k := range r.Kinds {
				if !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// PartnerDimension returns the plan's dimension of weighted partner rules,
// nil when there is none.
func (p *Plan) PartnerDimension() *Dimension {
	for _, dim := range p.Dimensions {
		if dim.Partners != nil && dim.Partners.Rules != nil {
			return dim
		}
	}
	return nil
}

// weightedPartners reports whether a dimension's fields have a partners
// section with rules (then it has no categories).
func weightedPartners(f strictyaml.Fields) bool {
	pn, ok := f["partners"]
	if !ok || pn.Val == nil || pn.Val.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(pn.Val.Content); i += 2 {
		if pn.Val.Content[i].Value == "rules" {
			return true
		}
	}
	return false
}
