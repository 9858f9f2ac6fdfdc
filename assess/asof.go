package assess

import (
	"cmp"
	"slices"
	"time"

	"github.com/credo-registry/credo"
)

// Registration returns the registration version in force at asOf: the
// latest recorded by then (zero RecordedAt: from the beginning), or nil.
func Registration(versions []*credo.Subject, asOf time.Time) *credo.Subject {
	var best *credo.Subject
	for _, v := range versions {
		if v == nil || v.RecordedAt.After(asOf) {
			continue
		}
		if best == nil || v.RecordedAt.After(best.RecordedAt.Time) ||
			v.RecordedAt.Equal(best.RecordedAt.Time) && v.Version >= best.Version {
			best = v
		}
	}
	return best
}

// Division returns the division an organization is assessed in: its
// registration's, or code positions 3-8.
func Division(code string, reg *credo.Subject) string {
	if reg != nil && reg.Division != "" {
		return reg.Division
	}
	if len(code) == 18 {
		return code[2:8]
	}
	return ""
}

// InForce returns the records of records that are in force as of asOf:
// recorded by then, not retractions, not superseded by a record recorded
// by then, and not repaired by then (a record with a RepairedAt at or
// before asOf counts for nothing, as if retracted at RepairedAt; it still
// supersedes what it corrects). They are appended to dst by id.
func InForce(dst, records []*credo.Record, asOf time.Time) []*credo.Record {
	dst, _ = inForce(dst, nil, records, asOf)
	return dst
}

// inForce is InForce with scratch space for the superseded ids.
func inForce(dst []*credo.Record, superseded []int64, records []*credo.Record, asOf time.Time) ([]*credo.Record, []int64) {
	superseded = superseded[:0]
	for _, r := range records {
		if r == nil || r.RecordedAt.After(asOf) {
			continue
		}
		switch {
		case r.Supersedes != 0:
			superseded = append(superseded, r.Supersedes)
		case r.SupersedesExternalID != "":
			for _, x := range records {
				if x != nil && x != r && x.ExternalID == r.SupersedesExternalID && x.Authority == r.Authority {
					superseded = append(superseded, x.ID)
				}
			}
		}
	}
	isSuperseded := func(id int64) bool { return slices.Contains(superseded, id) }
	if len(superseded) > 16 {
		slices.Sort(superseded)
		isSuperseded = func(id int64) bool { _, ok := slices.BinarySearch(superseded, id); return ok }
	}
	n := len(dst)
	for _, r := range records {
		if r == nil || r.RecordedAt.After(asOf) || r.Kind == credo.KindRetraction || repaired(r, asOf) || isSuperseded(r.ID) {
			continue
		}
		dst = append(dst, r)
	}
	byID := func(a, b *credo.Record) int { return cmp.Compare(a.ID, b.ID) }
	if !slices.IsSortedFunc(dst[n:], byID) { // records come by id from the store
		slices.SortFunc(dst[n:], byID)
	}
	return dst, superseded
}

// repaired reports whether an approved credit repair has ended r by asOf.
func repaired(r *credo.Record, asOf time.Time) bool {
	return !r.RepairedAt.IsZero() && !asOf.Before(r.RepairedAt.Time)
}

// countsUntil returns when r stops counting under a rule that counts it
// for d from its decision date: occurred_at + d, or its RepairedAt when
// earlier.
func countsUntil(r *credo.Record, d time.Duration) time.Time {
	until := r.OccurredAt.Add(d)
	if !r.RepairedAt.IsZero() && r.RepairedAt.Before(until) {
		return r.RepairedAt.Time
	}
	return until
}
