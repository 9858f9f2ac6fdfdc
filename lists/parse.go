package lists

import (
	"maps"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/strictyaml"
	"github.com/credo-registry/credo/rulebook"
)

var (
	idPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	measurePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
)

// Parse reads a catalogue from its files (name → YAML): list definitions,
// one list a file, and one measures file (the file with a "measures"
// field). Errors are *Error, or several joined (see Errors), each naming
// file:line:col, the list or measure and the field; every problem found is
// reported at once.
func Parse(files map[string][]byte) (*Catalogue, error) {
	var errs errorList
	c := &Catalogue{Lists: []*Definition{}, Measures: []*Measure{}, lists: map[string]*Definition{}, measures: map[string]*Measure{},
		Records: RecordDeadlines{ObjectionDays: 10, RepairDays: 10}}
	type pending struct {
		d    *decoder
		root *yaml.Node
	}
	var measureFiles []pending
	esc := map[*Escalation]nodeRef{}
	for _, name := range slices.Sorted(maps.Keys(files)) {
		d := newDecoder(name, files[name], &errs)
		d.esc = esc
		root := d.Root()
		if root == nil {
			continue
		}
		if isMeasuresFile(root) {
			measureFiles = append(measureFiles, pending{d, root})
			continue
		}
		def := d.definition(root)
		if def == nil || def.ID == "" {
			continue
		}
		if prev, dup := c.lists[def.ID]; dup {
			d.errorf(idNode(root), owner{"list", def.ID}, "id", "is defined twice (first in %s:%d)", prev.File, prev.Line)
			continue
		}
		c.lists[def.ID] = def
		c.Lists = append(c.Lists, def)
	}
	slices.SortFunc(c.Lists, func(a, b *Definition) int { return strings.Compare(a.ID, b.ID) })
	for _, l := range c.Lists {
		checkEscalation(l, c.lists, esc)
	}
	checkReachable(c.Lists, &errs)
	for i, p := range measureFiles {
		if i > 0 {
			p.d.errorf(p.root, owner{}, "", "a catalogue has one measures file; %s is another", measureFiles[0].d.Name)
			continue
		}
		c.Version = p.d.measures(p.root, c)
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	return c, nil
}

// isMeasuresFile reports whether a file's top mapping has a measures field.
func isMeasuresFile(root *yaml.Node) bool {
	if root.Kind != yaml.MappingNode {
		return false
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "measures" {
			return true
		}
	}
	return false
}

// idNode returns the value node of a mapping's id (the mapping when none).
func idNode(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == "id" {
			return n.Content[i+1]
		}
	}
	return n
}

func (d *decoder) definition(root *yaml.Node) *Definition {
	o := owner{"list", strictyaml.PeekID(root)}
	f := d.fields(root, o, "", "apiVersion", "id", "version", "title", "kind", "adverse", "public", "legal_basis",
		"basis", "criteria", "removal", "listers", "notice", "term_min", "term_max", "term_default", "objection_days",
		"repair_days", "grade", "escalation", "rule")
	if f == nil {
		return nil
	}
	def := &Definition{File: d.Name, Line: root.Line, Listers: []string{}}
	if d.required(f, "apiVersion", root, o, "") {
		if v := d.str(f.Val("apiVersion"), o, "apiVersion"); v != APIVersion {
			d.errorf(f.Val("apiVersion"), o, "apiVersion", "must be %q, not %q", APIVersion, v)
		}
	}
	if d.required(f, "id", root, o, "") {
		def.ID = d.str(f.Val("id"), o, "id")
		if !idPattern.MatchString(def.ID) {
			d.errorf(f.Val("id"), o, "id", "%q must be lower-case letters, digits and hyphens (at most 64)", def.ID)
		}
		def.Line = f.Val("id").Line
	}
	def.Version = d.text(f, "version", root, o, "")
	def.Title = d.text(f, "title", root, o, "")
	if def.Kind = d.text(f, "kind", root, o, ""); def.Kind != "" && !slices.Contains(Kinds, def.Kind) {
		d.errorf(f.Val("kind"), o, "kind", "unknown kind %q (known: %s)", def.Kind, strings.Join(Kinds, ", "))
	}
	if d.required(f, "adverse", root, o, "") {
		def.Adverse = d.boolean(f.Val("adverse"), o, "adverse")
		switch {
		case def.Kind == KindRed && def.Adverse:
			d.errorf(f.Val("adverse"), o, "adverse", "a red list rewards: it cannot be adverse")
		case (def.Kind == KindIrregularity || def.Kind == KindSerious) && !def.Adverse:
			d.errorf(f.Val("adverse"), o, "adverse", "a list of kind %s is adverse", def.Kind)
		}
	}
	if d.required(f, "public", root, o, "") {
		def.Public = d.boolean(f.Val("public"), o, "public")
	}
	def.LegalBasis = d.text(f, "legal_basis", root, o, "")
	def.Basis = d.basis(f, root, o)
	def.Criteria = d.text(f, "criteria", root, o, "")
	def.Removal = d.text(f, "removal", root, o, "")
	if f.Has("listers") {
		def.Listers = d.strs(f.Val("listers"), o, "listers")
		d.oneOf(f.Val("listers"), o, "listers", def.Listers, credo.Categories)
		if def.Listers == nil {
			def.Listers = []string{}
		}
	}
	if d.required(f, "notice", root, o, "") {
		def.Notice, _ = d.period(f.Val("notice"), o, "notice")
	}
	if d.required(f, "term_min", root, o, "") {
		def.TermMin, _ = d.period(f.Val("term_min"), o, "term_min")
	}
	var maxOK bool
	def.TermMax, maxOK = d.period(f.Val("term_max"), o, "term_max")
	def.TermDefault, _ = d.period(f.Val("term_default"), o, "term_default")
	if d.required(f, "objection_days", root, o, "") {
		def.ObjectionDays = d.integer(f.Val("objection_days"), o, "objection_days", 1, 60)
	}
	if d.required(f, "repair_days", root, o, "") {
		def.RepairDays = d.integer(f.Val("repair_days"), o, "repair_days", 1, 60)
	}
	if f.Has("grade") {
		if def.Grade = strings.TrimSpace(d.str(f.Val("grade"), o, "grade")); def.Grade == "" {
			d.errorf(f.Val("grade"), o, "grade", "must not be empty")
		}
	}
	if f.Has("escalation") {
		def.Escalation = d.escalation(f.Val("escalation"), o)
	}
	if f.Has("rule") {
		def.Rule = d.rule(f.Val("rule"), o)
	}
	d.checkTerms(def, f, root, o, maxOK || !f.Has("term_max"))
	return def
}

// checkTerms checks the periods against one another.
// maxOK is false when term_max was given but is not a period (already
// reported).
func (d *decoder) checkTerms(def *Definition, f strictyaml.Fields, root *yaml.Node, o owner, maxOK bool) {
	at := func(name string) *yaml.Node {
		if n := f.Val(name); n != nil {
			return n
		}
		return root
	}
	longer := func(a, b rulebook.Period) bool { return a.Duration() > b.Duration() }
	if !def.TermMax.IsZero() {
		if !f.Has("term_default") {
			d.errorf(root, o, "term_default", "is required when term_max is set (the term of a decision that names none)")
		} else if def.TermDefault.IsZero() {
			d.errorf(at("term_default"), o, "term_default", "must be longer than 0 when term_max is set")
		}
		if longer(def.TermDefault, def.TermMax) {
			d.errorf(at("term_default"), o, "term_default", "%s is longer than term_max %s", def.TermDefault, def.TermMax)
		}
	}
	if longer(def.TermMin, def.TermMax) && !def.TermMax.IsZero() {
		d.errorf(at("term_min"), o, "term_min", "%s is longer than term_max %s", def.TermMin, def.TermMax)
	} else if !def.TermDefault.IsZero() && longer(def.TermMin, def.TermDefault) {
		d.errorf(at("term_min"), o, "term_min", "%s is longer than term_default %s", def.TermMin, def.TermDefault)
	}
	if def.Adverse && def.TermMax.IsZero() && maxOK && def.Escalation == nil && !f.Has("escalation") {
		d.errorf(at("term_max"), o, "term_max", "an adverse list needs a longest term (term_max) or an escalation: no one may be held on it indefinitely")
	}
}

func (d *decoder) escalation(n *yaml.Node, o owner) *Escalation {
	f := d.fields(n, o, "escalation", "after", "to", "notice")
	if f == nil {
		return nil
	}
	e := &Escalation{}
	if d.required(f, "after", n, o, "escalation") {
		var ok bool
		if e.After, ok = d.period(f.Val("after"), o, "escalation.after"); ok && e.After.IsZero() {
			d.errorf(f.Val("after"), o, "escalation.after", "must be longer than 0")
		}
	}
	if d.required(f, "to", n, o, "escalation") {
		e.To = d.str(f.Val("to"), o, "escalation.to")
	}
	if d.required(f, "notice", n, o, "escalation") {
		e.Notice, _ = d.period(f.Val("notice"), o, "escalation.notice")
	}
	d.esc[e] = nodeRef{d, n}
	if f.Has("to") {
		d.esc[e] = nodeRef{d, f.Val("to")}
	}
	return e
}

func (d *decoder) rule(n *yaml.Node, o owner) *Rule {
	f := d.fields(n, o, "rule", "when", "reason")
	if f == nil {
		return nil
	}
	r := &Rule{}
	if d.required(f, "when", n, o, "rule") {
		r.When = strings.TrimSpace(f.Val("when").Value)
		r.cond = d.compile(f.Val("when"), o, "rule.when")
	}
	r.Reason = d.text(f, "reason", n, o, "rule")
	return r
}

// nodeRef is a node with the decoder of its file, for checks made once all
// files are read.
type nodeRef struct {
	d *decoder
	n *yaml.Node
}

func checkEscalation(l *Definition, lists map[string]*Definition, esc map[*Escalation]nodeRef) {
	e := l.Escalation
	if e == nil {
		return
	}
	ref := esc[e]
	report := func(format string, args ...any) {
		ref.d.errorf(ref.n, owner{"list", l.ID}, "escalation.to", format, args...)
	}
	if e.To == "" {
		return // reported as required
	}
	switch to := lists[e.To]; {
	case to == nil:
		report("unknown list %q (defined: %s)", e.To, strings.Join(slices.Sorted(maps.Keys(lists)), ", "))
	case to == l:
		report("a list cannot escalate to itself")
	case !to.Adverse:
		report("escalates to %q, which is not an adverse list", e.To)
	}
}

// checkReachable refuses a list no one can put an organization on: no
// listers, no rule and no escalation to it.
func checkReachable(defs []*Definition, errs *errorList) {
	targets := map[string]bool{}
	for _, l := range defs {
		if l.Escalation != nil {
			targets[l.Escalation.To] = true
		}
	}
	for _, l := range defs {
		if len(l.Listers) == 0 && l.Rule == nil && !targets[l.ID] {
			errs.add(&Error{File: l.File, Line: l.Line, Col: 1, What: "list", ID: l.ID, Field: "listers",
				Message: "no one can list an organization: give listers (categories whose authorities decide), a rule, or escalate another list to it"})
		}
	}
}

// measures reads the measures file into c and returns its version.
func (d *decoder) measures(root *yaml.Node, c *Catalogue) string {
	f := d.fields(root, owner{}, "", "apiVersion", "version", "records", "measures")
	if f == nil {
		return ""
	}
	if f.Has("records") {
		o := owner{}
		if rf := d.fields(f.Val("records"), o, "records", "objection_days", "repair_days"); rf != nil {
			if rf.Has("objection_days") {
				c.Records.ObjectionDays = d.integer(rf.Val("objection_days"), o, "records.objection_days", 1, 60)
			}
			if rf.Has("repair_days") {
				c.Records.RepairDays = d.integer(rf.Val("repair_days"), o, "records.repair_days", 1, 60)
			}
		}
	}
	if f.Has("apiVersion") {
		if v := d.str(f.Val("apiVersion"), owner{}, "apiVersion"); v != APIVersion {
			d.errorf(f.Val("apiVersion"), owner{}, "apiVersion", "must be %q, not %q", APIVersion, v)
		}
	}
	version := d.text(f, "version", root, owner{}, "")
	if !f.Has("measures") || !d.kind(f.Val("measures"), yaml.SequenceNode, owner{}, "measures") {
		if !f.Has("measures") {
			d.errorf(root, owner{}, "measures", "must list at least one measure")
		}
		return version
	}
	for _, n := range f.Val("measures").Content {
		m := d.measure(n, c)
		if m == nil || m.ID == "" {
			continue
		}
		if _, dup := c.measures[m.ID]; dup {
			d.errorf(idNode(n), owner{"measure", m.ID}, "id", "is defined twice")
			continue
		}
		c.measures[m.ID] = m
		c.Measures = append(c.Measures, m)
	}
	return version
}

func (d *decoder) measure(n *yaml.Node, c *Catalogue) *Measure {
	o := owner{"measure", strictyaml.PeekID(n)}
	f := d.fields(n, o, "", "id", "title", "description", "kind", "legal_basis", "basis", "trigger", "actions", "effect")
	if f == nil {
		return nil
	}
	m := &Measure{}
	if d.required(f, "id", n, o, "") {
		m.ID = d.str(f.Val("id"), o, "id")
		if !measurePattern.MatchString(m.ID) {
			d.errorf(f.Val("id"), o, "id", "%q must be lower-case letters, digits and . _ - (at most 64)", m.ID)
		}
	}
	m.Title = d.text(f, "title", n, o, "")
	m.Description = strings.TrimSpace(d.str(f.Val("description"), o, "description"))
	if m.Kind = d.text(f, "kind", n, o, ""); m.Kind != "" && m.Kind != Reward && m.Kind != Punishment {
		d.errorf(f.Val("kind"), o, "kind", "unknown kind %q (known: reward, punishment)", m.Kind)
	}
	m.LegalBasis = d.text(f, "legal_basis", n, o, "")
	m.Basis = d.basis(f, n, o)
	if d.required(f, "actions", n, o, "") {
		m.Actions = d.strs(f.Val("actions"), o, "actions")
		d.oneOf(f.Val("actions"), o, "actions", m.Actions, Actions)
		if len(m.Actions) == 0 {
			d.errorf(f.Val("actions"), o, "actions", "must list at least one action")
		}
	}
	if m.Effect = d.text(f, "effect", n, o, ""); m.Effect != "" {
		switch {
		case !slices.Contains(Effects, m.Effect):
			d.errorf(f.Val("effect"), o, "effect", "unknown effect %q (known: %s)", m.Effect, strings.Join(Effects, ", "))
		case m.Kind == Reward && !slices.Contains(rewardEffects, m.Effect):
			d.errorf(f.Val("effect"), o, "effect", "a reward's effect is %s, not %q", strings.Join(rewardEffects, " or "), m.Effect)
		case m.Kind == Punishment && !slices.Contains(punishmentEffects, m.Effect):
			d.errorf(f.Val("effect"), o, "effect", "a punishment's effect is %s, not %q", strings.Join(punishmentEffects, ", "), m.Effect)
		}
	}
	if d.required(f, "trigger", n, o, "") {
		m.Trigger = d.trigger(f.Val("trigger"), m, o, c)
	}
	return m
}

func (d *decoder) trigger(n *yaml.Node, m *Measure, o owner, c *Catalogue) Trigger {
	f := d.fields(n, o, "trigger", "list", "dimension", "grades", "when", "flag")
	var t Trigger
	if f == nil {
		return t
	}
	if f.Has("list") {
		t.List = d.str(f.Val("list"), o, "trigger.list")
		switch l := c.lists[t.List]; {
		case l == nil:
			d.errorf(f.Val("list"), o, "trigger.list", "unknown list %q (defined: %s)", t.List, strings.Join(slices.Sorted(maps.Keys(c.lists)), ", "))
		case m.Kind == Punishment && !l.Adverse:
			d.errorf(f.Val("list"), o, "trigger.list", "a punishment cannot follow from list %q, which is not adverse", t.List)
		case m.Kind == Reward && l.Adverse:
			d.errorf(f.Val("list"), o, "trigger.list", "a reward cannot follow from the adverse list %q", t.List)
		}
	}
	if f.Has("dimension") {
		if t.Dimension = strings.TrimSpace(d.str(f.Val("dimension"), o, "trigger.dimension")); t.Dimension == "" {
			d.errorf(f.Val("dimension"), o, "trigger.dimension", "must not be empty")
		}
	}
	if f.Has("grades") {
		t.Grades = d.strs(f.Val("grades"), o, "trigger.grades")
	}
	switch {
	case t.Dimension != "" && len(t.Grades) == 0 && !f.Has("grades"):
		d.errorf(n, o, "trigger.grades", "is required with dimension: the grades on which the measure applies")
	case t.Dimension != "" && len(t.Grades) == 0:
		d.errorf(f.Val("grades"), o, "trigger.grades", "must list at least one grade")
	case t.Dimension == "" && f.Has("grades") && !f.Has("dimension"):
		d.errorf(f.Val("grades"), o, "trigger.grades", "needs dimension: the dimension whose grade is meant")
	}
	if f.Has("when") {
		t.When = strings.TrimSpace(f.Val("when").Value)
		t.cond = d.compile(f.Val("when"), o, "trigger.when")
	}
	if f.Has("flag") {
		t.Flag = strings.TrimSpace(d.str(f.Val("flag"), o, "trigger.flag"))
		switch {
		case !slices.Contains(Flags, t.Flag):
			d.errorf(f.Val("flag"), o, "trigger.flag", "unknown flag %q (known: %s)", t.Flag, strings.Join(Flags, ", "))
		case m.Kind == Reward:
			d.errorf(f.Val("flag"), o, "trigger.flag", "a reward cannot follow from the flag %q", t.Flag)
		}
	}
	if !f.Has("list") && !f.Has("dimension") && !f.Has("grades") && !f.Has("when") && !f.Has("flag") {
		d.errorf(n, o, "trigger", "needs at least one of list, dimension with grades, when, or flag")
	}
	return t
}

// basis reads the required basis of a list or a measure: law (document,
// number, article) or credo's model.
func (d *decoder) basis(f strictyaml.Fields, n *yaml.Node, o owner) *credo.Basis {
	if !f.Has("basis") {
		d.errorf(n, o, "basis", "is required: law (document, number, article of the published text that sets it) or model (a sentence saying what credo assumes and why)")
		return nil
	}
	return d.Basis(f.Val("basis"), place{o, "basis"}, place{o, "basis.law"})
}
