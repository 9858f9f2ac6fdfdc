package api_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// The roles of the authorization matrix, in the order of its columns.
// Two more, a revoked token and a malformed Authorization header, are
// refused (401) on every route and need no column.
var matrixRoles = []string{
	"public",        // no token
	"client",        // a client account: what the public sees
	"other-org",     // another organization's own account
	"own-org",       // the organization's own account
	"authority-in",  // market and registration in 3406: the organization's region and the fields of its record and entry
	"authority-out", // market in 3205: the field, another region
	"authority-tax", // tax in 3406: the region, another field
	"admin",         // an administrator
}

// Outcomes in the matrix.
const (
	ok    = 200 // 2xx
	unaut = 401 // no (valid) token where one is needed
	forbd = 403 // a valid token of a role the route is not for
	hide  = 404 // not for this viewer: answered as if there were none
	inval = 422 // admitted; the deliberately empty body is refused
)

// authzFixture is one organization (codeHuaibei) with what each role sees
// differently: a published market penalty, a tax grade decision (not
// public), a serious-dishonesty listing that is notified but not yet in
// effect (its listers include tax), and an objection with an attachment.
type authzFixture struct {
	e       *env
	tokens  map[string]string
	record  int64 // the market penalty (published)
	taxRec  int64 // the tax grade decision (not published)
	entry   int64 // the notified serious-dishonesty entry
	caseID  int64 // the organization's objection to the penalty
	account string
	// Watchlists of the client account: one the matrix reads, one it deletes.
	watchlist, doomed int64
	report            string // the number of a report issued to the public
	// Webhooks of the client account: one the matrix reads, one it deletes.
	webhook, doomedHook int64
}

// Tokens of the authorities the matrix adds.
const (
	tokenSuzhouMarket = "credo_test_suzhou_market" // market in 3205
	tokenHuaibeiTax   = "credo_test_huaibei_tax"   // tax in 3406
)

func newAuthzFixture(t *testing.T) *authzFixture {
	t.Helper()
	e := newProcessEnv(t)
	for tok, a := range map[string]credo.Authority{
		tokenSuzhouMarket: {ID: "suzhou-amr", Name: "苏州市市场监督管理局", Divisions: []string{"3205"}, Categories: []string{"market"}},
		tokenHuaibeiTax:   {ID: "huaibei-tax", Name: "国家税务总局淮北市税务局", Divisions: []string{"3406"}, Categories: []string{"tax"}},
	} {
		if err := e.store.CreateAuthority(context.Background(), &a, credo.HashToken(tok)); err != nil {
			t.Fatal(err)
		}
	}
	f := &authzFixture{e: e, tokens: map[string]string{
		"public":        "",
		"authority-in":  tokenHuaibei,
		"authority-out": tokenSuzhouMarket,
		"authority-tax": tokenHuaibeiTax,
		"admin":         adminToken,
	}}
	f.tokens["own-org"] = e.account("huaibei-org", codeHuaibei)
	f.tokens["other-org"] = e.account("shanghai-org", codeShanghai)
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "client"}).wantStatus(http.StatusCreated).decode(&na)
	f.tokens["client"] = na.Token
	for _, p := range []*int64{&f.watchlist, &f.doomed} {
		var wl credo.Watchlist
		e.postJSON("/v1/watchlists", na.Token, map[string]any{"name": "供应商"}).wantStatus(http.StatusCreated).decode(&wl)
		*p = wl.ID
	}
	for _, p := range []*int64{&f.webhook, &f.doomedHook} {
		h := &credo.Webhook{Owner: na.Account.ID, Watchlist: f.watchlist, URL: "https://receiver.example/credo", Secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", CreatedAt: credo.NewTime(e.clock.Now())}
		if err := e.store.CreateWebhook(context.Background(), h); err != nil {
			t.Fatal(err)
		}
		*p = h.ID
	}
	f.account = "huaibei-org"

	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市某某商贸有限公司")).wantStatus(http.StatusCreated)
	f.record = idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "AUTHZ-1"), "occurred_at", "2026-06-01")))
	f.taxRec = idOf(e.record(tokenHuaibeiTax, map[string]any{
		"subject": codeHuaibei, "category": "tax", "kind": "tax_grade", "external_id": "AUTHZ-TAX-1",
		"description": "D: 2025年度纳税信用评价结果为D级", "occurred_at": "2026-04-15",
	}))
	f.entry = e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕7号")).ID
	e.postJSON("/v1/subjects/"+codeHuaibei+"/annual-reports", f.tokens["own-org"], goodReport(2025)).wantStatus(http.StatusCreated)
	body := caseBody("objections", "record", f.record)
	body["attachments"] = evidence
	var c caseView
	e.postJSON("/v1/objections", f.tokens["own-org"], body).wantStatus(http.StatusCreated).decode(&c)
	f.caseID = c.ID
	f.report = reportNumber(t, e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK))
	if _, err := e.server.Ledger.Integrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return f
}

// do sends a request as role ("revoked": a token that is no one's any
// more; "malformed": an Authorization header that is not Bearer <token>).
func (f *authzFixture) do(role, method, path string, body any) *response {
	f.e.t.Helper()
	ct := ""
	if body != nil {
		ct = "application/json"
		body = encode(f.e.t, body)
	}
	switch role {
	case "revoked":
		return f.e.do(method, path, "credo_revoked_or_never_issued", ct, body)
	case "malformed":
		return f.e.do(method, path, "", ct, body, "Authorization", "Token garbage")
	}
	tok, found := f.tokens[role]
	if !found {
		f.e.t.Fatalf("no role %s", role)
	}
	return f.e.do(method, path, tok, ct, body)
}

// matrixRow is what each role gets from one route, in matrixRoles order.
type matrixRow [8]int

// authzMatrix is the declared policy, route by route, role by role, over
// the fixture: the path it calls (ids from the fixture), the body of a
// POST (empty on purpose: an admitted role is refused with 422, or 404
// when it may not see the target, and nothing changes), and the outcome
// for each role. Every route of the OpenAPI document must have a row.
func (f *authzFixture) matrix() map[string]struct {
	path string
	want matrixRow
} {
	code := codeHuaibei
	tax := strconv.FormatInt(f.taxRec, 10)
	entry := strconv.FormatInt(f.entry, 10)
	cs := strconv.FormatInt(f.caseID, 10)
	wl := strconv.FormatInt(f.watchlist, 10)
	doomed := strconv.FormatInt(f.doomed, 10)
	hook, doomedHook := strconv.FormatInt(f.webhook, 10), strconv.FormatInt(f.doomedHook, 10)
	all := matrixRow{ok, ok, ok, ok, ok, ok, ok, ok}
	type row = struct {
		path string
		want matrixRow
	}
	//                          public client other  own    auth-in auth-out auth-tax admin
	return map[string]row{
		"GET /v1/uscc/{code}":                           {"/v1/uscc/" + code, all},
		"POST /v1/subjects":                             {"/v1/subjects", matrixRow{unaut, forbd, forbd, forbd, inval, forbd, forbd, forbd}},
		"GET /v1/subjects":                              {"/v1/subjects?q=淮北", all},
		"GET /v1/subjects/{code}":                       {"/v1/subjects/" + code, all},
		"GET /v1/subjects/{code}/versions":              {"/v1/subjects/" + code + "/versions", all},
		"GET /v1/subjects/{code}/records":               {"/v1/subjects/" + code + "/records", all},
		"GET /v1/subjects/{code}/assessment":            {"/v1/subjects/" + code + "/assessment", all},
		"GET /v1/subjects/{code}/assessments":           {"/v1/subjects/" + code + "/assessments", all},
		"POST /v1/subjects/{code}/what-if":              {"/v1/subjects/" + code + "/what-if", all},
		"GET /v1/subjects/{code}/lists":                 {"/v1/subjects/" + code + "/lists", all},
		"GET /v1/subjects/{code}/measures":              {"/v1/subjects/" + code + "/measures", all},
		"GET /v1/subjects/{code}/report":                {"/v1/subjects/" + code + "/report", all},
		"GET /v1/subjects/{code}/report.pdf":            {"/v1/subjects/" + code + "/report.pdf", all},
		"GET /v1/reports/{number}":                      {"/v1/reports/" + f.report, all},
		"POST /v1/reports/{number}/withdrawal":          {"/v1/reports/" + f.report + "/withdrawal", matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, inval}},
		"POST /v1/screenings":                           {"/v1/screenings", matrixRow{inval, inval, inval, inval, inval, inval, inval, inval}},
		"POST /v1/screenings/decisions":                 {"/v1/screenings/decisions", matrixRow{unaut, inval, inval, inval, inval, inval, inval, inval}},
		"GET /v1/screenings/{id}":                       {"/v1/screenings/scr_none", matrixRow{unaut, hide, hide, hide, hide, hide, hide, hide}},
		"GET /v1/screenings/{id}/results":               {"/v1/screenings/scr_none/results", matrixRow{unaut, hide, hide, hide, hide, hide, hide, hide}},
		"POST /v1/records":                              {"/v1/records", matrixRow{unaut, forbd, forbd, forbd, inval, inval, inval, forbd}},
		"GET /v1/records/{id}":                          {"/v1/records/" + tax, matrixRow{hide, hide, hide, ok, hide, hide, ok, ok}},
		"GET /v1/lists":                                 {"/v1/lists", all},
		"GET /v1/lists/{list}":                          {"/v1/lists/serious-dishonesty", all},
		"POST /v1/list-entries":                         {"/v1/list-entries", matrixRow{unaut, forbd, forbd, forbd, inval, inval, inval, forbd}},
		"GET /v1/list-entries/{id}":                     {"/v1/list-entries/" + entry, matrixRow{hide, hide, hide, ok, ok, hide, ok, ok}},
		"POST /v1/list-entries/{id}/end":                {"/v1/list-entries/" + entry + "/end", matrixRow{unaut, forbd, forbd, forbd, inval, hide, forbd, inval}},
		"GET /v1/measures":                              {"/v1/measures", all},
		"GET /v1/rulebooks/{id}":                        {"/v1/rulebooks/national-tax", all},
		"POST /v1/measures/check":                       {"/v1/measures/check", matrixRow{inval, inval, inval, inval, inval, inval, inval, inval}},
		"POST /v1/objections":                           {"/v1/objections", matrixRow{unaut, forbd, inval, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/objections":                            {"/v1/objections", matrixRow{unaut, forbd, ok, ok, ok, ok, ok, ok}},
		"GET /v1/objections/{id}":                       {"/v1/objections/" + cs, matrixRow{unaut, forbd, hide, ok, ok, hide, hide, ok}},
		"GET /v1/objections/{id}/attachments/{n}":       {"/v1/objections/" + cs + "/attachments/0", matrixRow{unaut, forbd, hide, ok, ok, hide, hide, ok}},
		"POST /v1/objections/{id}/decision":             {"/v1/objections/" + cs + "/decision", matrixRow{unaut, forbd, forbd, forbd, inval, hide, hide, inval}},
		"POST /v1/repairs":                              {"/v1/repairs", matrixRow{unaut, forbd, inval, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/repairs":                               {"/v1/repairs", matrixRow{unaut, forbd, ok, ok, ok, ok, ok, ok}},
		"GET /v1/repairs/{id}":                          {"/v1/repairs/" + cs, matrixRow{unaut, forbd, hide, hide, hide, hide, hide, hide}},
		"GET /v1/repairs/{id}/attachments/{n}":          {"/v1/repairs/" + cs + "/attachments/0", matrixRow{unaut, forbd, hide, hide, hide, hide, hide, hide}},
		"POST /v1/repairs/{id}/decision":                {"/v1/repairs/" + cs + "/decision", matrixRow{unaut, forbd, forbd, forbd, hide, hide, hide, hide}},
		"GET /v1/events":                                {"/v1/events", all},
		"GET /v1/events/stream":                         {"/v1/events/stream?after=x", matrixRow{inval, inval, inval, inval, inval, inval, inval, inval}},
		"GET /v1/log/checkpoint":                        {"/v1/log/checkpoint", all},
		"GET /v1/log/inclusion":                         {"/v1/log/inclusion?index=0&size=2", all},
		"GET /v1/log/consistency":                       {"/v1/log/consistency?from=1&to=2", all},
		"GET /v1/log/entries/{index}":                   {"/v1/log/entries/0", all},
		"GET /v1/me":                                    {"/v1/me", all},
		"GET /v1/me/notices":                            {"/v1/me/notices", matrixRow{unaut, ok, ok, ok, forbd, forbd, forbd, ok}},
		"POST /v1/admin/rulebooks/diff":                 {"/v1/admin/rulebooks/diff", matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, inval}},
		"POST /v1/admin/lists/check":                    {"/v1/admin/lists/check", matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, inval}},
		"POST /v1/admin/accounts":                       {"/v1/admin/accounts", matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, inval}},
		"GET /v1/admin/accounts":                        {"/v1/admin/accounts", matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, ok}},
		"GET /v1/admin/accounts/{id}":                   {"/v1/admin/accounts/" + f.account, matrixRow{unaut, forbd, forbd, forbd, forbd, forbd, forbd, ok}},
		"GET /v1/stats":                                 {"/v1/stats", all},
		"GET /v1/authorities":                           {"/v1/authorities", all},
		"GET /v1/openapi.json":                          {"/v1/openapi.json", all},
		"GET /healthz":                                  {"/healthz", all},
		"GET /metrics":                                  {"/metrics", all},
		"POST /v1/subjects/{code}/annual-reports":       {"/v1/subjects/" + code + "/annual-reports", matrixRow{unaut, forbd, forbd, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/subjects/{code}/annual-reports":        {"/v1/subjects/" + code + "/annual-reports", all},
		"POST /v1/subjects/{code}/replies":              {"/v1/subjects/" + code + "/replies", matrixRow{unaut, forbd, forbd, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/subjects/{code}/replies":               {"/v1/subjects/" + code + "/replies", all},
		"GET /v1/subjects/{code}/annual-reports/{year}": {"/v1/subjects/" + code + "/annual-reports/2025", all},
		"POST /v1/subjects/{code}/annual-reports/{year}/false-disclosures": {"/v1/subjects/" + code + "/annual-reports/2025/false-disclosures", matrixRow{unaut, forbd, forbd, forbd, inval, forbd, forbd, forbd}},
		"GET /v1/annual-reports/overdue":                                   {"/v1/annual-reports/overdue?division=3406&year=2025", matrixRow{unaut, forbd, forbd, forbd, ok, forbd, forbd, ok}},
		"GET /v1/me/obligations":                                           {"/v1/me/obligations", matrixRow{unaut, forbd, ok, ok, forbd, forbd, forbd, forbd}},
		"GET /v1/subjects/{code}/partners":                                 {"/v1/subjects/" + code + "/partners?depth=2", all},
		"GET /v1/subjects/{code}/network":                                  {"/v1/subjects/" + code + "/network", all},
		"POST /v1/relationships":                                           {"/v1/relationships", matrixRow{unaut, forbd, inval, inval, inval, inval, inval, forbd}},
		"GET /v1/people/{person_key}/roles":                                {"/v1/people/pk_00112233445566778899aabbccddeeff/roles", matrixRow{unaut, forbd, forbd, forbd, ok, ok, ok, ok}},
		"GET /v1/watchlists":                                               {"/v1/watchlists", matrixRow{unaut, ok, ok, ok, forbd, forbd, forbd, forbd}},
		"POST /v1/watchlists":                                              {"/v1/watchlists", matrixRow{unaut, inval, inval, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/watchlists/{id}":                                          {"/v1/watchlists/" + wl, matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"DELETE /v1/watchlists/{id}":                                       {"/v1/watchlists/" + doomed, matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"GET /v1/watchlists/{id}/members":                                  {"/v1/watchlists/" + wl + "/members", matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"POST /v1/watchlists/{id}/members":                                 {"/v1/watchlists/" + wl + "/members", matrixRow{unaut, inval, hide, hide, forbd, forbd, forbd, forbd}},
		"DELETE /v1/watchlists/{id}/members":                               {"/v1/watchlists/" + wl + "/members", matrixRow{unaut, inval, hide, hide, forbd, forbd, forbd, forbd}},
		"GET /v1/webhooks":                                                 {"/v1/webhooks", matrixRow{unaut, ok, ok, ok, forbd, forbd, forbd, forbd}},
		"POST /v1/webhooks":                                                {"/v1/webhooks", matrixRow{unaut, inval, inval, inval, forbd, forbd, forbd, forbd}},
		"GET /v1/webhooks/{id}":                                            {"/v1/webhooks/" + hook, matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"DELETE /v1/webhooks/{id}":                                         {"/v1/webhooks/" + doomedHook, matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"POST /v1/webhooks/{id}/secret":                                    {"/v1/webhooks/" + hook + "/secret", matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"GET /v1/webhooks/{id}/dead-letters":                               {"/v1/webhooks/" + hook + "/dead-letters", matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"POST /v1/webhooks/{id}/replay":                                    {"/v1/webhooks/" + hook + "/replay", matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
		"GET /v1/watchlists/{id}/digest":                                   {"/v1/watchlists/" + wl + "/digest?period=day", matrixRow{unaut, ok, hide, hide, forbd, forbd, forbd, forbd}},
	}
}

// TestAuthorizationMatrix calls every route of the OpenAPI document as
// every role and checks the declared policy: the outcome in the matrix,
// and that the route table's access agrees (401/403 exactly for the roles
// it does not admit). A route without a row fails.
func TestAuthorizationMatrix(t *testing.T) {
	f := newAuthzFixture(t)
	doc := openAPIDoc(t, f.e)
	m := f.matrix()
	access := f.e.server.Access()
	roleOf := map[string]string{"public": credo.RolePublic, "client": credo.RoleClient, "other-org": credo.RoleOrganization,
		"own-org": credo.RoleOrganization, "authority-in": credo.RoleAuthority, "authority-out": credo.RoleAuthority,
		"authority-tax": credo.RoleAuthority, "admin": credo.RoleAdmin}

	var routes []string
	for path, item := range doc["paths"].(map[string]any) {
		for method := range item.(map[string]any) {
			if slices.Contains(httpMethods, method) {
				routes = append(routes, strings.ToUpper(method)+" "+path)
			}
		}
	}
	slices.Sort(routes)
	for _, rt := range routes {
		row, found := m[rt]
		if !found {
			t.Errorf("%s has no row in the authorization matrix", rt)
			continue
		}
		method, pattern, _ := strings.Cut(rt, " ")
		admitted, declared := access[api.Route{Method: method, Pattern: pattern}]
		if !declared || len(admitted) == 0 {
			t.Errorf("%s has no access in the route table", rt)
		}
		// The document states the same roles (x-credo-roles).
		op := doc["paths"].(map[string]any)[pattern].(map[string]any)[strings.ToLower(method)].(map[string]any)
		var documented []string
		for _, r := range op["x-credo-roles"].([]any) {
			documented = append(documented, r.(string))
		}
		if !slices.Equal(documented, admitted) {
			t.Errorf("%s: x-credo-roles %v, the route table admits %v", rt, documented, admitted)
		}
		var body any
		if method == "POST" || method == "DELETE" {
			body = map[string]any{}
		}
		for i, role := range matrixRoles {
			res := f.do(role, method, row.path, body)
			want := row.want[i]
			got := res.status
			if want == ok && got >= 200 && got < 300 {
				got = ok
			}
			if got != want {
				t.Errorf("%s as %s: status %d, want %d; body: %s", rt, role, res.status, want, truncate(res.body))
			}
			// What the route table does not admit is refused: the public
			// with 401, any other role with 403.
			if !slices.Contains(admitted, roleOf[role]) && (role == "public" && want != unaut || role != "public" && want != forbd) {
				t.Errorf("%s as %s: the route table does not admit %s, but the matrix answers %d", rt, role, roleOf[role], want)
			}
		}
		// A revoked token and a malformed header are refused everywhere.
		for _, role := range []string{"revoked", "malformed"} {
			f.do(role, method, row.path, body).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
		}
	}
	for rt := range m {
		if !slices.Contains(routes, rt) {
			t.Errorf("the matrix has a row for %s, which the OpenAPI document does not name", rt)
		}
	}
}
