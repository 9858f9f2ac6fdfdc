package api

import (
	"net/http"
	"slices"
	"strconv"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// AnnualReports answers GET /v1/subjects/{code}/annual-reports: the
// current version of each year's report, newest year first, as the viewer
// may see it.
type AnnualReports struct {
	Subject string                `json:"subject"`
	AsOf    credo.Time            `json:"as_of"`
	Reports []*credo.AnnualReport `json:"reports"`
}

// AnnualReportHistory answers GET /v1/subjects/{code}/annual-reports/{year}:
// the current version, every version with its time (oldest first), and
// the authorities' findings that it was false.
type AnnualReportHistory struct {
	Subject          string                `json:"subject"`
	Year             int                   `json:"year"`
	AsOf             credo.Time            `json:"as_of"`
	Report           *credo.AnnualReport   `json:"report"`
	Versions         []*credo.AnnualReport `json:"versions"`
	FalseDisclosures []*credo.Record       `json:"false_disclosures"`
}

// postAnnualReport answers POST /v1/subjects/{code}/annual-reports: the
// organization files (or, naming corrects, corrects) a year's report.
func (s *Server) postAnnualReport(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "an annual report is filed with the organization's own token: Authorization: Bearer <token>")
	if err != nil {
		return err
	}
	var rep credo.AnnualReport
	if err := readBody(w, r, MaxObject, &rep); err != nil {
		return err
	}
	filed, err := p.FileAnnualReport(r.Context(), v, code, &rep)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/subjects/"+code+"/annual-reports/"+strconv.Itoa(filed.Year))
	writeJSON(w, http.StatusCreated, filed)
	return nil
}

// getAnnualReports answers GET /v1/subjects/{code}/annual-reports[?as_of=].
func (s *Server) getAnnualReports(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "")
	if err != nil {
		return err
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	all, err := p.AnnualReports(r.Context(), v, code, asOf)
	if err != nil {
		return err
	}
	out := AnnualReports{Subject: code, AsOf: credo.NewTime(asOf), Reports: []*credo.AnnualReport{}}
	for i, rep := range all {
		if i+1 == len(all) || all[i+1].Year != rep.Year {
			out.Reports = append(out.Reports, rep)
		}
	}
	slices.Reverse(out.Reports)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getAnnualReport answers GET /v1/subjects/{code}/annual-reports/{year}[?as_of=].
func (s *Server) getAnnualReport(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "")
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	all, err := p.AnnualReports(r.Context(), v, code, asOf)
	if err != nil {
		return err
	}
	out := AnnualReportHistory{Subject: code, Year: year, AsOf: credo.NewTime(asOf), Versions: []*credo.AnnualReport{}}
	for _, rep := range all {
		if rep.Year == year {
			out.Versions = append(out.Versions, rep)
		}
	}
	if len(out.Versions) == 0 {
		return credo.ErrNotFound("annual report", code+" "+strconv.Itoa(year))
	}
	out.Report = out.Versions[len(out.Versions)-1]
	if out.FalseDisclosures, err = p.FalseDisclosures(r.Context(), v, code, year, asOf); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// pathYear reads the path's year; parseYear, a year of 4 digits.
func pathYear(r *http.Request) (int, error) { return parseYear(r.PathValue("year")) }

func parseYear(s string) (int, error) {
	y, err := strconv.Atoi(s)
	if err != nil || y < 1000 || y > 9999 {
		return 0, credo.FieldError("year", "format", "must be a year (4 digits)")
	}
	return y, nil
}

// postFalseDisclosure answers POST
// /v1/subjects/{code}/annual-reports/{year}/false-disclosures: an
// authority's finding, after a spot check, that the report was false. 201
// and the record of kind false_disclosure; 200 and the stored record when
// the same decision was recorded before.
func (s *Server) postFalseDisclosure(w http.ResponseWriter, r *http.Request) error {
	p, v, code, err := s.dueSubject(r, "this request needs an authority's token: Authorization: Bearer <token>")
	if err != nil {
		return err
	}
	year, err := pathYear(r)
	if err != nil {
		return err
	}
	var req dueprocess.FalseDisclosureRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	rec, created, err := p.FalseDisclosure(r.Context(), v, code, year, req)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		w.Header().Set("Location", "/v1/records/"+strconv.FormatInt(rec.ID, 10))
	}
	open, err := s.openObjections(r, rec.Subject)
	if err != nil {
		return err
	}
	writeJSON(w, status, s.view(r, rec, open))
	return nil
}

// getOverdueReports answers GET /v1/annual-reports/overdue?division=&year=
// [&as_of=&cursor=&limit=]: who had to file the year's report and had not.
func (s *Server) getOverdueReports(w http.ResponseWriter, r *http.Request) error {
	p, v, err := s.due(r, "this list is for the authorities over the division and administrators")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	req := dueprocess.OverdueQuery{Division: q.Get("division"), Cursor: q.Get("cursor")}
	if y := q.Get("year"); y != "" {
		if req.Year, err = parseYear(y); err != nil {
			return err
		}
	}
	if req.AsOf, err = asOfQuery(r); err != nil {
		return err
	}
	if req.Limit, err = queryLimit(r); err != nil {
		return err
	}
	page, err := p.Overdue(r.Context(), v, req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// Obligations answers GET /v1/me/obligations.
type Obligations struct {
	Subject     string                  `json:"subject"`
	Obligations []dueprocess.Obligation `json:"obligations"`
}

// getMyObligations answers GET /v1/me/obligations: what the organization
// must still file, by when, and what follows if it does not.
func (s *Server) getMyObligations(w http.ResponseWriter, r *http.Request) error {
	p, v, err := s.due(r, "obligations are the organization's own: Authorization: Bearer <token>")
	if err != nil {
		return err
	}
	obl, err := p.Obligations(r.Context(), v)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Obligations{Subject: v.Account.Subject, Obligations: obl})
	return nil
}
