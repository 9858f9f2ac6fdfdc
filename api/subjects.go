package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/store/paging"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/visibility"
)

// SubjectVersions is the body of GET /v1/subjects/{code}/versions.
type SubjectVersions struct {
	Versions []SubjectVersion `json:"versions"` // oldest first
}

// SubjectVersion is one version of the registration data with the flags
// the law raises about it (credo.OfficerFlags): derived on every read
// from the registration and the records as they stood when it was
// recorded, never stored.
type SubjectVersion struct {
	*credo.Subject
	Flags []credo.RegistrationFlag `json:"flags,omitempty"`
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
	vs, err := s.Store.SubjectVersions(r.Context(), code)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return credo.Errorf(credo.ENOTFOUND, "no organization with code %s", code)
	}
	flags, err := credo.LoadOfficerFlags(r.Context(), s.Store, vs)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	// The latest version, with the flags that stand against it: the
	// people it names who were registered in their role while barred.
	writeJSON(w, http.StatusOK, SubjectVersion{Subject: vs[len(vs)-1], Flags: shownFlags(v, credo.CurrentOfficerFlags(flags, vs))})
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
	flags, err := credo.LoadOfficerFlags(r.Context(), s.Store, vs)
	if err != nil {
		return err
	}
	viewer, err := s.viewer(r)
	if err != nil {
		return err
	}
	out := SubjectVersions{Versions: make([]SubjectVersion, len(vs))}
	for i, v := range vs {
		out.Versions[i] = SubjectVersion{Subject: v, Flags: shownFlags(viewer, flags[i])}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// maxQuery bounds the search text, in characters.
const maxQuery = 200

// Matcher finds organizations by name (search.Index).
type Matcher interface {
	Find(q search.Query) []search.Match
}

// SubjectResult is one organization a search found: its registration data
// and, for a search with q, how well it matched (docs/MATCHING.md).
type SubjectResult struct {
	*credo.Subject
	Score *float64    `json:"score,omitempty"`
	Match *bool       `json:"match,omitempty"`
	Why   *search.Why `json:"why,omitempty"`
}

// SubjectResults is the body of GET /v1/subjects.
type SubjectResults struct {
	Subjects []SubjectResult `json:"subjects"`
	Next     string          `json:"next,omitempty"`
}

// searchSubjects answers GET /v1/subjects?q=&division=&cursor=&limit=:
// organizations by name (the name matcher: names, short names, English
// names, former names, pinyin initials), by code or code prefix, and by
// division prefix, most relevant first.
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
	limit, offset, byDivision, err := paging.Search(q)
	if err != nil {
		return err
	}
	if !byDivision && utf8.RuneCountInString(search.Parse(q.Q).Full) < 2 {
		return credo.FieldError("q", "too_short", "give at least 2 letters, digits or characters of a name or code")
	}
	out := SubjectResults{Subjects: []SubjectResult{}}
	if byDivision {
		page, err := s.Store.SearchSubjects(r.Context(), q)
		if err != nil {
			return err
		}
		for _, sub := range page.Subjects {
			out.Subjects = append(out.Subjects, SubjectResult{Subject: sub})
		}
		out.Next = page.Next
		writeJSON(w, http.StatusOK, out)
		return nil
	}
	matches, err := s.findSubjects(r, q.Q, q.Division, offset+limit+1)
	if err != nil {
		return err
	}
	end := min(offset+limit, len(matches))
	for _, m := range matches[min(offset, end):end] {
		sub, err := s.Store.Subject(r.Context(), m.Code)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			continue
		}
		if err != nil {
			return err
		}
		m := m
		out.Subjects = append(out.Subjects, SubjectResult{Subject: sub, Score: &m.Score, Match: &m.Match, Why: &m.Why})
	}
	out.Next = paging.SearchNext(end, len(matches))
	writeJSON(w, http.StatusOK, out)
	return nil
}

// findSubjects ranks organizations for q: codes first when q looks like a
// code (an exact code is a confident match), then the name matcher's
// results, at most limit.
func (s *Server) findSubjects(r *http.Request, q, division string, limit int) ([]search.Match, error) {
	var out []search.Match
	seen := map[string]bool{}
	if prefix, ok := search.LooksLikeCode(q); ok && strings.ContainsAny(prefix, "0123456789") {
		page, err := s.Store.SearchSubjects(r.Context(), credo.SubjectQuery{Q: prefix, Division: division, Limit: min(limit, credo.MaxPageSize)})
		if err != nil {
			return nil, err
		}
		for _, sub := range page.Subjects {
			if !strings.HasPrefix(sub.Code, prefix) {
				continue
			}
			m := search.Match{Code: sub.Code, Score: 0.5, Why: search.Why{Field: "code", Name: sub.Code, Method: "prefix", Normalizations: []string{}}}
			if sub.Code == prefix {
				m.Score, m.Match, m.Why.Method = 1, true, search.MethodExact
			}
			seen[sub.Code] = true
			out = append(out, m)
		}
	}
	if s.Matcher == nil {
		return nil, credo.Errorf(credo.EINTERNAL, "no name matcher is wired")
	}
	for _, m := range s.Matcher.Find(search.Query{Q: q, Division: division, Limit: limit}) {
		if !seen[m.Code] {
			out = append(out, m)
		}
	}
	return out[:min(len(out), limit)], nil
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

// shownFlags returns flags as v may see them: without the person key
// unless v may follow people across organizations (visibility.PersonKeys).
func shownFlags(v credo.Viewer, flags []credo.RegistrationFlag) []credo.RegistrationFlag {
	if visibility.PersonKeys(v) {
		return flags
	}
	out := slices.Clone(flags)
	for i := range out {
		out[i].PersonKey = ""
	}
	return out
}
