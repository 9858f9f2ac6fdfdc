package api

import (
	"context"
	"io"
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/visibility"
)

// Grading computes assessments; package grading implements it.
type Grading interface {
	// Assess computes code's assessment as of asOf from what the registry
	// had recorded by then.
	Assess(ctx context.Context, code string, asOf time.Time) (*credo.Assessment, error)
	// WhatIf computes the actual and a hypothetical assessment (entries:
	// the list entries that count; nil, all of them).
	WhatIf(ctx context.Context, code string, add []*credo.Record, leaveOut []int64, entries []*credo.ListEntry, asOf time.Time) (actual, hypothetical *credo.Assessment, err error)
	// Publicity returns a record's publicity window under the rules in
	// force at asOf, and the rule that sets it.
	Publicity(r *credo.Record, asOf time.Time) (from, repairFrom, until time.Time, rule string)
	// Set is the rulebook set in use (GET /v1/rulebooks/{id}).
	Set() *rulebook.Set
}

// getAssessment answers GET /v1/subjects/{code}/assessment: the stored
// current assessment, or, with ?as_of=, what the registry would have said
// (or, for a future time, will say if nothing else happens) at that time;
// as the asker may see it (package visibility).
func (s *Server) getAssessment(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	asOf, err := asOfQuery(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	if asOf.IsZero() {
		a, err := s.Store.CurrentAssessment(r.Context(), code)
		if err == nil && a.HoldsAt(s.now()) {
			if a, err = s.assessmentView(r, v, a); err != nil {
				return err
			}
			return s.writeAssessment(w, r, a)
		}
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return err
		}
		asOf = s.now() // never graded, or due to change: compute it now
	}
	var a *credo.Assessment
	if s.Process != nil {
		a, err = s.Process.Assessment(r.Context(), v, code, asOf)
	} else if a, err = s.Grading.Assess(r.Context(), code, asOf); err == nil {
		a, err = s.assessmentView(r, v, a)
	}
	if err != nil {
		return err
	}
	return s.writeAssessment(w, r, a)
}

// assessmentView returns a as v may see it (package visibility).
func (s *Server) assessmentView(r *http.Request, v credo.Viewer, a *credo.Assessment) (*credo.Assessment, error) {
	if s.Process != nil {
		return s.Process.AssessmentView(r.Context(), v, a)
	}
	return s.policy().Assessment(v, a, nil), nil
}

// writeAssessment answers a (as its viewer may see it) with its open
// objections marked.
func (s *Server) writeAssessment(w http.ResponseWriter, r *http.Request, a *credo.Assessment) error {
	open, err := s.openObjections(r, a.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, markObjections(a, open))
	return nil
}

// markObjections marks the contributions of records under objection, on a
// copy of a.
func markObjections(a *credo.Assessment, open map[credo.Target]*credo.Case) *credo.Assessment {
	if len(open) == 0 {
		return a
	}
	out := *a
	out.Dimensions = make(map[string]*credo.Dimension, len(a.Dimensions))
	for id, d := range a.Dimensions {
		dc := *d
		dc.Contributions = make([]credo.Contribution, len(d.Contributions))
		for i, c := range d.Contributions {
			c.UnderObjection = c.Record != 0 && open[credo.Target{Kind: credo.TargetRecord, ID: c.Record}] != nil
			dc.Contributions[i] = c
		}
		out.Dimensions[id] = &dc
	}
	return &out
}

// getAssessments answers GET /v1/subjects/{code}/assessments: the history
// of the organization's grade, newest first, each change with its cause.
func (s *Server) getAssessments(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	page, err := s.Store.AssessmentHistory(r.Context(), code, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	if page.Changes == nil {
		page.Changes = []*credo.AssessmentChange{}
	}
	if !visibility.Whole(v, code) {
		seen, err := s.recordsSeen(r, v, code)
		if err != nil {
			return err
		}
		for i, c := range page.Changes {
			cc := *c
			cc.Assessment = s.policy().Assessment(v, c.Assessment, seen)
			page.Changes[i] = &cc
		}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// WhatIfRequest is the body of POST /v1/subjects/{code}/what-if: records
// to add (as an authority would submit them; the subject may be omitted)
// and ids of the organization's records to leave out, as of a time (now
// when omitted).
type WhatIfRequest struct {
	Add      []*credo.Record `json:"add,omitempty"`
	LeaveOut []int64         `json:"leave_out,omitempty"`
	AsOf     *credo.Time     `json:"as_of,omitempty"`
}

// WhatIfAnswer is the actual and the hypothetical assessment and how they
// differ. Added records appear in contributions with ids -1, -2, ... in the
// order given.
type WhatIfAnswer struct {
	Actual       *credo.Assessment      `json:"actual"`
	Hypothetical *credo.Assessment      `json:"hypothetical"`
	Changes      []AssessmentDifference `json:"changes"`
}

// AssessmentDifference is one grade or score that differs: the
// comprehensive one (Dimension "") or a dimension's; Provisional marks the
// running figure of an annual dimension (its grade in force unchanged or
// listed apart).
type AssessmentDifference struct {
	Dimension   string  `json:"dimension,omitempty"`
	Provisional bool    `json:"provisional,omitempty"`
	FromGrade   string  `json:"from_grade"`
	ToGrade     string  `json:"to_grade"`
	FromScore   float64 `json:"from_score"`
	ToScore     float64 `json:"to_score"`
}

// postWhatIf answers POST /v1/subjects/{code}/what-if. Nothing is stored.
func (s *Server) postWhatIf(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	if _, err := mediaType(r, mediaJSON); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxObject))
	if err != nil {
		return credo.Errorf(credo.ETOOLARGE, "the body is larger than %d bytes", MaxObject)
	}
	var req WhatIfRequest
	if err := credo.Decode(body, &req); err != nil {
		return err
	}
	now := s.now()
	asOf := now
	if req.AsOf != nil {
		if err := checkAsOf("as_of", req.AsOf.Time); err != nil {
			return err
		}
		asOf = req.AsOf.Time
	}
	for i, rec := range req.Add {
		field := func(e *credo.Error) error {
			e.Field = "add[" + strconv.Itoa(i) + "]." + e.Field
			return e
		}
		if rec == nil {
			return credo.FieldError("add["+strconv.Itoa(i)+"]", "required", "must be a record")
		}
		if rec.Subject == "" {
			rec.Subject = code
		}
		rec.Normalize()
		if rec.Subject != code {
			return credo.FieldError("add["+strconv.Itoa(i)+"].subject", "other", "must be %s, the organization asked about", code)
		}
		if err := rec.Validate(maxTime(now, asOf)); err != nil {
			if e := credo.AsError(err); e != nil {
				return field(e)
			}
			return err
		}
		if rec.Authority == "" {
			rec.Authority = "what-if"
		}
	}
	// Who does not see everything about the organization simulates over
	// what it sees: it may leave out only records it sees, and sees of
	// both answers what the policy lets it. So that hidden grades cannot
	// be probed by adding records, the comprehensive grade and score are
	// withheld from it when they derive from a grade it does not see.
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	whole := visibility.Whole(v, code)
	var seen func(int64) bool
	if !whole {
		if seen, err = s.recordsSeen(r, v, code); err != nil {
			return err
		}
		for i, id := range req.LeaveOut {
			if !seen(id) {
				return credo.FieldError("leave_out["+strconv.Itoa(i)+"]", "unknown", "record %d is not a record of %s", id, code)
			}
		}
	}
	var actual, hypo *credo.Assessment
	if s.Process != nil {
		actual, hypo, err = s.Process.WhatIf(r.Context(), v, code, req.Add, req.LeaveOut, asOf)
	} else {
		actual, hypo, err = s.Grading.WhatIf(r.Context(), code, req.Add, req.LeaveOut, nil, asOf)
	}
	if err != nil {
		return err
	}
	if !whole {
		p := s.policy()
		actual = p.Assessment(v, actual, seen)
		hypo = p.Assessment(v, hypo, func(id int64) bool { return id < 0 || seen(id) })
		if actual.ScoreWithheld || hypo.ScoreWithheld {
			actual.Grade, hypo.Grade = "", ""
			actual.ScoreWithheld, hypo.ScoreWithheld = true, true
		}
	}
	writeJSON(w, http.StatusOK, WhatIfAnswer{Actual: actual, Hypothetical: hypo, Changes: differences(actual, hypo)})
	return nil
}

// recordsSeen returns, for code's records, whether v may see each now.
func (s *Server) recordsSeen(r *http.Request, v credo.Viewer, code string) (func(int64) bool, error) {
	if s.Process == nil {
		return func(int64) bool { return false }, nil
	}
	return s.Process.RecordsSeen(r.Context(), v, code)
}

func differences(a, b *credo.Assessment) []AssessmentDifference {
	out := []AssessmentDifference{}
	if a.Grade != b.Grade || a.Score != b.Score {
		out = append(out, AssessmentDifference{FromGrade: a.Grade, ToGrade: b.Grade, FromScore: a.Score, ToScore: b.Score})
	}
	names := map[string]bool{}
	for n := range a.Dimensions {
		names[n] = true
	}
	for n := range b.Dimensions {
		names[n] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	for _, n := range sorted {
		var d AssessmentDifference
		d.Dimension = n
		if x := a.Dimensions[n]; x != nil {
			d.FromGrade, d.FromScore = x.Grade, x.Score
		}
		if y := b.Dimensions[n]; y != nil {
			d.ToGrade, d.ToScore = y.Grade, y.Score
		}
		if d.FromGrade != d.ToGrade || d.FromScore != d.ToScore {
			out = append(out, d)
		}
		p := AssessmentDifference{Dimension: n, Provisional: true}
		if x := a.Dimensions[n]; x != nil && x.Provisional != nil {
			p.FromGrade, p.FromScore = x.Provisional.Grade, x.Provisional.Score
		}
		if y := b.Dimensions[n]; y != nil && y.Provisional != nil {
			p.ToGrade, p.ToScore = y.Provisional.Grade, y.Provisional.Score
		}
		if p.FromGrade != p.ToGrade || p.FromScore != p.ToScore {
			out = append(out, p)
		}
	}
	return out
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
