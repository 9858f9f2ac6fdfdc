package rulebook

import (
	"fmt"
	"regexp"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/strictyaml"
)

var (
	rulebookID  = regexp.MustCompile(`^[a-z0-9-]+$`)
	ruleID      = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)
	kindWord    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	divisionPfx = regexp.MustCompile(`^[0-9]{1,6}$`)
)

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

// Parse reads and compiles one rulebook file. Errors are *Error, or several
// joined (see Errors), each naming filename:line:col and the rule.
func Parse(filename string, src []byte) (*Rulebook, error) {
	d := newDecoder(filename, src)
	rb := d.rulebook()
	if err := d.errs.err(); err != nil {
		return nil, err
	}
	rb.Source = src
	return rb, nil
}

// parser holds the state of one file: the ids used so far.
type ruleIDs map[string]Pos

func (d *decoder) pos(n *yaml.Node) Pos { return Pos{File: d.Name, Line: n.Line, Col: n.Column} }

func (d *decoder) rulebook() *Rulebook {
	root := d.Root()
	if root == nil {
		return nil
	}
	f := d.fields(root, "", "rulebook", "apiVersion", "id", "version", "title", "jurisdiction", "extends",
		"effective_from", "effective_until", "legal_basis", "modelled_on", "public", "publicity", "dimensions", "overlay", "comprehensive")
	if f == nil {
		return nil
	}
	rb := &Rulebook{File: d.Name, pos: d.pos(root)}
	if d.required(f, "apiVersion", root, "", "rulebook") {
		if v := d.str(f["apiVersion"].Val, "", "apiVersion"); v != APIVersion {
			d.errorf(f["apiVersion"].Val, "", "apiVersion must be %q, not %q", APIVersion, v)
		}
	}
	if d.required(f, "id", root, "", "rulebook") {
		rb.ID = d.str(f["id"].Val, "", "id")
		if !rulebookID.MatchString(rb.ID) {
			d.errorf(f["id"].Val, "", "id %q must be lower-case letters, digits and hyphens", rb.ID)
		}
		rb.pos = d.pos(f["id"].Val)
	}
	if d.required(f, "version", root, "", "rulebook") {
		rb.Version = d.str(f["version"].Val, "", "version")
	}
	if d.required(f, "effective_from", root, "", "rulebook") {
		rb.EffectiveFrom = d.instant(f["effective_from"].Val, "", "effective_from")
	}
	if u, ok := f["effective_until"]; ok && !isNull(u.Val) {
		rb.EffectiveUntil = d.instant(u.Val, "", "effective_until")
		if !rb.EffectiveUntil.IsZero() && !rb.EffectiveUntil.After(rb.EffectiveFrom) {
			d.errorf(u.Val, "", "effective_until must be after effective_from (it is the first day the version no longer applies)")
		}
	}
	rb.Title = d.str(f["title"].Val, "", "title")
	rb.LegalBasis = d.str(f["legal_basis"].Val, "", "legal_basis")
	rb.ModelledOn = d.str(f["modelled_on"].Val, "", "modelled_on")
	if p := d.optBool(f, "public", "", "public"); p != nil {
		rb.Public, rb.hasPublic = *p, true
	}
	if j, ok := f["jurisdiction"]; ok && !isNull(j.Val) {
		if j.Val.Kind == yaml.ScalarNode && j.Val.Value == "national" {
			rb.Jurisdiction = nil
		} else {
			rb.Jurisdiction = d.strs(j.Val, "", "jurisdiction")
			if len(rb.Jurisdiction) == 0 {
				d.errorf(j.Val, "", "jurisdiction must be national or a list of division-code prefixes")
			}
			for _, p := range rb.Jurisdiction {
				if !divisionPfx.MatchString(p) {
					d.errorf(j.Val, "", "jurisdiction: %q is not a division-code prefix (1 to 6 digits)", p)
				}
			}
		}
	}
	if e, ok := f["extends"]; ok && !isNull(e.Val) {
		rb.Extends = d.str(e.Val, "", "extends")
		rb.extendsPos = d.pos(e.Val)
		if !rulebookID.MatchString(rb.Extends) {
			d.errorf(e.Val, "", "extends %q is not a rulebook id", rb.Extends)
		} else if rb.Extends == rb.ID {
			d.errorf(e.Val, "", "a rulebook cannot extend itself")
		}
	}
	ids := ruleIDs{}
	if p, ok := f["publicity"]; ok && !isNull(p.Val) && d.kind(p.Val, yaml.SequenceNode, "", "publicity") {
		for _, n := range p.Val.Content {
			if row := d.publicityRow(n, ids); row != nil {
				row.Rulebook = rb
				rb.Publicity = append(rb.Publicity, row)
			}
		}
	}
	if ds, ok := f["dimensions"]; ok && !isNull(ds.Val) && d.kind(ds.Val, yaml.SequenceNode, "", "dimensions") {
		seen := map[string]Pos{}
		for _, n := range ds.Val.Content {
			dim := d.dimension(n, rb, ids)
			if dim == nil {
				continue
			}
			if prev, dup := seen[dim.ID]; dup {
				d.errorf(n, "", "dimension %q is defined twice (first on line %d)", dim.ID, prev.Line)
				continue
			}
			seen[dim.ID] = dim.Pos
			rb.Dimensions = append(rb.Dimensions, dim)
		}
	}
	if o, ok := f["overlay"]; ok && !isNull(o.Val) {
		if rb.Extends == "" {
			d.errorf(o.Key, "", "overlay needs extends: the id of the rulebook it changes")
		}
		if d.kind(o.Val, yaml.SequenceNode, "", "overlay") {
			for _, n := range o.Val.Content {
				if ov := d.overlay(n, rb, ids); ov != nil {
					rb.Overlays = append(rb.Overlays, ov)
				}
			}
		}
	}
	if c, ok := f["comprehensive"]; ok && !isNull(c.Val) {
		rb.Comprehensive = d.comprehensive(c.Val, rb, ids)
	}
	return rb
}

// ruleID reads and registers the id of a rule-like entry.
func (d *decoder) ruleID(f strictyaml.Fields, n *yaml.Node, ids ruleIDs, what string) (string, bool) {
	if !d.required(f, "id", n, "", what) {
		return "", false
	}
	idn := f["id"].Val
	id := d.str(idn, "", what+" id")
	if !ruleID.MatchString(id) {
		d.errorf(idn, "", "%s id %q must be letters, digits and . _ - :", what, id)
		return "", false
	}
	if prev, dup := ids[id]; dup {
		d.errorf(idn, id, "duplicate rule id (first used on line %d)", prev.Line)
		return id, false
	}
	ids[id] = d.pos(idn)
	return id, true
}

// optBool reads the optional boolean field name: nil when it is absent or
// null.
func (d *decoder) optBool(f strictyaml.Fields, name, rule, what string) *bool {
	v, ok := f[name]
	if !ok || isNull(v.Val) {
		return nil
	}
	b := d.boolean(v.Val, rule, what)
	return &b
}

func (d *decoder) kinds(f strictyaml.Fields, n *yaml.Node, rule string) []string {
	if k, ok := f["kinds"]; !ok || isNull(k.Val) {
		d.errorf(n, rule, "kinds is required: the record kinds the rule judges (the rule is evaluated only for them)")
		return nil
	}
	kinds := d.strs(f["kinds"].Val, rule, "kinds")
	if len(kinds) == 0 {
		d.errorf(f["kinds"].Val, rule, "kinds must list at least one record kind")
	}
	for _, k := range kinds {
		if !kindWord.MatchString(k) {
			d.errorf(f["kinds"].Val, rule, "kinds: %q is not a record kind (a lower-case word of a-z, 0-9 and _)", k)
		}
	}
	return kinds
}

func (d *decoder) positive(n *yaml.Node, rule, what string) Period {
	p := d.period(n, rule, what)
	if p.Unit != "" && p.IsZero() {
		d.errorf(n, rule, "%s must be longer than 0", what)
	}
	return p
}

func (d *decoder) rule(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Rule {
	f := d.fields(n, strictyaml.PeekID(n), "rule", "id", "description", "basis", "kinds", "when", "points", "counts_for", "max_times")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "rule")
	r := &Rule{ID: id, Rulebook: rb, Pos: d.pos(n)}
	r.Description = d.str(f["description"].Val, id, "description")
	r.Basis = d.basis(f, n, id, "rule")
	r.Kinds = d.kinds(f, n, id)
	if w, has := f["when"]; has && !isNull(w.Val) {
		r.When = d.expr(w.Val, recordScope, wantBool, id, "when")
		ok = ok && r.When != nil
	}
	if d.required(f, "points", n, id, "rule") {
		pn := f["points"].Val
		if pn.Kind == yaml.ScalarNode && (pn.Tag == "!!int" || pn.Tag == "!!float") {
			if v, isNum := d.number(pn, id, "points"); isNum {
				r.Points = constExpr(v, d.Name, pn.Line, pn.Column, id)
			}
		} else {
			r.Points = d.expr(pn, recordScope, wantNumber, id, "points")
		}
	}
	if d.required(f, "counts_for", n, id, "rule") {
		r.CountsFor = d.positive(f["counts_for"].Val, id, "counts_for")
	}
	if m, has := f["max_times"]; has && !isNull(m.Val) {
		r.MaxTimes, _ = d.integer(m.Val, id, "max_times")
	}
	if !ok || r.Points == nil || r.Basis == nil {
		return nil
	}
	return r
}

func (d *decoder) adjustment(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Adjustment {
	f := d.fields(n, strictyaml.PeekID(n), "adjustment", "id", "description", "basis", "when", "points")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "adjustment")
	a := &Adjustment{ID: id, Rulebook: rb, Pos: d.pos(n)}
	a.Description = d.str(f["description"].Val, id, "description")
	a.Basis = d.basis(f, n, id, "adjustment")
	if d.required(f, "when", n, id, "adjustment") {
		a.When = d.expr(f["when"].Val, dimensionScope, wantBool, id, "when")
	}
	if d.required(f, "points", n, id, "adjustment") {
		pn := f["points"].Val
		if pn.Kind == yaml.ScalarNode && (pn.Tag == "!!int" || pn.Tag == "!!float") {
			if v, isNum := d.number(pn, id, "points"); isNum {
				a.Points = constExpr(v, d.Name, pn.Line, pn.Column, id)
			}
		} else {
			a.Points = d.expr(pn, dimensionScope, wantNumber, id, "points")
		}
	}
	if !ok || a.When == nil || a.Points == nil || a.Basis == nil {
		return nil
	}
	return a
}

func (d *decoder) direct(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Direct {
	f := d.fields(n, strictyaml.PeekID(n), "direct grade", "id", "description", "basis", "kinds", "when", "grade", "for", "reason")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "direct grade")
	r := &Direct{ID: id, Rulebook: rb, Pos: d.pos(n)}
	r.Description = d.str(f["description"].Val, id, "description")
	r.Basis = d.basis(f, n, id, "direct grade")
	r.Reason = d.str(f["reason"].Val, id, "reason")
	r.Kinds = d.kinds(f, n, id)
	if w, has := f["when"]; has && !isNull(w.Val) {
		r.When = d.expr(w.Val, recordScope, wantBool, id, "when")
		ok = ok && r.When != nil
	}
	if d.required(f, "grade", n, id, "direct grade") {
		r.Grade = d.str(f["grade"].Val, id, "grade")
	}
	if d.required(f, "for", n, id, "direct grade") {
		r.For = d.positive(f["for"].Val, id, "for")
	}
	if !ok || r.Basis == nil {
		return nil
	}
	return r
}

func (d *decoder) cap(n *yaml.Node, sc scope, rb *Rulebook, ids ruleIDs) *Cap {
	f := d.fields(n, strictyaml.PeekID(n), "cap", "id", "description", "basis", "when", "max_grade", "reason")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "cap")
	c := &Cap{ID: id, Rulebook: rb, Pos: d.pos(n)}
	c.Description = d.str(f["description"].Val, id, "description")
	c.Basis = d.basis(f, n, id, "cap")
	c.Reason = d.str(f["reason"].Val, id, "reason")
	if d.required(f, "when", n, id, "cap") {
		c.When = d.expr(f["when"].Val, sc, wantBool, id, "when")
	}
	if d.required(f, "max_grade", n, id, "cap") {
		c.MaxGrade = d.str(f["max_grade"].Val, id, "max_grade")
	}
	if !ok || c.When == nil || c.Basis == nil {
		return nil
	}
	return c
}

func (d *decoder) special(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Special {
	f := d.fields(n, strictyaml.PeekID(n), "special grade", "id", "description", "basis", "when", "grade", "unless_direct", "reason")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "special grade")
	s := &Special{ID: id, Rulebook: rb, Pos: d.pos(n)}
	s.Description = d.str(f["description"].Val, id, "description")
	s.Basis = d.basis(f, n, id, "special grade")
	s.Reason = d.str(f["reason"].Val, id, "reason")
	s.UnlessDirect = d.boolean(f["unless_direct"].Val, id, "unless_direct")
	if d.required(f, "when", n, id, "special grade") {
		s.When = d.expr(f["when"].Val, gradeScope, wantBool, id, "when")
	}
	if d.required(f, "grade", n, id, "special grade") {
		s.Grade = d.str(f["grade"].Val, id, "grade")
	}
	if !ok || s.When == nil || s.Basis == nil {
		return nil
	}
	return s
}

func (d *decoder) grades(n *yaml.Node, what string) []string {
	gs := d.strs(n, "", what)
	if len(gs) == 0 {
		d.errorf(n, "", "%s must list at least one grade, best first", what)
	}
	for i, g := range gs {
		if g == "" {
			d.errorf(n, "", "%s: a grade is empty", what)
		} else if slices.Index(gs, g) != i {
			d.errorf(n, "", "%s: grade %q is listed twice", what, g)
		}
	}
	return gs
}

func (d *decoder) bands(n *yaml.Node, what string) []Band {
	if !d.kind(n, yaml.SequenceNode, "", what) {
		return nil
	}
	var bands []Band
	for _, bn := range n.Content {
		f := d.fields(bn, "", "band", "grade", "min")
		if f == nil {
			continue
		}
		b := Band{Pos: d.pos(bn)}
		if d.required(f, "grade", bn, "", "band") {
			b.Grade = d.str(f["grade"].Val, "", "grade")
		}
		if m, ok := f["min"]; ok && !isNull(m.Val) {
			if v, ok := d.number(m.Val, "", "min"); ok {
				b.Min = &v
			}
		}
		bands = append(bands, b)
	}
	if len(bands) == 0 {
		d.errorf(n, "", "%s must list at least one band", what)
	}
	return bands
}

// checkBands checks bands against grades: known grades, each once, mins
// strictly decreasing, and only the last band without a min.
func checkBands(bands []Band, grades []string, what string, errs *errorList) {
	seen := map[string]bool{}
	for i, b := range bands {
		last := i == len(bands)-1
		switch {
		case !slices.Contains(grades, b.Grade):
			errs.add(b.Pos.errorf("", "%s: grade %q is not one of the grades %v", what, b.Grade, grades))
		case seen[b.Grade]:
			errs.add(b.Pos.errorf("", "%s: grade %q has two bands", what, b.Grade))
		}
		seen[b.Grade] = true
		switch {
		case b.Min == nil && !last:
			errs.add(b.Pos.errorf("", "%s: only the last band may omit min", what))
		case b.Min != nil && last:
			errs.add(b.Pos.errorf("", "%s: the last band must have no min: it takes every score below the band before it", what))
		case b.Min != nil && i > 0 && bands[i-1].Min != nil && *b.Min >= *bands[i-1].Min:
			errs.add(b.Pos.errorf("", "%s: bands are not in order: min %v is not below the previous band's %v (best first)", what, *b.Min, *bands[i-1].Min))
		}
	}
}

// checkGrades checks the grades named by direct grades, specials and caps.
func checkGrades(grades []string, direct []*Direct, special []*Special, caps []*Cap, errs *errorList) {
	for _, r := range direct {
		if !slices.Contains(grades, r.Grade) {
			errs.add(r.Pos.errorf(r.ID, "grade %q is not one of the grades %v", r.Grade, grades))
		}
	}
	for _, s := range special {
		if !slices.Contains(grades, s.Grade) {
			errs.add(s.Pos.errorf(s.ID, "grade %q is not one of the grades %v", s.Grade, grades))
		}
	}
	for _, c := range caps {
		if !slices.Contains(grades, c.MaxGrade) {
			errs.add(c.Pos.errorf(c.ID, "max_grade %q is not one of the grades %v", c.MaxGrade, grades))
		}
	}
}

func (d *decoder) dimension(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Dimension {
	f := d.fields(n, "", "dimension", "id", "title", "public", "basis", "evaluation", "publication", "categories", "grades",
		"applies", "start", "rules", "adjustments", "direct", "caps", "special", "floor", "ceiling", "bands", "partners")
	if f == nil {
		return nil
	}
	dim := &Dimension{Rulebook: rb, Pos: d.pos(n), Public: rb.Public}
	if d.required(f, "id", n, "", "dimension") {
		dim.ID = d.str(f["id"].Val, "", "dimension id")
		if !ruleID.MatchString(dim.ID) {
			d.errorf(f["id"].Val, "", "dimension id %q must be letters, digits and . _ - :", dim.ID)
		}
	}
	what := "dimension " + dim.ID
	dim.Title = d.str(f["title"].Val, "", "title")
	if p := d.optBool(f, "public", "", what+": public"); p != nil {
		dim.Public = *p
	}
	dim.Basis = d.optBasis(f, "", what)
	d.evaluation(f, n, dim, what)
	if d.required(f, "categories", n, "", what) {
		dim.Categories = d.strs(f["categories"].Val, "", "categories")
		for _, c := range dim.Categories {
			if !slices.Contains(credo.Categories, c) {
				d.errorf(f["categories"].Val, "", "%s: unknown record category %q", what, c)
			}
		}
		if len(dim.Categories) == 0 && !weightedPartners(f) {
			d.errorf(f["categories"].Val, "", "%s: categories must list at least one record category", what)
		}
	}
	if d.required(f, "grades", n, "", what) {
		dim.Grades = d.grades(f["grades"].Val, what+": grades")
	}
	if a, ok := f["applies"]; ok && !isNull(a.Val) {
		dim.Applies = d.expr(a.Val, dimensionScope, wantBool, "", what+": applies")
	}
	if d.required(f, "start", n, "", what) {
		sn := f["start"].Val
		if sn.Kind == yaml.ScalarNode && (sn.Tag == "!!int" || sn.Tag == "!!float") {
			if v, ok := d.number(sn, "", what+": start"); ok {
				dim.Start = constExpr(v, d.Name, sn.Line, sn.Column, "")
			}
		} else {
			dim.Start = d.expr(sn, dimensionScope, wantNumber, "", what+": start")
		}
	}
	if rs, ok := f["rules"]; ok && !isNull(rs.Val) && d.kind(rs.Val, yaml.SequenceNode, "", "rules") {
		for _, rn := range rs.Val.Content {
			if r := d.rule(rn, rb, ids); r != nil {
				dim.Rules = append(dim.Rules, r)
			}
		}
	}
	if as, ok := f["adjustments"]; ok && !isNull(as.Val) && d.kind(as.Val, yaml.SequenceNode, "", "adjustments") {
		for _, an := range as.Val.Content {
			if a := d.adjustment(an, rb, ids); a != nil {
				dim.Adjustments = append(dim.Adjustments, a)
			}
		}
	}
	if pn, ok := f["partners"]; ok && !isNull(pn.Val) {
		dim.Partners = d.partners(pn.Val, rb, ids, dim, what)
	}
	dim.Direct, _ = d.directs(f, rb, ids)
	dim.Caps, _ = d.caps(f, gradeScope, rb, ids)
	dim.Special, _ = d.specials(f, rb, ids)
	if fl, ok := f["floor"]; ok && !isNull(fl.Val) {
		if v, ok := d.number(fl.Val, "", "floor"); ok {
			dim.Floor = &v
		}
	}
	if c, ok := f["ceiling"]; ok && !isNull(c.Val) {
		if v, ok := d.number(c.Val, "", "ceiling"); ok {
			dim.Ceiling = &v
		}
	}
	if dim.Floor != nil && dim.Ceiling != nil && *dim.Floor > *dim.Ceiling {
		d.errorf(f["floor"].Val, "", "%s: floor %v is above ceiling %v", what, *dim.Floor, *dim.Ceiling)
	}
	if d.required(f, "bands", n, "", what) {
		dim.Bands = d.bands(f["bands"].Val, what+": bands")
	}
	if dim.Grades != nil {
		checkBands(dim.Bands, dim.Grades, what+": bands", &d.errs)
		checkGrades(dim.Grades, dim.Direct, dim.Special, dim.Caps, &d.errs)
		checkPartnerGrades(dim, &d.errs)
	}
	if dim.Partners != nil && dim.Partners.Rules != nil && (dim.Annual() || len(dim.Rules) > 0 || len(dim.Direct) > 0) {
		d.errorf(n, "", "%s: a dimension with weighted partner rules has no record rules, direct grades or annual evaluation", what)
	}
	if dim.Annual() {
		checkAnnualPeriods(dim.Rules, dim.Direct, &d.errs)
	}
	return dim
}

func (d *decoder) directs(f strictyaml.Fields, rb *Rulebook, ids ruleIDs) ([]*Direct, bool) {
	l, ok := f["direct"]
	if !ok {
		return nil, false
	}
	out := []*Direct{}
	if !isNull(l.Val) && d.kind(l.Val, yaml.SequenceNode, "", "direct") {
		for _, n := range l.Val.Content {
			if r := d.direct(n, rb, ids); r != nil {
				out = append(out, r)
			}
		}
	}
	return out, true
}

func (d *decoder) caps(f strictyaml.Fields, sc scope, rb *Rulebook, ids ruleIDs) ([]*Cap, bool) {
	l, ok := f["caps"]
	if !ok {
		return nil, false
	}
	out := []*Cap{}
	if !isNull(l.Val) && d.kind(l.Val, yaml.SequenceNode, "", "caps") {
		for _, n := range l.Val.Content {
			if c := d.cap(n, sc, rb, ids); c != nil {
				out = append(out, c)
			}
		}
	}
	return out, true
}

func (d *decoder) specials(f strictyaml.Fields, rb *Rulebook, ids ruleIDs) ([]*Special, bool) {
	l, ok := f["special"]
	if !ok {
		return nil, false
	}
	out := []*Special{}
	if !isNull(l.Val) && d.kind(l.Val, yaml.SequenceNode, "", "special") {
		for _, n := range l.Val.Content {
			if s := d.special(n, rb, ids); s != nil {
				out = append(out, s)
			}
		}
	}
	return out, true
}

func (d *decoder) overlay(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Overlay {
	f := d.fields(n, "", "overlay", "dimension", "public", "grades", "bands", "caps", "special", "direct", "add", "replace", "disable")
	if f == nil {
		return nil
	}
	ov := &Overlay{Pos: d.pos(n)}
	if d.required(f, "dimension", n, "", "overlay") {
		ov.Dimension = d.str(f["dimension"].Val, "", "dimension")
	}
	ov.Public = d.optBool(f, "public", "", "overlay "+ov.Dimension+": public")
	if g, ok := f["grades"]; ok && !isNull(g.Val) {
		ov.Grades = d.grades(g.Val, "overlay grades")
	}
	if b, ok := f["bands"]; ok && !isNull(b.Val) {
		ov.Bands = d.bands(b.Val, "overlay bands")
	}
	ov.Direct, ov.hasDirect = d.directs(f, rb, ids)
	ov.Caps, ov.hasCaps = d.caps(f, gradeScope, rb, ids)
	ov.Special, ov.hasSpecial = d.specials(f, rb, ids)
	if a, ok := f["add"]; ok && !isNull(a.Val) && d.kind(a.Val, yaml.SequenceNode, "", "add") {
		for _, rn := range a.Val.Content {
			if r := d.rule(rn, rb, ids); r != nil {
				ov.Add = append(ov.Add, r)
			}
		}
	}
	if a, ok := f["replace"]; ok && !isNull(a.Val) && d.kind(a.Val, yaml.SequenceNode, "", "replace") {
		for _, rn := range a.Val.Content {
			if r := d.rule(rn, rb, ids); r != nil {
				ov.Replace = append(ov.Replace, r)
			}
		}
	}
	if a, ok := f["disable"]; ok && !isNull(a.Val) && d.kind(a.Val, yaml.SequenceNode, "", "disable") {
		for _, c := range a.Val.Content {
			id := d.str(c, "", "disable")
			if id != "" {
				ov.Disable = append(ov.Disable, IDRef{ID: id, Pos: d.pos(c)})
			}
		}
	}
	return ov
}

func (d *decoder) comprehensive(n *yaml.Node, rb *Rulebook, ids ruleIDs) *Comprehensive {
	f := d.fields(n, "", "comprehensive", "description", "public", "basis", "grades", "score", "bands", "caps")
	if f == nil {
		return nil
	}
	c := &Comprehensive{Rulebook: rb, Pos: d.pos(n), Public: rb.Public}
	c.Description = d.str(f["description"].Val, "", "description")
	c.Basis = d.optBasis(f, "", "comprehensive")
	if p := d.optBool(f, "public", "", "comprehensive: public"); p != nil {
		c.Public = *p
	}
	if d.required(f, "grades", n, "", "comprehensive") {
		c.Grades = d.grades(f["grades"].Val, "comprehensive grades")
	}
	if d.required(f, "score", n, "", "comprehensive") {
		sn := f["score"].Val
		if sn.Kind == yaml.ScalarNode && (sn.Tag == "!!int" || sn.Tag == "!!float") {
			if v, ok := d.number(sn, "", "comprehensive score"); ok {
				c.Score = constExpr(v, d.Name, sn.Line, sn.Column, "")
			}
		} else {
			c.Score = d.expr(sn, comprehensiveScope, wantNumber, "", "comprehensive score")
		}
	}
	if d.required(f, "bands", n, "", "comprehensive") {
		c.Bands = d.bands(f["bands"].Val, "comprehensive bands")
	}
	c.Caps, _ = d.caps(f, comprehensiveScope, rb, ids)
	if c.Grades != nil {
		checkBands(c.Bands, c.Grades, "comprehensive bands", &d.errs)
		checkGrades(c.Grades, nil, nil, c.Caps, &d.errs)
	}
	c.rank = ranks(c.Grades)
	return c
}

func (d *decoder) publicityRow(n *yaml.Node, ids ruleIDs) *PublicityRow {
	f := d.fields(n, strictyaml.PeekID(n), "publicity row", "id", "basis", "from", "until", "kinds", "penalty_types", "severity", "categories",
		"only_penalty_types", "marked_only", "min", "max")
	if f == nil {
		return nil
	}
	id, ok := d.ruleID(f, n, ids, "publicity row")
	row := &PublicityRow{ID: id, Pos: d.pos(n)}
	row.Basis = d.optBasis(f, id, "publicity row")
	if p := d.optBool(f, "marked_only", id, "marked_only"); p != nil {
		row.MarkedOnly = *p
	}
	if p := d.optBool(f, "only_penalty_types", id, "only_penalty_types"); p != nil {
		row.OnlyPenaltyTypes = *p
		if *p && !f.Has("penalty_types") {
			d.errorf(f["only_penalty_types"].Val, id, "only_penalty_types needs penalty_types")
		}
	}
	if d.required(f, "from", n, id, "publicity row") {
		row.From = d.instant(f["from"].Val, id, "from")
	}
	if u, has := f["until"]; has && !isNull(u.Val) {
		row.Until = d.instant(u.Val, id, "until")
		if !row.Until.IsZero() && !row.Until.After(row.From) {
			d.errorf(u.Val, id, "until must be after from")
		}
	}
	check := func(name string, allowed []string) []string {
		fl, has := f[name]
		if !has || isNull(fl.Val) {
			return nil
		}
		vals := d.strs(fl.Val, id, name)
		for _, v := range vals {
			if allowed != nil && !slices.Contains(allowed, v) {
				d.errorf(fl.Val, id, "%s: unknown value %q (known: %v)", name, v, allowed)
			} else if allowed == nil && !kindWord.MatchString(v) {
				d.errorf(fl.Val, id, "%s: %q is not a record kind", name, v)
			}
		}
		return vals
	}
	row.Kinds = check("kinds", nil)
	row.PenaltyTypes = check("penalty_types", credo.PenaltyTypes)
	row.Severity = check("severity", credo.Severities)
	row.Categories = check("categories", credo.Categories)
	if m, has := f["min"]; has && !isNull(m.Val) {
		row.Min = d.period(m.Val, id, "min")
		row.HasMin = true
	}
	if d.required(f, "max", n, id, "publicity row") {
		row.Max = d.positive(f["max"].Val, id, "max")
	}
	if row.HasMin && row.Min.Duration() > row.Max.Duration() {
		d.errorf(f["min"].Val, id, "min %s is longer than max %s", row.Min, row.Max)
	}
	if !ok {
		return nil
	}
	return row
}

// basis reads the required basis of a rule, a dimension or a section: the
// law that sets it, or credo's model.
func (d *decoder) basis(f strictyaml.Fields, n *yaml.Node, rule, what string) *credo.Basis {
	if !f.Has("basis") {
		d.errorf(n, rule, "%s: basis is required: law (document, number, article of the published text that sets it) or model (a sentence saying what credo assumes and why)", what)
		return nil
	}
	return d.Basis(f["basis"].Val, about{rule, "basis"}, about{rule, "basis: law"})
}

// optBasis reads the basis of a dimension (its start and bands), a
// comprehensive section or a publicity row, where it is optional.
func (d *decoder) optBasis(f strictyaml.Fields, rule, what string) *credo.Basis {
	if !f.Has("basis") {
		return nil
	}
	return d.Basis(f["basis"].Val, about{rule, "basis"}, about{rule, "basis: law"})
}

var monthDay = regexp.MustCompile(`^([0-9]{2})-([0-9]{2})$`)

// evaluation reads a dimension's evaluation (continuous, the default, or
// annual) and, for annual, its publication day.
func (d *decoder) evaluation(f strictyaml.Fields, n *yaml.Node, dim *Dimension, what string) {
	dim.Evaluation = credo.EvaluationContinuous
	if f.Has("evaluation") {
		dim.Evaluation = d.str(f["evaluation"].Val, "", what+": evaluation")
		if dim.Evaluation != credo.EvaluationContinuous && dim.Evaluation != credo.EvaluationAnnual {
			d.errorf(f["evaluation"].Val, "", "%s: evaluation must be continuous or annual, not %q", what, dim.Evaluation)
			dim.Evaluation = credo.EvaluationContinuous
			return
		}
	}
	if !f.Has("publication") {
		if dim.Annual() {
			d.errorf(f["evaluation"].Val, "", "%s: an annual evaluation needs publication: the day (MM-DD) of the next year on which the year's grades are published and take force", what)
		}
		return
	}
	pn := f["publication"].Val
	if !dim.Annual() {
		d.errorf(pn, "", "%s: publication is only for an annual evaluation (evaluation: annual)", what)
		return
	}
	s := d.str(pn, "", what+": publication")
	m := monthDay.FindStringSubmatch(s)
	if m == nil {
		d.errorf(pn, "", "%s: publication %q is not a day of the year: write MM-DD, e.g. 04-30", what, s)
		return
	}
	md := MonthDay{Month: atoi(m[1]), Day: atoi(m[2])}
	if md.Month < 1 || md.Month > 12 || md.Day < 1 || md.Day > 28 && md.In(2001).Month() != time.Month(md.Month) {
		d.errorf(pn, "", "%s: publication %q is not a day of the year (MM-DD, and not 02-29)", what, s)
		return
	}
	dim.Publication = md
}

func atoi(s string) int {
	n := 0
	for _, c := range s {
		n = n*10 + int(c-'0')
	}
	return n
}

// checkAnnualPeriods refuses periods other than whole years in an annual
// dimension, where a period counts evaluation years.
func checkAnnualPeriods(rules []*Rule, direct []*Direct, errs *errorList) {
	for _, r := range rules {
		if r.CountsFor.Unit != "" && r.CountsFor.Unit != "y" {
			errs.add(r.Pos.errorf(r.ID, "counts_for %s: in an annual dimension periods count evaluation years: write 1y, 2y, ...", r.CountsFor))
		}
	}
	for _, r := range direct {
		if r.For.Unit != "" && r.For.Unit != "y" {
			errs.add(r.Pos.errorf(r.ID, "for %s: in an annual dimension periods count evaluation years: write 1y, 2y, ...", r.For))
		}
	}
}
