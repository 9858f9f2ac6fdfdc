package assess

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// recordsList is the CEL list of the records at idx (in inForce), made
// when cel-go first reads `records`.
func (st *state) recordsList(idx []int) ref.Val {
	start := len(st.listBuf)
	for _, i := range idx {
		st.listBuf = append(st.listBuf, &st.recs[i])
	}
	return types.NewRefValList(types.DefaultTypeAdapter, st.listBuf[start:len(st.listBuf):len(st.listBuf)])
}

// dimension grades the organization in dim, or returns nil when it is not
// graded there. It follows the order of docs/RULEBOOKS.md: the score (start
// and the points of the rules that count), its band, a special grade
// unless a direct grade applies, the worst direct grade, then the caps.
//
// prev is the evaluation of the year before, for an annual dimension's
// `previous` (nil: none). It also reports whether the grade was assigned
// directly.
func (st *state) dimension(dim *rulebook.Dimension, asOf time.Time, next *nextChange, prev *evaluation) (*credo.Dimension, bool, error) {
	st.dimRecs, st.dimRecords = st.buckets[dim.Index], st.dimRecords[:0]
	for _, i := range st.dimRecs {
		st.dimRecords = append(st.dimRecords, st.inForce[i])
	}
	v := &st.vars
	v.record, v.records, v.recordIdx, v.dims, v.count = nil, nil, st.dimRecs, nil, len(st.dimRecs)
	v.input.Record, v.input.Records = nil, st.dimRecords
	v.previous, v.score = prev.value(), nil
	v.input.Previous, v.input.Score, v.input.ScoreOK = prev.native(), 0, false
	if dim.Applies != nil {
		ok, err := dim.Applies.Bool(v)
		if err != nil || !ok {
			return nil, false, err
		}
	} else if len(st.dimRecs) == 0 {
		return nil, false, nil
	}
	start, err := dim.Start.Number(v)
	if err != nil {
		return nil, false, err
	}
	st.scored = st.scored[:0]
	if cap(st.counts) < len(dim.Rules) {
		st.counts = make([]int, len(dim.Rules))
	}
	st.counts = st.counts[:len(dim.Rules)]
	clear(st.counts)
	score := start
	// Point rules and direct grades, by record.
	worst, directs := -1, 0
	for _, i := range st.dimRecs {
		r := st.inForce[i]
		kr := dim.ForKind(r.Kind)
		rules, direct := kr.Rules, kr.Direct
		if len(rules) == 0 && len(direct) == 0 {
			continue
		}
		v.record, v.input.Record = &st.recs[i], r
		for _, rule := range rules {
			until := periodUntil(dim, r, rule.CountsFor)
			if !asOf.Before(until) {
				continue
			}
			if rule.When != nil {
				ok, err := rule.When.Bool(v)
				if err != nil {
					return nil, false, recordError(r, err)
				}
				if !ok {
					continue
				}
			}
			pts, err := rule.Points.Number(v)
			if err != nil {
				return nil, false, recordError(r, err)
			}
			if rule.MaxTimes > 0 {
				st.limited = append(st.limited, limitedCandidate{rule, r, pts})
				continue
			}
			score += pts
			st.scored = append(st.scored, pointContribution(rule, r, pts, until))
		}
		for _, rule := range direct {
			until := periodUntil(dim, r, rule.For)
			if !asOf.Before(until) {
				continue
			}
			if rule.When != nil {
				ok, err := rule.When.Bool(v)
				if err != nil {
					return nil, false, recordError(r, err)
				}
				if !ok {
					continue
				}
			}
			if rk := dim.Rank(rule.Grade); rk > worst {
				worst = rk
			}
			directs++
			st.scored = append(st.scored, scored{rule.Order, credo.Contribution{
				Record: r.ID, Rule: rule.ID, Rulebook: rule.Rulebook.ID, Grade: rule.Grade,
				Reason: or(rule.Reason, rule.Description, rule.ID), Basis: rule.Basis,
				Until: credo.NewTime(until),
			}})
		}
	}
	v.record, v.input.Record = nil, nil
	if len(st.limited) > 0 {
		// A rule with max_times counts its earliest records.
		slices.SortFunc(st.limited, func(a, b limitedCandidate) int {
			return cmp.Or(cmp.Compare(a.rule.Order, b.rule.Order),
				a.r.OccurredAt.Compare(b.r.OccurredAt.Time), cmp.Compare(a.r.ID, b.r.ID))
		})
		for _, c := range st.limited {
			if st.counts[c.rule.Order] < c.rule.MaxTimes {
				st.counts[c.rule.Order]++
				score += c.pts
				st.scored = append(st.scored, pointContribution(c.rule, c.r, c.pts, periodUntil(dim, c.r, c.rule.CountsFor)))
			}
		}
		clear(st.limited)
		st.limited = st.limited[:0]
	}
	for _, adj := range dim.Adjustments {
		ok, err := adj.When.Bool(v)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		pts, err := adj.Points.Number(v)
		if err != nil {
			return nil, false, err
		}
		score += pts
		st.scored = append(st.scored, scored{adj.Order, credo.Contribution{
			Rule: adj.ID, Rulebook: adj.Rulebook.ID, Points: pts, Reason: or(adj.Description, adj.ID), Basis: adj.Basis,
		}})
	}
	if dim.Floor != nil && score < *dim.Floor {
		score = *dim.Floor
	}
	if dim.Ceiling != nil && score > *dim.Ceiling {
		score = *dim.Ceiling
	}
	v.score = types.Double(score)
	v.input.Score, v.input.ScoreOK = score, true
	out := &credo.Dimension{Title: dim.Title, Public: dim.Public, Start: start, Score: score, Grade: dim.Band(score), Basis: dim.Basis}
	if directs > 0 {
		out.Grade = dim.Grades[worst]
		for _, s := range st.scored {
			if s.c.Grade == out.Grade && s.c.Record != 0 && !slices.Contains(out.Reasons, s.c.Reason) {
				out.Reasons = append(out.Reasons, s.c.Reason)
			}
		}
	} else {
		for _, sp := range dim.Special {
			ok, err := sp.When.Bool(v)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			out.Grade = sp.Grade
			reason := or(sp.Reason, sp.Description, sp.ID)
			out.Reasons = append(out.Reasons, reason)
			st.scored = append(st.scored, scored{sp.Order, credo.Contribution{
				Rule: sp.ID, Rulebook: sp.Rulebook.ID, Grade: sp.Grade, Reason: reason,
				Basis: sp.Basis,
			}})
			break
		}
	}
	for _, c := range dim.Caps {
		if dim.Rank(out.Grade) >= dim.Rank(c.MaxGrade) {
			continue // not better than the cap: it cannot change anything
		}
		ok, err := c.When.Bool(v)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		out.Grade = c.MaxGrade
		reason := or(c.Reason, c.Description, c.ID)
		out.Reasons = append(out.Reasons, reason)
		st.scored = append(st.scored, scored{c.Order, credo.Contribution{
			Rule: c.ID, Rulebook: c.Rulebook.ID, Grade: c.MaxGrade, Reason: reason,
			Basis: c.Basis,
		}})
	}
	slices.SortFunc(st.scored, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.c.Record, b.c.Record))
	})
	out.Contributions = make([]credo.Contribution, len(st.scored))
	for i, s := range st.scored {
		out.Contributions[i] = s.c
		next.add(s.c.Until.Time)
	}
	return out, directs > 0, nil
}

// periodUntil returns when r stops counting under a rule that counts it
// for p: from its decision date (countsUntil), or, in an annual dimension,
// for p's years as evaluation years: a record of 2024 counted for 2y counts
// in the evaluations of 2024 and 2025.
func periodUntil(dim *rulebook.Dimension, r *credo.Record, p rulebook.Period) time.Time {
	if !dim.Annual() || p.Unit != "y" {
		return countsUntil(r, p.Duration())
	}
	until := time.Date(r.OccurredAt.UTC().Year()+p.N, 1, 1, 0, 0, 0, 0, time.UTC)
	if !r.RepairedAt.IsZero() && r.RepairedAt.Before(until) {
		return r.RepairedAt.Time
	}
	return until
}

// limitedCandidate is a record a rule with max_times may count.
type limitedCandidate struct {
	rule *rulebook.Rule
	r    *credo.Record
	pts  float64
}

func pointContribution(rule *rulebook.Rule, r *credo.Record, pts float64, until time.Time) scored {
	return scored{rule.Order, credo.Contribution{
		Record: r.ID, Rule: rule.ID, Rulebook: rule.Rulebook.ID, Points: pts,
		Reason: or(rule.Description, rule.ID), Basis: rule.Basis,
		Until: credo.NewTime(until),
	}}
}

func recordError(r *credo.Record, err error) error {
	return fmt.Errorf("record %d: %w", r.ID, err)
}

// or returns the first non-empty string.
func or(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
