package rulebook

import (
	"cmp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// Set is a collection of rulebook versions checked as a whole. For every
// time and division it holds the Plan that applies: the latest version of
// each rulebook in effect, the overlays for the division, combined.
type Set struct {
	books []*Rulebook
	// classes maps each division-code prefix named by a jurisdiction to
	// its class; class 0 is a division no prefix matches.
	classes map[string]int
	// timeline[class] lists the plans of the class from their start.
	timeline [][]planAt
}

type planAt struct {
	from time.Time
	plan *Plan
}

// Plan is what applies to one organization at one time: the rulebook
// versions, and their dimensions with the overlays applied.
type Plan struct {
	Rulebooks     []*Rulebook // sorted by id
	Refs          []credo.RulebookRef
	Dimensions    []*Dimension // in rulebook id order, then file order
	Comprehensive *Comprehensive
	// Publicity lists the publicity rows in order of precedence: the
	// regional overlays' first (the most specific first), then the rest,
	// by rulebook id and file order.
	Publicity []*PublicityRow
	// Offsets are the durations written in the expressions that read
	// as_of, and 0; an expression's value can change by time alone only
	// when as_of passes a timestamp of the organization or of a record
	// plus one of them (see package assess, NextChange).
	Offsets []time.Duration
	// Instants are timestamps written in expressions that read as_of.
	Instants []time.Time

	byCategory map[string][]*Dimension
}

// DimensionsFor returns the dimensions that see records of category.
func (p *Plan) DimensionsFor(category string) []*Dimension { return p.byCategory[category] }

var emptyPlan = &Plan{Refs: []credo.RulebookRef{}, Offsets: []time.Duration{0}}

// NewSet checks books as a whole: (id, version) is given once, overlays'
// extends name rulebooks of the set without cycles, and, for every time
// and division, the combined rulebooks have unique rule and dimension ids,
// overlays replace and disable only ids that exist, grades and bands agree,
// and at most one defines the comprehensive grade. Any error refuses the
// whole set.
func NewSet(books ...*Rulebook) (*Set, error) {
	var errs errorList
	s := &Set{classes: map[string]int{}}
	byID := map[string][]*Rulebook{}
	for _, rb := range books {
		if rb == nil {
			continue
		}
		for _, other := range byID[rb.ID] {
			if other.Version == rb.Version {
				errs.add(rb.pos.errorf("", "rulebook %s version %q is given twice (also %s)", rb.ID, rb.Version, other.File))
			} else if other.EffectiveFrom.Equal(rb.EffectiveFrom) {
				errs.add(rb.pos.errorf("", "rulebook %s versions %q and %q take effect at the same time (%s): which applies is ambiguous",
					rb.ID, other.Version, rb.Version, rb.EffectiveFrom.Format(time.RFC3339)))
			}
		}
		byID[rb.ID] = append(byID[rb.ID], rb)
		s.books = append(s.books, rb)
	}
	for _, versions := range byID {
		checkOverlap(versions, &errs)
	}
	slices.SortStableFunc(s.books, func(a, b *Rulebook) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), a.EffectiveFrom.Compare(b.EffectiveFrom), cmp.Compare(a.Version, b.Version))
	})
	// Extends: known ids, no cycles (over the edges of all versions).
	edges := map[string][]string{}
	for _, rb := range s.books {
		if rb.Extends == "" {
			continue
		}
		if _, ok := byID[rb.Extends]; !ok {
			errs.add(rb.extendsPos.errorf("", "extends unknown rulebook %q", rb.Extends))
			continue
		}
		if !slices.Contains(edges[rb.ID], rb.Extends) {
			edges[rb.ID] = append(edges[rb.ID], rb.Extends)
		}
	}
	for _, rb := range s.books {
		if rb.Extends == "" {
			continue
		}
		if cycle := findCycle(rb.ID, edges); cycle != nil {
			errs.add(rb.extendsPos.errorf("", "overlays extend each other in a cycle: %s", strings.Join(cycle, " → ")))
		}
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}

	// Division classes: one per prefix named, and one for the rest.
	prefixes := []string{""}
	for _, rb := range s.books {
		for _, p := range rb.Jurisdiction {
			if !slices.Contains(prefixes, p) {
				prefixes = append(prefixes, p)
			}
		}
	}
	slices.Sort(prefixes)
	for i, p := range prefixes {
		if p != "" {
			s.classes[p] = i
		}
	}
	// Times at which the selection may change.
	var times []time.Time
	for _, rb := range s.books {
		for _, t := range []time.Time{rb.EffectiveFrom, rb.EffectiveUntil} {
			if !t.IsZero() && !slices.ContainsFunc(times, t.Equal) {
				times = append(times, t)
			}
		}
	}
	slices.SortFunc(times, time.Time.Compare)

	plans := map[string]*Plan{}
	seenErr := map[string]bool{}
	s.timeline = make([][]planAt, len(prefixes))
	for ci, prefix := range prefixes {
		var prev *Plan
		for _, t := range times {
			chosen := choose(byID, t, prefix)
			key := planKey(chosen)
			p, ok := plans[key]
			if !ok {
				var perrs errorList
				p = combine(chosen, &perrs)
				plans[key] = p
				for _, e := range perrs {
					if msg := e.Error(); !seenErr[msg] {
						seenErr[msg] = true
						errs.add(e)
					}
				}
			}
			if p != prev {
				s.timeline[ci] = append(s.timeline[ci], planAt{from: t, plan: p})
				prev = p
			}
		}
	}
	if len(errs) > 0 {
		return nil, errs.err()
	}
	return s, nil
}

// checkOverlap refuses versions of one rulebook whose periods overlap: a
// version with effective_until must end by the time the next one begins.
// (A version without effective_until simply ends when the next begins.)
func checkOverlap(versions []*Rulebook, errs *errorList) {
	sorted := slices.Clone(versions)
	slices.SortFunc(sorted, func(a, b *Rulebook) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
	for i, rb := range sorted {
		if rb.EffectiveUntil.IsZero() {
			continue
		}
		for _, next := range sorted[i+1:] {
			if next.EffectiveFrom.Before(rb.EffectiveUntil) && !next.EffectiveFrom.Equal(rb.EffectiveFrom) {
				errs.add(next.pos.errorf("", "rulebook %s versions %q (%s to %s) and %q (from %s) overlap: two versions of one rulebook cannot both be in force",
					rb.ID, rb.Version, day(rb.EffectiveFrom), day(rb.EffectiveUntil), next.Version, day(next.EffectiveFrom)))
			}
		}
	}
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// findCycle returns the ids of a cycle through id, or nil.
func findCycle(id string, edges map[string][]string) []string {
	var path []string
	onPath := map[string]bool{}
	var visit func(string) []string
	visit = func(n string) []string {
		if onPath[n] {
			if n == id {
				return append(slices.Clone(path), n)
			}
			return nil
		}
		if len(path) > len(edges)+1 {
			return nil
		}
		onPath[n] = true
		path = append(path, n)
		for _, m := range edges[n] {
			if c := visit(m); c != nil {
				return c
			}
		}
		path = path[:len(path)-1]
		onPath[n] = false
		return nil
	}
	return visit(id)
}

// choose returns the rulebook versions that apply at t to a division in
// the class of prefix ("" for a division no jurisdiction names): the latest
// version of each id in effect, if its jurisdiction covers the division,
// and for an overlay, if what it extends applies. Overlays follow what they
// extend; the result is otherwise in id order.
func choose(byID map[string][]*Rulebook, t time.Time, prefix string) []*Rulebook {
	latest := map[string]*Rulebook{}
	for id, versions := range byID {
		for _, rb := range versions {
			if !rb.EffectiveFrom.After(t) && (latest[id] == nil || rb.EffectiveFrom.After(latest[id].EffectiveFrom)) {
				latest[id] = rb
			}
		}
		// A version whose regime ended applies no more, and no older
		// version comes back in its place.
		if rb := latest[id]; rb != nil && !rb.EffectiveUntil.IsZero() && !t.Before(rb.EffectiveUntil) {
			delete(latest, id)
		}
	}
	covers := func(rb *Rulebook) bool {
		if rb.Jurisdiction == nil {
			return true
		}
		for _, p := range rb.Jurisdiction {
			if strings.HasPrefix(prefix, p) {
				return true
			}
		}
		return false
	}
	depth := map[string]int{}
	var applies func(id string, hops int) bool
	applies = func(id string, hops int) bool {
		rb := latest[id]
		if rb == nil || hops > len(byID) || !covers(rb) {
			return false
		}
		if rb.Extends == "" {
			depth[id] = 0
			return true
		}
		if !applies(rb.Extends, hops+1) {
			return false
		}
		depth[id] = depth[rb.Extends] + 1
		return true
	}
	var out []*Rulebook
	for id, rb := range latest {
		if applies(id, 0) {
			out = append(out, rb)
		}
	}
	slices.SortFunc(out, func(a, b *Rulebook) int {
		return cmp.Or(cmp.Compare(depth[a.ID], depth[b.ID]), cmp.Compare(a.ID, b.ID))
	})
	return out
}

func planKey(books []*Rulebook) string {
	var b strings.Builder
	for _, rb := range books {
		b.WriteString(rb.ID)
		b.WriteByte(0)
		b.WriteString(rb.Version)
		b.WriteByte(0)
	}
	return b.String()
}

// combine builds the plan of chosen (bases and overlays, overlays after
// what they extend), reporting conflicts.
func combine(chosen []*Rulebook, errs *errorList) *Plan {
	p := &Plan{byCategory: map[string][]*Dimension{}}
	root := map[string]string{} // rulebook id → id of the base it overlays
	owner := map[*Dimension]string{}
	byDim := map[string]*Dimension{}
	for _, rb := range chosen {
		if rb.Extends == "" {
			root[rb.ID] = rb.ID
		} else {
			root[rb.ID] = root[rb.Extends]
		}
		for _, dim := range rb.Dimensions {
			if prev, dup := byDim[dim.ID]; dup {
				errs.add(dim.Pos.errorf("", "dimension %q is also defined by rulebook %s (%s:%d)", dim.ID, prev.Rulebook.ID, prev.Pos.File, prev.Pos.Line))
				continue
			}
			c := *dim
			byDim[dim.ID] = &c
			owner[&c] = root[rb.ID]
			p.Dimensions = append(p.Dimensions, &c)
		}
		for _, ov := range rb.Overlays {
			dim := byDim[ov.Dimension]
			if dim == nil || owner[dim] != root[rb.ID] {
				errs.add(ov.Pos.errorf("", "overlay of unknown dimension %q: rulebook %s has no such dimension", ov.Dimension, rb.Extends))
				continue
			}
			applyOverlay(dim, ov, errs)
			switch {
			case ov.Public != nil:
				dim.Public = *ov.Public
			case rb.hasPublic:
				dim.Public = rb.Public
			}
		}
		if rb.Comprehensive != nil {
			if p.Comprehensive != nil {
				errs.add(rb.Comprehensive.Pos.errorf("", "comprehensive is also defined by rulebook %s: at most one rulebook may define it",
					p.Comprehensive.Rulebook.ID))
			} else {
				p.Comprehensive = rb.Comprehensive
			}
		}
	}
	// Rulebooks and publicity: overlays (deepest first) before bases.
	for i := len(chosen) - 1; i >= 0; i-- {
		p.Publicity = append(p.Publicity, chosen[i].Publicity...)
	}
	p.Rulebooks = slices.Clone(chosen)
	slices.SortFunc(p.Rulebooks, func(a, b *Rulebook) int { return cmp.Compare(a.ID, b.ID) })
	p.Refs = make([]credo.RulebookRef, len(p.Rulebooks))
	for i, rb := range p.Rulebooks {
		p.Refs[i] = rb.Ref()
	}
	slices.SortStableFunc(p.Dimensions, func(a, b *Dimension) int { return cmp.Compare(a.Rulebook.ID, b.Rulebook.ID) })

	ids := map[string]Pos{}
	use := func(id string, pos Pos) {
		if prev, dup := ids[id]; dup && prev != pos {
			errs.add(pos.errorf(id, "duplicate rule id: also %s:%d:%d", prev.File, prev.Line, prev.Col))
			return
		}
		ids[id] = pos
	}
	var exprs []*Expr
	for i, dim := range p.Dimensions {
		dim.Index = i
		what := "dimension " + dim.ID
		checkBands(dim.Bands, dim.Grades, what+": bands", errs)
		checkGrades(dim.Grades, dim.Direct, dim.Special, dim.Caps, errs)
		finish(dim)
		exprs = append(exprs, dim.Applies, dim.Start)
		for _, r := range dim.Rules {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When, r.Points)
		}
		for _, r := range dim.Adjustments {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When, r.Points)
		}
		for _, r := range dim.Direct {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When)
		}
		for _, r := range dim.Special {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When)
		}
		for _, r := range dim.Caps {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When)
		}
		for _, c := range dim.Categories {
			if !slices.Contains(p.byCategory[c], dim) {
				p.byCategory[c] = append(p.byCategory[c], dim)
			}
		}
	}
	if c := p.Comprehensive; c != nil {
		exprs = append(exprs, c.Score)
		for _, r := range c.Caps {
			use(r.ID, r.Pos)
			exprs = append(exprs, r.When)
		}
	}
	p.Offsets = []time.Duration{0}
	for _, e := range exprs {
		if !e.UsesAsOf() {
			continue
		}
		for _, o := range e.offsets {
			if !slices.Contains(p.Offsets, o) {
				p.Offsets = append(p.Offsets, o)
			}
		}
		for _, t := range e.instant {
			if !slices.ContainsFunc(p.Instants, t.Equal) {
				p.Instants = append(p.Instants, t)
			}
		}
	}
	slices.Sort(p.Offsets)
	slices.SortFunc(p.Instants, time.Time.Compare)
	return p
}

// applyOverlay changes dim (a copy owned by the plan) as ov says.
func applyOverlay(dim *Dimension, ov *Overlay, errs *errorList) {
	if ov.Grades != nil {
		dim.Grades = ov.Grades
	}
	if ov.Bands != nil {
		dim.Bands = ov.Bands
	}
	if ov.hasDirect {
		dim.Direct = ov.Direct
	}
	if ov.hasCaps {
		dim.Caps = ov.Caps
	}
	if ov.hasSpecial {
		dim.Special = ov.Special
	}
	rules := slices.Clone(dim.Rules)
	for _, r := range ov.Replace {
		i := slices.IndexFunc(rules, func(x *Rule) bool { return x.ID == r.ID })
		if i < 0 {
			errs.add(r.Pos.errorf(r.ID, "replace: dimension %s has no rule %q", dim.ID, r.ID))
			continue
		}
		rules[i] = r
	}
	for _, r := range ov.Add {
		if slices.ContainsFunc(rules, func(x *Rule) bool { return x.ID == r.ID }) {
			errs.add(r.Pos.errorf(r.ID, "add: dimension %s already has rule %q (use replace)", dim.ID, r.ID))
			continue
		}
		rules = append(rules, r)
	}
	direct, special, caps := slices.Clone(dim.Direct), slices.Clone(dim.Special), slices.Clone(dim.Caps)
	for _, ref := range ov.Disable {
		n := len(rules) + len(direct) + len(special) + len(caps)
		rules = slices.DeleteFunc(rules, func(x *Rule) bool { return x.ID == ref.ID })
		direct = slices.DeleteFunc(direct, func(x *Direct) bool { return x.ID == ref.ID })
		special = slices.DeleteFunc(special, func(x *Special) bool { return x.ID == ref.ID })
		caps = slices.DeleteFunc(caps, func(x *Cap) bool { return x.ID == ref.ID })
		if len(rules)+len(direct)+len(special)+len(caps) == n {
			errs.add(ref.Pos.errorf(ref.ID, "disable: dimension %s has no rule %q", dim.ID, ref.ID))
		}
	}
	dim.Rules, dim.Direct, dim.Special, dim.Caps = rules, direct, special, caps
}

// finish copies the dimension's rules (so that their Order is the plan's)
// and builds its indexes.
func finish(dim *Dimension) {
	order := 0
	dim.rank = ranks(dim.Grades)
	dim.byKind = map[string]KindRules{}
	dim.usesRecords = dim.Applies.UsesRecords() || dim.Start.UsesRecords()
	dim.usesPrevious = dim.Applies.UsesPrevious() || dim.Start.UsesPrevious()
	rules := make([]*Rule, len(dim.Rules))
	for i, r := range dim.Rules {
		c := *r
		c.Order = order
		order++
		rules[i] = &c
		for _, k := range c.Kinds {
			if kr := dim.byKind[k]; !slices.Contains(kr.Rules, &c) {
				kr.Rules = append(kr.Rules, &c)
				dim.byKind[k] = kr
			}
		}
		dim.usesRecords = dim.usesRecords || c.When.UsesRecords() || c.Points.UsesRecords()
		dim.usesPrevious = dim.usesPrevious || c.When.UsesPrevious() || c.Points.UsesPrevious()
	}
	adjustments := make([]*Adjustment, len(dim.Adjustments))
	for i, r := range dim.Adjustments {
		c := *r
		c.Order = order
		order++
		adjustments[i] = &c
		dim.usesRecords = dim.usesRecords || c.When.UsesRecords() || c.Points.UsesRecords()
		dim.usesPrevious = dim.usesPrevious || c.When.UsesPrevious() || c.Points.UsesPrevious()
	}
	direct := make([]*Direct, len(dim.Direct))
	for i, r := range dim.Direct {
		c := *r
		c.Order = order
		order++
		direct[i] = &c
		for _, k := range c.Kinds {
			if kr := dim.byKind[k]; !slices.Contains(kr.Direct, &c) {
				kr.Direct = append(kr.Direct, &c)
				dim.byKind[k] = kr
			}
		}
		dim.usesRecords = dim.usesRecords || c.When.UsesRecords()
		dim.usesPrevious = dim.usesPrevious || c.When.UsesPrevious()
	}
	special := make([]*Special, len(dim.Special))
	for i, r := range dim.Special {
		c := *r
		c.Order = order
		order++
		special[i] = &c
		dim.usesRecords = dim.usesRecords || c.When.UsesRecords()
		dim.usesPrevious = dim.usesPrevious || c.When.UsesPrevious()
	}
	caps := make([]*Cap, len(dim.Caps))
	for i, r := range dim.Caps {
		c := *r
		c.Order = order
		order++
		caps[i] = &c
		dim.usesRecords = dim.usesRecords || c.When.UsesRecords()
		dim.usesPrevious = dim.usesPrevious || c.When.UsesPrevious()
	}
	dim.Rules, dim.Adjustments, dim.Direct, dim.Special, dim.Caps = rules, adjustments, direct, special, caps
}

// Rulebooks returns the set's rulebook versions by id, then effective_from.
func (s *Set) Rulebooks() []*Rulebook { return slices.Clone(s.books) }

// Plan returns what applies at asOf to an organization of division (6
// digits; a shorter or empty code matches only national rulebooks and the
// prefixes it starts with), and the time the plan ends (zero: no later
// version is known).
func (s *Set) Plan(asOf time.Time, division string) (*Plan, time.Time) {
	if s == nil {
		return emptyPlan, time.Time{}
	}
	c := 0
	for l := min(len(division), 6); l >= 1; l-- {
		if i, ok := s.classes[division[:l]]; ok {
			c = i
			break
		}
	}
	tl := s.timeline[c]
	i := sort.Search(len(tl), func(i int) bool { return tl[i].from.After(asOf) })
	var until time.Time
	if i < len(tl) {
		until = tl[i].from
	}
	if i == 0 {
		return emptyPlan, until
	}
	return tl[i-1].plan, until
}
