package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/uscc"
)

// MeasuresCatalogue answers GET /v1/measures.
type MeasuresCatalogue struct {
	Version  string           `json:"version"`
	Actions  []string         `json:"actions"`
	Effects  []string         `json:"effects"`
	Measures []*lists.Measure `json:"measures"`
	// Records are the deadlines of objections and repairs about records.
	Records lists.RecordDeadlines `json:"records"`
}

// getMeasures answers GET /v1/measures: the catalogue of rewards and
// punishments, each with its legal basis, trigger, actions and effect.
func (s *Server) getMeasures(w http.ResponseWriter, r *http.Request) error {
	p, err := s.process()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, MeasuresCatalogue{Version: p.Catalogue.Version, Actions: lists.Actions, Effects: lists.Effects, Measures: p.Catalogue.Measures, Records: p.Catalogue.Records})
	return nil
}

// checkAction validates an action parameter.
func checkAction(field, action string) error {
	if action == "" {
		return credo.FieldError(field, "required", "name the action the agency is about to take: one of %s", strings.Join(lists.Actions, ", "))
	}
	for _, a := range lists.Actions {
		if a == action {
			return nil
		}
	}
	return credo.FieldError(field, "enum", "must be one of %s", strings.Join(lists.Actions, ", "))
}

// getSubjectMeasures answers GET /v1/subjects/{code}/measures?action=
// [&as_of=]: what an agency must do before acting: allowed, restricted or
// prohibited, with every reason (the entry or grade, its legal basis, and
// until when). For a past as_of it answers as the registry stood then.
func (s *Server) getSubjectMeasures(w http.ResponseWriter, r *http.Request) error {
	p, err := s.process()
	if err != nil {
		return err
	}
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	// Without an action, every measure that applies and the strictest
	// decision among them.
	action := r.URL.Query().Get("action")
	if action != "" {
		if err := checkAction("action", action); err != nil {
			return err
		}
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	verdict, err := p.Measures(r.Context(), v, code, action, asOf)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, verdict)
	return nil
}

// MeasuresCheck is the body of POST /v1/measures/check: many codes, one
// action.
type MeasuresCheck struct {
	Codes  []string    `json:"codes"`
	Action string      `json:"action"`
	AsOf   *credo.Time `json:"as_of,omitempty"`
}

// MeasuresResults answers the batch check, one verdict per code in order.
type MeasuresResults struct {
	Action  string          `json:"action"`
	AsOf    credo.Time      `json:"as_of"`
	Results []lists.Verdict `json:"results"`
}

// MaxBatchCodes is how many codes one batch check may name.
const MaxBatchCodes = 1000

// postMeasuresCheck answers POST /v1/measures/check: the verdicts for up
// to 1000 organizations at once. A code that is not valid refuses the
// whole request, naming it.
func (s *Server) postMeasuresCheck(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.process(); err != nil {
		return err
	}
	var req MeasuresCheck
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	if err := checkAction("action", req.Action); err != nil {
		return err
	}
	if len(req.Codes) == 0 {
		return credo.FieldError("codes", "required", "name at least one organization's code")
	}
	if len(req.Codes) > MaxBatchCodes {
		return &credo.Error{Code: credo.ETOOLARGE, Field: "codes", Reason: "too_many", Message: "at most 1000 codes a request"}
	}
	asOf := s.now()
	if req.AsOf != nil {
		if err := checkAsOf("as_of", req.AsOf.Time); err != nil {
			return err
		}
		asOf = req.AsOf.Time
	}
	return s.checkMany(w, r, req.Codes, req.Action, asOf)
}

func (s *Server) checkMany(w http.ResponseWriter, r *http.Request, codes []string, action string, asOf time.Time) error {
	p, err := s.process()
	if err != nil {
		return err
	}
	viewer, err := s.viewer(r)
	if err != nil {
		return err
	}
	out := MeasuresResults{Action: action, AsOf: credo.NewTime(asOf), Results: make([]lists.Verdict, 0, len(codes))}
	for i, c := range codes {
		code := uscc.Normalize(c)
		if err := credo.ValidateCode("codes["+strconv.Itoa(i)+"]", code); err != nil {
			return err
		}
		v, err := p.Measures(r.Context(), viewer, code, action, asOf)
		if err != nil {
			return err
		}
		out.Results = append(out.Results, v)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
