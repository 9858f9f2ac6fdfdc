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
	// PublicURL is the scheme and host printed in issued reports as their
	// verify address ("https://credo.example"); "" takes the request's.
	PublicURL string
}

// pageNames are the templates, one per page; each is parsed with
// layout.html, and a missing one fails New.
var pageNames = []string{
	"home", "search", "organization", "lists", "list", "uscc", "rulebooks", "rulebook",
	"accessibility", "error", "report", "verify",
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
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/badge.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: template %s: %w", name, err)
		}
		s.pages[name] = t
	}
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
	status := http.StatusInternalServerError
	e := errorPage{}
	switch credo.ErrorCodeOf(err) {
	case credo.ENOTFOUND:
		status = http.StatusNotFound
	case credo.EINVALID, credo.EMALFORMED:
		status = http.StatusBadRequest
		e.Message = credo.AsError(err).Error()
	default:
		s.logger.Error("portal page", "path", r.URL.Path, "err", err)
	}
	e.Status = status
	s.render(w, r, status, "error", l, e)
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, l *lang, data any) {
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
	if err := s.pages[name].Execute(&b, view{L: l, Path: path, Title: title, Data: data}); err != nil {
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
