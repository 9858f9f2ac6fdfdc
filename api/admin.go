package api

import (
	"context"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/credo-registry/credo"
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
