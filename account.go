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
