package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/rulebook"
)

// newProcessEnv is an env with grading, due process (wired by newEnv) and
// the administrator's token.
func newProcessEnv(t *testing.T) *env {
	t.Helper()
	return newEnv(t, nil, withGrading(t), func(s *api.Server) { s.AdminToken = adminToken })
}

// entryView is a list entry as the API shows it.
type entryView struct {
	ID             int64     `json:"id"`
	List           string    `json:"list"`
	ListTitle      string    `json:"list_title"`
	Subject        string    `json:"subject"`
	Division       string    `json:"division"`
	Authority      string    `json:"authority"`
	Source         string    `json:"source"`
	LegalBasis     string    `json:"legal_basis"`
	DecisionNumber string    `json:"decision_number"`
	Reasons        []string  `json:"reasons"`
	NotifiedAt     time.Time `json:"notified_at"`
	EffectiveAt    time.Time `json:"effective_at"`
	RepairFrom     time.Time `json:"repair_from"`
	Until          time.Time `json:"until"`
	State          struct {
		Status string    `json:"status"`
		Reason string    `json:"reason"`
		Since  time.Time `json:"since"`
	} `json:"state"`
	Timeline []struct {
		Status string    `json:"status"`
		Reason string    `json:"reason"`
		Actor  string    `json:"actor"`
		Case   int64     `json:"case"`
		At     time.Time `json:"at"`
	} `json:"timeline"`
	UnderObjection bool  `json:"under_objection"`
	Objection      int64 `json:"objection"`
}

type listsPage struct {
	Lists []struct {
		ID    string `json:"id"`
		Grade string `json:"grade"`
	} `json:"lists"`
	List *struct {
		ID string `json:"id"`
	} `json:"list"`
	AsOf    time.Time   `json:"as_of"`
	Entries []entryView `json:"entries"`
	Next    string      `json:"next"`
}

type subjectLists struct {
	Subject string      `json:"subject"`
	AsOf    time.Time   `json:"as_of"`
	Entries []entryView `json:"entries"`
}

// listing is a valid decision to put subject on the serious dishonesty
// list, within tokenHuaibei's jurisdiction when subject is in 3406.
func listing(subject, decision string) map[string]any {
	return map[string]any{
		"list":            "serious-dishonesty",
		"subject":         subject,
		"legal_basis":     "《市场监督管理严重违法失信名单管理办法》第十条",
		"decision_number": decision,
		"reasons":         []string{"销售不合格产品，情节严重，拒不改正"},
		"decided_at":      "2026-06-30",
		"term":            "3y",
	}
}

// list posts a listing decision and returns the entry.
func (e *env) list(token string, body map[string]any) entryView {
	e.t.Helper()
	var v entryView
	e.postJSON("/v1/list-entries", token, body).wantStatus(http.StatusCreated).decode(&v)
	return v
}

// entry reads an entry as token sees it (at as_of when given).
func (e *env) entry(token string, id int64, asOf ...time.Time) entryView {
	e.t.Helper()
	path := fmt.Sprintf("/v1/list-entries/%d", id)
	if len(asOf) > 0 {
		path += "?as_of=" + url.QueryEscape(asOf[0].Format(time.RFC3339Nano))
	}
	var v entryView
	e.do("GET", path, token, "", nil).wantStatus(http.StatusOK).decode(&v)
	return v
}

// grade is the comprehensive grade token sees now.
func (e *env) grade(token, code string) string {
	e.t.Helper()
	a := e.do("GET", "/v1/subjects/"+code+"/assessment", token, "", nil).wantStatus(http.StatusOK).object()
	g, _ := a["grade"].(string)
	return g
}

// account creates an organization's account for code and returns its token.
func (e *env) account(id, code string) string {
	e.t.Helper()
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"id": id, "role": "organization", "subject": code}).
		wantStatus(http.StatusCreated).decode(&na)
	if na.Token == "" || na.Account.Subject != code {
		e.t.Fatalf("new account %+v", na)
	}
	return na.Token
}

func period(t *testing.T, s string) time.Duration {
	t.Helper()
	p, err := rulebook.ParsePeriod(s)
	if err != nil {
		t.Fatal(err)
	}
	return p.Duration()
}

func TestPostListEntry(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)

	body := listing(codeHuaibei, "淮市监信〔2026〕1号")
	res := e.postJSON("/v1/list-entries", tokenHuaibei, body).wantStatus(http.StatusCreated)
	var v entryView
	res.decode(&v)
	if loc := res.header.Get("Location"); loc != fmt.Sprintf("/v1/list-entries/%d", v.ID) {
		t.Errorf("Location %q", loc)
	}
	if v.ID == 0 || v.State.Status != credo.ListNotified || !v.NotifiedAt.Equal(testNow) {
		t.Fatalf("new entry %+v", v)
	}
	if want := testNow.Add(10 * 24 * time.Hour); !v.EffectiveAt.Equal(want) {
		t.Errorf("effective_at %v, want now + the 10-day notice %v", v.EffectiveAt, want)
	}
	if want := v.EffectiveAt.Add(period(t, "3y")); !v.Until.Equal(want) {
		t.Errorf("until %v, want effective_at + 3y %v", v.Until, want)
	}
	if want := v.EffectiveAt.Add(period(t, "1y")); !v.RepairFrom.Equal(want) {
		t.Errorf("repair_from %v, want effective_at + the 1y minimum %v", v.RepairFrom, want)
	}
	if v.Authority != "huaibei-amr" || v.Source != credo.SourceDecision || v.Division != "340600" || v.ListTitle == "" ||
		v.LegalBasis != body["legal_basis"] || len(v.Reasons) != 1 || len(v.Timeline) != 1 || v.Timeline[0].Actor != "authority:huaibei-amr" {
		t.Errorf("entry %+v", v)
	}

	// The same decision again: the stored entry.
	var again entryView
	e.postJSON("/v1/list-entries", tokenHuaibei, body).wantStatus(http.StatusOK).decode(&again)
	if again.ID != v.ID {
		t.Errorf("repeat: entry %d, want %d", again.ID, v.ID)
	}
	// Other content under the same decision number: a conflict.
	p := e.postJSON("/v1/list-entries", tokenHuaibei, with(body, "reasons", []string{"其他理由"})).problem(http.StatusConflict, credo.ECONFLICT)
	wantField(t, p, "decision_number", "exists")

	// A longer term is the same decision number with other content too.
	e.postJSON("/v1/list-entries", tokenHuaibei, with(body, "term", "2y")).problem(http.StatusConflict, credo.ECONFLICT)

	for _, c := range []struct {
		name          string
		token         string
		body          any
		status        int
		code          credo.ErrorCode
		field, reason string
	}{
		{"outside the division", tokenHuaibei, listing(codeShanghai, "淮市监信〔2026〕2号"), 403, credo.EFORBIDDEN, "subject", "division"},
		{"list not for its categories", tokenShanghai, with(listing(codeShanghai, "沪税信〔2026〕1号"), "list", "abnormal-operations"), 403, credo.EFORBIDDEN, "list", "list"},
		{"list made by rule only", tokenShanghai, with(listing(codeShanghai, "沪税信〔2026〕2号"), "list", "a-taxpayer"), 403, credo.EFORBIDDEN, "list", "list"},
		{"no legal basis", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "legal_basis", nil), 422, credo.EINVALID, "legal_basis", "required"},
		{"blank legal basis", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "legal_basis", "  "), 422, credo.EINVALID, "legal_basis", "required"},
		{"no decision number", tokenHuaibei, with(listing(codeHuaibei, ""), "decision_number", nil), 422, credo.EINVALID, "decision_number", "required"},
		{"no reasons", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "reasons", []string{}), 422, credo.EINVALID, "reasons", "required"},
		{"term not a period", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "term", "three years"), 422, credo.EINVALID, "term", "format"},
		{"term below the minimum", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "term", "6mo"), 422, credo.EINVALID, "term", "range"},
		{"term above the maximum", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "term", "5y"), 422, credo.EINVALID, "term", "range"},
		{"unknown list", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "list", "grey"), 422, credo.EINVALID, "list", "enum"},
		{"no list", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "list", nil), 422, credo.EINVALID, "list", "required"},
		{"bad checksum", tokenHuaibei, listing(badChecksum, "淮市监信〔2026〕3号"), 422, credo.EINVALID, "subject", "checksum"},
		{"bad length", tokenHuaibei, listing(badLength, "淮市监信〔2026〕3号"), 422, credo.EINVALID, "subject", "length"},
		{"decided in the future", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "decided_at", "2026-08-01"), 422, credo.EINVALID, "decided_at", "future"},
		{"decided before 1980", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "decided_at", "1979-12-31"), 422, credo.EINVALID, "decided_at", "range"},
		{"unknown field", tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕3号"), "severity", "serious"), 422, credo.EINVALID, "severity", ""},
		{"organization's token", org, listing(codeHuaibei, "淮市监信〔2026〕3号"), 403, credo.EFORBIDDEN, "", "role"},
		{"administrator's token", adminToken, listing(codeHuaibei, "淮市监信〔2026〕3号"), 403, credo.EFORBIDDEN, "", "role"},
		{"no token", "", listing(codeHuaibei, "淮市监信〔2026〕3号"), 401, credo.EUNAUTHORIZED, "", ""},
		{"unknown token", "credo_test_nobody", listing(codeHuaibei, "淮市监信〔2026〕3号"), 401, credo.EUNAUTHORIZED, "", "invalid_token"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON("/v1/list-entries", c.token, c.body).problem(c.status, c.code)
			if c.field != "" || c.reason != "" {
				if p.Field != c.field || (c.reason != "" && p.Reason != c.reason) {
					t.Errorf("problem field %q reason %q, want %q %q (%s)", p.Field, p.Reason, c.field, c.reason, p.Detail)
				}
			}
		})
	}
	e.do("POST", "/v1/list-entries", tokenHuaibei, "text/plain", encode(t, body)).wantStatus(http.StatusUnsupportedMediaType)
	e.postJSON("/v1/list-entries", tokenHuaibei, `{"list":`).problem(http.StatusBadRequest, credo.EMALFORMED)

	// Bad input changed nothing: one entry on each organization asked about.
	var sl subjectLists
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/lists", adminToken, "", nil).wantStatus(200).decode(&sl)
	if n := countList(sl.Entries, "serious-dishonesty"); n != 1 {
		t.Errorf("%d serious-dishonesty entries of %s, want 1: %+v", n, codeHuaibei, sl.Entries)
	}
	e.do("GET", "/v1/subjects/"+codeShanghai+"/lists", adminToken, "", nil).wantStatus(200).decode(&sl)
	for _, en := range sl.Entries {
		if en.Source == credo.SourceDecision {
			t.Errorf("a refused decision was stored: %+v", en)
		}
	}

	// The national authority covers the country; Shanghai's tax authority
	// lists on the tax list in its own division.
	e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕1号"))
	tax := e.list(tokenShanghai, with(listing(codeShanghai, "沪税信〔2026〕3号"), "list", "major-tax-violation", "term", nil))
	if want := tax.EffectiveAt.Add(period(t, "3y")); !tax.Until.Equal(want) {
		t.Errorf("default term: until %v, want %v", tax.Until, want)
	}
}

func countList(es []entryView, list string) int {
	n := 0
	for _, e := range es {
		if e.List == list {
			n++
		}
	}
	return n
}

func findEntry(es []entryView, id int64) *entryView {
	for i := range es {
		if es[i].ID == id {
			return &es[i]
		}
	}
	return nil
}

// TestListEntryLifecycle: notified → active exactly at effective_at →
// ended (expired) exactly at until; grades and reads follow the clock.
func TestListEntryLifecycle(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	before := e.grade("", codeHuaibei)
	v := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	eff, until := v.EffectiveAt, v.Until

	// Notified: not yet in effect, not shown to the public, no D.
	if g := e.grade("", codeHuaibei); g == "D" || g != before {
		t.Errorf("grade while notified %q, before %q", g, before)
	}
	e.get(fmt.Sprintf("/v1/list-entries/%d", v.ID)).problem(http.StatusNotFound, credo.ENOTFOUND)
	if got := e.entry(org, v.ID); got.State.Status != credo.ListNotified {
		t.Errorf("the organization sees %q", got.State.Status)
	}

	steps := []struct {
		at     time.Time
		status string
		reason string
		d      bool
	}{
		{eff.Add(-time.Second), credo.ListNotified, "", false},
		{eff, credo.ListActive, "", true},
		{eff.Add(time.Second), credo.ListActive, "", true},
		{until.Add(-time.Second), credo.ListActive, "", true},
		{until, credo.ListEnded, credo.EndExpired, false},
		{until.Add(24 * time.Hour), credo.ListEnded, credo.EndExpired, false},
	}
	for _, s := range steps {
		e.setNow(s.at)
		got := e.entry(adminToken, v.ID)
		if got.State.Status != s.status || got.State.Reason != s.reason {
			t.Errorf("at %v: state %+v, want %s %s", s.at, got.State, s.status, s.reason)
		}
		if g := e.grade("", codeHuaibei); (g == "D") != s.d {
			t.Errorf("at %v: comprehensive grade %q (D wanted: %v)", s.at, g, s.d)
		}
		// The public sees the entry only while it is active.
		pub := e.get(fmt.Sprintf("/v1/list-entries/%d", v.ID))
		if (pub.status == http.StatusOK) != (s.status == credo.ListActive) {
			t.Errorf("at %v: the public got %d for a %s entry", s.at, pub.status, s.status)
		}
	}
	// The expired entry's timeline: notified, active, ended at its term by the registry.
	got := e.entry(org, v.ID)
	if len(got.Timeline) != 3 || got.Timeline[1].Status != credo.ListActive || !got.Timeline[1].At.Equal(eff) ||
		got.Timeline[2].Reason != credo.EndExpired || !got.Timeline[2].At.Equal(until) || got.Timeline[2].Actor != credo.RegistryActor {
		t.Errorf("timeline %+v", got.Timeline)
	}
	if !got.State.Since.Equal(until) {
		t.Errorf("ended since %v, want %v", got.State.Since, until)
	}

	// GET /v1/subjects/{code}/lists as of the past and the future.
	e.setNow(eff.Add(24 * time.Hour))
	at := func(token string, t0 time.Time) []entryView {
		var sl subjectLists
		e.do("GET", "/v1/subjects/"+codeHuaibei+"/lists?as_of="+url.QueryEscape(t0.Format(time.RFC3339Nano)), token, "", nil).wantStatus(200).decode(&sl)
		if !sl.AsOf.Equal(t0) || sl.Subject != codeHuaibei {
			t.Errorf("as_of %v subject %s, want %v", sl.AsOf, sl.Subject, t0)
		}
		return sl.Entries
	}
	if es := at(org, testNow.Add(-time.Hour)); findEntry(es, v.ID) != nil {
		t.Errorf("as of before the decision was recorded: %+v", es)
	}
	if en := findEntry(at(org, testNow), v.ID); en == nil || en.State.Status != credo.ListNotified {
		t.Errorf("as of the notification: %+v", en)
	}
	if en := findEntry(at(org, eff), v.ID); en == nil || en.State.Status != credo.ListActive {
		t.Errorf("as of effect: %+v", en)
	}
	future := findEntry(at(org, until.Add(time.Hour)), v.ID)
	if future == nil || future.State.Status != credo.ListEnded || future.State.Reason != credo.EndExpired || !future.State.Since.Equal(until) {
		t.Errorf("as of after the term: %+v", future)
	}
	// The public: active entries only, at any as_of.
	if es := at("", testNow); findEntry(es, v.ID) != nil {
		t.Errorf("the public sees a notified entry: %+v", es)
	}
	if es := at("", eff); findEntry(es, v.ID) == nil {
		t.Errorf("the public does not see an active entry")
	}
	if es := at("", until); findEntry(es, v.ID) != nil {
		t.Errorf("the public sees an expired entry")
	}
	// As of the past, the grade is what it was then.
	a := e.do("GET", "/v1/subjects/"+codeHuaibei+"/assessment?as_of="+url.QueryEscape(testNow.Format(time.RFC3339)), "", "", nil).wantStatus(200).object()
	if a["grade"] == "D" {
		t.Errorf("as of the notification the grade was not D: %v", a["grade"])
	}
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/lists?as_of=soon", "", "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/subjects/"+badChecksum+"/lists", "", "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/list-entries/0", "", "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/list-entries/999999", adminToken, "", nil).problem(404, credo.ENOTFOUND)
}

func TestListEntryRevocation(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	v := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	e.setNow(v.EffectiveAt.Add(time.Hour))
	if g := e.grade("", codeHuaibei); g != "D" {
		t.Fatalf("grade %q while on the serious dishonesty list", g)
	}
	path := fmt.Sprintf("/v1/list-entries/%d/end", v.ID)
	revoke := map[string]any{"reason": "revoked", "note": "认定决定被撤销"}

	// Not the listing authority, not its owner, nobody: refused, nothing changes.
	e.postJSON(path, tokenNational, revoke).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.postJSON(path, tokenShanghai, revoke).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.postJSON(path, org, revoke).problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.postJSON(path, "", revoke).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	p := e.postJSON(path, tokenHuaibei, with(revoke, "reason", "repaired")).problem(422, credo.EINVALID)
	wantField(t, p, "reason", "enum")
	p = e.postJSON(path, tokenHuaibei, with(revoke, "note", nil)).problem(422, credo.EINVALID)
	wantField(t, p, "note", "required")
	e.postJSON("/v1/list-entries/999999/end", tokenHuaibei, revoke).problem(404, credo.ENOTFOUND)
	e.postJSON("/v1/list-entries/x/end", tokenHuaibei, revoke).problem(422, credo.EINVALID)
	if st := e.entry(adminToken, v.ID).State; st.Status != credo.ListActive {
		t.Fatalf("refused revocations changed the entry: %+v", st)
	}

	var ended entryView
	e.postJSON(path, tokenHuaibei, revoke).wantStatus(http.StatusOK).decode(&ended)
	now := v.EffectiveAt.Add(time.Hour)
	if ended.State.Status != credo.ListEnded || ended.State.Reason != credo.EndRevoked || !ended.State.Since.Equal(now) {
		t.Errorf("revoked entry state %+v", ended.State)
	}
	last := ended.Timeline[len(ended.Timeline)-1]
	if len(ended.Timeline) != 3 || last.Actor != "authority:huaibei-amr" || last.Reason != credo.EndRevoked || !last.At.Equal(now) {
		t.Errorf("timeline %+v", ended.Timeline)
	}
	// The grade follows at once.
	if g := e.grade("", codeHuaibei); g == "D" {
		t.Errorf("grade still D after revocation")
	}
	// Twice: a conflict.
	p = e.postJSON(path, tokenHuaibei, revoke).problem(http.StatusConflict, credo.ECONFLICT)
	wantField(t, p, "entry", "ended")
	// The public no longer sees it.
	e.get(fmt.Sprintf("/v1/list-entries/%d", v.ID)).problem(http.StatusNotFound, credo.ENOTFOUND)

	// An administrator may revoke too.
	w := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕2号"))
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/end", w.ID), adminToken, revoke).wantStatus(http.StatusOK).decode(&ended)
	if ended.State.Reason != credo.EndRevoked || ended.Timeline[len(ended.Timeline)-1].Actor != "admin" {
		t.Errorf("revoked by the administrator: %+v", ended)
	}
}

// TestGetLists: filters, pagination and who sees what.
func TestGetLists(t *testing.T) {
	e := newProcessEnv(t)
	// Serious entries (10 days' notice) in 3406 (two), 440300 and 310112;
	// an abnormal-operations entry (no notice: active at once) in 340603.
	hb := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	hb2 := e.list(tokenHuaibei, with(listing(codeHuaibei2, "淮市监异〔2026〕1号"), "list", "abnormal-operations", "term", nil))
	hw := e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕1号"))
	e.advance(24 * time.Hour)
	sh := e.list(tokenNational, listing(codeShanghai, "全国信〔2026〕2号"))
	revoked := e.list(tokenHuaibei, listing(codeHuaibei2, "淮市监信〔2026〕2号"))
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/end", revoked.ID), tokenHuaibei, map[string]any{"reason": "revoked", "note": "撤销"}).wantStatus(200)
	if hb2.State.Status != credo.ListActive {
		t.Fatalf("abnormal-operations has no notice: %+v", hb2.State)
	}

	get := func(path, token string) listsPage {
		t.Helper()
		var p listsPage
		e.do("GET", path, token, "", nil).wantStatus(http.StatusOK).decode(&p)
		return p
	}
	ids := func(p listsPage) []int64 {
		var out []int64
		for _, en := range p.Entries {
			if en.Source == credo.SourceDecision { // leave out entries by rule
				out = append(out, en.ID)
			}
		}
		return out
	}

	// The public, now: the definitions, and only the active entry.
	p := get("/v1/lists", "")
	if len(p.Lists) != 6 || p.List != nil {
		t.Errorf("definitions %+v", p.Lists)
	}
	if got := ids(p); !slices.Equal(got, []int64{hb2.ID}) {
		t.Errorf("the public sees %v, want only the active %d", got, hb2.ID)
	}
	for _, l := range p.Lists {
		if l.ID == "serious-dishonesty" && l.Grade != "D" {
			t.Errorf("serious-dishonesty grade %q", l.Grade)
		}
	}
	// Administrators: every entry, newest first, by status.
	if got := ids(get("/v1/lists", adminToken)); !slices.Equal(got, []int64{revoked.ID, sh.ID, hw.ID, hb2.ID, hb.ID}) {
		t.Errorf("administrator sees %v", got)
	}
	for _, c := range []struct {
		query string
		want  []int64
	}{
		{"status=notified", []int64{sh.ID, hw.ID, hb.ID}},
		{"status=active", []int64{hb2.ID}},
		{"status=ended", []int64{revoked.ID}},
		{"division=3406", []int64{revoked.ID, hb2.ID, hb.ID}},
		{"division=340603", []int64{revoked.ID, hb2.ID}},
		{"division=44", []int64{hw.ID}},
		{"division=3406&status=notified", []int64{hb.ID}},
		// effective_at: hb and hw on 07-11 12:00, sh and revoked on 07-12 12:00, hb2 on 07-01.
		{"from=2026-07-11T12:00:00Z", []int64{revoked.ID, sh.ID, hw.ID, hb.ID}},
		{"from=2026-07-12", []int64{revoked.ID, sh.ID}},
		{"to=2026-07-11T12:00:00Z", []int64{hb2.ID}},
		{"from=2026-07-02&to=2026-07-12", []int64{hw.ID, hb.ID}},
	} {
		if got := ids(get("/v1/lists?"+c.query, adminToken)); !slices.Equal(got, c.want) {
			t.Errorf("%s: %v, want %v", c.query, got, c.want)
		}
	}
	// One list.
	sd := get("/v1/lists/serious-dishonesty?status=notified", adminToken)
	if sd.List == nil || sd.List.ID != "serious-dishonesty" || sd.Lists != nil {
		t.Errorf("one list: %+v", sd)
	}
	if got := ids(sd); !slices.Equal(got, []int64{sh.ID, hw.ID, hb.ID}) {
		t.Errorf("serious-dishonesty notified: %v", got)
	}
	if got := ids(get("/v1/lists/abnormal-operations", "")); !slices.Equal(got, []int64{hb2.ID}) {
		t.Errorf("abnormal-operations to the public: %v", got)
	}
	// An authority sees every status of a division in its jurisdiction.
	if got := ids(get("/v1/lists?division=3406&status=notified", tokenHuaibei)); !slices.Equal(got, []int64{hb.ID}) {
		t.Errorf("Huaibei's notified entries: %v", got)
	}
	e.do("GET", "/v1/lists?division=44&status=notified", tokenHuaibei, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)

	// Later, the serious entries are active and the public sees them; as_of
	// answers as of then.
	e.setNow(testNow.Add(12 * 24 * time.Hour))
	if got := ids(get("/v1/lists/serious-dishonesty", "")); !slices.Equal(got, []int64{sh.ID, hw.ID, hb.ID}) {
		t.Errorf("the public sees %v", got)
	}
	if got := ids(get("/v1/lists/serious-dishonesty?division=31", "")); !slices.Equal(got, []int64{sh.ID}) {
		t.Errorf("the public, division 31: %v", got)
	}
	if got := ids(get("/v1/lists/serious-dishonesty?as_of=2026-07-05", "")); len(got) != 0 {
		t.Errorf("the public, as of before effect: %v", got)
	}
	if got := ids(get("/v1/lists?status=notified&as_of=2026-07-01T12:00:00Z", adminToken)); !slices.Equal(got, []int64{hw.ID, hb.ID}) {
		t.Errorf("as of the first notification (later entries unknown then): %v", got)
	}

	// Pages of one: every entry once, in order.
	var walked []int64
	cursor := ""
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("pagination does not end")
		}
		path := "/v1/lists?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		pg := get(path, adminToken)
		if len(pg.Entries) > 1 {
			t.Fatalf("page of %d", len(pg.Entries))
		}
		walked = append(walked, ids(pg)...)
		if pg.Next == "" {
			break
		}
		cursor = pg.Next
	}
	if !slices.Equal(walked, ids(get("/v1/lists", adminToken))) || len(walked) != 5 {
		t.Errorf("walked %v", walked)
	}
	// The public's pages hold active entries only.
	walked, cursor = nil, ""
	for i := 0; i < 20; i++ {
		path := "/v1/lists?limit=1"
		if cursor != "" {
			path += "&cursor=" + url.QueryEscape(cursor)
		}
		pg := get(path, "")
		for _, en := range pg.Entries {
			if en.State.Status != credo.ListActive {
				t.Errorf("the public got a %s entry", en.State.Status)
			}
		}
		walked = append(walked, ids(pg)...)
		if pg.Next == "" {
			break
		}
		cursor = pg.Next
	}
	if !slices.Equal(walked, []int64{sh.ID, hw.ID, hb2.ID, hb.ID}) {
		t.Errorf("the public walked %v", walked)
	}

	// Bad input.
	e.get("/v1/lists/grey").problem(http.StatusNotFound, credo.ENOTFOUND)
	p2 := e.do("GET", "/v1/lists?status=gone", adminToken, "", nil).problem(422, credo.EINVALID)
	wantField(t, p2, "status", "enum")
	p2 = e.get("/v1/lists?status=ended").problem(http.StatusForbidden, credo.EFORBIDDEN)
	if p2.Field != "status" {
		t.Errorf("public status=ended: field %q", p2.Field)
	}
	e.get("/v1/lists/serious-dishonesty?status=notified").problem(http.StatusForbidden, credo.EFORBIDDEN)
	e.get("/v1/lists?division=3x").problem(422, credo.EINVALID)
	e.get("/v1/lists?from=2026-07-12&to=2026-07-02").problem(422, credo.EINVALID)
	e.get("/v1/lists?from=someday").problem(422, credo.EINVALID)
	e.get("/v1/lists?limit=0").problem(422, credo.EINVALID)
	e.do("GET", "/v1/lists?cursor=not-a-cursor", adminToken, "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/lists", "credo_test_nobody", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
}
