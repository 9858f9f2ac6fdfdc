package api

import (
	"net/http"
	"slices"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// Me answers GET /v1/me: who the token belongs to.
type Me struct {
	Role      string           `json:"role"`
	Account   *credo.Account   `json:"account,omitempty"`
	Authority *credo.Authority `json:"authority,omitempty"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, Me{Role: v.Role, Account: v.Account, Authority: v.Authority})
	return nil
}

// getMyNotices answers GET /v1/me/notices: an organization's inbox
// (every adverse change about it and every decision on its objections
// and repairs), a client's (its paused webhooks), or the administrators'
// (overdue cases), newest first.
func (s *Server) getMyNotices(w http.ResponseWriter, r *http.Request) error {
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	audience := ""
	switch v.Role {
	case credo.RolePublic:
		return credo.Errorf(credo.EUNAUTHORIZED, "notices are the organization's own: Authorization: Bearer <token>")
	case credo.RoleOrganization:
		audience = v.Account.Subject
	case credo.RoleClient:
		audience = credo.WebhookAudience(v.Account) // a client's inbox: its webhooks
	case credo.RoleAdmin:
		audience = credo.AudienceAdmin
	default:
		return wrongRole("notices go to organizations, clients and administrators; authorities follow their cases at GET /v1/objections and GET /v1/repairs")
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	page, err := s.Store.Notices(r.Context(), audience, r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	// The inbox read is the viewer's own; the policy still decides.
	shown := make([]*credo.Notice, 0, len(page.Notices))
	for _, n := range page.Notices {
		if s.policy().Notice(v, n) {
			shown = append(shown, n)
		}
	}
	page.Notices = shown
	writeJSON(w, http.StatusOK, page)
	return nil
}

// AccountRequest is the body of POST /v1/admin/accounts.
type AccountRequest struct {
	// ID defaults to org-<code> for an organization, admin-<time> for an
	// administrator, client-<time> for a client.
	ID string `json:"id,omitempty"`
	// Role is organization, client or admin.
	Role string `json:"role"`
	// Subject is the organization's code (organizations only).
	Subject string `json:"subject,omitempty"`
	Name    string `json:"name,omitempty"`
}

// NewAccount answers POST /v1/admin/accounts: the account and its token,
// shown this once.
type NewAccount struct {
	Account *credo.Account `json:"account"`
	Token   string         `json:"token"`
}

// postAccount answers POST /v1/admin/accounts: an administrator creates
// an organization's, a client's or an administrator's account.
func (s *Server) postAccount(w http.ResponseWriter, r *http.Request) error {
	if err := s.administrator(r); err != nil {
		return err
	}
	var req AccountRequest
	if err := readBody(w, r, MaxObject, &req); err != nil {
		return err
	}
	a := &credo.Account{ID: req.ID, Role: req.Role, Name: req.Name, CreatedAt: credo.NewTime(s.now())}
	if req.Subject != "" {
		code, err := normalizeCode("subject", req.Subject)
		if err != nil {
			return err
		}
		a.Subject = code
	}
	if !slices.Contains(credo.AccountRoles, a.Role) {
		return credo.FieldError("role", "enum", "must be one of %s", strings.Join(credo.AccountRoles, ", "))
	}
	if a.ID == "" {
		switch {
		case a.Role == credo.RoleOrganization && a.Subject != "":
			a.ID = "org-" + strings.ToLower(a.Subject)
		case a.Role == credo.RoleAdmin, a.Role == credo.RoleClient:
			a.ID = a.Role + "-" + s.now().UTC().Format("20060102-150405.000000")
			a.ID = strings.ReplaceAll(a.ID, ".", "-")
		}
	}
	if err := a.Validate(); err != nil {
		return err
	}
	token, hash := credo.NewToken()
	if err := s.Store.CreateAccount(r.Context(), a, hash); err != nil {
		return err
	}
	w.Header().Set("Location", "/v1/admin/accounts/"+a.ID)
	writeJSON(w, http.StatusCreated, NewAccount{Account: a, Token: token})
	return nil
}

// getAccount answers GET /v1/admin/accounts/{id}: one account (where a
// new account's Location points).
func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) error {
	if err := s.administrator(r); err != nil {
		return err
	}
	a, err := s.Store.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	if !s.policy().Account(v, a) {
		return credo.ErrNotFound("account", a.ID)
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// getAccounts answers GET /v1/admin/accounts.
func (s *Server) getAccounts(w http.ResponseWriter, r *http.Request) error {
	if err := s.administrator(r); err != nil {
		return err
	}
	limit, err := queryLimit(r)
	if err != nil {
		return err
	}
	page, err := s.Store.ListAccounts(r.Context(), r.URL.Query().Get("cursor"), limit)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	shown := &credo.AccountPage{Accounts: []*credo.Account{}, Next: page.Next}
	for _, a := range page.Accounts {
		if s.policy().Account(v, a) {
			shown.Accounts = append(shown.Accounts, a)
		}
	}
	writeJSON(w, http.StatusOK, shown)
	return nil
}

// normalizeCode normalizes a code given in field and checks it.
func normalizeCode(field, c string) (string, error) {
	code := uscc.Normalize(c)
	if err := credo.ValidateCode(field, code); err != nil {
		return "", err
	}
	return code, nil
}
