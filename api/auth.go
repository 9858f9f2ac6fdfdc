package api

import (
	"crypto/subtle"
	"fmt"
	"net/http"
	"strings"

	"github.com/credo-registry/credo"
)

// invalidToken is the reason (and RFC 6750 error) of a token that was
// given but is not one.
const invalidToken = "invalid_token"

// viewer returns who the request comes from: the public when it carries
// no token; else the authority, organization, client or administrator
// account holding its bearer token (or the administrator holding the
// server's CREDO_ADMIN_TOKEN). A token that is no one's, or a malformed
// Authorization header, is an EUNAUTHORIZED error (answered 401 with
// WWW-Authenticate), on every route. The answer is looked up once per
// request.
func (s *Server) viewer(r *http.Request) (credo.Viewer, error) {
	ri := info(r.Context())
	if ri.viewer == nil {
		v, err := s.lookupViewer(r)
		if err != nil {
			return credo.Viewer{}, err
		}
		ri.viewer = &v
	}
	return *ri.viewer, nil
}

func (s *Server) lookupViewer(r *http.Request) (credo.Viewer, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return credo.Public, nil
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return credo.Viewer{}, &credo.Error{Code: credo.EUNAUTHORIZED, Reason: invalidToken, Message: "the Authorization header must be Bearer <token>"}
	}
	if s.AdminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.AdminToken)) == 1 {
		trusted(r, "admin")
		return credo.Viewer{Role: credo.RoleAdmin}, nil
	}
	hash := credo.HashToken(token)
	a, err := s.Store.AuthorityByToken(r.Context(), hash)
	if err == nil {
		trusted(r, a.ID)
		return credo.Viewer{Role: credo.RoleAuthority, Authority: a}, nil
	}
	if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return credo.Viewer{}, err
	}
	acc, err := s.Store.AccountByToken(r.Context(), hash)
	if err == nil {
		trusted(r, "account:"+acc.ID)
		return credo.Viewer{Role: acc.Role, Account: acc}, nil
	}
	if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return credo.Viewer{}, err
	}
	return credo.Viewer{}, &credo.Error{Code: credo.EUNAUTHORIZED, Reason: invalidToken, Message: "unknown token"}
}

// trusted notes who an authenticated request comes from (for the request
// log and the rate limits) and gives its POST the deadlines of a
// submission: a large NDJSON body or attachments have IngestTimeout to
// arrive, where an anonymous body has ReadTimeout.
func trusted(r *http.Request, who string) {
	ri := info(r.Context())
	ri.authority = who
	if r.Method == http.MethodPost && ri.trust != nil {
		ri.trust()
	}
}

// wrongRole is the error of a valid token of a role the request is not for.
func wrongRole(message string) error {
	return &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: message}
}

// authenticate returns the authority whose bearer token the request
// carries: no token is EUNAUTHORIZED, another role's token EFORBIDDEN.
func (s *Server) authenticate(r *http.Request) (*credo.Authority, error) {
	v, err := s.viewer(r)
	if err != nil {
		return nil, err
	}
	switch v.Role {
	case credo.RolePublic:
		return nil, credo.Errorf(credo.EUNAUTHORIZED, "this request needs an authority's token: Authorization: Bearer <token>")
	case credo.RoleAuthority:
		return v.Authority, nil
	}
	return nil, wrongRole("only authorities submit, with their own token; this token is an " + v.Role + "'s")
}

// administrator checks the request comes from an administrator: an
// administrator's account or the server's CREDO_ADMIN_TOKEN.
func (s *Server) administrator(r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	switch v.Role {
	case credo.RoleAdmin:
		return nil
	case credo.RolePublic:
		return credo.Errorf(credo.EUNAUTHORIZED, "this request needs an administrator's token: Authorization: Bearer <token>")
	}
	return wrongRole("administrators only")
}

// WeakAdminToken says why token, given as CREDO_ADMIN_TOKEN, is too weak
// to guard an administrator's rights (shorter than 32 characters, or
// fewer than 10 distinct ones), or "" when it is not (or is not set).
func WeakAdminToken(token string) string {
	const how = "use at least 32 random characters (openssl rand -hex 32), or an administrator's account (credo account add --role admin)"
	if token == "" {
		return ""
	}
	if len(token) < 32 {
		return fmt.Sprintf("is %d characters long; %s", len(token), how)
	}
	distinct := map[rune]bool{}
	for _, r := range token {
		distinct[r] = true
	}
	if len(distinct) < 10 {
		return "repeats a few characters; " + how
	}
	return ""
}
