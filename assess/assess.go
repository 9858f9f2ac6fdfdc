package assess

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// Assess computes the assessment of organization code as of asOf from its
// registration versions (any order; none: unregistered) and all its
// records (superseded and retraction records included), under the
// rulebook versions of set in effect at asOf that apply to the
// organization's division (the registration's, or code positions 3-8).
//
// Only what was recorded by asOf is used: the latest registration version
// recorded by then and the records recorded by then that are in force (not
// retracted, not superseded by a record recorded by then, not repaired by
// then: see InForce). A zero RecordedAt counts as recorded from the
// beginning. Assess is safe for concurrent use.
func Assess(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record, asOf time.Time) (*credo.Assessment, error) {
	return AssessWithPartners(set, code, versions, records, nil, asOf)
}

// AssessWithPartners is Assess with what is known of the organization's
// partners as of asOf (nil: nothing), for the dimensions whose rulebooks
// read partners (a `partners:` section): the grade is a function of the
// records, the partners, the rulebooks and asOf.
func AssessWithPartners(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record, partners *credo.Partners, asOf time.Time) (*credo.Assessment, error) {
	st := states.Get().(*state)
	defer st.release()
	a, err := st.assess(set, code, versions, records, partners, asOf)
	if err != nil {
		return nil, fmt.Errorf("assess %s as of %s: %w", code, asOf.UTC().Format(time.RFC3339), err)
	}
	return a, nil
}

var states = sync.Pool{New: func() any { return new(state) }}

// state is the scratch space of one assessment, reused.
type state struct {
	inForce    []*credo.Record
	recs       []recordVal
	dimRecs    []int
	dimRecords []*credo.Record
	anchored   []int   // records of the plan's dimensions (for NextChange)
	buckets    [][]int // each dimension's records, by index in inForce
	listBuf    []ref.Val
	scored     []scored
	limited    []limitedCandidate
	counts     []int
	superseded []int64
	key        []byte
	org        orgVal
	vars       vars
}

// scored is a contribution with the place of its rule, for sorting.
type scored struct {
	order int
	c     credo.Contribution
}

// release returns st to the pool. The scratch slices keep pointers to the
// records of the last assessment until they are overwritten or the pool
// drops st (at the next garbage collections), unless they are large.
func (st *state) release() {
	const large = 4096
	if cap(st.inForce) > large {
		st.inForce, st.recs, st.dimRecs, st.dimRecords, st.anchored, st.buckets = nil, nil, nil, nil, nil, nil
	}
	if cap(st.listBuf) > large {
		st.listBuf = nil
	}
	if cap(st.scored) > large {
		st.scored = nil
	}
	st.listBuf = st.listBuf[:0]
	st.scored = st.scored[:0]
	states.Put(st)
}

func (st *state) assess(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record, partners *credo.Partners, asOf time.Time) (*credo.Assessment, error) {
	plan, planUntil, reg := st.load(set, code, versions, records, asOf, asOf)
	defer st.closeFrame()

	a := &credo.Assessment{
		Subject:    code,
		AsOf:       credo.NewTime(asOf),
		Dimensions: make(map[string]*credo.Dimension, len(plan.Dimensions)),
		Rulebooks:  slices.Clone(plan.Refs),
	}
	next := newNext(asOf)
	next.add(planUntil)
	var graded []*rulebook.Dimension
	for _, dim := range plan.Dimensions {
		if dim.Partners != nil && dim.Partners.Rules != nil {
			continue // made of partners alone: below
		}
		if dim.Annual() {
			d, err := st.annual(set, code, versions, records, dim, asOf, next)
			if err != nil {
				return nil, fmt.Errorf("dimension %s: %w", dim.ID, err)
			}
			if d != nil {
				a.Dimensions[dim.ID] = d
				if d.Grade != "" {
					graded = append(graded, dim)
				}
			}
			continue
		}
		d, _, err := st.dimension(dim, asOf, next, nil)
		if err != nil {
			return nil, fmt.Errorf("dimension %s: %w", dim.ID, err)
		}
		if d != nil {
			a.Dimensions[dim.ID] = d
			graded = append(graded, dim)
		}
	}
	if partners == nil {
		partners = &credo.Partners{}
	}
	for _, dim := range plan.Dimensions {
		if dim.Partners == nil {
			continue
		}
		if dim.Partners.Rules != nil {
			d, err := st.partnerDimension(dim, code, partners.Counted, asOf)
			if err != nil {
				return nil, fmt.Errorf("dimension %s: %w", dim.ID, err)
			}
			if d != nil {
				a.Dimensions[dim.ID] = d
			}
		}
		if dim.Partners.Direct != nil {
			d, err := st.partnerDirect(dim, code, a.Dimensions[dim.ID], partners.Direct, asOf)
			if err != nil {
				return nil, fmt.Errorf("dimension %s: %w", dim.ID, err)
			}
			if d != nil {
				a.Dimensions[dim.ID] = d
			}
		}
	}
	graded = graded[:0]
	for _, dim := range plan.Dimensions {
		if d := a.Dimensions[dim.ID]; d != nil && d.Grade != "" {
			graded = append(graded, dim)
		}
	}
	if c := plan.Comprehensive; c != nil {
		if err := st.comprehensive(c, graded, a); err != nil {
			return nil, fmt.Errorf("comprehensive: %w", err)
		}
	}
	// A repaired record stops counting at its RepairedAt: whatever it
	// contributes (points, a direct grade, its place in records, max_times
	// slots, whether the dimension applies) ends then.
	for _, i := range st.anchored {
		if r := st.inForce[i]; !r.RepairedAt.IsZero() {
			next.add(r.RepairedAt.Time)
		}
	}
	// Thresholds in expressions that read as_of: the organization's and
	// the records' timestamps plus or minus the durations written.
	if len(plan.Offsets) > 1 || len(plan.Instants) > 0 {
		if reg != nil {
			next.anchor(reg.Established.Time, plan.Offsets)
		}
		for _, i := range st.anchored {
			r := st.inForce[i]
			next.anchor(r.OccurredAt.Time, plan.Offsets)
			next.anchor(r.ValidUntil.Time, plan.Offsets)
		}
		for _, t := range plan.Instants {
			next.add(t)
		}
	}
	a.NextChange = credo.NewTime(next.t)
	if next.t.IsZero() {
		a.NextChange = credo.Time{}
	}
	return a, nil
}

// load prepares st to evaluate the organization as of asOf (the time the
// expressions see) from what the registry knew at known: the registration
// and the records in force then, and the plan of the rulebooks in force at
// asOf. It returns the plan, when it ends, and the registration.
func (st *state) load(set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record, asOf, known time.Time) (*rulebook.Plan, time.Time, *credo.Subject) {
	reg := Registration(versions, known)
	division := Division(code, reg)
	plan, planUntil := set.Plan(asOf, division)
	st.inForce, st.superseded = inForce(st.inForce[:0], st.superseded, records, known)
	if known.After(asOf) {
		// Evaluating a past year with what is known since: what happened
		// after it is not part of it.
		st.inForce = slices.DeleteFunc(st.inForce, func(r *credo.Record) bool { return r.OccurredAt.After(asOf) })
	}
	if cap(st.recs) < len(st.inForce) {
		st.recs = make([]recordVal, len(st.inForce), max(len(st.inForce), 16))
	}
	st.recs = st.recs[:len(st.inForce)]
	for i, r := range st.inForce {
		st.recs[i].reset(r)
	}
	st.anchored = st.anchored[:0]
	st.org.reset(reg, code, division)
	st.vars.reset(st, asOf)
	// The records of each dimension, by index in inForce, in one pass.
	if cap(st.buckets) < len(plan.Dimensions) {
		st.buckets = make([][]int, len(plan.Dimensions))
	}
	st.buckets = st.buckets[:len(plan.Dimensions)]
	for i := range st.buckets {
		st.buckets[i] = st.buckets[i][:0]
	}
	for i, r := range st.inForce {
		dims := plan.DimensionsFor(r.Category)
		for _, dim := range dims {
			st.buckets[dim.Index] = append(st.buckets[dim.Index], i)
		}
		if len(dims) > 0 {
			st.anchored = append(st.anchored, i)
		}
	}
	return plan, planUntil, reg
}

func (st *state) closeFrame() {
	if st.vars.frame != nil {
		st.vars.frame.Close()
		st.vars.frame = nil
	}
}
