package api

import (
	"bytes"
	"context"
	"io"
	"net/http"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
)

// Submission limits. A single JSON object may be as long as one NDJSON
// line; an NDJSON body holds at most MaxLines non-blank lines in MaxBody
// bytes, each at most ingest.MaxLine (a longer line is refused on its own).
const (
	MaxObject = ingest.MaxLine
	MaxBody   = 64 << 20
	MaxLines  = 10_000
)

// IngestReport answers an NDJSON submission: every non-blank line's
// outcome, by line number, and the counts.
type IngestReport struct {
	Accepted int             `json:"accepted"` // created
	Exists   int             `json:"exists"`   // already stored with the same content
	Refused  int             `json:"refused"`
	Results  []ingest.Result `json:"results"`
}

// ingestFunc is Ingester.Records or Ingester.Subjects.
type ingestFunc func(ctx context.Context, as *credo.Authority, lines []ingest.Line) ([]ingest.Result, error)

// submitOne ingests a single JSON object (the whole body) and returns its
// outcome; a refusal is returned as the error.
func (s *Server) submitOne(w http.ResponseWriter, r *http.Request, kind string, as *credo.Authority, run ingestFunc) (ingest.Result, []byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxObject))
	if err != nil {
		return ingest.Result{}, nil, err
	}
	results, err := run(r.Context(), as, []ingest.Line{{Number: 1, Data: body}})
	if err != nil {
		return ingest.Result{}, nil, err
	}
	s.metrics.observeIngest(kind, results)
	res := results[0]
	if res.Status == credo.Refused {
		return res, body, res.Error
	}
	return res, body, nil
}

// submitNDJSON ingests an NDJSON body and answers every line's outcome.
// Lines are read in full before any is stored, so a body over a limit
// stores nothing.
func (s *Server) submitNDJSON(w http.ResponseWriter, r *http.Request, kind string, as *credo.Authority, run ingestFunc) error {
	var lines []ingest.Line
	tooMany := &credo.Error{Code: credo.ETOOLARGE, Reason: "too_many_lines",
		Message: "more than 10000 lines; split the submission"}
	err := ingest.ReadLines(http.MaxBytesReader(w, r.Body, MaxBody), ingest.MaxLine, func(l ingest.Line) error {
		if len(lines) == MaxLines {
			return tooMany
		}
		l.Data = bytes.Clone(l.Data)
		lines = append(lines, l)
		return nil
	})
	if err != nil {
		return err
	}
	results, err := run(r.Context(), as, lines)
	if err != nil {
		return err
	}
	s.metrics.observeIngest(kind, results)
	rep := IngestReport{Results: results}
	if rep.Results == nil {
		rep.Results = []ingest.Result{}
	}
	for i := range rep.Results {
		res := &rep.Results[i]
		switch res.Status {
		case credo.Created:
			rep.Accepted++
		case credo.Exists:
			rep.Exists++
		default:
			rep.Refused++
		}
		if res.Error != nil {
			if e, internal := clientError(res.Error); internal {
				s.Logger.ErrorContext(r.Context(), "line failed", "request_id", requestID(r.Context()),
					"line", res.Line, "error", res.Error.Error())
				res.Error = e
			}
		}
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
