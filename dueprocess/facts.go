package dueprocess

import (
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/lists"
)

// facts are what measure conditions see of code at asOf.
func (s *Effects) facts(code string, versions []*credo.Subject, records []*credo.Record, a *credo.Assessment, entries []*credo.ListEntry, asOf time.Time) *lists.Facts {
	f := &lists.Facts{Code: code, Org: assess.Registration(versions, asOf), Records: assess.InForce(nil, records, asOf), Assessment: a, AsOf: asOf}
	seen := map[string]bool{}
	for _, e := range entries {
		if e.KnownAt(asOf) && e.StateAt(asOf).Status == credo.ListActive && !seen[e.List] {
			seen[e.List] = true
			f.Lists = append(f.Lists, e.List)
		}
	}
	return f
}
