package rulebook

import (
	"slices"
	"time"

	"github.com/credo-registry/credo"
)

// Window is when a record is shown publicly: from From until Until (zero:
// no end; equal to From: not at all, as for unmarked information of a
// marked_only row), with credit repair possible from RepairFrom (Until when
// the row gives no min; zero when no row matched).
type Window struct {
	From, RepairFrom, Until time.Time
	// Row is the publicity row that set the window, nil when none matched.
	Row *PublicityRow
}

// Publicity returns r's publicity window under the rules in effect at
// asOf for the division of r's subject (code positions 3-8): the first row,
// in the plan's order, whose filters match r and whose regime was in force
// at r's decision date (From <= occurred_at < Until). A record no row
// matches is public from its decision date with no end (licences,
// honours). Where a record restricts for longer than the row's max
// (valid_until later), it is shown for its length (DOMAIN section 4).
func (s *Set) Publicity(r *credo.Record, asOf time.Time) Window {
	division := ""
	if len(r.Subject) == 18 {
		division = r.Subject[2:8]
	}
	p, _ := s.Plan(asOf, division)
	return p.Window(r)
}

// Window returns r's publicity window under the plan's rows.
func (p *Plan) Window(r *credo.Record) Window {
	at := r.OccurredAt.Time
	w := Window{From: at}
	for _, row := range p.Publicity {
		if !row.matches(r) {
			continue
		}
		w.Row = row
		if row.MarkedOnly && !r.Publish {
			// Not shown at all unless its authority marked it so.
			w.Until, w.RepairFrom = at, at
			return w
		}
		w.Until = at.Add(row.Max.Duration())
		w.RepairFrom = w.Until
		if row.HasMin {
			w.RepairFrom = at.Add(row.Min.Duration())
		}
		if !r.ValidUntil.IsZero() && r.ValidUntil.After(w.Until) {
			w.Until = r.ValidUntil.Time
		}
		return w
	}
	return w
}

func (row *PublicityRow) matches(r *credo.Record) bool {
	at := r.OccurredAt.Time
	if at.Before(row.From) || !row.Until.IsZero() && !at.Before(row.Until) {
		return false
	}
	if row.Kinds != nil && !slices.Contains(row.Kinds, r.Kind) {
		return false
	}
	if row.Categories != nil && !slices.Contains(row.Categories, r.Category) {
		return false
	}
	if row.Severity != nil && !slices.Contains(row.Severity, r.Severity) {
		return false
	}
	if row.PenaltyTypes != nil && !slices.ContainsFunc(r.PenaltyTypes, func(t string) bool { return slices.Contains(row.PenaltyTypes, t) }) {
		return false
	}
	if row.OnlyPenaltyTypes && slices.ContainsFunc(r.PenaltyTypes, func(t string) bool { return !slices.Contains(row.PenaltyTypes, t) }) {
		return false
	}
	return true
}
