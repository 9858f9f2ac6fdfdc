package api

import (
	"net/http"
	"strings"

	"github.com/credo-registry/credo"
)

// access is the set of roles that may call a route. The zero access
// admits no one, so a route whose access was forgotten fails closed.
type access uint8

// The roles, one bit each.
const (
	rolePublic access = 1 << iota
	roleClient
	roleOrganization
	roleAuthority
	roleAdmin
)

// The accesses of the route table.
const (
	// anyone: the public and every valid token; each sees what package
	// visibility lets it see.
	anyone = rolePublic | roleClient | roleOrganization | roleAuthority | roleAdmin
	// authorities submit and list.
	authorities = roleAuthority
	// organizations file objections, repair applications and their
	// annual reports, and read their obligations.
	organizations = roleOrganization
	// caseReaders follow cases: the organization, the deciding
	// authority, administrators (which case each sees is visibility's).
	caseReaders = roleOrganization | roleAuthority | roleAdmin
	// deciders decide cases and revoke entries.
	deciders = roleAuthority | roleAdmin
	// overseers: the authorities over a division and administrators (who
	// has not filed an annual report).
	overseers = roleAuthority | roleAdmin
	// inboxes read notices: organizations, clients (of their webhooks)
	// and administrators.
	inboxes = roleOrganization | roleClient | roleAdmin
	// watchers keep watchlists: client and organization accounts.
	watchers = roleClient | roleOrganization
	// administrators run the registry.
	administrators = roleAdmin
	// declarers submit relationships: authorities within their
	// jurisdiction, organizations about themselves.
	declarers = roleAuthority | roleOrganization
	// tokenHolders are every valid token: what is kept per caller
	// (screening jobs and decisions) needs to know who is asking.
	tokenHolders = roleClient | roleOrganization | roleAuthority | roleAdmin
)

var roleBits = map[string]access{
	credo.RolePublic:       rolePublic,
	credo.RoleClient:       roleClient,
	credo.RoleOrganization: roleOrganization,
	credo.RoleAuthority:    roleAuthority,
	credo.RoleAdmin:        roleAdmin,
}

// roles lists the roles a admits, for documentation and tests.
func (a access) roles() []string {
	var out []string
	for _, role := range []string{credo.RolePublic, credo.RoleClient, credo.RoleOrganization, credo.RoleAuthority, credo.RoleAdmin} {
		if a&roleBits[role] != 0 {
			out = append(out, role)
		}
	}
	return out
}

// Access lists, for each route of the table, the roles that may call it.
func (s *Server) Access() map[Route][]string {
	out := map[Route][]string{}
	for _, rt := range s.routes() {
		out[rt.Route] = rt.access.roles()
	}
	return out
}

// admit checks who is asking against a: a token that is no one's is
// EUNAUTHORIZED on every route; the public where a token is needed is
// EUNAUTHORIZED; a valid token of a role a does not admit is EFORBIDDEN.
func (s *Server) admit(r *http.Request, a access) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	if a&roleBits[v.Role] != 0 {
		return nil
	}
	if v.Role == credo.RolePublic {
		return &credo.Error{Code: credo.EUNAUTHORIZED, Reason: "token",
			Message: "this request needs the token of " + roleWords(a) + ": Authorization: Bearer <token>"}
	}
	return wrongRole("this request is for " + roleWords(a) + "; this token is " + article(v.Role))
}

// roleWords names a's roles: "an authority or an administrator".
func roleWords(a access) string {
	var words []string
	for _, role := range a.roles() {
		words = append(words, article(role))
	}
	return strings.Join(words, " or ")
}

func article(role string) string {
	switch role {
	case credo.RoleOrganization:
		return "an organization's own account"
	case credo.RoleAuthority:
		return "an authority"
	case credo.RoleAdmin:
		return "an administrator"
	case credo.RoleClient:
		return "a client account"
	}
	return "the public"
}
