package credo

import "strings"

// Account is a holder of a bearer token other than an authority: an
// organization's own account (bound to its code) or an administrator.
type Account struct {
	ID        string `json:"id"`
	Role      string `json:"role"`              // RoleOrganization or RoleAdmin
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
)

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
	case RoleAdmin:
		if a.Subject != "" {
			return FieldError("subject", "forbidden", "an administrator's account is bound to no organization")
		}
	default:
		return FieldError("role", "enum", "must be one of %s", strings.Join([]string{RoleOrganization, RoleAdmin}, ", "))
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
// account, an authority or an administrator. What each may see is decided
// by Sees and, for the public, by what is published.
type Viewer struct {
	Role      string
	Account   *Account   // organization and administrator accounts
	Authority *Authority // authorities
}

// Public is the viewer without a token.
var Public = Viewer{Role: RolePublic}

// Sees reports whether v may see everything held about the organization
// with code, published or not: the organization itself, an authority
// whose jurisdiction covers it, or an administrator.
func (v Viewer) Sees(code string) bool {
	switch v.Role {
	case RoleAdmin:
		return true
	case RoleOrganization:
		return v.Account != nil && v.Account.Subject == code
	case RoleAuthority:
		return v.Authority != nil && v.Authority.CoversDivision(code)
	}
	return false
}

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
