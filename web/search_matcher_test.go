package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// TestSearchByNameMatcher: with the name matcher wired (as credo serve
// wires it), the search page finds a name written in traditional
// characters and without its legal form, which the store's substring
// search does not; codes and divisions still go to the store; a
// one-character name is refused.
func TestSearchByNameMatcher(t *testing.T) {
	reg := newRegistry(t)
	const traditional = "/en/search?q=%E8%8F%AF%E7%82%BA%E6%8A%80%E8%A1%93" // 華為技術
	reg.get(traditional).has(t, "0 organizations")
	names := search.NewIndex()
	if err := names.Load(context.Background(), reg.store); err != nil {
		t.Fatal(err)
	}
	reg.portal.Matcher = names
	reg.get(traditional).has(t, "1 organizations", "华为技术有限公司", "/en/organizations/"+codeHuawei)
	reg.get(traditional+"&division=3").has(t, "0 organizations")
	reg.get(traditional+"&status=revoked").has(t, "0 organizations")
	reg.get("/en/search?q="+codeHuawei).has(t, "1 organizations", "华为技术有限公司")
	reg.get("/en/search?division=3").has(t, "2 organizations")
	if got := reg.get("/en/search?q=%E5%8D%8E"); got.status != http.StatusBadRequest { // 华
		t.Errorf("a one-character name: %d, want 400", got.status)
	}
	if got := reg.get("/en/search.csv?q=%E8%8F%AF%E7%82%BA%E6%8A%80%E8%A1%93"); got.status != 200 || !strings.Contains(got.body, codeHuawei) {
		t.Errorf("CSV export by name: %d %s", got.status, got.body)
	}
}

// TestSearchResultsByName: a page of results found by name shows each
// organization's name and status as registered and its public grade as
// the organization's stored assessment gives it: the grade when the
// assessment is public, none when it is not, and a fresh assessment's when
// the stored one is out of date.
func TestSearchResultsByName(t *testing.T) {
	reg := newRegistry(t)
	names := search.NewIndex()
	if err := names.Load(context.Background(), reg.store); err != nil {
		t.Fatal(err)
	}
	reg.portal.Matcher = names
	ctx := context.Background()
	// row is the table row of code on the search page for q.
	row := func(q, code string) string {
		t.Helper()
		pg := reg.get("/en/search?q=" + url.QueryEscape(q))
		for _, r := range strings.Split(pg.body, "<tr>") {
			if strings.Contains(r, `href="/en/organizations/`+code+`"`) {
				return r
			}
		}
		t.Fatalf("%s: no row of %s in %s", q, code, pg.body)
		return ""
	}
	grade := func(r string) string {
		_, after, ok := strings.Cut(r, `<span class="letter">`)
		if !ok {
			return ""
		}
		g, _, _ := strings.Cut(after, "<")
		return g
	}
	stored := map[string]*credo.Assessment{}
	for _, tc := range []struct{ q, code, name, status string }{
		{"华为技术", codeHuawei, "华为技术有限公司", "active"},
		{"上海测试", codeShanghai, "上海测试有限公司", "licence revoked"},
	} {
		a, err := reg.store.CurrentAssessment(ctx, tc.code)
		if err != nil {
			t.Fatal(err)
		}
		if !a.Public || a.Grade == "" {
			t.Fatalf("%s: the fixture's assessment is %+v, want a public grade", tc.code, a)
		}
		stored[tc.code] = a
		r := row(tc.q, tc.code)
		if !strings.Contains(r, ">"+tc.name+"</a>") || !strings.Contains(r, "<td>"+tc.status+"</td>") || grade(r) != a.Grade {
			t.Errorf("%s: row %s, want %s, %s, grade %s", tc.q, r, tc.name, tc.status, a.Grade)
		}
	}
	save := func(a *credo.Assessment) {
		t.Helper()
		if err := reg.store.SaveAssessments(ctx, []*credo.AssessmentChange{{Subject: a.Subject, At: credo.NewTime(testNow), Cause: credo.Cause{Kind: credo.CauseExpiry}, Assessment: a}}); err != nil {
			t.Fatal(err)
		}
	}
	hw := *stored[codeHuawei]
	hw.Public, hw.NextChange = false, credo.Time{} // current (the fixture's has passed its next change)
	save(&hw)
	if r := row("华为技术", codeHuawei); grade(r) != "" || !strings.Contains(r, "No public grade yet") {
		t.Errorf("an assessment that is not public: row %s, want no grade", r)
	}
	other := map[string]string{"A": "D", "B": "D", "C": "A", "D": "A"}[stored[codeHuawei].Grade]
	hw.Public, hw.Grade, hw.NextChange = true, other, credo.NewTime(testNow.AddDate(0, 1, 0))
	save(&hw)
	if r := row("华为技术", codeHuawei); grade(r) != other {
		t.Errorf("a stored public grade %s: row %s", other, r)
	}
	// Out of date (its next change has passed): assessed afresh, which
	// gives the grade the records give, not the stored one.
	hw.NextChange = credo.NewTime(testNow.Add(-time.Hour))
	save(&hw)
	if r := row("华为技术", codeHuawei); grade(r) != stored[codeHuawei].Grade {
		t.Errorf("a stored assessment out of date: row %s, want the fresh grade %s", r, stored[codeHuawei].Grade)
	}
	// The export reads the organizations and shows the same grades.
	csvPage := reg.get("/en/search.csv?q=" + url.QueryEscape("上海测试"))
	if !strings.Contains(csvPage.body, codeShanghai+",上海测试有限公司,310112,revoked,I65,"+stored[codeShanghai].Grade) {
		t.Errorf("CSV export by name: %s", csvPage.body)
	}
}
