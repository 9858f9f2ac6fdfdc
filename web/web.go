// Package web is credo's portal: server-rendered pages in Chinese and
// English (by URL prefix, /zh/ and /en/), one file per page, templates and
// static files embedded and parsed at start-up. Pages read through the
// same services as the JSON API and show each viewer what package
// visibility lets it see; the portal's pages are public, so every read is
// made as credo.Public.
package web

import (
	"bytes"
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/visibility"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Grading is what the portal asks of grading (package grading's Service).
type Grading interface {
	// Publicity returns a record's publicity window under the rules in
	// force at asOf, and the rule that sets it.
	Publicity(r *credo.Record, asOf time.Time) (from, repairFrom, until time.Time, rule string)
	visibility.Rules
}

// Server serves the portal's pages.
type Server struct {
	store   credo.Store
	process *dueprocess.Service
	grading Grading
	logger  *slog.Logger
	now     func() time.Time
	pages   map[string]*template.Template
	handler http.Handler
	// maxScanned bounds the store's matches a search judges
	// (defaultMaxScanned; tests lower it).
	maxScanned int
	// key signs sessions and CSRF tokens: the registry's portal secret,
	// the same on every node.
	key []byte
	// AdminToken is the server's CREDO_ADMIN_TOKEN: signing in with it is
	// signing in as an administrator ("" : administrators' accounts only).
	AdminToken string
	// PublicURL is the scheme and host printed in issued reports as their
	// verify address ("https://credo.example"); "" takes the request's.
	// An https PublicURL also marks the session and CSRF cookies Secure
	// (behind a TLS-terminating proxy the request itself is plain HTTP).
	PublicURL string
	// Matcher finds organizations by name for the search page (the API's
	// name matcher, search.Index); nil: the store's search.
	Matcher NameMatcher
}

// pageNames are the templates, one per page; each is parsed with
// layout.html, and a missing one fails New.
var pageNames = []string{
	"home", "search", "organization", "lists", "list", "uscc", "rulebooks", "rulebook",
	"accessibility", "error", "report", "verify",
	"signin", "my", "whatif", "caseform", "case", "notices", "replies",
	"console", "records", "listing", "impact",
}

// New returns the portal over store, due process (its policy decides what
// the public sees) and grading. now is the registry clock (time.Now when
// nil); logger logs internal errors (discarded when nil).
func New(store credo.Store, p *dueprocess.Service, g Grading, now func() time.Time, logger *slog.Logger) (*Server, error) {
	if store == nil || p == nil || g == nil {
		return nil, fmt.Errorf("web: the portal needs a store, due process and grading")
	}
	if now == nil {
		now = time.Now
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	s := &Server{store: store, process: p, grading: g, logger: logger, now: now, pages: map[string]*template.Template{}, maxScanned: defaultMaxScanned}
	for _, name := range pageNames {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/badge.html", "templates/parts.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	key, err := store.Secret(context.Background(), portalSecret)
	if err != nil {
		return nil, fmt.Errorf("web: the portal's session secret: %w", err)
	}
	s.key = key
	s.handler = s.Handler()
	return s, nil
}

// Paths are the ServeMux patterns the portal answers (the start page,
// the languages offered and the static files), for serving it beside the
// JSON API.
func (s *Server) Paths() []string {
	out := []string{"/{$}", "/static/", "/verify/"}
	for _, l := range offered {
		out = append(out, "/"+l.Code+"/")
	}
	return out
}

// ServeHTTP serves the portal.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Handler returns the portal: the route table, with the pages' security
// headers on every response.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.root)
	pages := []struct {
		pattern string
		handle  pageFunc
	}{
		{"/{$}", s.home},
		{"/search", s.search},
		{"/organizations/{code}", s.organization},
		{"/lists/{$}", s.lists},
		{"/lists/{list}", s.list},
		{"/uscc", s.uscc},
		{"/rulebooks/{$}", s.rulebooks},
		{"/rulebooks/{id}", s.rulebook},
		{"/accessibility", s.accessibility},
	}
	for _, l := range offered {
		for _, p := range pages {
			mux.Handle("GET /"+l.Code+p.pattern, s.page(l, p.handle))
		}
		s.signedInRoutes(mux, l)
		for _, format := range []string{"csv", "json"} {
			mux.HandleFunc("GET /"+l.Code+"/search."+format, func(w http.ResponseWriter, r *http.Request) {
				s.export(w, r, l, format)
			})
		}
	}
	s.routeReports(mux)
	// Anything else, a language not offered included, is not found.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusNotFound, "error", languageOf(r), errorPage{Status: http.StatusNotFound})
	})
	return headers(mux)
}

// signedInRoutes are the sign-in form, the organization's area and the
// authority's console, in language l.
func (s *Server) signedInRoutes(mux *http.ServeMux, l *lang) {
	p := "/" + l.Code
	caseUploads := int64(maxUploads*maxUpload + maxForm)
	mux.Handle("GET "+p+"/sign-in", s.area(l, nil, s.signInForm))
	mux.Handle("POST "+p+"/sign-in", s.action(l, nil, maxForm, fixed(s.signInForm, "/sign-in"), s.signIn))
	mux.Handle("POST "+p+"/sign-out", s.action(l, nil, maxForm, nil, s.signOut))

	mux.Handle("GET "+p+"/my/{$}", s.area(l, orgRoles, s.my))
	mux.Handle("GET "+p+"/my/what-if", s.area(l, orgRoles, s.whatIf))
	mux.Handle("GET "+p+"/my/objections/new", s.area(l, orgRoles, s.newCase(credo.CaseObjection)))
	mux.Handle("GET "+p+"/my/repairs/new", s.area(l, orgRoles, s.newCase(credo.CaseRepair)))
	mux.Handle("POST "+p+"/my/objections", s.action(l, orgRoles, caseUploads, withTarget(s.newCase(credo.CaseObjection), "/my/objections/new"), s.fileCase(credo.CaseObjection)))
	mux.Handle("POST "+p+"/my/repairs", s.action(l, orgRoles, caseUploads, withTarget(s.newCase(credo.CaseRepair), "/my/repairs/new"), s.fileCase(credo.CaseRepair)))
	mux.Handle("GET "+p+"/my/cases/{id}", s.area(l, orgRoles, s.myCase))
	mux.Handle("GET "+p+"/my/notices", s.area(l, orgRoles, s.myNotices))
	mux.Handle("GET "+p+"/my/replies", s.area(l, orgRoles, s.myReplies))
	mux.Handle("POST "+p+"/my/replies", s.action(l, orgRoles, maxForm, withTarget(s.myReplies, "/my/replies"), s.postReply))

	mux.Handle("GET "+p+"/console/{$}", s.area(l, consoleRoles, s.console))
	mux.Handle("GET "+p+"/console/cases/{id}", s.area(l, consoleRoles, s.consoleCase))
	mux.HandleFunc("GET "+p+"/console/cases/{id}/attachments/{n}", func(w http.ResponseWriter, r *http.Request) {
		s.attachment(w, r, l, consoleRoles)
	})
	mux.Handle("POST "+p+"/console/cases/{id}/decision", s.action(l, consoleRoles, maxForm, &formAgain{show: s.consoleCase,
		path: func(r *http.Request) string { return "/console/cases/" + url.PathEscape(r.PathValue("id")) }}, s.decide))
	mux.Handle("GET "+p+"/console/records", s.area(l, consoleRoles, s.recordsForm))
	mux.Handle("POST "+p+"/console/records", s.post(l, consoleRoles, maxForm, fixed(s.recordsForm, "/console/records"), s.postRecord))
	mux.Handle("POST "+p+"/console/records/upload", s.post(l, consoleRoles, maxNDJSON+maxForm, fixed(s.recordsForm, "/console/records"), s.uploadRecords))
	mux.Handle("GET "+p+"/console/list-entries/new", s.area(l, consoleRoles, s.listingForm))
	mux.Handle("POST "+p+"/console/list-entries", s.action(l, consoleRoles, maxForm, fixed(s.listingForm, "/console/list-entries/new"), s.postListing))
	mux.Handle("GET "+p+"/console/impact", s.area(l, adminRoles, s.impactForm))
	mux.Handle("POST "+p+"/console/impact", s.post(l, adminRoles, maxRulebook+maxForm, fixed(s.impactForm, "/console/impact"), s.postImpact))
}

// fixed shows the form of show, at path, again.
func fixed(show areaFunc, path string) *formAgain {
	return &formAgain{show: show, path: func(*http.Request) string { return path }}
}

// withTarget shows the form of show, at path with the posted target, again.
func withTarget(show areaFunc, path string) *formAgain {
	return &formAgain{show: show, path: func(r *http.Request) string { return path + "?target=" + url.QueryEscape(r.PostFormValue("target")) }}
}

// pageCSP lets pages use same-origin styles and images only: no script at
// all, no inline style, no framing.
const pageCSP = "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", pageCSP)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Referrer-Policy", "same-origin")
		h.ServeHTTP(w, r)
	})
}

// pageFunc answers a page: the template and its data, or an error.
type pageFunc func(r *http.Request, l *lang) (name string, data any, err error)

// view is what every template gets: the language, the page's own data,
// and the page's path without its language prefix (for hreflang links).
type view struct {
	L     *lang
	Path  string // the page's path and query after the language prefix
	Title string
	Data  any
	// Who is the signed-in viewer of an area page (the public on public
	// pages, which do not look at sessions); CSRF the token its forms carry.
	Who  credo.Viewer
	CSRF string
	// Form is a form shown again after a refusal: the values posted and
	// the error (the zero value: a form shown the first time).
	Form formState
}

// page adapts a pageFunc in language l: errors become error pages with
// the status of their code.
func (s *Server) page(l *lang, h pageFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, data, err := h(r, l)
		if err != nil {
			s.fail(w, r, l, err)
			return
		}
		s.render(w, r, http.StatusOK, name, l, data)
	})
}

// errorPage is the data of the error page.
type errorPage struct {
	Status  int
	Message string // shown to the reader: the field and reason of a client error
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, l *lang, err error) {
	s.failAs(w, r, l, err, public)
}

// failAs answers err as an error page for viewer v: a client error with
// its status and message (naming the field), anything else as 500.
func (s *Server) failAs(w http.ResponseWriter, r *http.Request, l *lang, err error, v credo.Viewer) {
	status := http.StatusInternalServerError
	e := errorPage{}
	switch credo.ErrorCodeOf(err) {
	case credo.ENOTFOUND:
		status = http.StatusNotFound
	case credo.EINVALID, credo.EMALFORMED:
		status = http.StatusBadRequest
		e.Message = credo.AsError(err).Error()
	case credo.EUNAUTHORIZED:
		status = http.StatusUnauthorized
		e.Message = credo.AsError(err).Error()
	case credo.EFORBIDDEN:
		status = http.StatusForbidden
		e.Message = credo.AsError(err).Error()
	case credo.ECONFLICT:
		status = http.StatusConflict
		e.Message = credo.AsError(err).Error()
	case credo.ETOOLARGE:
		status = http.StatusRequestEntityTooLarge
		e.Message = credo.AsError(err).Error()
	default:
		s.logger.Error("portal page", "path", r.URL.Path, "err", err)
	}
	e.Status = status
	if v.Role == credo.RolePublic {
		s.render(w, r, status, "error", l, e)
		return
	}
	s.renderAs(w, r, status, "error", l, e, v)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, l *lang, data any) {
	s.write(w, r, status, name, l, view{Data: data, Who: public})
}

// renderAs renders a page of the signed-in parts for v, with the CSRF
// token of its forms.
func (s *Server) renderAs(w http.ResponseWriter, r *http.Request, status int, name string, l *lang, data any, v credo.Viewer) {
	s.write(w, r, status, name, l, view{Data: data, Who: v, CSRF: s.csrfToken(w, r)})
}

func (s *Server) write(w http.ResponseWriter, r *http.Request, status int, name string, l *lang, vw view) {
	data := vw.Data
	path := strings.TrimPrefix(r.URL.Path, "/"+l.Code)
	if path == r.URL.Path { // not a page of l (a language not offered)
		path = "/"
	}
	if r.URL.RawQuery != "" {
		path += "?" + r.URL.RawQuery
	}
	title := l.T[name+".title"]
	if t, ok := data.(interface{ PageTitle(*lang) string }); ok {
		title = t.PageTitle(l)
	}
	var b bytes.Buffer
	vw.L, vw.Path, vw.Title = l, path, title
	if err := s.pages[name].Execute(&b, vw); err != nil {
		s.logger.Error("portal template", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", l.Tag)
	w.WriteHeader(status)
	w.Write(b.Bytes())
}

// root sends / to the reader's language by Accept-Language.
func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Vary", "Accept-Language")
	http.Redirect(w, r, "/"+languageOf(r).Code+"/", http.StatusSeeOther)
}

func (s *Server) home(r *http.Request, l *lang) (string, any, error) {
	return "home", nil, nil
}

func (s *Server) accessibility(r *http.Request, l *lang) (string, any, error) {
	return "accessibility", nil, nil
}

// public is the viewer of every portal page.
var public = credo.Public

// ctx is r's context.
func ctx(r *http.Request) context.Context { return r.Context() }
