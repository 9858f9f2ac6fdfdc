package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
)

// The authority's console: the queues of objections and repairs it must
// decide, with their deadlines; decision forms; record submission (a form,
// and an NDJSON upload answered line by line, through the one submission
// path); listing decisions; and, for administrators, the impact of a
// rulebook change before it is published.

// queuePage is the console's start page.
type queuePage struct {
	Objections, Repairs []caseRow // open, soonest deadline first
	Decided             []caseRow // the latest decided
	Overdue             int
	Authority           *credo.Authority // nil for administrators
}

// console answers /{lang}/console/.
func (s *Server) console(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	q := credo.CaseQuery{Open: true}
	if v.Role == credo.RoleAuthority {
		q.Authority = v.Authority.ID
	}
	open, err := s.allCases(r, q)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	out := &queuePage{Authority: v.Authority}
	slices.SortFunc(open, func(a, b *credo.Case) int { return a.DecideBy.Compare(b.DecideBy.Time) })
	for _, c := range open {
		if !s.process.Policy.Case(v, c) {
			continue
		}
		row := caseRow{c, c.Overdue(now)}
		if row.Overdue {
			out.Overdue++
		}
		if c.Kind == credo.CaseObjection {
			out.Objections = append(out.Objections, row)
		} else {
			out.Repairs = append(out.Repairs, row)
		}
	}
	q = credo.CaseQuery{Decided: true, Authority: q.Authority, Limit: 20}
	page, err := s.store.Cases(ctx(r), q)
	if err != nil {
		return "", nil, err
	}
	for _, c := range page.Cases {
		if s.process.Policy.Case(v, c) {
			out.Decided = append(out.Decided, caseRow{c, false})
		}
	}
	return "console", out, nil
}

// consoleCase answers /{lang}/console/cases/{id}: the case, and the
// decision form while it is open.
func (s *Server) consoleCase(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	c, err := s.visibleCase(r, v)
	if err != nil {
		return "", nil, err
	}
	p := &casePage{Case: c, Overdue: c.Overdue(s.now()), Console: true}
	if c.Kind == credo.CaseObjection {
		p.Outcomes = []string{credo.OutcomeUpheld, credo.OutcomeRetracted}
		if c.Target.Kind == credo.TargetRecord {
			p.Outcomes = []string{credo.OutcomeUpheld, credo.OutcomeCorrected, credo.OutcomeRetracted}
		}
	} else {
		p.Outcomes = []string{credo.OutcomeApproved, credo.OutcomeRejected}
	}
	return "case", p, nil
}

// attachment answers /{lang}/console/cases/{id}/attachments/{n} (and the
// organization's /my/ twin): the document as filed, as a download.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request, l *lang, roles []string) {
	v, err := s.admitted(r, roles)
	if err == nil {
		var c *credo.Case
		if c, err = s.visibleCase(r, v); err == nil {
			n, aerr := strconv.Atoi(r.PathValue("n"))
			if aerr != nil || n < 0 || n >= len(c.Attachments) || len(c.Attachments[n].Data) == 0 {
				err = credo.ErrNotFound("attachment", r.PathValue("n"))
			} else {
				a := c.Attachments[n]
				mt := a.MediaType
				if credo.SniffAttachment(a.Data) != mt {
					mt = "application/octet-stream"
				}
				w.Header().Set("Content-Type", mt)
				w.Header().Set("Content-Disposition", "attachment")
				w.Header().Set("Cache-Control", "no-store")
				w.Write(a.Data)
				return
			}
		}
	}
	s.failAs(w, r, l, err, v)
}

// decide answers POST /{lang}/console/cases/{id}/decision.
func (s *Server) decide(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, error) {
	c, err := s.visibleCase(r, v)
	if err != nil {
		return "", err
	}
	outcome := r.PostFormValue("outcome")
	if outcome == "" {
		return "", credo.FieldError("outcome", "required", "is required: choose a decision")
	}
	req := dueprocess.DecisionRequest{Outcome: outcome}
	if reasons := strings.TrimSpace(r.PostFormValue("reasons")); reasons != "" {
		req.Reasons = dueprocess.Texts{reasons}
	}
	if corr := strings.TrimSpace(r.PostFormValue("correction")); corr != "" {
		req.Correction = new(credo.Record)
		if err := credo.Decode([]byte(corr), req.Correction); err != nil {
			if e := credo.AsError(err); e != nil {
				e.Field = strings.TrimSuffix("correction."+e.Field, ".")
			}
			return "", err
		}
	}
	if _, err := s.process.Decide(ctx(r), v, c.Kind, c.ID, req); err != nil {
		return "", err
	}
	return fmt.Sprintf("/%s/console/cases/%d", l.Code, c.ID), nil
}

// recordsPage is the submission page: the form, and after a submission
// the result of each line.
type recordsPage struct {
	Categories, Severities, PenaltyTypes []string
	Results                              []ingest.Result
	Created, Refused                     int
	MaxUpload                            string
}

func (s *Server) recordsForm(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	return "records", s.newRecordsPage(), nil
}

func (s *Server) newRecordsPage() *recordsPage {
	return &recordsPage{Categories: credo.Categories, Severities: credo.Severities, PenaltyTypes: credo.PenaltyTypes, MaxUpload: sizeWords(maxNDJSON)}
}

// maxNDJSON bounds an NDJSON upload made through the console (the API
// takes larger batches).
const maxNDJSON = 8 << 20

// recordForm is the form's fields, as a record's JSON (what the API takes).
var recordFields = []string{"subject", "category", "kind", "external_id", "decision_number", "legal_basis", "description", "severity", "occurred_at"}

// postRecord answers POST /{lang}/console/records: one record from the
// form, through ingest as a line of one; refused, the form is shown
// again with the values entered and the error.
func (s *Server) postRecord(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	m := map[string]any{}
	for _, f := range recordFields {
		if val := strings.TrimSpace(r.PostFormValue(f)); val != "" {
			m[f] = val
		}
	}
	if pts := r.PostForm["penalty_types"]; len(pts) > 0 {
		m["penalty_types"] = pts
	}
	if a := strings.TrimSpace(r.PostFormValue("amount")); a != "" {
		n, err := strconv.ParseFloat(a, 64)
		if err != nil {
			return "", nil, credo.FieldError("amount", "format", "must be a number")
		}
		m["amount"] = n
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "", nil, err
	}
	name, data, err := s.submit(r, v, []ingest.Line{{Number: 1, Data: b}})
	if err != nil {
		return "", nil, err
	}
	// The one record refused: the form again, with its values and the
	// error naming the field.
	if p := data.(*recordsPage); p.Refused == 1 && p.Results[0].Error != nil {
		return "", nil, p.Results[0].Error
	}
	return name, data, nil
}

// uploadRecords answers POST /{lang}/console/records/upload: an NDJSON
// file, one record a line, each answered.
func (s *Server) uploadRecords(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 || r.MultipartForm.File["file"][0].Size == 0 {
		return "", nil, credo.FieldError("file", "required", "choose an NDJSON file, one record a line")
	}
	f, err := r.MultipartForm.File["file"][0].Open()
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return "", nil, err
	}
	var lines []ingest.Line
	err = ingest.ReadLines(bytes.NewReader(data), ingest.MaxLine, func(ln ingest.Line) error {
		ln.Data = bytes.Clone(ln.Data)
		lines = append(lines, ln)
		return nil
	})
	if err != nil {
		return "", nil, err
	}
	if len(lines) == 0 {
		return "", nil, credo.FieldError("file", "empty", "the file has no records")
	}
	return s.submit(r, v, lines)
}

func (s *Server) submit(r *http.Request, v credo.Viewer, lines []ingest.Line) (string, any, error) {
	if v.Authority == nil {
		return "", nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "only authorities submit records"}
	}
	if s.process.Ingester == nil {
		return "", nil, credo.Errorf(credo.EUNAVAILABLE, "submissions are not available on this server")
	}
	res, err := s.process.Ingester.Records(ctx(r), v.Authority, lines)
	if err != nil {
		return "", nil, err
	}
	p := s.newRecordsPage()
	p.Results = res
	for _, x := range res {
		if x.Error != nil {
			p.Refused++
		} else {
			p.Created++
		}
	}
	return "records", p, nil
}

// listingPage is the listing decision form.
type listingPage struct {
	Lists []*lists.Definition
	Entry *credo.ListEntry // the entry just decided
}

func (s *Server) listingForm(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	p := &listingPage{Lists: s.process.Catalogue.Lists}
	if id, err := strconv.ParseInt(r.URL.Query().Get("entry"), 10, 64); err == nil {
		if e, err := s.store.ListEntry(ctx(r), id); err == nil && s.process.Policy.EntryFull(v, e) {
			p.Entry = e
		}
	}
	return "listing", p, nil
}

// postListing answers POST /{lang}/console/list-entries.
func (s *Server) postListing(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, error) {
	req := dueprocess.ListRequest{
		List: r.PostFormValue("list"), Subject: strings.TrimSpace(r.PostFormValue("subject")),
		LegalBasis: r.PostFormValue("legal_basis"), DecisionNumber: r.PostFormValue("decision_number"),
		Term: dueprocess.Period(strings.TrimSpace(r.PostFormValue("term"))),
	}
	if reasons := strings.TrimSpace(r.PostFormValue("reasons")); reasons != "" {
		req.Reasons = dueprocess.Texts{reasons}
	}
	e, _, err := s.process.List(ctx(r), v, req)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("/%s/console/list-entries/new?entry=%d", l.Code, e.ID), nil
}

// impactPage is the rule-change impact view: the form, and after a run
// the from→to matrices by dimension and by province.
type impactPage struct {
	Rulebooks []string // id@version of the versions loaded
	From      string
	Impact    *grading.Impact
	Grades    []string // the matrices' rows and columns
	Dims      []string
	Provinces []string
}

func (s *Server) impactForm(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	return "impact", s.newImpactPage(), nil
}

func (s *Server) newImpactPage() *impactPage {
	p := &impactPage{}
	if s.process.Grading != nil {
		for _, rb := range s.process.Grading.Set().Rulebooks() {
			p.Rulebooks = append(p.Rulebooks, rb.ID+"@"+rb.Version)
		}
	}
	return p
}

// maxRulebook bounds a rulebook source sent to the impact view.
const maxRulebook = 1 << 20

// postImpact answers POST /{lang}/console/impact: the rulebook version
// named by from, against the new source (pasted or uploaded), over every
// organization as of now. Nothing is stored.
func (s *Server) postImpact(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	if s.process.Grading == nil {
		return "", nil, credo.Errorf(credo.EUNAVAILABLE, "grading is not available")
	}
	p := s.newImpactPage()
	p.From = r.PostFormValue("from")
	var old []byte
	for _, rb := range s.process.Grading.Set().Rulebooks() {
		if rb.ID+"@"+rb.Version == p.From {
			old = rb.Source
		}
	}
	if old == nil {
		return "", nil, credo.FieldError("from", "unknown", "choose one of the rulebook versions loaded")
	}
	src := []byte(r.PostFormValue("source"))
	if r.MultipartForm != nil && len(r.MultipartForm.File["file"]) > 0 && r.MultipartForm.File["file"][0].Size > 0 {
		f, err := r.MultipartForm.File["file"][0].Open()
		if err != nil {
			return "", nil, err
		}
		src, err = io.ReadAll(io.LimitReader(f, maxRulebook+1))
		f.Close()
		if err != nil {
			return "", nil, err
		}
	}
	if len(bytes.TrimSpace(src)) == 0 {
		return "", nil, credo.FieldError("source", "required", "paste or upload the new version's YAML")
	}
	if len(src) > maxRulebook {
		return "", nil, &credo.Error{Code: credo.ETOOLARGE, Field: "source", Reason: "too_large", Message: "must be at most " + sizeWords(maxRulebook)}
	}
	im, err := s.process.Grading.DiffSources(ctx(r), old, src, s.now(), 0)
	if err != nil {
		if e := credo.AsError(err); e != nil && e.Field == "new" {
			e.Field = "source"
		}
		return "", nil, err
	}
	p.Impact = im
	grades := map[string]bool{}
	collect := func(m *grading.ImpactMatrix) {
		for from, tos := range m.Counts {
			grades[from] = true
			for to := range tos {
				grades[to] = true
			}
		}
	}
	for d, m := range im.Dimensions {
		p.Dims = append(p.Dims, d)
		collect(m)
	}
	for prov, dims := range im.Provinces {
		p.Provinces = append(p.Provinces, prov)
		for _, m := range dims {
			collect(m)
		}
	}
	for g := range grades {
		p.Grades = append(p.Grades, g)
	}
	sort.Strings(p.Grades)
	sort.Strings(p.Dims)
	sort.Strings(p.Provinces)
	return "impact", p, nil
}
