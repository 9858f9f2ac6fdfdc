package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// SubjectVersions is the body of GET /v1/subjects/{code}/versions.
type SubjectVersions struct {
	Versions []*credo.Subject `json:"versions"` // oldest first
}

// registration is the record category that covers registration data.
const registration = "registration"

// postSubjects answers POST /v1/subjects: registration data, each
// submission a new version of its organization's data. Answers as
// postRecords; the authority needs the registration category.
func (s *Server) postSubjects(w http.ResponseWriter, r *http.Request) error {
	as, err := s.authenticate(r)
	if err != nil {
		return err
	}
	if !slices.Contains(as.Categories, registration) {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "category", Reason: "category",
			Message: "authority " + as.ID + " may not submit registration data (its categories: " + strings.Join(as.Categories, ", ") + ")"}
	}
	mt, err := mediaType(r, mediaJSON, mediaNDJSON)
	if err != nil {
		return err
	}
	if mt == mediaNDJSON {
		return s.submitNDJSON(w, r, "subjects", as, s.Ingester.Subjects)
	}
	res, body, err := s.submitOne(w, r, "subjects", as, s.Ingester.Subjects)
	if err != nil {
		return err
	}
	// The body was accepted, so it is one object with a valid code.
	var head struct {
		Code string `json:"code"`
	}
	if err := json.Unmarshal(body, &head); err != nil {
		return err
	}
	code := uscc.Normalize(head.Code)
	sub, err := s.subjectVersion(r, code, res.Version)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if res.Status == credo.Created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/subjects/"+url.PathEscape(code))
	}
	writeJSON(w, status, sub)
	return nil
}

// subjectVersion returns version v of code's registration data.
func (s *Server) subjectVersion(r *http.Request, code string, v int) (*credo.Subject, error) {
	latest, err := s.Store.Subject(r.Context(), code)
	if err != nil {
		return nil, err
	}
	if latest.Version == v {
		return latest, nil
	}
	all, err := s.Store.SubjectVersions(r.Context(), code)
	if err != nil {
		return nil, err
	}
	for _, sub := range all {
		if sub.Version == v {
			return sub, nil
		}
	}
	return nil, credo.Errorf(credo.EINTERNAL, "version %d of %s was stored but is not found", v, code)
}

// getSubject answers GET /v1/subjects/{code}: the latest registration data.
func (s *Server) getSubject(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	sub, err := s.Store.Subject(r.Context(), code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sub)
	return nil
}

// getSubjectVersions answers GET /v1/subjects/{code}/versions: every
// version of the registration data, oldest first.
func (s *Server) getSubjectVersions(w http.ResponseWriter, r *http.Request) error {
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	vs, err := s.Store.SubjectVersions(r.Context(), code)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, SubjectVersions{Versions: vs})
	return nil
}

// maxQuery bounds the search text, in characters.
const maxQuery = 200

// searchSubjects answers GET /v1/subjects?q=&division=&cursor=&limit=:
// organizations by name, former name, code or code prefix, and division
// prefix, most relevant first.
func (s *Server) searchSubjects(w http.ResponseWriter, r *http.Request) error {
	params := r.URL.Query()
	q := credo.SubjectQuery{
		Q:        strings.TrimSpace(params.Get("q")),
		Division: strings.TrimSpace(params.Get("division")),
		Cursor:   params.Get("cursor"),
	}
	if q.Q == "" && q.Division == "" {
		return credo.FieldError("q", "required", "give q (a name or code) or division (a division code prefix), or both")
	}
	if !utf8.ValidString(q.Q) {
		return credo.FieldError("q", "encoding", "is not valid UTF-8")
	}
	if utf8.RuneCountInString(q.Q) > maxQuery {
		return credo.FieldError("q", "too_long", "is longer than %d characters", maxQuery)
	}
	if q.Division != "" && !isDivisionPrefix(q.Division) {
		return credo.FieldError("division", "format", "must be a division code prefix of 1 to 6 digits")
	}
	var err error
	if q.Limit, err = queryLimit(r); err != nil {
		return err
	}
	page, err := s.Store.SearchSubjects(r.Context(), q)
	if err != nil {
		return err
	}
	if page.Subjects == nil {
		page.Subjects = []*credo.Subject{}
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

func isDivisionPrefix(s string) bool {
	if len(s) > 6 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
