package web

import (
	"net/http"
	"strings"

	"github.com/credo-registry/credo"
)

// signInPage is the sign-in form's data.
type signInPage struct {
	Next string
}

// signInForm answers GET /{lang}/sign-in.
func (s *Server) signInForm(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	return "signin", signInPage{Next: safeNext(l, r.FormValue("next"))}, nil
}

// maxToken bounds the token typed in.
const maxToken = 512

// signIn answers POST /{lang}/sign-in: a valid account token (an
// organization's, an authority's, an administrator's) starts a session;
// the reader goes on to its area.
func (s *Server) signIn(w http.ResponseWriter, r *http.Request, l *lang, _ credo.Viewer) (string, error) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	if token == "" {
		return "", credo.FieldError("token", "required", "is required: the account token you were given")
	}
	if len(token) > maxToken {
		return "", credo.FieldError("token", "too_long", "must be at most %d characters", maxToken)
	}
	hash := credo.HashToken(token)
	v, ok, err := s.viewerOf(r.Context(), hash)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", &credo.Error{Code: credo.EUNAUTHORIZED, Field: "token", Reason: "unknown", Message: "this token is no account's (or was revoked)"}
	}
	next := "/" + l.Code + "/"
	switch v.Role {
	case credo.RoleOrganization:
		next = "/" + l.Code + "/my/"
	case credo.RoleAuthority, credo.RoleAdmin:
		next = "/" + l.Code + "/console/"
	}
	if n := safeNext(l, r.PostFormValue("next")); n != "" {
		next = n
	}
	s.startSession(w, r, hash)
	return next, nil
}

// signOut answers POST /{lang}/sign-out.
func (s *Server) signOut(w http.ResponseWriter, r *http.Request, l *lang, _ credo.Viewer) (string, error) {
	s.endSession(w, r)
	return "/" + l.Code + "/", nil
}

// safeNext is next when it is a path of the portal in l's signed-in
// parts (never another site), else "".
func safeNext(l *lang, next string) string {
	for _, p := range []string{"/" + l.Code + "/my/", "/" + l.Code + "/console/"} {
		if strings.HasPrefix(next, p) && !strings.ContainsAny(next, "\\\r\n") {
			return next
		}
	}
	return ""
}
