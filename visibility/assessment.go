package visibility

import (
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// Assessment returns a as v may see it, on a copy (a itself when v sees
// everything about the organization):
//   - a dimension when its grade is public, or when v is an authority over
//     the organization in a field the dimension counts;
//   - of a dimension's contributions, those about no record and those
//     about records v may see (record reports it);
//   - the comprehensive grade when the rulebooks mark it public;
//   - the comprehensive score and reasons only when v sees every
//     dimension they are derived from: otherwise ScoreWithheld is set, so
//     that a hidden grade cannot be worked out from the score and the
//     grades shown.
func (p *Policy) Assessment(v credo.Viewer, a *credo.Assessment, record func(id int64) bool) *credo.Assessment {
	if a == nil || Whole(v, a.Subject) {
		return a
	}
	out := *a
	out.Dimensions = map[string]*credo.Dimension{}
	hidden := false
	for id, d := range a.Dimensions {
		if !d.Public && !p.dimensionFull(v, a, id) {
			hidden = true
			continue
		}
		dc := visibleContributions(d, record)
		if d.Provisional != nil { // an annual dimension's running figure: the same records
			dc.Provisional = visibleContributions(d.Provisional, record)
		}
		out.Dimensions[id] = dc
	}
	if !a.Public {
		out.Grade, out.Score, out.Reasons = "", 0, nil
	} else if hidden {
		out.Score, out.Reasons, out.ScoreWithheld = 0, nil, true
	}
	return &out
}

// visibleContributions returns a copy of d with the contributions about no
// record and about records record reports visible.
func visibleContributions(d *credo.Dimension, record func(id int64) bool) *credo.Dimension {
	dc := *d
	dc.Contributions = []credo.Contribution{}
	for _, c := range d.Contributions {
		if c.Record == 0 || record != nil && record(c.Record) {
			dc.Contributions = append(dc.Contributions, c)
		}
	}
	return &dc
}

// dimensionFull reports whether v, an authority, sees the dimension id of
// a: its jurisdiction covers the organization and its categories include
// one the dimension counts (under the rulebooks in force at a's time).
func (p *Policy) dimensionFull(v credo.Viewer, a *credo.Assessment, id string) bool {
	if v.Role != credo.RoleAuthority || p == nil || p.rules == nil {
		return false
	}
	set := p.rules.Set()
	if set == nil {
		return false
	}
	plan, _ := set.Plan(a.AsOf.Time, division(a.Subject))
	if plan == nil {
		return false
	}
	i := slices.IndexFunc(plan.Dimensions, func(d *rulebook.Dimension) bool { return d.ID == id })
	return i >= 0 && FullAny(v, a.Subject, plan.Dimensions[i].Categories)
}

// Records returns, for each of records, whether v may see it at now: the
// record argument of Assessment.
func (p *Policy) Records(v credo.Viewer, records []*credo.Record, now time.Time) func(id int64) bool {
	seen := make(map[int64]bool, len(records))
	for _, r := range records {
		seen[r.ID] = p.Record(v, r, now)
	}
	return func(id int64) bool { return seen[id] }
}
