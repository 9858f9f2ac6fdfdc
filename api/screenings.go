package api

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/screening"
)

// Screening is the body of POST /v1/screenings answered at once.
type Screening struct {
	Action   string          `json:"action,omitempty"`
	Depth    int             `json:"depth"`
	Audit    string          `json:"audit,omitempty"`
	Encoding string          `json:"encoding"` // how a CSV file was read: UTF-8, UTF-8 with BOM, GB18030
	Rows     []screening.Row `json:"rows"`
}

// ScreeningJob is a screening answered later: its progress.
type ScreeningJob struct {
	ID       string `json:"id"`
	Status   string `json:"status"` // running or done
	Action   string `json:"action,omitempty"`
	Depth    int    `json:"depth"`
	Audit    string `json:"audit,omitempty"`
	RowsDone int    `json:"rows_done"` // results stored, input and audit rows alike
	// RowsTotal is the input rows, and for an audit the rows of each tier
	// it has found so far: it grows while an audit runs, and equals
	// RowsDone once the job is done.
	RowsTotal  int        `json:"rows_total"`
	CreatedAt  credo.Time `json:"created_at"`
	FinishedAt credo.Time `json:"finished_at,omitzero"`
	Results    string     `json:"results"` // where the results are read
}

// ScreeningResults is the body of GET /v1/screenings/{id}/results as JSON.
type ScreeningResults struct {
	ID     string          `json:"id"`
	Status string          `json:"status"`
	Rows   []screening.Row `json:"rows"`
}

// ScreeningDecisionRequest is the body of POST /v1/screenings/decisions.
type ScreeningDecisionRequest struct {
	Name    string `json:"name"`
	Code    string `json:"code"`
	Verdict string `json:"verdict"`
	Note    string `json:"note"`
}

// Screener screens counterparties (screening.Service).
type Screener interface {
	ScreenAll(ctx context.Context, v credo.Viewer, p screening.Params, rows []screening.Input) ([]screening.Row, error)
	Start(ctx context.Context, v credo.Viewer, p screening.Params, rows []screening.Input) (*credo.ScreeningJob, error)
	Job(ctx context.Context, v credo.Viewer, id string) (*credo.ScreeningJob, error)
	Results(ctx context.Context, id string, fn func(screening.Row) error) error
	Decide(ctx context.Context, v credo.Viewer, name, code, verdict, note string) (*credo.ScreeningDecision, error)
}

// screener is the prologue of the screening routes: the server screens,
// and the caller is a viewer.
func (s *Server) screener(r *http.Request) (Screener, credo.Viewer, error) {
	if s.Screening == nil {
		return nil, credo.Viewer{}, credo.Errorf(credo.EUNAVAILABLE, "screening is not run by this server")
	}
	v, err := s.viewer(r)
	if err != nil {
		return nil, v, err
	}
	return s.Screening, v, nil
}

// postScreenings answers POST /v1/screenings?action=&depth=&audit=: rows as CSV
// (header code,name and optional action, note), JSON (an array) or
// NDJSON. Up to screening.MaxSyncRows rows are answered at once (200);
// more make a job (202, Location of its progress), a supply-chain audit
// too (its added rows are part of the job's results).
func (s *Server) postScreenings(w http.ResponseWriter, r *http.Request) error {
	sc, v, err := s.screener(r)
	if err != nil {
		return err
	}
	p := screening.Params{Action: r.URL.Query().Get("action"), Audit: r.URL.Query().Get("audit")}
	if d := r.URL.Query().Get("depth"); d != "" {
		if p.Depth, err = strconv.Atoi(d); err != nil {
			return credo.FieldError("depth", "format", "must be a whole number from 0 to %d", screening.MaxDepth)
		}
	}
	if err := p.Check(); err != nil {
		return err
	}
	mt, err := mediaType(r, mediaCSV, mediaJSON, mediaNDJSON)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &credo.Error{Code: credo.ETOOLARGE, Field: "file", Reason: "too_large",
				Message: "a screening takes at most " + strconv.Itoa(MaxBody>>20) + " MiB and " +
					strconv.Itoa(screening.MaxRows) + " rows; split the file"}
		}
		return err
	}
	format := map[string]string{mediaCSV: screening.FormatCSV, mediaJSON: screening.FormatJSON, mediaNDJSON: screening.FormatNDJSON}[mt]
	parsed, err := screening.Parse(body, format)
	if err != nil {
		return err
	}
	if len(parsed.Rows) > screening.MaxSyncRows {
		j, err := sc.Start(r.Context(), v, p, parsed.Rows)
		if err != nil {
			return err
		}
		w.Header().Set("Location", "/v1/screenings/"+j.ID)
		writeJSON(w, http.StatusAccepted, jobView(j))
		return nil
	}
	rows, err := sc.ScreenAll(r.Context(), v, p, parsed.Rows)
	if err != nil {
		return err
	}
	if wantsCSV(r) {
		return writeRowsCSV(w, rows)
	}
	writeJSON(w, http.StatusOK, Screening{Action: p.Action, Depth: p.Depth, Audit: p.Audit, Encoding: parsed.Encoding, Rows: rows})
	return nil
}

func jobView(j *credo.ScreeningJob) ScreeningJob {
	status := "running"
	if !j.FinishedAt.IsZero() {
		status = "done"
	}
	return ScreeningJob{ID: j.ID, Status: status, Action: j.Action, Depth: j.Depth, Audit: j.Audit, RowsDone: j.Done, RowsTotal: j.Total,
		CreatedAt: j.CreatedAt, FinishedAt: j.FinishedAt, Results: "/v1/screenings/" + j.ID + "/results"}
}

// getScreening answers GET /v1/screenings/{id}: a job's progress, to the
// caller who started it.
func (s *Server) getScreening(w http.ResponseWriter, r *http.Request) error {
	sc, v, err := s.screener(r)
	if err != nil {
		return err
	}
	j, err := sc.Job(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, jobView(j))
	return nil
}

// getScreeningResults answers GET /v1/screenings/{id}/results: the rows
// screened so far, as JSON or as CSV (Accept: text/csv or ?format=csv).
func (s *Server) getScreeningResults(w http.ResponseWriter, r *http.Request) error {
	sc, v, err := s.screener(r)
	if err != nil {
		return err
	}
	if f := r.URL.Query().Get("format"); f != "" && f != "csv" && f != "json" {
		return credo.FieldError("format", "enum", "must be json or csv")
	}
	j, err := sc.Job(r.Context(), v, r.PathValue("id"))
	if err != nil {
		return err
	}
	var rows []screening.Row
	if err := sc.Results(r.Context(), j.ID, func(row screening.Row) error {
		rows = append(rows, row)
		return nil
	}); err != nil {
		return err
	}
	if wantsCSV(r) {
		return writeRowsCSV(w, rows)
	}
	if rows == nil {
		rows = []screening.Row{}
	}
	writeJSON(w, http.StatusOK, ScreeningResults{ID: j.ID, Status: jobView(j).Status, Rows: rows})
	return nil
}

// postScreeningDecision answers POST /v1/screenings/decisions: the caller
// marks a candidate as the counterparty a name means, or not; its later
// screenings show the decision instead of raising the candidate again.
func (s *Server) postScreeningDecision(w http.ResponseWriter, r *http.Request) error {
	sc, v, err := s.screener(r)
	if err != nil {
		return err
	}
	var req ScreeningDecisionRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	d, err := sc.Decide(r.Context(), v, req.Name, req.Code, req.Verdict, req.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, d)
	return nil
}

// wantsCSV reports whether the caller asked for CSV: ?format=csv, or an
// Accept header naming text/csv (and no format=json).
func wantsCSV(r *http.Request) bool {
	switch r.URL.Query().Get("format") {
	case "csv":
		return true
	case "json":
		return false
	}
	for _, a := range strings.Split(r.Header.Get("Accept"), ",") {
		if mt, _, err := mime.ParseMediaType(strings.TrimSpace(a)); err == nil && mt == mediaCSV {
			return true
		}
	}
	return false
}

func writeRowsCSV(w http.ResponseWriter, rows []screening.Row) error {
	w.Header().Set("Content-Type", mediaCSV+"; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	cw := screening.NewCSVWriter(w)
	for _, row := range rows {
		if err := cw.Write(row); err != nil {
			return nil // the client went away; the status is sent
		}
	}
	cw.Flush()
	return nil
}
