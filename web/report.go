package web

import (
	"bytes"
	"fmt"
	"html"
	"html/template"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"rsc.io/qr"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/report"
	"github.com/credo-registry/credo/uscc"
)

// The issued reports' pages: /{lang}/report/{code} issues a credit report
// to the public as an HTML page (the page is the document: its number, and
// the SHA-256 of exactly the bytes sent, are stored before it is sent);
// /{lang}/verify/{number} shows anyone an issued report's status; the
// address printed on reports, /verify/{number}, sends the reader to it in
// their language.

// routeReports adds the report and verify pages to mux.
func (s *Server) routeReports(mux *http.ServeMux) {
	for _, l := range offered {
		mux.Handle("GET /"+l.Code+"/report/{code}", s.reportPage(l))
		mux.Handle("GET /"+l.Code+"/verify/{$}", s.verifyForm(l))
		mux.Handle("GET /"+l.Code+"/verify/{number}", s.verifyPage(l))
	}
	mux.HandleFunc("GET /verify/{number}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Accept-Language")
		http.Redirect(w, r, "/"+languageOf(r).Code+"/verify/"+url.PathEscape(r.PathValue("number")), http.StatusSeeOther)
	})
}

// publicURL is the scheme and host printed in reports: PublicURL, or the
// request's own.
func (s *Server) publicURL(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimSuffix(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// reportView is the report page's data.
type reportView struct {
	R          *report.Report
	Dimensions []dimensionRow
	Verify     string
	QR         template.HTML
	InEffect   int
	Objections int
}

func (p *reportView) PageTitle(l *lang) string {
	return l.T["report.title"] + " · " + p.R.Subject.Name
}

// reportPage answers /{lang}/report/{code}: a report issued to the public
// now, as a page.
func (s *Server) reportPage(l *lang) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, failure := uscc.Check(r.PathValue("code"))
		if failure != "" {
			s.fail(w, r, l, credo.FieldError("code", failure, "is not a valid unified social credit code (%s)", failure))
			return
		}
		is := &report.Issuer{Store: s.store, Process: s.process, Now: s.now}
		base := s.publicURL(r)
		verify := func(n string) string { return report.VerifyURL(base, n) }
		b, _, err := is.Issue(ctx(r), public, code, time.Time{}, credo.ReportHTML, verify, func(rep *report.Report) ([]byte, error) {
			return s.renderBytes(r, "report", l, newReportView(rep))
		})
		if err != nil {
			s.fail(w, r, l, err)
			return
		}
		h := w.Header()
		h.Set("Content-Type", "text/html; charset=utf-8")
		h.Set("Content-Language", l.Tag)
		h.Set("Cache-Control", "no-store")
		// Each visit issues a report: not for crawlers.
		h.Set("X-Robots-Tag", "noindex, nofollow")
		w.WriteHeader(http.StatusOK)
		w.Write(b)
	})
}

func newReportView(rep *report.Report) *reportView {
	v := &reportView{R: rep, Verify: rep.VerifyURL, QR: qrSVG(rep.VerifyURL)}
	if a := rep.Assessment; a != nil {
		for id, d := range a.Dimensions {
			v.Dimensions = append(v.Dimensions, dimensionRow{id, d})
		}
		sort.Slice(v.Dimensions, func(i, j int) bool { return v.Dimensions[i].ID < v.Dimensions[j].ID })
	}
	for _, rec := range rep.Records {
		if rec.UnderObjection {
			v.Objections++
		}
	}
	for _, e := range rep.Entries {
		if e.UnderObjection {
			v.Objections++
		}
		if e.State == "active" {
			v.InEffect++
		}
	}
	return v
}

// renderBytes renders page name in l for r into bytes, as render would
// send them.
func (s *Server) renderBytes(r *http.Request, name string, l *lang, data any) ([]byte, error) {
	path := strings.TrimPrefix(r.URL.Path, "/"+l.Code)
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	title := l.T[name+".title"]
	if t, ok := data.(interface{ PageTitle(*lang) string }); ok {
		title = t.PageTitle(l)
	}
	var b bytes.Buffer
	if err := s.pages[name].Execute(&b, view{L: l, Path: path, Title: title, Data: data}); err != nil {
		return nil, fmt.Errorf("web: template %s: %w", name, err)
	}
	return b.Bytes(), nil
}

// qrSVG draws text's QR code as an SVG image, one path of squares with a
// quiet zone of 4 modules; "" when it cannot be encoded.
func qrSVG(text string) template.HTML {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return ""
	}
	n := code.Size + 8
	var d strings.Builder
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			if code.Black(x, y) {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+4, y+4)
			}
		}
	}
	return template.HTML(fmt.Sprintf(`<svg xmlns="http://www.w3.org/2000/svg" class="qr" viewBox="0 0 %d %d" width="%d" height="%d" role="img" aria-label="%s"><rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		n, n, n*4, n*4, html.EscapeString(text), n, n, d.String()))
}

// verifyView is the verify page's data.
type verifyView struct {
	Number string // as asked
	Report *credo.IssuedReport
	Name   string // the organization's name
	// Problem is "invalid" (the number is malformed) or "not_found".
	Problem string
}

func (p *verifyView) PageTitle(l *lang) string {
	if p.Report != nil {
		return l.T["verify.title"] + " " + p.Report.Number
	}
	return l.T["verify.title"]
}

// verifyForm answers /{lang}/verify/: a form for a number (?number=
// sends the reader to its page).
func (s *Server) verifyForm(l *lang) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := strings.TrimSpace(r.URL.Query().Get("number")); n != "" {
			http.Redirect(w, r, "/"+l.Code+"/verify/"+url.PathEscape(n), http.StatusSeeOther)
			return
		}
		s.render(w, r, http.StatusOK, "verify", l, &verifyView{})
	})
}

// verifyPage answers /{lang}/verify/{number}: the report's status (valid,
// superseded, withdrawn with the reason) and the SHA-256 of its bytes; a
// malformed number is 400 and an unknown one 404, each said on the page.
func (s *Server) verifyPage(l *lang) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &verifyView{Number: r.PathValue("number")}
		n, err := credo.CheckReportNumber(v.Number)
		if err != nil {
			v.Problem = "invalid"
			s.render(w, r, http.StatusBadRequest, "verify", l, v)
			return
		}
		v.Report, err = s.store.IssuedReport(ctx(r), n)
		switch {
		case credo.ErrorCodeOf(err) == credo.ENOTFOUND:
			v.Problem = "not_found"
			s.render(w, r, http.StatusNotFound, "verify", l, v)
			return
		case err != nil:
			s.fail(w, r, l, err)
			return
		}
		if sub, err := s.store.Subject(ctx(r), v.Report.Subject); err == nil {
			v.Name = sub.Name
		}
		s.render(w, r, http.StatusOK, "verify", l, v)
	})
}
