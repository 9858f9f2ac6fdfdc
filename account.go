package credo

import "strings"

// Account is a holder of a bearer token other than an authority: an
// organization's own account (bound to its code), a client (a monitoring
// or screening system that sees what the public sees) or an administrator.
type Account struct {
	ID        string `json:"id"`
	Role      string `json:"role"`              // RoleOrganization, RoleClient or RoleAdmin
	Subject   string `json:"subject,omitempty"` // the organization's code
	Name      string `json:"name,omitempty"`
	CreatedAt Time   `json:"created_at,omitzero"`
}

// Roles. The public needs no token; authorities hold tokens of their own
// (AuthorityStore).
const (
	RolePublic       = "public"
	RoleOrganization = "organization"
	RoleAuthority    = "authority"
	RoleAdmin        = "admin"
	// RoleClient is an account with the least privilege: it sees what
	// the public sees (its token identifies it, for monitoring and
	// limits).
	RoleClient = "client"
)

// AccountRoles are the roles an account may hold.
var AccountRoles = []string{RoleOrganization, RoleClient, RoleAdmin}

// Validate checks an account's definition.
func (a *Account) Validate() error {
	if !isAuthorityID(a.ID) {
		return FieldError("id", "format", "must be 2-64 characters of a-z, 0-9, '-', '_' and '.', starting with a letter or digit")
	}
	switch a.Role {
	case RoleOrganization:
		if a.Subject == "" {
			return FieldError("subject", "required", "an organization's account is bound to its code")
		}
	case RoleAdmin, RoleClient:
		if a.Subject != "" {
			return FieldError("subject", "forbidden", "an administrator's or client's account is bound to no organization")
		}
	default:
		return FieldError("role", "enum", "must be one of %s", strings.Join(AccountRoles, ", "))
	}
	return requireOptionalText("name", a.Name, 200)
}

func requireOptionalText(field, v string, max int) error {
	if v == "" {
		return nil
	}
	return requireText(field, v, max)
}

// Viewer is who is asking: the public (no token), an organization's
// account, a client's, an authority or an administrator. What each may see
// is decided by package visibility, and by no one else.
type Viewer struct {
	Role      string
	Account   *Account   // organization, client and administrator accounts
	Authority *Authority // authorities
}

// Public is the viewer without a token.
var Public = Viewer{Role: RolePublic}

// Actor names v in the trail of what it decided.
func (v Viewer) Actor() string {
	switch {
	case v.Role == RoleAuthority && v.Authority != nil:
		return "authority:" + v.Authority.ID
	case v.Account != nil:
		return "account:" + v.Account.ID
	case v.Role == RoleAdmin:
		return "admin"
	}
	return RolePublic
}
