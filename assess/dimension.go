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
func (st *state) dimension(dim *rulebook.Dimension, asOf time.Time, next *nextChange) (*credo.Dimension, error) {
	st.dimRecs, st.dimRecords = st.buckets[dim.Index], st.dimRecords[:0]
	for _, i := range st.dimRecs {
		st.dimRecords = append(st.dimRecords, st.inForce[i])
	}
	v := &st.vars
	v.record, v.records, v.recordIdx, v.dims, v.count = nil, nil, st.dimRecs, nil, len(st.dimRecs)
	v.input.Record, v.input.Records = nil, st.dimRecords
	if dim.Applies != nil {
		ok, err := dim.Applies.Bool(v)
		if err != nil || !ok {
			return nil, err
		}
	} else if len(st.dimRecs) == 0 {
		return nil, nil
	}
	start, err := dim.Start.Number(v)
	if err != nil {
		return nil, err
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
			until := countsUntil(r, rule.CountsFor.Duration())
			if !asOf.Before(until) {
				continue
			}
			if rule.When != nil {
				ok, err := rule.When.Bool(v)
				if err != nil {
					return nil, recordError(r, err)
				}
				if !ok {
					continue
				}
			}
			pts, err := rule.Points.Number(v)
			if err != nil {
				return nil, recordError(r, err)
			}
			if rule.MaxTimes > 0 {
				st.limited = append(st.limited, limitedCandidate{rule, r, pts})
				continue
			}
			score += pts
			st.scored = append(st.scored, pointContribution(rule, r, pts, until))
		}
		for _, rule := range direct {
			until := countsUntil(r, rule.For.Duration())
			if !asOf.Before(until) {
				continue
			}
			if rule.When != nil {
				ok, err := rule.When.Bool(v)
				if err != nil {
					return nil, recordError(r, err)
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
				Reason: or(rule.Reason, rule.Description, rule.ID), LegalBasis: or(rule.LegalBasis, rule.Rulebook.LegalBasis),
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
				st.scored = append(st.scored, pointContribution(c.rule, c.r, c.pts, countsUntil(c.r, c.rule.CountsFor.Duration())))
			}
		}
		clear(st.limited)
		st.limited = st.limited[:0]
	}
	if dim.Floor != nil && score < *dim.Floor {
		score = *dim.Floor
	}
	if dim.Ceiling != nil && score > *dim.Ceiling {
		score = *dim.Ceiling
	}
	out := &credo.Dimension{Title: dim.Title, Public: dim.Public, Start: start, Score: score, Grade: dim.Band(score)}
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
				return nil, err
			}
			if !ok {
				continue
			}
			out.Grade = sp.Grade
			reason := or(sp.Reason, sp.Description, sp.ID)
			out.Reasons = append(out.Reasons, reason)
			st.scored = append(st.scored, scored{sp.Order, credo.Contribution{
				Rule: sp.ID, Rulebook: sp.Rulebook.ID, Grade: sp.Grade, Reason: reason,
				LegalBasis: or(sp.LegalBasis, sp.Rulebook.LegalBasis),
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
			return nil, err
		}
		if !ok {
			continue
		}
		out.Grade = c.MaxGrade
		reason := or(c.Reason, c.Description, c.ID)
		out.Reasons = append(out.Reasons, reason)
		st.scored = append(st.scored, scored{c.Order, credo.Contribution{
			Rule: c.ID, Rulebook: c.Rulebook.ID, Grade: c.MaxGrade, Reason: reason,
			LegalBasis: or(c.LegalBasis, c.Rulebook.LegalBasis),
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
	return out, nil
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
		Reason: or(rule.Description, rule.ID), LegalBasis: or(rule.LegalBasis, rule.Rulebook.LegalBasis),
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
