package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// Sessions. Signing in with an account token sets a session cookie that
// holds the token's hash and an expiry, signed with the registry's
// portal secret (the same on every node); each request looks the hash up
// again, so a revoked token ends its sessions. The cookie is HttpOnly,
// SameSite=Lax, and Secure when the portal's public address is https
// (PublicURL, --public-url: behind a TLS-terminating proxy the request
// itself is plain HTTP) or the request came over TLS. A session's
// lifetime is wall-clock time (the browser's), not the registry clock.
//
// CSRF: every form carries a token, the HMAC of a random per-browser
// cookie (credo_csrf, HttpOnly, SameSite=Strict) under the same secret;
// every POST is refused unless both are there and agree.

const (
	sessionCookie = "credo_session"
	csrfCookie    = "credo_csrf"
	// SessionLifetime is how long a sign-in lasts.
	SessionLifetime = 8 * time.Hour
	// portalSecret names the registry secret that signs sessions.
	portalSecret = "portal-session"
)

// sign is the HMAC of parts under the portal secret.
func (s *Server) sign(parts ...string) []byte {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

// secure reports whether the portal's cookies are marked Secure: its
// public address (PublicURL) is https, or r came over TLS.
func (s *Server) secure(r *http.Request) bool {
	return r.TLS != nil || strings.HasPrefix(strings.ToLower(s.PublicURL), "https://")
}

// startSession sets the session cookie for the token whose hash is hash.
func (s *Server) startSession(w http.ResponseWriter, r *http.Request, hash string) {
	exp := strconv.FormatInt(time.Now().Add(SessionLifetime).Unix(), 10)
	v := hash + "." + exp + "." + base64.RawURLEncoding.EncodeToString(s.sign("session", hash, exp))
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: v, Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: int(SessionLifetime / time.Second)})
}

func (s *Server) endSession(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, Secure: s.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// sessionHash returns the token hash of r's valid session, or "".
func (s *Server) sessionHash(r *http.Request) string {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return ""
	}
	parts := strings.Split(c.Value, ".")
	if len(parts) != 3 {
		return ""
	}
	mac, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || !hmac.Equal(mac, s.sign("session", parts[0], parts[1])) {
		return ""
	}
	exp, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || !time.Now().Before(time.Unix(exp, 0)) {
		return ""
	}
	return parts[0]
}

// viewerOf is who holds the token with hash: an authority, an account, or
// the administrator of the server's admin token; ok false when no one.
func (s *Server) viewerOf(ctx context.Context, hash string) (credo.Viewer, bool, error) {
	if s.AdminToken != "" && subtle.ConstantTimeCompare([]byte(hash), []byte(credo.HashToken(s.AdminToken))) == 1 {
		return credo.Viewer{Role: credo.RoleAdmin}, true, nil
	}
	a, err := s.store.AuthorityByToken(ctx, hash)
	if err == nil {
		return credo.Viewer{Role: credo.RoleAuthority, Authority: a}, true, nil
	}
	if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return credo.Viewer{}, false, err
	}
	acc, err := s.store.AccountByToken(ctx, hash)
	if err == nil {
		return credo.Viewer{Role: acc.Role, Account: acc}, true, nil
	}
	if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return credo.Viewer{}, false, err
	}
	return credo.Viewer{}, false, nil
}

// signedIn is who r's session is (the public when none).
func (s *Server) signedIn(r *http.Request) (credo.Viewer, error) {
	hash := s.sessionHash(r)
	if hash == "" {
		return credo.Public, nil
	}
	v, ok, err := s.viewerOf(r.Context(), hash)
	if err != nil || !ok {
		return credo.Public, err
	}
	return v, nil
}

// csrfToken returns the form token of r's browser, setting its cookie
// when it has none.
func (s *Server) csrfToken(w http.ResponseWriter, r *http.Request) string {
	seed := ""
	if c, err := r.Cookie(csrfCookie); err == nil && len(c.Value) == 64 {
		seed = c.Value
	} else {
		b := make([]byte, 32)
		rand.Read(b)
		seed = hex.EncodeToString(b)
		http.SetCookie(w, &http.Cookie{Name: csrfCookie, Value: seed, Path: "/", HttpOnly: true, Secure: s.secure(r), SameSite: http.SameSiteStrictMode})
		r.AddCookie(&http.Cookie{Name: csrfCookie, Value: seed})
	}
	return hex.EncodeToString(s.sign("csrf", seed))
}

// checkCSRF checks the form's csrf field against the browser's cookie.
func (s *Server) checkCSRF(r *http.Request) error {
	given := r.PostFormValue("csrf")
	if given == "" {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "csrf", Reason: "required", Message: "the form's security token is missing: reload the form and send it again"}
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || len(c.Value) != 64 {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "csrf", Reason: "cookie", Message: "the form's security cookie is missing: reload the form and send it again"}
	}
	if !hmac.Equal([]byte(given), []byte(hex.EncodeToString(s.sign("csrf", c.Value)))) {
		return &credo.Error{Code: credo.EFORBIDDEN, Field: "csrf", Reason: "mismatch", Message: "the form's security token is wrong: reload the form and send it again"}
	}
	return nil
}
