package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
)

// The signed-in parts of the portal: the organization's own area (/my/)
// and the authority's console (/console/). Pages are GET; every change is
// a POST form carrying a CSRF token, answered with a redirect (303) to
// the page that shows what changed. A form refused for what was entered
// in it is shown again, with the values entered kept and the error naming
// the field (formState), under the status of the error (400 for a bad
// value); other refusals (CSRF, role, a form too large to read) are error
// pages. Nothing needs JavaScript.

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
// checked first, then the session's role; success redirects (303). A
// refusal of what was entered shows the form again (again; none: the
// error page).
func (s *Server) action(l *lang, roles []string, max int64, again *formAgain, h actionFunc) http.Handler {
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
			if s.showAgain(w, r, l, v, again, err) {
				return
			}
		}
		s.failAs(w, r, l, err, v)
	})
}

// formAgain is how a POST shows its form again after a refusal: show is
// the form page's handler, called with the POST request (so it reads
// what it needs with r.FormValue, from the query of a GET or the body of
// the POST); path is the form page's address after the language prefix,
// for the page's language links.
type formAgain struct {
	show areaFunc
	path func(r *http.Request) string
}

// formState is a form shown again: the values the reader posted and the
// error. The zero value is a form shown the first time.
type formState struct {
	Values url.Values
	Err    *credo.Error
}

// Again reports whether the form is shown again (its values are the
// reader's, not the defaults).
func (f formState) Again() bool { return f.Values != nil }

// Get is the value posted for field.
func (f formState) Get(field string) string { return f.Values.Get(field) }

// Has reports whether value was posted for field (a select's option, a
// checkbox, a radio button).
func (f formState) Has(field, value string) bool { return slices.Contains(f.Values[field], value) }

// Invalid reports whether the error names field, or a part of it
// (attachments[0], correction.amount).
func (f formState) Invalid(field string) bool {
	if f.Err == nil || f.Err.Field == "" {
		return false
	}
	return f.Err.Field == field || strings.HasPrefix(f.Err.Field, field+"[") || strings.HasPrefix(f.Err.Field, field+".")
}

// againStatus is the status of a form shown again for err, and whether
// err is a refusal of what was entered: a bad or unreadable value (400),
// or a field too large (413), of an unknown token (401), not allowed
// (403) or in conflict (409). Others (a record not found, a failure of
// the registry) are error pages.
func againStatus(err error) (int, *credo.Error, bool) {
	e := credo.AsError(err)
	if e == nil {
		return 0, nil, false
	}
	switch e.Code {
	case credo.EINVALID, credo.EMALFORMED:
		return http.StatusBadRequest, e, true
	}
	if e.Field == "" || e.Field == "csrf" {
		return 0, nil, false
	}
	switch e.Code {
	case credo.ETOOLARGE:
		return http.StatusRequestEntityTooLarge, e, true
	case credo.EUNAUTHORIZED:
		return http.StatusUnauthorized, e, true
	case credo.EFORBIDDEN:
		return http.StatusForbidden, e, true
	case credo.ECONFLICT:
		return http.StatusConflict, e, true
	}
	return 0, nil, false
}

// showAgain renders again's form for the refusal err, with the values
// posted in r; false when err is not a refusal of what was entered, or
// the form cannot be shown (the caller shows the error page).
func (s *Server) showAgain(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer, again *formAgain, err error) bool {
	status, e, ok := againStatus(err)
	if again == nil || !ok {
		return false
	}
	name, data, ferr := again.show(w, r, l, v)
	if ferr != nil {
		return false
	}
	// The page is the form's: its language links lead to the form.
	at := r.Clone(r.Context())
	u, perr := url.Parse("/" + l.Code + again.path(r))
	if perr != nil {
		return false
	}
	at.URL = u
	s.write(w, at, status, name, l, view{Data: data, Who: v, CSRF: s.csrfToken(w, r), Form: formState{Values: r.PostForm, Err: e}})
	return true
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
func (s *Server) post(l *lang, roles []string, max int64, again *formAgain, h areaFunc) http.Handler {
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
			if s.showAgain(w, r, l, v, again, err) {
				return
			}
		}
		s.failAs(w, r, l, err, v)
	})
}
