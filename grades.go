package credo

import (
	"context"
	"time"
)

// CurrentGrade is what a list of organizations shows of one organization's
// current assessment: its comprehensive grade, whether the public may see
// it, and when the assessment was made and next changes by time alone. It
// is the stored assessment's, without its explanation (dimensions,
// contributions) to read and decode.
type CurrentGrade struct {
	Subject    string `json:"subject"`
	Grade      string `json:"grade"`
	Public     bool   `json:"public"` // the assessment's Public
	AsOf       Time   `json:"as_of"`
	NextChange Time   `json:"next_change,omitzero"`
}

// GradeReader reads many organizations' current grades at once (a page of
// search results).
type GradeReader interface {
	// CurrentGrades returns the CurrentGrade of the stored current
	// assessment of each of codes that has one, in the order of codes; a
	// code never assessed (or not registered) is left out, and a code given
	// twice is returned once. Grade, Public, AsOf and NextChange are those
	// CurrentAssessment returns.
	CurrentGrades(ctx context.Context, codes []string) ([]CurrentGrade, error)
}

// HoldsAt reports whether the assessment g is read from is still the
// assessment at t, as Assessment.HoldsAt.
func (g CurrentGrade) HoldsAt(t time.Time) bool {
	return g.NextChange.IsZero() || g.NextChange.After(t)
}
