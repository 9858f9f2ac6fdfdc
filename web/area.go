package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/credo-registry/credo"
)

// The signed-in parts of the portal: the organization's own area (/my/)
// and the authority's console (/console/). Pages are GET; every change is
// a POST form carrying a CSRF token, answered with a redirect (303) to
// the page that shows what changed, or with an error page naming the
// field. Nothing needs JavaScript.

// roles an area admits.
var (
	orgRoles     = []string{credo.RoleOrganization}
	consoleRoles = []string{credo.RoleAuthority, credo.RoleAdmin}
	adminRoles   = []string{credo.RoleAdmin}
)

// areaFunc answers a signed-in page for viewer v.
type areaFunc func(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (name string, data any, err error)

// actionFunc does what a form asks for v and returns where to go next.
type actionFunc func(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (next string, err error)

// errSignIn is the error of a page that needs a session and has none.
var errSignIn = &credo.Error{Code: credo.EUNAUTHORIZED, Reason: "session", Message: "sign in first"}

// admitted returns r's viewer if it holds one of roles (none: anyone).
func (s *Server) admitted(r *http.Request, roles []string) (credo.Viewer, error) {
	v, err := s.signedIn(r)
	if err != nil {
		return v, err
	}
	if len(roles) == 0 {
		return v, nil
	}
	if v.Role == credo.RolePublic {
		return v, errSignIn
	}
	if !slices.Contains(roles, v.Role) {
		return v, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "this page is not for a " + v.Role + "'s session"}
	}
	return v, nil
}

// area adapts a signed-in page: without a session the reader is sent to
// sign in; a session of another role is refused (403).
func (s *Server) area(l *lang, roles []string, h areaFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v, err := s.admitted(r, roles)
		if errors.Is(err, errSignIn) {
			http.Redirect(w, r, "/"+l.Code+"/sign-in?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		if err == nil {
			var name string
			var data any
			if name, data, err = h(w, r, l, v); err == nil {
				s.renderAs(w, r, http.StatusOK, name, l, data, v)
				return
			}
		}
		s.failAs(w, r, l, err, v)
	})
}

// maxForm bounds a form without files; forms with uploads give their own.
const maxForm = 64 << 10

// action adapts a form's POST: the body bounded by max, the CSRF token
// checked first, then the session's role; success redirects (303).
func (s *Server) action(l *lang, roles []string, max int64, h actionFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v := credo.Public
		err := s.parseForm(w, r, max)
		if err == nil {
			err = s.checkCSRF(r)
		}
		if err == nil {
			v, err = s.admitted(r, roles)
		}
		if err == nil {
			var next string
			if next, err = h(w, r, l, v); err == nil {
				http.Redirect(w, r, next, http.StatusSeeOther)
				return
			}
		}
		s.failAs(w, r, l, err, v)
	})
}

// parseForm reads a urlencoded or multipart form of at most max bytes.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request, max int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, max)
	var err error
	if mt := r.Header.Get("Content-Type"); len(mt) >= 19 && mt[:19] == "multipart/form-data" {
		err = r.ParseMultipartForm(max)
	} else {
		err = r.ParseForm()
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &credo.Error{Code: credo.ETOOLARGE, Reason: "too_large", Message: "the form is larger than " + sizeWords(max)}
	}
	if err != nil {
		return &credo.Error{Code: credo.EMALFORMED, Reason: "form", Message: "the form could not be read: " + err.Error()}
	}
	return nil
}

func sizeWords(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatInt(n>>20, 10) + " MiB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// post adapts a form's POST that answers with a page (a submission's
// results): the body bounded by max, the CSRF token checked first, then
// the session's role.
func (s *Server) post(l *lang, roles []string, max int64, h areaFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		v := credo.Public
		err := s.parseForm(w, r, max)
		if err == nil {
			err = s.checkCSRF(r)
		}
		if err == nil {
			v, err = s.admitted(r, roles)
		}
		if err == nil {
			var name string
			var data any
			if name, data, err = h(w, r, l, v); err == nil {
				s.renderAs(w, r, http.StatusOK, name, l, data, v)
				return
			}
		}
		s.failAs(w, r, l, err, v)
	})
}
