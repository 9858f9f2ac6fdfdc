package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
)

// RulebookDiffer answers how a rulebook change would move grades before
// it is published; package grading implements it.
type RulebookDiffer interface {
	// DiffSources returns a JSON-encodable impact report.
	DiffSources(ctx context.Context, oldSrc, newSrc []byte, asOf time.Time, samples int) (any, error)
}

// DiffRequest is the body of POST /v1/admin/rulebooks/diff: two versions
// of one rulebook, as YAML sources.
type DiffRequest struct {
	Old     string `json:"old"`
	New     string `json:"new"`
	Samples int    `json:"samples,omitempty"` // per dimension and change; default 3, at most 20
}

// postRulebookDiff answers POST /v1/admin/rulebooks/diff: for two versions
// of a rulebook, how many organizations would change grade, as a from→to
// matrix per dimension and per province, with samples and their
// explanations. Nothing is published or stored.
func (s *Server) postRulebookDiff(w http.ResponseWriter, r *http.Request) error {
	if err := s.administrator(r); err != nil {
		return err
	}
	if _, err := mediaType(r, mediaJSON); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4*MaxObject))
	if err != nil {
		return credo.Errorf(credo.ETOOLARGE, "the body is larger than %d bytes", 4*MaxObject)
	}
	var req DiffRequest
	if err := credo.Decode(body, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Old) == "" {
		return credo.FieldError("old", "required", "is required (the rulebook's current YAML)")
	}
	if strings.TrimSpace(req.New) == "" {
		return credo.FieldError("new", "required", "is required (the proposed YAML)")
	}
	if req.Samples < 0 || req.Samples > 20 {
		return credo.FieldError("samples", "range", "must be from 0 to 20")
	}
	if req.Samples == 0 {
		req.Samples = 3
	}
	if s.Differ == nil {
		return credo.Errorf(credo.EUNAVAILABLE, "rulebook impact analysis is not available on this server")
	}
	im, err := s.Differ.DiffSources(r.Context(), []byte(req.Old), []byte(req.New), s.now(), req.Samples)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, im)
	return nil
}

// ListCheckRequest is the body of POST /v1/admin/lists/check: a list
// definition (or the measures file) as YAML, and the file name to report
// errors at.
type ListCheckRequest struct {
	Name   string `json:"name,omitempty"`
	Source string `json:"source"`
}

// ListCheck answers a definition that reads: the catalogue it would make.
type ListCheck struct {
	Valid    bool `json:"valid"`
	Lists    int  `json:"lists"`
	Measures int  `json:"measures"`
}

// postListCheck answers POST /v1/admin/lists/check: whether a list
// definition or measures file reads, as it would join or replace the
// bundled catalogue. Every error is named at file:line:col with the list
// or measure and the field (criteria that do not compile included);
// nothing is stored.
func (s *Server) postListCheck(w http.ResponseWriter, r *http.Request) error {
	if err := s.administrator(r); err != nil {
		return err
	}
	var req ListCheckRequest
	if err := readBody(w, r, 4*MaxObject, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Source) == "" {
		return credo.FieldError("source", "required", "is required (the definition's YAML)")
	}
	if req.Name == "" {
		req.Name = "definition.yaml"
	}
	c, err := lists.Check(map[string][]byte{req.Name: []byte(req.Source)})
	if err != nil {
		msgs := []string{}
		for _, e := range lists.Errors(err) {
			msgs = append(msgs, e.Error())
		}
		if len(msgs) == 0 {
			msgs = append(msgs, err.Error())
		}
		return &credo.Error{Code: credo.EINVALID, Field: "source", Reason: "definition", Message: strings.Join(msgs, "\n")}
	}
	writeJSON(w, http.StatusOK, ListCheck{Valid: true, Lists: len(c.Lists), Measures: len(c.Measures)})
	return nil
}
