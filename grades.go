package credo

import "context"

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
