package web

import (
	"encoding/csv"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// NameMatcher finds organizations by name: search.Index, the matcher
// GET /v1/subjects?q= and screening use.
type NameMatcher interface {
	Find(q search.Query) []search.Match
}

// Search bounds: the text, the matches counted (a search matching more
// says "more than"), and the results on one page. The filters the store
// does not apply (grade, list, status, industry) are judged here, over at
// most maxScanned of the store's matches: a public page never reads a
// whole division.
const (
	maxQuery          = 200
	maxMatches        = 1000
	defaultMaxScanned = 5000
	resultsOnPage     = 20
)

// searchFilter is the search form: plain GET parameters.
type searchFilter struct {
	Q, Division, Grade, List, Status, Industry string
	Page                                       int
}

// searchPage is the search page's data.
type searchPage struct {
	searchFilter
	Asked   bool // a search was made (q or division given)
	Results []searchResult
	Total   int
	Capped  bool // more than Total matched, or not all candidates were judged
	Pages   int
	// Links: the previous and next pages ("" on the first and last), and
	// the exports of this search. Built here from url.Values, so each
	// value is escaped once.
	Prev, Next, CSV, JSON template.URL
	Lists                 []listOption
}

type listOption struct{ ID, Title string }

// GradeOptions and StatusOptions are the choices of the filters.
func (p *searchPage) GradeOptions() []string { return gradeLetters }
func (p *searchPage) StatusOptions() []string {
	out := make([]string, len(statuses))
	for i, s := range statuses {
		out[i] = string(s)
	}
	return out
}

// searchResult is one organization found, with its public comprehensive
// grade ("" when none is public).
type searchResult struct {
	Subject *credo.Subject `json:"subject"`
	Grade   string         `json:"grade,omitempty"`
	// match is the name matcher's, for a result found by name alone:
	// Subject is then read only for an export (readSubjects), and a page
	// shows the code, name and status the name index holds (the latest
	// registration of the organization, search.Index.Put).
	match *search.Match
}

// Code, Name and Status are what the page shows of the organization.
func (r searchResult) Code() string {
	if r.Subject != nil {
		return r.Subject.Code
	}
	return r.match.Code
}

func (r searchResult) Name() string {
	if r.Subject != nil {
		return r.Subject.Name
	}
	return r.match.Name
}

func (r searchResult) Status() credo.Status {
	if r.Subject != nil {
		return r.Subject.Status
	}
	return r.match.Status
}

// search answers /{lang}/search?q=&division=&grade=&list=&status=&industry=&page=
// and, with format=csv or format=json, exports every match (up to
// maxMatches) instead.
func (s *Server) search(r *http.Request, l *lang) (string, any, error) {
	f, err := s.searchForm(r.URL.Query())
	if err != nil {
		return "", nil, err
	}
	out := &searchPage{searchFilter: f}
	for _, d := range s.process.Catalogue.Lists {
		if d.Public {
			out.Lists = append(out.Lists, listOption{d.ID, d.Title})
		}
	}
	if f.Q == "" && f.Division == "" {
		return "search", out, nil
	}
	out.Asked = true
	found, capped, err := s.find(r, f)
	if err != nil {
		return "", nil, err
	}
	out.Total, out.Capped = len(found), capped
	out.Pages = max(1, (len(found)+resultsOnPage-1)/resultsOnPage)
	if f.Page > out.Pages {
		return "", nil, credo.FieldError("page", "range", "there are %d pages", out.Pages)
	}
	out.Results = found[min((f.Page-1)*resultsOnPage, len(found)):min(f.Page*resultsOnPage, len(found))]
	if f.Grade == "" { // graded already when filtered by grade
		if err := s.publicGrades(r, out.Results); err != nil {
			return "", nil, err
		}
	}
	base := "/" + l.Code + "/search"
	out.CSV = template.URL(base + ".csv?" + f.query(0))
	out.JSON = template.URL(base + ".json?" + f.query(0))
	if f.Page > 1 {
		out.Prev = template.URL(base + "?" + f.query(f.Page-1))
	}
	if f.Page < out.Pages {
		out.Next = template.URL(base + "?" + f.query(f.Page+1))
	}
	return "search", out, nil
}

// searchForm reads and checks the search parameters.
func (s *Server) searchForm(q url.Values) (searchFilter, error) {
	f := searchFilter{
		Q:        strings.TrimSpace(q.Get("q")),
		Division: strings.TrimSpace(q.Get("division")),
		Grade:    strings.TrimSpace(q.Get("grade")),
		List:     strings.TrimSpace(q.Get("list")),
		Status:   strings.TrimSpace(q.Get("status")),
		Industry: strings.TrimSpace(q.Get("industry")),
		Page:     1,
	}
	switch {
	case !utf8.ValidString(f.Q):
		return f, credo.FieldError("q", "encoding", "is not valid UTF-8")
	case utf8.RuneCountInString(f.Q) > maxQuery:
		return f, credo.FieldError("q", "too_long", "is longer than %d characters", maxQuery)
	case f.Division != "" && !digits(f.Division, 6):
		return f, credo.FieldError("division", "format", "must be a division code prefix of 1 to 6 digits")
	case f.Grade != "" && !slices.Contains(gradeLetters, f.Grade):
		return f, credo.FieldError("grade", "enum", "must be one of %s", strings.Join(gradeLetters, ", "))
	case f.List != "" && (s.process.Catalogue.List(f.List) == nil || !s.process.Catalogue.List(f.List).Public):
		return f, credo.FieldError("list", "enum", "is not a published list")
	case f.Status != "" && !slices.Contains(statuses, credo.Status(f.Status)):
		return f, credo.FieldError("status", "enum", "must be active, suspended, revoked or cancelled")
	case utf8.RuneCountInString(f.Industry) > 100 || !utf8.ValidString(f.Industry):
		return f, credo.FieldError("industry", "too_long", "is longer than 100 characters")
	}
	if p := q.Get("page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 {
			return f, credo.FieldError("page", "format", "must be a page number, 1 or more")
		}
		f.Page = n
	}
	return f, nil
}

var (
	gradeLetters = []string{"A", "B", "C", "D"}
	statuses     = []credo.Status{credo.StatusActive, credo.StatusSuspended, credo.StatusRevoked, credo.StatusCancelled}
)

func digits(s string, maxLen int) bool {
	if s == "" || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// query is f as a query string, at page (0: no page).
func (f searchFilter) query(page int) string {
	v := url.Values{}
	for _, kv := range [][2]string{{"q", f.Q}, {"division", f.Division}, {"grade", f.Grade}, {"list", f.List}, {"status", f.Status}, {"industry", f.Industry}} {
		if kv[1] != "" {
			v.Set(kv[0], kv[1])
		}
	}
	if page > 0 {
		v.Set("page", strconv.Itoa(page))
	}
	return v.Encode()
}

// find returns the organizations matching f, most relevant first, at
// most maxMatches, and whether there were more: by the name matcher when
// q is a name (Matcher set), else the store's ranking (codes, code
// prefixes, divisions).
func (s *Server) find(r *http.Request, f searchFilter) ([]searchResult, bool, error) {
	if p, ok := search.LooksLikeCode(f.Q); s.Matcher != nil && f.Q != "" && !(ok && strings.ContainsAny(p, "0123456789")) {
		return s.findByName(r, f)
	}
	q := credo.SubjectQuery{Q: f.Q, Division: f.Division, Limit: min(credo.MaxPageSize, s.maxScanned)}
	var out []searchResult
	scanned := 0
	for {
		page, err := s.store.SearchSubjects(ctx(r), q)
		if err != nil {
			return nil, false, err
		}
		for _, sub := range page.Subjects {
			if scanned == s.maxScanned {
				return out, true, nil
			}
			scanned++
			ok, grade, err := s.matches(r, f, sub)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				continue
			}
			if len(out) == maxMatches {
				return out, true, nil
			}
			out = append(out, searchResult{Subject: sub, Grade: grade})
		}
		if page.Next == "" {
			return out, false, nil
		}
		q.Cursor = page.Next
	}
}

// findByName is find by the name matcher: its matches, best first, each
// read from the store and judged by f's other filters, over at most
// maxScanned matches.
func (s *Server) findByName(r *http.Request, f searchFilter) ([]searchResult, bool, error) {
	if utf8.RuneCountInString(search.Parse(f.Q).Full) < 2 {
		return nil, false, credo.FieldError("q", "too_short", "give at least 2 letters, digits or characters of a name or code")
	}
	matches := s.Matcher.Find(search.Query{Q: f.Q, Division: f.Division, Limit: s.maxScanned + 1, Brief: true})
	var out []searchResult
	if f.Status == "" && f.Industry == "" && f.List == "" && f.Grade == "" {
		// Nothing to judge: the matches are the results, and the store is
		// read for none of them (a page shows what the name index holds,
		// and the grades; an export reads the organizations).
		for i := range matches[:min(len(matches), maxMatches)] {
			out = append(out, searchResult{match: &matches[i]})
		}
		return out, len(matches) > maxMatches, nil
	}
	for i, m := range matches {
		if i == s.maxScanned {
			return out, true, nil
		}
		sub, err := s.store.Subject(ctx(r), m.Code)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, false, err
		}
		ok, grade, err := s.matches(r, f, sub)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			continue
		}
		if len(out) == maxMatches {
			return out, true, nil
		}
		out = append(out, searchResult{Subject: sub, Grade: grade})
	}
	return out, false, nil
}

// publicGrades sets the public comprehensive grade of each of results,
// as publicGrade does, from one read of their stored grades (the
// assessments' explanations are not read); an organization whose stored
// assessment is out of date or missing is assessed by publicGrade.
func (s *Server) publicGrades(r *http.Request, results []searchResult) error {
	if len(results) == 0 {
		return nil
	}
	codes := make([]string, len(results))
	for i, res := range results {
		codes[i] = res.Code()
	}
	grades, err := s.store.CurrentGrades(ctx(r), codes)
	if err != nil {
		return err
	}
	stored := make(map[string]credo.CurrentGrade, len(grades))
	for _, g := range grades {
		stored[g.Subject] = g
	}
	now := s.now()
	for i, code := range codes {
		g, ok := stored[code]
		if !ok || !g.HoldsAt(now) {
			if results[i].Grade, err = s.publicGrade(r, code); err != nil {
				return err
			}
			continue
		}
		// What visibility.Policy.Assessment leaves the public of a stored
		// assessment's grade: the grade when the assessment is public.
		results[i].Grade = ""
		if g.Public {
			results[i].Grade = g.Grade
		}
	}
	return nil
}

// readSubjects reads the organizations of results that were found by
// name alone, leaving out any the store no longer has (the name index
// follows the store, so none in practice).
func (s *Server) readSubjects(r *http.Request, results []searchResult) ([]searchResult, error) {
	out := results[:0:0]
	for _, res := range results {
		if res.Subject == nil {
			sub, err := s.store.Subject(ctx(r), res.match.Code)
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			res.Subject = sub
		}
		out = append(out, res)
	}
	return out, nil
}

// matches reports whether sub passes f's filters, with its public grade
// when the grade filter needed it.
func (s *Server) matches(r *http.Request, f searchFilter, sub *credo.Subject) (bool, string, error) {
	if f.Status != "" && string(sub.Status) != f.Status || f.Industry != "" && sub.Industry != f.Industry {
		return false, "", nil
	}
	if f.List != "" {
		entries, err := s.process.SubjectLists(ctx(r), public, sub.Code, s.now())
		if err != nil {
			return false, "", err
		}
		if !slices.ContainsFunc(entries, func(e entryView) bool { return e.List == f.List && e.State.Status == credo.ListActive }) {
			return false, "", nil
		}
	}
	if f.Grade == "" {
		return true, "", nil
	}
	g, err := s.publicGrade(r, sub.Code)
	return g == f.Grade, g, err
}

// export writes every match as CSV or JSON.
func (s *Server) export(w http.ResponseWriter, r *http.Request, l *lang, format string) {
	f, err := s.searchForm(r.URL.Query())
	if err == nil && f.Q == "" && f.Division == "" {
		err = credo.FieldError("q", "required", "give q (a name or code) or division (a division code prefix), or both")
	}
	var found []searchResult
	var capped bool
	if err == nil {
		found, capped, err = s.find(r, f)
	}
	if err == nil {
		found, err = s.readSubjects(r, found)
	}
	if err == nil && f.Grade == "" { // graded already when filtered by grade
		err = s.publicGrades(r, found)
	}
	if err != nil {
		s.fail(w, r, l, err)
		return
	}
	if format == "json" {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(struct {
			Total   int            `json:"total"`
			Capped  bool           `json:"capped,omitempty"`
			Results []searchResult `json:"results"`
		}{len(found), capped, append([]searchResult{}, found...)})
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="credo-search.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"code", "name", "division", "status", "industry", "grade"})
	for _, res := range found {
		sub := res.Subject
		cw.Write([]string{sub.Code, cell(sub.Name), sub.Division, string(sub.Status), cell(sub.Industry), res.Grade})
	}
	cw.Flush()
}

// cell keeps a spreadsheet from reading a name as a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
