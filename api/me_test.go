package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
)

type me struct {
	Role      string           `json:"role"`
	Account   *credo.Account   `json:"account"`
	Authority *credo.Authority `json:"authority"`
}

type noticePage struct {
	Notices []credo.Notice `json:"notices"`
	Next    string         `json:"next"`
}

// notices returns token's inbox, newest first.
func (e *env) notices(token string) []credo.Notice {
	e.t.Helper()
	var p noticePage
	e.do("GET", "/v1/me/notices?limit=1000", token, "", nil).wantStatus(http.StatusOK).decode(&p)
	return p.Notices
}

// noticesOf returns the notices of kind.
func noticesOf(ns []credo.Notice, kind string) []credo.Notice {
	var out []credo.Notice
	for _, n := range ns {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

func TestAccountDefaults(t *testing.T) {
	e := newProcessEnv(t)
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "organization", "subject": codeHuaibei}).wantStatus(http.StatusCreated).decode(&na)
	if na.Account.ID != "org-"+strings.ToLower(codeHuaibei) || na.Account.Subject != codeHuaibei || na.Token == "" {
		t.Fatalf("organization: %+v", na)
	}
	res := e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "admin"}).wantStatus(http.StatusCreated)
	res.decode(&na)
	if !strings.HasPrefix(na.Account.ID, "admin-") || na.Account.Role != credo.RoleAdmin {
		t.Fatalf("administrator: %+v", na)
	}
	// The Location of a new account answers (issue 9, Low).
	var got credo.Account
	e.do("GET", res.header.Get("Location"), adminToken, "", nil).wantStatus(http.StatusOK).decode(&got)
	if got.ID != na.Account.ID || got.Role != credo.RoleAdmin {
		t.Fatalf("GET %s: %+v", res.header.Get("Location"), got)
	}
	e.do("GET", res.header.Get("Location"), na.Token, "", nil).wantStatus(http.StatusOK)
	e.do("GET", "/v1/admin/accounts/no-such-account", adminToken, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	// A client account: the least privilege, what the public sees.
	na.Account = credo.Account{}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "client", "name": "采购监测"}).wantStatus(http.StatusCreated).decode(&na)
	if !strings.HasPrefix(na.Account.ID, "client-") || na.Account.Role != credo.RoleClient || na.Account.Subject != "" {
		t.Fatalf("client: %+v", na)
	}
	p := e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "client", "subject": codeHuaibei}).problem(422, credo.EINVALID)
	wantField(t, p, "subject", "forbidden")
	// Role words other than the three are refused; code is not a field.
	p = e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "administrator"}).problem(422, credo.EINVALID)
	wantField(t, p, "role", "enum")
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "organization", "code": codeHuaibei}).problem(422, credo.EINVALID)
}

func TestAccountsAndMe(t *testing.T) {
	e := newProcessEnv(t)
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	res := e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"id": "huaibei-org", "role": "organization", "subject": " " + codeHuaibei[:9] + " " + codeHuaibei[9:], "name": "淮北示例"}).
		wantStatus(http.StatusCreated)
	res.decode(&na)
	if na.Token == "" || na.Account.ID != "huaibei-org" || na.Account.Role != credo.RoleOrganization || na.Account.Subject != codeHuaibei ||
		!na.Account.CreatedAt.Equal(testNow) || res.header.Get("Location") != "/v1/admin/accounts/huaibei-org" {
		t.Fatalf("new account %+v (Location %q)", na, res.header.Get("Location"))
	}
	org := na.Token
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"id": "ops", "role": "admin"}).wantStatus(http.StatusCreated).decode(&na)
	admin2 := na.Token

	// Who each token is.
	for _, c := range []struct {
		name, token, role, account, authority string
	}{
		{"public", "", credo.RolePublic, "", ""},
		{"organization", org, credo.RoleOrganization, "huaibei-org", ""},
		{"authority", tokenHuaibei, credo.RoleAuthority, "", "huaibei-amr"},
		{"server administrator", adminToken, credo.RoleAdmin, "", ""},
		{"administrator's account", admin2, credo.RoleAdmin, "ops", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var m me
			e.do("GET", "/v1/me", c.token, "", nil).wantStatus(http.StatusOK).decode(&m)
			if m.Role != c.role {
				t.Errorf("role %q, want %q", m.Role, c.role)
			}
			if (m.Account == nil) != (c.account == "") || m.Account != nil && m.Account.ID != c.account {
				t.Errorf("account %+v, want %q", m.Account, c.account)
			}
			if (m.Authority == nil) != (c.authority == "") || m.Authority != nil && m.Authority.ID != c.authority {
				t.Errorf("authority %+v, want %q", m.Authority, c.authority)
			}
		})
	}
	e.do("GET", "/v1/me", "credo_test_nobody", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/me", "", "", nil, "Authorization", "Basic abc").problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)

	// The administrator's account administrates; no one else does.
	var list struct {
		Accounts []credo.Account `json:"accounts"`
	}
	e.do("GET", "/v1/admin/accounts", admin2, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Accounts) != 2 || list.Accounts[0].ID != "huaibei-org" || list.Accounts[1].ID != "ops" {
		t.Errorf("accounts %+v", list.Accounts)
	}
	e.postJSON("/v1/admin/accounts", admin2, map[string]any{"id": "huaibei-org-2", "role": "organization", "subject": codeHuaibei2}).wantStatus(http.StatusCreated)
	good := map[string]any{"id": "x-org", "role": "organization", "subject": codeShanghai}
	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		code   credo.ErrorCode
		field  string
	}{
		{"organization's token", org, good, 403, credo.EFORBIDDEN, ""},
		{"authority's token", tokenNational, good, 403, credo.EFORBIDDEN, ""},
		{"no token", "", good, 401, credo.EUNAUTHORIZED, ""},
		{"unknown token", "credo_test_nobody", good, 401, credo.EUNAUTHORIZED, ""},
		{"authority role", adminToken, with(good, "role", "authority"), 422, credo.EINVALID, "role"},
		{"no role", adminToken, with(good, "role", nil), 422, credo.EINVALID, "role"},
		{"no id for an organization's account made without its code", adminToken, with(good, "id", nil, "subject", nil), 422, credo.EINVALID, "id"},
		{"organization without code", adminToken, with(good, "subject", nil), 422, credo.EINVALID, "subject"},
		{"administrator with code", adminToken, with(good, "role", "admin"), 422, credo.EINVALID, "subject"},
		{"bad code", adminToken, with(good, "subject", badChecksum), 422, credo.EINVALID, "subject"},
		{"bad id", adminToken, with(good, "id", "X Y"), 422, credo.EINVALID, "id"},
		{"id taken", adminToken, with(good, "id", "huaibei-org"), 409, credo.ECONFLICT, ""},
		{"unknown field", adminToken, with(good, "token", "mine"), 422, credo.EINVALID, "token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON("/v1/admin/accounts", c.token, c.body).problem(c.status, c.code)
			if c.field != "" && p.Field != c.field {
				t.Errorf("field %q, want %q (%s)", p.Field, c.field, p.Detail)
			}
		})
	}
	e.do("GET", "/v1/admin/accounts", org, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.do("GET", "/v1/admin/accounts", tokenHuaibei, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.do("GET", "/v1/admin/accounts", "", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	// Refused requests created nothing.
	e.do("GET", "/v1/admin/accounts", adminToken, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Accounts) != 3 {
		t.Errorf("accounts after refusals: %+v", list.Accounts)
	}
	// An organization's token is not an authority's: it cannot submit.
	e.postJSON("/v1/records", org, goodRecord(codeHuaibei, "ORG-1")).problem(http.StatusForbidden, credo.EFORBIDDEN)
}

// TestNotices: an organization's inbox says what happened, why, and what
// it can do; the administrators' holds overdue cases (cases_test.go).
func TestNotices(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	other := e.account("huaibei-org-2", codeHuaibei2)
	if ns := e.notices(org); len(ns) != 0 {
		t.Fatalf("a new inbox: %+v", ns)
	}
	// Registration first, so that the penalty lowers an existing grade.
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市示例商贸有限公司")).wantStatus(http.StatusCreated)
	rec := e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01", "severity", "serious")).
		wantStatus(http.StatusCreated).object()
	recID := int64(rec["id"].(float64))
	ns := e.notices(org)
	adv := noticesOf(ns, credo.NoticePenalty)
	if len(adv) != 1 || adv[0].Refs.Record != recID || adv[0].Audience != codeHuaibei {
		t.Fatalf("new_penalty notices %+v", adv)
	}
	// Another adverse record, not a penalty: an unfulfilled judgment.
	jud := e.postJSON("/v1/records", tokenNational, map[string]any{"subject": codeHuaibei, "category": "court", "kind": "judgment_unfulfilled",
		"external_id": "HB-J1", "decision_number": "（2026）皖06执12号", "occurred_at": "2026-06-02"}).wantStatus(http.StatusCreated).object()
	if other := noticesOf(e.notices(org), credo.NoticeRecord); len(other) != 1 || other[0].Refs.Record != int64(jud["id"].(float64)) {
		t.Fatalf("adverse_record notices %+v", other)
	}

	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	ns = e.notices(org)
	if l := noticesOf(ns, credo.NoticeListing); len(l) != 1 || l[0].Refs.ListEntry != en.ID {
		t.Errorf("listing_notice %+v", l)
	}
	if m := noticesOf(ns, credo.NoticeMeasure); len(m) == 0 {
		t.Errorf("no measure_applied notices of the listing's punishments")
	}
	// The penalty brought the market dimension in below its best grade,
	// the judgment the court dimension: falls too; the listing, only
	// notified, changes no grade yet.
	fall := noticesOf(ns, credo.NoticeGradeFall)
	if len(fall) != 2 || !strings.Contains(fall[1].What, "market grade (new) B") || !strings.Contains(fall[0].What, "court grade (new)") ||
		!strings.Contains(fall[0].Why, "record "+strconv.FormatInt(int64(jud["id"].(float64)), 10)) {
		t.Errorf("grade_fall before the listing takes effect: %+v", fall)
	}
	// The listing takes effect by time: grading's pass over what is due
	// stores the D, and the organization is told its grade fell.
	e.setNow(en.EffectiveAt)
	if _, err := e.server.Grading.(*grading.Service).RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
	fall = noticesOf(e.notices(org), credo.NoticeGradeFall)
	if len(fall) != 3 || !strings.Contains(fall[0].What, "comprehensive grade B → D") {
		t.Errorf("grade_fall notices %+v", fall)
	}

	// Objection decided, repair decided.
	obj := e.file("objections", org, credo.TargetRecord, recID)
	e.decide("objections", tokenHuaibei, obj.ID, map[string]any{"outcome": "upheld", "reasons": "事实清楚，证据确凿"})
	e.setNow(en.RepairFrom.Add(time.Hour))
	rep := e.file("repairs", org, credo.TargetListEntry, en.ID)
	e.decide("repairs", tokenHuaibei, rep.ID, map[string]any{"outcome": "rejected", "reasons": "尚未履行全部义务"})

	ns = e.notices(org)
	if d := noticesOf(ns, credo.NoticeObjection); len(d) != 1 || d[0].Refs.Case != obj.ID {
		t.Errorf("objection_decided %+v", d)
	}
	if d := noticesOf(ns, credo.NoticeRepair); len(d) != 1 || d[0].Refs.Case != rep.ID {
		t.Errorf("repair_decided %+v", d)
	}
	if f := noticesOf(ns, credo.NoticeCaseFiled); len(f) != 2 {
		t.Errorf("case_filed %+v", f)
	}
	for _, kind := range []string{credo.NoticePenalty, credo.NoticeRecord, credo.NoticeListing, credo.NoticeGradeFall, credo.NoticeObjection, credo.NoticeRepair} {
		for _, n := range noticesOf(ns, kind) {
			if n.What == "" || n.Why == "" || len(n.Options) == 0 || n.At.IsZero() || n.ID == 0 {
				t.Errorf("%s without what, why or options: %+v", kind, n)
			}
		}
	}
	// Newest first.
	for i := 1; i < len(ns); i++ {
		if ns[i].ID >= ns[i-1].ID {
			t.Errorf("notices out of order: %d after %d", ns[i].ID, ns[i-1].ID)
		}
	}
	// Pages.
	var pg noticePage
	e.do("GET", "/v1/me/notices?limit=2", org, "", nil).wantStatus(http.StatusOK).decode(&pg)
	if len(pg.Notices) != 2 || pg.Next == "" || pg.Notices[0].ID != ns[0].ID {
		t.Errorf("first page %+v", pg)
	}
	var pg2 noticePage
	e.do("GET", "/v1/me/notices?limit=2&cursor="+pg.Next, org, "", nil).wantStatus(http.StatusOK).decode(&pg2)
	if len(pg2.Notices) == 0 || pg2.Notices[0].ID != ns[2].ID {
		t.Errorf("second page %+v", pg2)
	}

	// Another organization's inbox holds none of it.
	if ns := e.notices(other); len(ns) != 0 {
		t.Errorf("another organization's inbox: %+v", ns)
	}
	e.get("/v1/me/notices").problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/me/notices", tokenHuaibei, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.do("GET", "/v1/me/notices", "credo_test_nobody", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/me/notices?limit=0", org, "", nil).problem(422, credo.EINVALID)
}
