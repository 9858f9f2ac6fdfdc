package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/web"
)

// pages are the public pages, by path after the language prefix.
var pages = []string{
	"/",
	"/search",
	"/search?q=%E6%B7%AE%E5%8C%97",
	"/search?division=44",
	"/organizations/" + codeHuaibei,
	"/organizations/" + codeHuawei,
	"/lists/",
	"/lists/abnormal-operations",
	"/lists/abnormal-operations?division=34",
	"/uscc",
	"/uscc?code=" + codeHuaibei,
	"/uscc?code=91340600MA2PBM9HXE",
	"/rulebooks/",
	"/rulebooks/national-comprehensive",
	"/accessibility",
	"/report/" + codeHuaibei,
	"/verify/",
}

func TestPages(t *testing.T) {
	reg := newRegistry(t)
	for _, l := range []struct{ code, tag, other, otherTag string }{{"zh", "zh-CN", "en", "en"}, {"en", "en", "zh", "zh-CN"}} {
		for _, p := range pages {
			path := "/" + l.code + p
			t.Run(path, func(t *testing.T) {
				pg := reg.get(path)
				if pg.status != http.StatusOK {
					t.Fatalf("status %d; body: %.400s", pg.status, pg.body)
				}
				if ct := pg.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
					t.Errorf("Content-Type %q", ct)
				}
				csp := pg.header.Get("Content-Security-Policy")
				if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "script-src") {
					t.Errorf("Content-Security-Policy %q", csp)
				}
				pg.has(t, `<html lang="`+l.tag+`">`,
					`<link rel="alternate" hreflang="`+l.tag+`" href="/`+l.code+strings.ReplaceAll(p, "&", "&amp;")+`">`,
					`<link rel="alternate" hreflang="`+l.otherTag+`" href="/`+l.other+strings.ReplaceAll(p, "&", "&amp;")+`">`,
					`hreflang="`+l.otherTag+`" lang="`+l.otherTag+`"`)
				checkHTML(t, path, pg.body)
				if strings.Contains(pg.body, "<script>alert") || strings.Contains(pg.body, "<img src=x") {
					t.Errorf("unescaped markup in the page")
				}
			})
		}
	}
}

// TestEscaping checks that markup in every field shown (organization
// name, address, authority name, decision number, legal basis,
// description, listing reasons; the search text and a code typed into the
// checker) is shown as text.
func TestEscaping(t *testing.T) {
	reg := newRegistry(t)
	escaped := `&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;`
	for _, path := range []string{
		"/en/organizations/" + codeHuaibei,
		"/zh/search?q=" + "淮北",
		"/en/lists/abnormal-operations",
		"/en/uscc?code=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E",
		"/en/search?q=%3Cscript%3Ealert(%22x%22)%3C%2Fscript%3E",
	} {
		pg := reg.get(path)
		if strings.Contains(pg.body, "<script>") || strings.Contains(pg.body, "<img src=x") {
			t.Errorf("%s: markup shown as markup", path)
		}
		if !strings.Contains(pg.body, "&lt;script&gt;") {
			t.Errorf("%s: the text with markup is not shown (escaped); status %d", path, pg.status)
		}
	}
	org := reg.get("/en/organizations/" + codeHuaibei)
	// name (title and h1), address, decision number, legal basis, description, authority name.
	if n := strings.Count(org.body, escaped); n < 6 {
		t.Errorf("the hostile text is shown escaped %d times on the organization page, want at least 6", n)
	}
}

func TestLanguages(t *testing.T) {
	reg := newRegistry(t)
	for _, c := range []struct{ accept, want string }{
		{"", "/zh/"},
		{"en-GB,en;q=0.9", "/en/"},
		{"fr-FR, en;q=0.5, zh-CN;q=0.8", "/zh/"},
		{"de", "/zh/"},
		{"en;q=0", "/zh/"},
	} {
		pg := reg.get("/", "Accept-Language", c.accept)
		if pg.status != http.StatusSeeOther || pg.header.Get("Location") != c.want {
			t.Errorf("Accept-Language %q: %d to %q, want 303 to %s", c.accept, pg.status, pg.header.Get("Location"), c.want)
		}
	}
	for _, path := range []string{"/fr/", "/fr/search?q=x", "/zh-TW/", "/fr/organizations/" + codeHuawei, "/fr/search.csv?q=x", "/en/no-such-page"} {
		pg := reg.get(path)
		if pg.status != http.StatusNotFound {
			t.Errorf("%s: status %d, want 404", path, pg.status)
		}
		checkHTML(t, path, pg.body)
	}
}

func TestOrganizationPage(t *testing.T) {
	reg := newRegistry(t)
	pg := reg.get("/en/organizations/" + codeHuaibei)
	pg.has(t,
		`<svg class="chart"`, `role="img"`, `<title id="chart-title">`, `class="history-table"`, // chart and the same data as a table
		`class="badge grade-`, `<span class="letter">`, // the badge: letter and words
		"How the grade is computed", `href="#dim-`, // every grade explained
		"淮市监罚〔2026〕9号", "《中华人民共和国食品安全法》", "2026-03-15", // a record: decision, basis, dates
		`href="/en/lists/abnormal-operations"`, "淮市监异〔2026〕3号", // the listing
		"What this means for procurement",
	)
	// Both objections (to the listing and to the newer record) are shown as such.
	if n := strings.Count(pg.body, "Objection pending"); n != 2 {
		t.Errorf("%d items shown under objection, want 2", n)
	}
	if n := strings.Count(pg.body, `class="record objected"`) + strings.Count(pg.body, `class="entry objected"`); n != 2 {
		t.Errorf("%d items marked objected, want 2", n)
	}
	zh := reg.get("/zh/organizations/" + codeHuaibei)
	zh.has(t, "公示记录", "名单", "等级变化")
	// The history table is the whole history's public grades, oldest
	// first, one row per change of the grade.
	hist, err := reg.store.AssessmentHistory(context.Background(), codeHuaibei, "", 0)
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := len(hist.Changes) - 1; i >= 0; i-- {
		a := hist.Changes[i].Assessment
		if !a.Public || a.Grade == "" || len(want) > 0 && strings.HasSuffix(want[len(want)-1], ">"+a.Grade+" · ") {
			continue
		}
		want = append(want, "<tr><td>"+hist.Changes[i].At.Format("2006-01-02")+"</td><td>"+a.Grade+" · ")
	}
	if len(want) < 2 {
		t.Fatalf("the fixture's history has %d public grades, want a change", len(want))
	}
	table := pg.body[strings.Index(pg.body, `class="history-table"`):]
	table = table[:strings.Index(table, "</table>")]
	at := 0
	for _, row := range want {
		i := strings.Index(table[at:], row)
		if i < 0 {
			t.Fatalf("history table %s lacks %q after %d", table, row, at)
		}
		at += i + len(row)
	}
	if n := strings.Count(table, "<tr><td>"); n != len(want) {
		t.Errorf("history table has %d rows, want %d: %s", n, len(want), table)
	}

	for path, want := range map[string]int{
		"/en/organizations/91340600MA2PBM9HXE":     http.StatusBadRequest, // checksum
		"/en/organizations/x":                      http.StatusBadRequest,
		"/en/organizations/91340621MA2PEMUHX8":     http.StatusNotFound, // valid, not registered
		"/en/lists/no-such-list":                   http.StatusNotFound,
		"/en/lists/abnormal-operations?division=x": http.StatusBadRequest,
		"/en/rulebooks/no-such-rulebook":           http.StatusNotFound,
	} {
		if got := reg.get(path); got.status != want {
			t.Errorf("%s: status %d, want %d", path, got.status, want)
		} else {
			checkHTML(t, path, got.body)
		}
	}
}

func TestSearch(t *testing.T) {
	reg := newRegistry(t)
	pg := reg.get("/en/search?q=" + codeHuawei)
	pg.has(t, "华为技术有限公司", "/en/organizations/"+codeHuawei, "1 organizations")
	byDivision := reg.get("/en/search?division=3")
	byDivision.has(t, "2 organizations", `href="/en/search.csv?division=3"`, `href="/en/search.json?division=3"`)
	if strings.Contains(byDivision.body, "华为") {
		t.Error("division 3 found an organization of 44")
	}
	reg.get("/en/search?division=3&status=revoked").has(t, "1 organizations", "上海测试有限公司")
	reg.get("/en/search?division=3&list=abnormal-operations").has(t, "1 organizations", "淮北")
	reg.get("/en/search?division=44&industry=I65").has(t, "1 organizations")
	reg.get("/en/search?division=3&grade=B").has(t, "1 organizations", "淮北")
	reg.get("/en/search?division=3&grade=D").has(t, "0 organizations")
	reg.get("/en/search?division=44&industry=C13").has(t, "0 organizations")

	for _, bad := range []string{"division=x", "q=a&grade=Z", "q=a&status=gone", "q=a&list=nope", "q=a&page=0", "q=a&page=x", "q=a&page=9", "q=" + strings.Repeat("长", 201)} {
		if got := reg.get("/en/search?" + bad); got.status != http.StatusBadRequest {
			t.Errorf("%s: status %d, want 400", bad, got.status)
		}
	}

	csvPage := reg.get("/en/search.csv?division=3")
	if csvPage.status != 200 || !strings.HasPrefix(csvPage.header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV: %d %s", csvPage.status, csvPage.header.Get("Content-Type"))
	}
	rows, err := csv.NewReader(strings.NewReader(csvPage.body)).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "code" {
		t.Fatalf("CSV rows %v (%v)", rows, err)
	}
	jsonPage := reg.get("/zh/search.json?division=3")
	var out struct {
		Total   int `json:"total"`
		Results []struct {
			Subject struct{ Code, Name string }
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(jsonPage.body), &out); err != nil || out.Total != 2 || len(out.Results) != 2 {
		t.Fatalf("JSON export %s (%v)", jsonPage.body, err)
	}
	if got := reg.get("/en/search.json"); got.status != http.StatusBadRequest {
		t.Errorf("an export without q or division: %d, want 400", got.status)
	}
}

// TestBesideTheAPI checks the portal served by the API's handler: pages
// with their own CSP, the API's routes and problems unchanged.
func TestBesideTheAPI(t *testing.T) {
	reg := newRegistry(t)
	reg.url = reg.apiURL
	if pg := reg.get("/", "Accept-Language", "en"); pg.status != http.StatusSeeOther || pg.header.Get("Location") != "/en/" {
		t.Errorf("/: %d to %q", pg.status, pg.header.Get("Location"))
	}
	pg := reg.get("/en/organizations/" + codeHuawei)
	if pg.status != 200 || !strings.Contains(pg.header.Get("Content-Security-Policy"), "style-src 'self'") || pg.header.Get("X-Request-Id") == "" {
		t.Errorf("a page through the API's handler: %d, CSP %q", pg.status, pg.header.Get("Content-Security-Policy"))
	}
	if css := reg.get("/static/style.css"); css.status != 200 || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") {
		t.Errorf("style.css: %d %s", css.status, css.header.Get("Content-Type"))
	}
	if js := reg.get("/v1/subjects/" + codeHuawei); js.status != 200 || js.header.Get("Content-Type") != "application/json" {
		t.Errorf("the API: %d %s", js.status, js.header.Get("Content-Type"))
	}
	for _, path := range []string{"/v1/no-such-route", "/fr/", "/static.css"} {
		if pg := reg.get(path); pg.status != 404 || !strings.HasPrefix(pg.header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %d %s, want a 404 problem", path, pg.status, pg.header.Get("Content-Type"))
		}
	}
}

// TestSearchPages checks pagination with counts: 45 organizations of one
// division, 20 a page.
func TestSearchPages(t *testing.T) {
	reg := newRegistry(t)
	var subjects []map[string]any
	for i := range 45 {
		code, err := uscc.Build('9', '1', "320611", fmt.Sprintf("MA%06d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, map[string]any{"code": code, "name": fmt.Sprintf("江苏测试第%d有限公司", i+1), "division": "320611", "status": "active"})
	}
	reg.ingest(reg.in.Subjects, subjects...)

	first := reg.get("/en/search?division=320611")
	first.has(t, "45 organizations", "page 1 / 3", `href="/en/search?division=320611&amp;page=2" rel="next"`)
	if strings.Contains(first.body, `rel="prev"`) {
		t.Error("the first page links to a previous one")
	}
	if n := strings.Count(first.body, `/en/organizations/91320611`); n != 20 {
		t.Errorf("%d results on page 1, want 20", n)
	}
	last := reg.get("/en/search?division=320611&page=3")
	last.has(t, "page 3 / 3", `href="/en/search?division=320611&amp;page=2" rel="prev"`)
	if n := strings.Count(last.body, `/en/organizations/91320611`); n != 5 {
		t.Errorf("%d results on page 3, want 5", n)
	}
	if strings.Contains(last.body, `rel="next"`) {
		t.Error("the last page links to a next one")
	}
	if got := reg.get("/en/search?division=320611&page=4"); got.status != http.StatusBadRequest {
		t.Errorf("page 4 of 3: %d, want 400", got.status)
	}
	var out struct {
		Total   int               `json:"total"`
		Results []json.RawMessage `json:"results"`
	}
	if err := json.Unmarshal([]byte(reg.get("/en/search.json?division=320611").body), &out); err != nil || out.Total != 45 || len(out.Results) != 45 {
		t.Errorf("the export holds %d of %d (%v), want all 45", len(out.Results), out.Total, err)
	}
}

// TestSearchScanBound checks that a filter the store does not apply is
// judged over a bounded number of the store's matches, and the page says
// the count is partial.
func TestSearchScanBound(t *testing.T) {
	reg := newRegistry(t)
	var subjects []map[string]any
	for i := range 30 {
		code, err := uscc.Build('9', '1', "320611", fmt.Sprintf("MA%06d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, map[string]any{"code": code, "name": fmt.Sprintf("江苏测试第%d有限公司", i+1), "division": "320611", "status": "active", "industry": "C13"})
	}
	reg.ingest(reg.in.Subjects, subjects...)
	web.SetMaxScanned(reg.portal, 10)
	reg.get("/en/search?division=320611&industry=C13").has(t, "at least 10 organizations", "narrow the search")
	reg.get("/en/search?division=320611&industry=NONE").has(t, "at least 0 organizations", "narrow the search")
	web.SetMaxScanned(reg.portal, 1000)
	reg.get("/en/search?division=320611&industry=C13").has(t, "30 organizations")
}
