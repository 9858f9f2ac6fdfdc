package assess

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// TestResult is the outcome of one rulebook test case. Diff explains every
// mismatch, one per line, each with the file:line of what was expected.
type TestResult struct {
	Case rulebook.TestCase
	Pass bool
	Diff string
	// Assessment is what the rulebooks said (nil when assessing failed).
	Assessment *credo.Assessment
}

// RunTests runs cases against set, one result per case, in order.
func RunTests(set *rulebook.Set, cases []rulebook.TestCase) []TestResult {
	out := make([]TestResult, len(cases))
	for i, tc := range cases {
		out[i] = runTest(set, tc)
	}
	return out
}

// scoreTolerance absorbs floating-point noise in scores and points.
const scoreTolerance = 1e-9

func runTest(set *rulebook.Set, tc rulebook.TestCase) TestResult {
	res := TestResult{Case: tc}
	var diffs []string
	at := func(line int, format string, args ...any) {
		diffs = append(diffs, fmt.Sprintf("%s:%d: ", tc.File, line)+fmt.Sprintf(format, args...))
	}
	a, err := AssessWithPartners(set, tc.Code, tc.Versions, tc.Records, tc.Partners, tc.AsOf)
	if err != nil {
		at(tc.Line, "assessing failed: %v", err)
		res.Diff = strings.Join(diffs, "\n")
		return res
	}
	res.Assessment = a
	e := tc.Expect
	if e.Grade != nil && a.Grade != *e.Grade {
		at(tc.Line, "comprehensive grade is %q, want %q%s", a.Grade, *e.Grade, reasons(a.Reasons))
	}
	if e.Score != nil && !near(a.Score, *e.Score) {
		at(tc.Line, "comprehensive score is %v, want %v", a.Score, *e.Score)
	}
	if e.NextChange != nil && !a.NextChange.Equal(*e.NextChange) {
		at(tc.Line, "next_change is %s, want %s", timeString(a.NextChange.Time), timeString(*e.NextChange))
	}
	for _, ed := range e.Dimensions {
		d := a.Dimensions[ed.ID]
		if !ed.Graded {
			if d != nil {
				at(ed.Line, "dimension %s is graded (%s, score %v), want not graded", ed.ID, d.Grade, d.Score)
			}
			continue
		}
		if d == nil {
			at(ed.Line, "dimension %s is not graded (graded: %s)", ed.ID, gradedList(a))
			continue
		}
		checkDimension(ed.ID, d, ed, at)
	}
	res.Pass = len(diffs) == 0
	if !res.Pass {
		res.Diff = fmt.Sprintf("%s:%d: test %q failed:\n", tc.File, tc.Line, tc.Name) + strings.Join(diffs, "\n")
	}
	return res
}

func matches(c credo.Contribution, want rulebook.ExpectContribution) bool {
	return c.Rule == want.Rule && c.Record == want.Record && (want.Partner == "" || c.Partner == want.Partner) &&
		(want.Points == nil || near(c.Points, *want.Points)) &&
		(want.Grade == nil || c.Grade == *want.Grade)
}

func near(a, b float64) bool { return math.Abs(a-b) <= scoreTolerance }

func timeString(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.UTC().Format(time.RFC3339)
}

func reasons(r []string) string {
	if len(r) == 0 {
		return ""
	}
	return "; reasons: " + strings.Join(r, "; ")
}

func gradedList(a *credo.Assessment) string {
	var ids []string
	for id := range a.Dimensions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if ids == nil {
		return "none"
	}
	return strings.Join(ids, ", ")
}

func pointsList(d *credo.Dimension) string {
	var b strings.Builder
	for _, c := range d.Contributions {
		if c.Points != 0 {
			fmt.Fprintf(&b, ", %+g %s (record %d)", c.Points, c.Rule, c.Record)
		}
	}
	return b.String()
}

func expectString(c rulebook.ExpectContribution) string {
	s := fmt.Sprintf("{rule: %s, record: %d", c.Rule, c.Record)
	if c.Points != nil {
		s += fmt.Sprintf(", points: %v", *c.Points)
	}
	if c.Grade != nil {
		s += fmt.Sprintf(", grade: %s", *c.Grade)
	}
	return s + "}"
}

func contributionString(c credo.Contribution) string {
	s := fmt.Sprintf("{rule: %s, record: %d, points: %v", c.Rule, c.Record, c.Points)
	if c.Grade != "" {
		s += ", grade: " + c.Grade
	}
	return s + "}"
}

// checkDimension compares dimension d (name, as the diffs call it) with
// what ed expects, reporting each difference with at.
func checkDimension(name string, d *credo.Dimension, ed rulebook.ExpectDimension, at func(line int, format string, args ...any)) {
	if ed.Start != nil && !near(d.Start, *ed.Start) {
		at(ed.Line, "dimension %s: start is %v, want %v", name, d.Start, *ed.Start)
	}
	if ed.Score != nil && !near(d.Score, *ed.Score) {
		at(ed.Line, "dimension %s: score is %v, want %v (start %v%s)", name, d.Score, *ed.Score, d.Start, pointsList(d))
	}
	if ed.Grade != nil && d.Grade != *ed.Grade {
		at(ed.Line, "dimension %s: grade is %q, want %q (score %v%s)", name, d.Grade, *ed.Grade, d.Score, reasons(d.Reasons))
	}
	if ed.CheckContributions {
		used := make([]bool, len(d.Contributions))
		for _, want := range ed.Contributions {
			i := -1
			for j, c := range d.Contributions {
				if !used[j] && matches(c, want) {
					i = j
					break
				}
			}
			if i < 0 {
				at(want.Line, "dimension %s: missing contribution %s", name, expectString(want))
				continue
			}
			used[i] = true
		}
		for j, c := range d.Contributions {
			if !used[j] {
				at(ed.Line, "dimension %s: unexpected contribution %s", name, contributionString(c))
			}
		}
	}
	if ed.Year != nil && d.Year != *ed.Year {
		at(ed.Line, "dimension %s: the evaluation year is %d, want %d", name, d.Year, *ed.Year)
	}
	if p := ed.Provisional; p != nil {
		switch {
		case !p.Graded && d.Provisional != nil:
			at(p.Line, "dimension %s: has a provisional figure (%s, score %v), want none", name, d.Provisional.Grade, d.Provisional.Score)
		case p.Graded && d.Provisional == nil:
			at(p.Line, "dimension %s: has no provisional figure", name)
		case p.Graded:
			checkDimension(name+" (provisional)", d.Provisional, *p, at)
		}
	}
}
