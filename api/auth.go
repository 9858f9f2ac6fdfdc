package api

import (
	"net/http"
	"strings"

	"github.com/credo-registry/credo"
)

// invalidToken is the reason (and RFC 6750 error) of a token that was
// given but is not one.
const invalidToken = "invalid_token"

// authenticate returns the authority whose bearer token the request
// carries, or an EUNAUTHORIZED error (answered 401 with WWW-Authenticate).
func (s *Server) authenticate(r *http.Request) (*credo.Authority, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, credo.Errorf(credo.EUNAUTHORIZED, "this request needs an authority's token: Authorization: Bearer <token>")
	}
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, &credo.Error{Code: credo.EUNAUTHORIZED, Reason: invalidToken, Message: "the Authorization header must be Bearer <token>"}
	}
	a, err := s.Store.AuthorityByToken(r.Context(), credo.HashToken(token))
	if err != nil {
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			return nil, &credo.Error{Code: credo.EUNAUTHORIZED, Reason: invalidToken, Message: "unknown token"}
		}
		return nil, err
	}
	info(r.Context()).authority = a.ID
	return a, nil
}
