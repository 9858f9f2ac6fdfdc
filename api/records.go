package api

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
	"github.com/credo-registry/credo/uscc"
)

// postRecords answers POST /v1/records. One JSON object: 201 and the
// stored record when it is new, 200 and the stored original when the same
// external_id was already stored with the same content, a problem
// otherwise. NDJSON: 200 and an IngestReport.
func (s *Server) postRecords(w http.ResponseWriter, r *http.Request) error {
	as, err := s.authenticate(r)
	if err != nil {
		return err
	}
	mt, err := mediaType(r, mediaJSON, mediaNDJSON)
	if err != nil {
		return err
	}
	if mt == mediaNDJSON {
		return s.submitNDJSON(w, r, "records", as, s.Ingester.Records)
	}
	res, _, err := s.submitOne(w, r, "records", as, s.Ingester.Records)
	if err != nil {
		return err
	}
	if res.Status == credo.Created && res.Record != nil {
		// Just created: the record is as ingest stored it, nothing
		// supersedes it or objects to it yet, and the ledger has not taken
		// it in (log_index comes with a later read).
		w.Header().Set("Location", "/v1/records/"+strconv.FormatInt(res.ID, 10))
		writeJSON(w, http.StatusCreated, s.viewOf(res.Record, nil, nil))
		return nil
	}
	rec, err := s.Store.Record(r.Context(), res.ID)
	if err != nil {
		return err
	}
	open, err := s.openObjections(r, rec.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(r, rec, open))
	return nil
}

// getRecord answers GET /v1/records/{id}.
func (s *Server) getRecord(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return credo.FieldError("id", "format", "must be a record id (a positive whole number)")
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	rec, err := s.Store.Record(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.policy().Record(v, rec, s.now()) {
		return credo.ErrNotFound("record", id) // not for this viewer: as if there were none
	}
	open, err := s.openObjections(r, rec.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.view(r, rec, open))
	return nil
}

// getSubjectRecords answers GET /v1/subjects/{code}/records: the
// organization's records, newest decision first, filtered by category,
// kind and decision time (from inclusive, to exclusive), one page at a time.
func (s *Server) getSubjectRecords(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := credo.RecordFilter{
		Category: q.Get("category"),
		Kind:     q.Get("kind"),
		Cursor:   q.Get("cursor"),
	}
	if f.Category != "" && !slices.Contains(credo.Categories, f.Category) {
		return credo.FieldError("category", "enum", "must be one of %s", strings.Join(credo.Categories, ", "))
	}
	if f.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if f.To, err = queryTime(r, "to"); err != nil {
		return err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.To.After(f.From) {
		return credo.FieldError("to", "order", "must be after from")
	}
	if f.Limit, err = queryLimit(r); err != nil {
		return err
	}
	open, err := s.openObjections(r, code)
	if err != nil {
		return err
	}
	// Each viewer sees the records the policy lets it (the public: those
	// published). Pages are read until limit records are shown or none
	// are left, and next is the cursor after the last record shown, so
	// that it names no record the viewer may not see.
	limit, err := paging.Size(f.Limit)
	if err != nil {
		return err
	}
	p, now := s.policy(), s.now()
	out := RecordViewPage{Records: make([]RecordView, 0, limit)}
	for {
		page, err := s.Store.SubjectRecords(r.Context(), code, f)
		if err != nil {
			return err
		}
		for i, rec := range page.Records {
			if !p.Record(v, rec, now) {
				continue
			}
			out.Records = append(out.Records, s.view(r, rec, open))
			if len(out.Records) == limit {
				if i < len(page.Records)-1 || page.Next != "" {
					out.Next = paging.RecordCursor(rec)
				}
				writeJSON(w, http.StatusOK, out)
				return nil
			}
		}
		if page.Next == "" {
			break
		}
		f.Cursor = page.Next
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathCode returns the {code} path value normalized, or the EINVALID error
// that says why it is no organization's code (the uscc failure word as
// reason; "person" for a resident identity number).
func pathCode(r *http.Request) (string, error) {
	code := uscc.Normalize(r.PathValue("code"))
	if err := credo.ValidateCode("code", code); err != nil {
		return "", err
	}
	return code, nil
}
