package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/screening"
)

type screenRow struct {
	Line   int
	Input  struct{ Code, Name, Action, Note string }
	Status string
	Error  *credo.Error
	Match  *struct {
		Code  string
		Name  string
		Score float64
		How   string
	}
	Candidates []struct {
		Code  string
		Score float64
	}
	Lists     []struct{ List string }
	Decisions []struct {
		Code, Verdict, Note, By string
		At                      string
	}
}

type screenAnswer struct {
	Encoding string
	Rows     []screenRow
}

func (e *env) screen(path, token, contentType string, body any) screenAnswer {
	e.t.Helper()
	var a screenAnswer
	e.do("POST", path, token, contentType, body).wantStatus(http.StatusOK).decode(&a)
	return a
}

func TestScreeningsCSV(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	long := strings.Repeat("长", 500)
	csv := "code,name,action,note\n" +
		codeHuawei + ",,,by code\n" +
		",华为技术股份有限公司,,by name\n" +
		",濉溪县商店,,ambiguous\n" +
		",完全无关的名字甲乙丙,,nothing\n" +
		",,,neither\n" +
		"91350100M000100Y44,,,bad checksum\n" +
		",华,,one character\n" +
		"," + long + ",,too long\n" +
		codeHuawei + ",,bad_action,\n"
	a := e.screen("/v1/screenings?action=public_procurement", "", "text/csv", csv)
	if a.Encoding != "UTF-8" || len(a.Rows) != 9 {
		t.Fatalf("answer: %+v", a)
	}
	want := []struct{ status, how, field, reason string }{
		{"clear", "code", "", ""},
		{"clear", "name", "", ""},
		{"review", "", "", ""},
		{"no_match", "", "", ""},
		{"error", "", "code", "required"},
		{"error", "", "code", "checksum"},
		{"error", "", "name", "too_short"},
		{"error", "", "name", "too_long"},
		{"error", "", "action", "enum"},
	}
	for i, w := range want {
		r := a.Rows[i]
		if r.Line != i+1 || r.Status != w.status {
			t.Errorf("row %d (%s): line %d status %s, want %s", i+1, r.Input.Note, r.Line, r.Status, w.status)
			continue
		}
		if w.how != "" && (r.Match == nil || r.Match.How != w.how || r.Match.Code != codeHuawei) {
			t.Errorf("row %d: match %+v, want %s by %s", i+1, r.Match, codeHuawei, w.how)
		}
		if w.field != "" && (r.Error == nil || r.Error.Field != w.field || r.Error.Reason != w.reason) {
			t.Errorf("row %d: error %+v, want %s %s", i+1, r.Error, w.field, w.reason)
		}
	}
	if c := a.Rows[2].Candidates; len(c) == 0 || len(c) > 5 {
		t.Errorf("ambiguous row: %d candidates, want 1 to 5", len(c))
	}

	// The same as CSV, by ?format= and by Accept.
	for _, accept := range []string{"", "text/csv"} {
		path := "/v1/screenings"
		if accept == "" {
			path += "?format=csv"
		}
		res := e.do("POST", path, "", "text/csv", csv, "Accept", accept).wantStatus(http.StatusOK)
		lines := strings.Split(strings.TrimSpace(string(res.body)), "\n")
		if !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") || len(lines) != 10 ||
			!strings.HasPrefix(lines[0], "line,code,name,action,note,status,match_code") || !strings.Contains(lines[1], ",clear,"+codeHuawei) {
			t.Errorf("CSV answer (Accept %q): %s", accept, res.body)
		}
	}
}

func TestScreeningsEncodingsAndFormats(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	csv := "code,name\n,华为技术有限公司\n"
	if a := e.screen("/v1/screenings", "", "text/csv", "\xef\xbb\xbf"+csv); a.Encoding != "UTF-8 with BOM" || a.Rows[0].Status != "clear" {
		t.Errorf("BOM: %+v", a)
	}
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(csv)
	if err != nil {
		t.Fatal(err)
	}
	if a := e.screen("/v1/screenings", "", "text/csv", gbk); a.Encoding != "GB18030" || a.Rows[0].Match == nil || a.Rows[0].Match.Code != codeHuawei {
		t.Errorf("GBK: %+v", a)
	}
	if a := e.screen("/v1/screenings", "", "application/json", `[{"code":"`+codeHuawei+`"},{"name":"華為技術"}]`); len(a.Rows) != 2 || a.Rows[1].Match == nil {
		t.Errorf("JSON: %+v", a)
	}
	if a := e.screen("/v1/screenings", "", "application/x-ndjson", `{"code":"`+codeHuawei+`"}`+"\n\n"+`{"name":"华为技术"}`+"\n"); len(a.Rows) != 2 || a.Rows[0].Status != "clear" {
		t.Errorf("NDJSON: %+v", a)
	}

	million := "code,name\n" + strings.Repeat(",华为技术\n", 1_000_000)
	bad := []struct {
		query, ct, body string
		status          int
		field, reason   string
	}{
		{"", "text/csv", "", 422, "file", "empty"},
		{"", "text/csv", "code,name\n", 422, "file", "empty"},
		{"", "text/csv", "统一社会信用代码,名称\n" + codeHuawei + ",华为\n", 422, "header", "format"},
		{"", "text/csv", codeHuawei + ",华为技术有限公司\n", 422, "header", "format"},
		{"", "text/csv", "code\n" + codeHuawei + "\n", 422, "header", "required"},
		{"", "text/csv", "\xff\xfe\xfa\xfb,\x81\n", 422, "file", "encoding"},
		{"", "application/json", `{"rows":[]}`, 422, "file", "format"},
		{"", "application/x-ndjson", `{"code":1}`, 422, "rows[0]", "format"},
		{"?depth=4", "text/csv", csv, 422, "depth", "range"},
		{"?depth=x", "text/csv", csv, 422, "depth", "format"},
		{"?action=lunch", "text/csv", csv, 422, "action", "enum"},
		{"", "text/csv", million, 413, "file", "too_many_rows"},
	}
	for _, b := range bad {
		res := e.do("POST", "/v1/screenings"+b.query, "", b.ct, b.body)
		code := credo.EINVALID
		if b.status == 413 {
			code = credo.ETOOLARGE
		}
		p := res.problem(b.status, code)
		wantField(t, p, b.field, b.reason)
		if b.reason == "too_many_rows" && !strings.Contains(p.Detail, "100000") {
			t.Errorf("a million rows: %q does not name the limit", p.Detail)
		}
	}
	e.do("POST", "/v1/screenings", "", "text/plain", csv).problem(http.StatusUnsupportedMediaType, "unsupported_media_type")
}

func TestScreeningsFlagged(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕1号"))
	e.advance(60 * 24 * time.Hour)
	a := e.screen("/v1/screenings", "", "text/csv", "code,name\n"+codeHuawei+",\n"+codeShanghai+",\n")
	if r := a.Rows[0]; r.Status != "flagged" || len(r.Lists) != 1 || r.Lists[0].List != "serious-dishonesty" {
		t.Errorf("listed organization: %+v", r)
	}
	if r := a.Rows[1]; r.Status != "clear" || len(r.Lists) != 0 {
		t.Errorf("unlisted organization: %+v", r)
	}
}

func TestScreeningDecisions(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	csv := "code,name\n,濉溪县商店\n"
	before := e.screen("/v1/screenings", tokenNational, "text/csv", csv).Rows[0]
	if before.Status != "review" || len(before.Candidates) < 2 {
		t.Fatalf("before deciding: %+v", before)
	}
	rejected := before.Candidates[0].Code
	e.postJSON("/v1/screenings/decisions", tokenNational, map[string]any{
		"name": "濉溪县 商店", "code": rejected, "verdict": "not_counterparty", "note": "另一家商店"}).wantStatus(http.StatusCreated)
	after := e.screen("/v1/screenings", tokenNational, "text/csv", csv).Rows[0]
	for _, c := range after.Candidates {
		if c.Code == rejected {
			t.Errorf("rejected candidate %s raised again", rejected)
		}
	}
	if len(after.Decisions) != 1 || after.Decisions[0].Code != rejected || after.Decisions[0].Note != "另一家商店" ||
		!strings.HasPrefix(after.Decisions[0].By, "authority:") || after.Decisions[0].At == "" {
		t.Errorf("decisions shown: %+v", after.Decisions)
	}
	// Another caller still sees the candidate.
	if other := e.screen("/v1/screenings", "", "text/csv", csv).Rows[0]; other.Candidates[0].Code != rejected || len(other.Decisions) != 0 {
		t.Errorf("another caller: %+v", other)
	}
	chosen := before.Candidates[1].Code
	e.postJSON("/v1/screenings/decisions", tokenNational, map[string]any{
		"name": "濉溪县商店", "code": chosen, "verdict": "counterparty", "note": "合同相对方"}).wantStatus(http.StatusCreated)
	if r := e.screen("/v1/screenings", tokenNational, "text/csv", csv).Rows[0]; r.Match == nil || r.Match.Code != chosen || r.Match.How != "decision" || r.Status != "clear" {
		t.Errorf("after choosing: %+v", r)
	}

	for _, b := range []struct {
		token         string
		body          map[string]any
		status        int
		field, reason string
	}{
		{tokenNational, map[string]any{"name": "濉溪县商店", "code": chosen, "verdict": "maybe"}, 422, "verdict", "enum"},
		{tokenNational, map[string]any{"name": "", "code": chosen, "verdict": "counterparty"}, 422, "name", "required"},
		{tokenNational, map[string]any{"name": "濉溪县商店", "code": "91350100M000100Y44", "verdict": "counterparty"}, 422, "code", "checksum"},
	} {
		p := e.postJSON("/v1/screenings/decisions", b.token, b.body).problem(b.status, credo.EINVALID)
		wantField(t, p, b.field, b.reason)
	}
	e.postJSON("/v1/screenings/decisions", "", map[string]any{"name": "濉溪县商店", "code": chosen, "verdict": "counterparty"}).
		problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
}

func TestScreeningJob(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	var b strings.Builder
	b.WriteString("code,name\n")
	const n = 1200
	for i := 0; i < n; i++ {
		if i%2 == 0 {
			b.WriteString(codeHuawei + ",\n")
		} else {
			fmt.Fprintf(&b, ",上海示例科技有限公司%d\n", i)
		}
	}
	// A job is read back by who started it: the public cannot start one.
	e.do("POST", "/v1/screenings", "", "text/csv", b.String()).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	res := e.do("POST", "/v1/screenings", tokenNational, "text/csv", b.String()).wantStatus(http.StatusAccepted)
	var job struct {
		ID                  string
		Status              string
		RowsDone, RowsTotal int `json:"-"`
	}
	res.decode(&job)
	obj := res.object()
	if job.ID == "" || res.header.Get("Location") != "/v1/screenings/"+job.ID || obj["rows_total"].(float64) != n {
		t.Fatalf("job: %s %v", res.body, res.header)
	}
	deadline := time.Now().Add(time.Minute)
	for {
		o := e.do("GET", "/v1/screenings/"+job.ID, tokenNational, "", nil).wantStatus(http.StatusOK).object()
		if o["status"] == "done" {
			if o["rows_done"].(float64) != n {
				t.Fatalf("done job: %v", o)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("job not done: %v", o)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var results struct {
		Status string
		Rows   []screenRow
	}
	e.do("GET", "/v1/screenings/"+job.ID+"/results", tokenNational, "", nil).wantStatus(http.StatusOK).decode(&results)
	if results.Status != "done" || len(results.Rows) != n || results.Rows[0].Status != "clear" || results.Rows[n-1].Line != n {
		t.Fatalf("results: %d rows, status %s", len(results.Rows), results.Status)
	}
	lines := 0
	for _, accept := range []string{"text/csv"} {
		r := e.do("GET", "/v1/screenings/"+job.ID+"/results", tokenNational, "", nil, "Accept", accept).wantStatus(http.StatusOK)
		lines = strings.Count(string(r.body), "\n")
	}
	if lines != n+1 {
		t.Errorf("CSV results: %d lines, want %d", lines, n+1)
	}
	if r := e.do("GET", "/v1/screenings/"+job.ID+"/results?format=csv", tokenNational, "", nil); !strings.HasPrefix(string(r.body), "line,code") {
		t.Errorf("?format=csv: %.80s", r.body)
	}
	// Only its owner sees a job.
	e.do("GET", "/v1/screenings/"+job.ID, "", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/screenings/"+job.ID, tokenHuaibei, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/screenings/nope/results", tokenNational, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/screenings/"+job.ID+"/results?format=xml", tokenNational, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
}

// TestScreeningJobResumes: a job a previous run left half done (its rows
// and some results stored) is finished by the next run's Resume, after the
// last stored result, and reads as one job.
func TestScreeningJobResumes(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	owner := "authority:" + testAuthorities[0].a.ID
	var inputs []screening.Input
	for i := 0; i < 1500; i++ {
		inputs = append(inputs, screening.Input{Code: codeHuawei, Note: fmt.Sprint(i)})
	}
	body, _ := json.Marshal(inputs)
	job := &credo.ScreeningJob{ID: "scr_resumed", Owner: owner, Inputs: body, Total: len(inputs), CreatedAt: credo.NewTime(testNow)}
	ctx := context.Background()
	if err := e.store.CreateScreeningJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	// The first run stored 200 results, one of them marked so we can tell
	// it was not redone.
	var done []credo.ScreeningResult
	for i := 1; i <= 200; i++ {
		done = append(done, credo.ScreeningResult{Line: i, Body: []byte(fmt.Sprintf(`{"line":%d,"input":{"note":"first run"},"status":"clear"}`, i))})
	}
	if err := e.store.AddScreeningResults(ctx, job.ID, done); err != nil {
		t.Fatal(err)
	}
	next := screening.New(e.store, e.server.Matcher, e.server.Process, e.clock.Now)
	if err := next.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	next.Wait()
	tok := testAuthorities[0].token
	o := e.do("GET", "/v1/screenings/"+job.ID, tok, "", nil).wantStatus(http.StatusOK).object()
	if o["status"] != "done" || o["rows_done"].(float64) != 1500 {
		t.Fatalf("resumed job: %v", o)
	}
	var results struct{ Rows []screenRow }
	e.do("GET", "/v1/screenings/"+job.ID+"/results", tok, "", nil).wantStatus(http.StatusOK).decode(&results)
	if len(results.Rows) != 1500 || results.Rows[199].Input.Note != "first run" || results.Rows[200].Input.Note != "200" || results.Rows[200].Status != "clear" {
		t.Errorf("results: %d rows; 200: %+v; 201: %+v", len(results.Rows), results.Rows[199], results.Rows[200])
	}
}

type screenPartnersAnswer struct {
	Audit string
	Rows  []struct {
		Line     int
		Status   string
		Input    struct{ Code string }
		Match    *struct{ Code string }
		Lists    []struct{ List string }
		Partners []struct {
			Code     string
			Name     string
			Distance int
			Path     []struct{ From, Kind, To string }
			Lists    []struct{ List string }
		}
		Via *struct {
			Line       int
			From       string
			DeclaredBy string `json:"declared_by"`
			Tier       int
			Path       []struct{ From, Kind, To string }
		}
	}
}

func (e *env) screenPartners(query, token, body string) screenPartnersAnswer {
	e.t.Helper()
	var a screenPartnersAnswer
	e.do("POST", "/v1/screenings"+query, token, "text/csv", body).wantStatus(http.StatusOK).decode(&a)
	return a
}

// Depth 1 to 3: the partners within the depth on an adverse list, with
// their paths (partnersFixture: A —B at 1, C at 2, D at 3).
func TestScreeningsDepth(t *testing.T) {
	e := partnersFixture(t)
	entry := e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕7号"))
	e.setNow(entry.EffectiveAt.Add(time.Hour))
	body := "code,name\n" + codeHuaibei + ",\n"

	a := e.screenPartners("?depth=3", "", body)
	r := a.Rows[0]
	if r.Status != "clear" || len(r.Partners) != 1 {
		t.Fatalf("A at depth 3: %+v", r)
	}
	d := r.Partners[0]
	if d.Code != codeHuawei || d.Name != "深圳某某分公司" || d.Distance != 3 || len(d.Lists) != 1 || d.Lists[0].List != "serious-dishonesty" {
		t.Errorf("D within 3 of A: %+v", d)
	}
	kinds := []string{}
	for _, h := range d.Path {
		kinds = append(kinds, h.Kind)
	}
	if strings.Join(kinds, ",") != "shareholder,shared_officer,branch" || d.Path[0].From != codeHuaibei || d.Path[2].From != codeHuawei {
		t.Errorf("D's path from A: %+v", d.Path)
	}
	for _, q := range []string{"?depth=2", "?depth=0", ""} {
		if r := e.screenPartners(q, "", body).Rows[0]; r.Status != "clear" || len(r.Partners) != 0 {
			t.Errorf("A with %q: D is out of reach: %+v", q, r)
		}
	}
	// C (D's head office) at depth 1: D is its partner; D itself is
	// flagged by its own entry and its clean partner is not listed.
	two := e.screenPartners("?depth=1", "", "code,name\n"+codeShanghai+",\n"+codeHuawei+",\n")
	if c := two.Rows[0]; c.Status != "clear" || len(c.Partners) != 1 || c.Partners[0].Code != codeHuawei || c.Partners[0].Path[0].Kind != "branch" {
		t.Errorf("C at depth 1: %+v", c)
	}
	if dd := two.Rows[1]; dd.Status != "flagged" || len(dd.Partners) != 0 {
		t.Errorf("D at depth 1: %+v", dd)
	}
	// As CSV: the partners column names D and its path.
	res := e.do("POST", "/v1/screenings?depth=3&format=csv", "", "text/csv", body).wantStatus(http.StatusOK)
	if !strings.Contains(string(res.body), "partners,via") || !strings.Contains(string(res.body), codeHuawei+" 深圳某某分公司 (serious-dishonesty) via "+codeHuaibei+" -shareholder-> "+codeHuaibei2) {
		t.Errorf("CSV: %s", string(res.body))
	}

	for q, reason := range map[string]string{"?depth=4": "range", "?depth=-1": "range", "?depth=9999999999999999999": "format", "?depth=1.5": "format"} {
		wantField(t, e.do("POST", "/v1/screenings"+q, "", "text/csv", body).problem(http.StatusUnprocessableEntity, credo.EINVALID), "depth", reason)
	}
}

// auditFixture is partnersFixture with declared suppliers: A declares C
// its supplier; C declares D its supplier and says it supplies A2 (a
// customer C has, not A2's declaration); D is on the serious dishonesty
// list. It returns the env and A's account token.
func auditFixture(t *testing.T) (*env, string) {
	e := partnersFixture(t)
	a := e.account("huaibei-org", codeHuaibei)
	c := e.account("shanghai-org", codeShanghai)
	e.postJSON("/v1/relationships", a, map[string]any{"kind": "supplier", "from": codeShanghai, "to": codeHuaibei, "since": "2024-01-01"}).wantStatus(http.StatusCreated)
	e.postJSON("/v1/relationships", c, map[string]any{"kind": "supplier", "from": codeHuawei, "to": codeShanghai, "since": "2024-01-01"}).wantStatus(http.StatusCreated)
	e.postJSON("/v1/relationships", c, map[string]any{"kind": "supplier", "from": codeShanghai, "to": codeHuaibei2, "since": "2024-01-01"}).wantStatus(http.StatusCreated)
	entry := e.list(tokenNational, listing(codeHuawei, "全国信〔2026〕8号"))
	e.setNow(entry.EffectiveAt.Add(time.Hour))
	return e, a
}

// The supply-chain audit: the suppliers the matched organizations
// declared, tier by tier, as the caller may see the declarations.
func TestScreeningsSupplyChainAudit(t *testing.T) {
	e, a := auditFixture(t)
	body := "code,name\n" + codeHuaibei + ",\n" + codeHuaibei2 + ",\n"

	admin := e.screenPartners("?audit=supply_chain&depth=3", adminToken, body)
	if admin.Audit != "supply_chain" || len(admin.Rows) != 4 {
		t.Fatalf("audit as an administrator: %+v", admin)
	}
	cr, dr := admin.Rows[2], admin.Rows[3]
	if cr.Line != 3 || cr.Match == nil || cr.Match.Code != codeShanghai || cr.Via == nil || cr.Via.Line != 1 || cr.Via.From != codeHuaibei ||
		cr.Via.DeclaredBy != codeHuaibei || cr.Via.Tier != 1 || len(cr.Via.Path) != 1 || cr.Via.Path[0].Kind != "supplier" {
		t.Errorf("C, A's declared supplier: %+v (via %+v)", cr, cr.Via)
	}
	if dr.Line != 4 || dr.Input.Code != codeHuawei || dr.Status != "flagged" || dr.Via == nil || dr.Via.DeclaredBy != codeShanghai ||
		dr.Via.Tier != 2 || dr.Via.From != codeHuaibei || len(dr.Via.Path) != 2 || dr.Via.Path[1].From != codeHuawei {
		t.Errorf("D, C's declared supplier, flagged: %+v (via %+v)", dr, dr.Via)
	}
	if len(admin.Rows[0].Partners) != 0 {
		t.Errorf("an audit's depth is its tiers, not partners: %+v", admin.Rows[0])
	}
	if one := e.screenPartners("?audit=supply_chain&depth=1", adminToken, body); len(one.Rows) != 3 {
		t.Errorf("depth 1: the first tier only: %+v", one.Rows)
	}
	// A sees its own declaration, not C's; the public sees none.
	if own := e.screenPartners("?audit=supply_chain&depth=3", a, body); len(own.Rows) != 3 || own.Rows[2].Match.Code != codeShanghai {
		t.Errorf("audit as A: %+v", own.Rows)
	}
	if pub := e.screenPartners("?audit=supply_chain&depth=3", "", body); len(pub.Rows) != 2 {
		t.Errorf("audit as the public: %+v", pub.Rows)
	}
	// The CSV says through whom.
	res := e.do("POST", "/v1/screenings?audit=supply_chain&depth=2&format=csv", adminToken, "text/csv", body).wantStatus(http.StatusOK)
	if !strings.Contains(string(res.body), "line 1, tier 2, declared by "+codeShanghai+": "+codeShanghai+" -supplier-> "+codeHuaibei+", "+codeHuawei+" -supplier-> "+codeShanghai) {
		t.Errorf("CSV: %s", string(res.body))
	}

	for _, b := range []struct {
		query         string
		body          string
		status        int
		field, reason string
	}{
		{"?audit=supply_chain", body, 422, "depth", "range"},
		{"?audit=supply_chain&depth=0", body, 422, "depth", "range"},
		{"?audit=supply_chain&depth=4", body, 422, "depth", "range"},
		{"?audit=suppliers&depth=1", body, 422, "audit", "enum"},
	} {
		wantField(t, e.do("POST", "/v1/screenings"+b.query, adminToken, "text/csv", b.body).problem(b.status, credo.EINVALID), b.field, b.reason)
	}
}
