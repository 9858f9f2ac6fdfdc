package api_test

import (
	"net/http"
	"testing"
	"time"
)

// TestSubjectReport: the due-diligence report holds the registration
// history, the assessment with its rulebooks, the grade history with
// causes, records, list entries, measures for every action and open
// objections; the public sees less than the authority over the
// organization; as_of before registration is not found.
func TestSubjectReport(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	e.postJSON("/v1/subjects", tokenNational, goodSubject(codeShanghai, "上海示例科技有限公司")).wantStatus(http.StatusCreated)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeShanghai, "上海示例科技有限公司"), "short_name", "示例科技")).wantStatus(http.StatusCreated)
	// Tax grades are annual (2014 art. 23): a finding about 2025 adjusts the
	// 2025 evaluation, the grade in force now; one about 2026 would move only
	// the provisional figure.
	e.do("POST", "/v1/records", tokenShanghai, "application/json",
		`{"subject":"`+codeShanghai+`","category":"tax","kind":"absconded","external_id":"SH-TAX-1",
		  "decision_number":"沪税稽〔2025〕1号","legal_basis":"《中华人民共和国税收征收管理法》","occurred_at":"2025-06-01"}`).wantStatus(201)

	full := e.do("GET", "/v1/subjects/"+codeShanghai+"/report", tokenShanghai, "", nil).wantStatus(http.StatusOK).object()
	reg := full["registration"].([]any)
	if len(reg) != 2 || full["subject"].(map[string]any)["short_name"] != "示例科技" {
		t.Errorf("registration: %v", reg)
	}
	if len(full["rulebooks"].([]any)) == 0 || full["as_of"] == nil {
		t.Errorf("rulebooks/as_of: %v %v", full["rulebooks"], full["as_of"])
	}
	tax := full["assessment"].(map[string]any)["dimensions"].(map[string]any)["tax"].(map[string]any)
	if tax["grade"] != "D" {
		t.Errorf("assessment tax grade %v", tax["grade"])
	}
	var taxChange bool
	for _, c := range full["grade_history"].([]any) {
		c := c.(map[string]any)
		if c["dimension"] == "tax" && c["to"] == "D" && c["cause"].(map[string]any)["kind"] == "record" {
			taxChange = true
		}
	}
	if !taxChange {
		t.Errorf("grade history lacks the tax change to D: %v", full["grade_history"])
	}
	if n := len(full["records"].([]any)); n != 1 {
		t.Errorf("records: %d", n)
	}
	if m := full["measures"].([]any); len(m) == 0 || m[0].(map[string]any)["decision"] == nil {
		t.Errorf("measures: %v", m)
	}
	if full["lists"] == nil || full["objections"] == nil {
		t.Errorf("lists/objections missing: %v", full)
	}

	// The public does not see the tax dimension (not public) nor its change.
	pub := e.do("GET", "/v1/subjects/"+codeShanghai+"/report", "", "", nil).wantStatus(http.StatusOK).object()
	if _, ok := pub["assessment"].(map[string]any)["dimensions"].(map[string]any)["tax"]; ok {
		t.Errorf("the public sees the tax dimension")
	}
	for _, c := range pub["grade_history"].([]any) {
		if c.(map[string]any)["dimension"] == "tax" {
			t.Errorf("the public sees a tax grade change: %v", c)
		}
	}

	e.do("GET", "/v1/subjects/"+codeShanghai+"/report?as_of=2000-01-01", "", "", nil).problem(http.StatusNotFound, "not_found")
	e.do("GET", "/v1/subjects/91310112087994932X/report", "", "", nil).problem(http.StatusUnprocessableEntity, "invalid")
	e.do("GET", "/v1/subjects/"+codeShanghai+"/report?as_of=yesterday", "", "", nil).problem(http.StatusUnprocessableEntity, "invalid")
}

// TestSubjectReportPartners: the report lists the direct partners and the
// partner-risk paths (partners within 2 on an adverse list), as the
// caller may see them (partnersFixture: A —B at 1, C at 2, D at 3; D a
// branch of C).
func TestSubjectReportPartners(t *testing.T) {
	e := partnersFixture(t)
	entry := e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕9号"))
	e.setNow(entry.EffectiveAt.Add(time.Hour))
	type reportPartners struct {
		Partners struct {
			Total     int
			RiskDepth int `json:"risk_depth"`
			Partners  []struct {
				Code     string
				Distance int
			}
			Risk []struct {
				Code     string
				Distance int
				Path     []struct{ From, Kind, To string }
				Lists    []struct{ List string }
			}
		}
	}
	report := func(token, code string) reportPartners {
		t.Helper()
		var r reportPartners
		e.do("GET", "/v1/subjects/"+code+"/report", token, "", nil).wantStatus(http.StatusOK).decode(&r)
		return r
	}
	c := report("", codeShanghai).Partners
	if c.Total != 2 || len(c.Partners) != 2 || c.RiskDepth != 2 {
		t.Fatalf("C's partners: %+v", c)
	}
	if len(c.Risk) != 1 || c.Risk[0].Code != codeHuawei || c.Risk[0].Distance != 1 || c.Risk[0].Path[0].Kind != "branch" ||
		len(c.Risk[0].Lists) != 1 || c.Risk[0].Lists[0].List != "serious-dishonesty" {
		t.Errorf("C's partner risk: %+v", c.Risk)
	}
	b := report("", codeHuaibei2).Partners
	if len(b.Risk) != 1 || b.Risk[0].Code != codeHuawei || b.Risk[0].Distance != 2 || len(b.Risk[0].Path) != 2 {
		t.Errorf("B's partner risk, D at 2 through C: %+v", b.Risk)
	}
	a := report("", codeHuaibei).Partners
	if a.Total != 1 || a.Partners[0].Code != codeHuaibei2 || len(a.Risk) != 0 {
		t.Errorf("A: B its one partner, D out of the risk depth: %+v", a)
	}
	// A declares D its supplier: D is A's direct partner and a risk to A
	// and the authority over A, not to the public.
	own := e.account("huaibei-org", codeHuaibei)
	e.postJSON("/v1/relationships", own, map[string]any{"kind": "supplier", "from": codeHuawei, "to": codeHuaibei, "since": "2024-01-01"}).wantStatus(http.StatusCreated)
	for _, w := range []struct {
		who, token string
		sees       bool
	}{{"the public", "", false}, {"A", own, true}, {"the authority over A", tokenHuaibei, true}} {
		got := report(w.token, codeHuaibei).Partners
		if (got.Total == 2 && len(got.Risk) == 1 && got.Risk[0].Code == codeHuawei) != w.sees || (!w.sees && (got.Total != 1 || len(got.Risk) != 0)) {
			t.Errorf("%s: %+v, want the declared supplier seen=%v", w.who, got, w.sees)
		}
	}
}
