package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

func TestPostSubjectVersions(t *testing.T) {
	e := newEnv(t, nil)
	e.get("/v1/subjects/"+codeHuaibei).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/subjects/"+codeHuaibei+"/versions").problem(http.StatusNotFound, credo.ENOTFOUND)

	v1 := goodSubject(codeHuaibei, "淮北市示例商贸有限公司")
	res := e.postJSON("/v1/subjects", tokenHuaibei, v1).wantStatus(http.StatusCreated)
	if strings.Contains(string(res.body), residentID) || strings.Contains(string(res.body), "id_number") {
		t.Errorf("an identity number came back: %s", res.body)
	}
	var got credo.Subject
	res.decode(&got)
	if got.Version != 1 || got.Authority != "huaibei-amr" || got.RecordedAt.IsZero() {
		t.Errorf("stored %+v", got)
	}
	if got.Division != "340600" || got.EntityType != "enterprise" {
		t.Errorf("division %q entity type %q not filled from the code", got.Division, got.EntityType)
	}
	if len(got.Officers) != 1 || !strings.HasPrefix(got.Officers[0].PersonKey, "pk_") {
		t.Errorf("officers %+v, want a person key", got.Officers)
	}
	if loc := res.header.Get("Location"); loc != "/v1/subjects/"+codeHuaibei {
		t.Errorf("Location %q", loc)
	}

	// The same data again is no new version.
	e.postJSON("/v1/subjects", tokenHuaibei, v1).wantStatus(http.StatusOK).decode(&got)
	if got.Version != 1 {
		t.Errorf("resubmission answered version %d", got.Version)
	}

	// A change is version 2; the code as people type it is normalized.
	v2 := with(v1, "code", strings.ToLower(codeHuaibei[:9])+" "+codeHuaibei[9:], "name", "淮北市新示例商贸有限公司",
		"former_names", []map[string]any{{"name": "淮北市示例商贸有限公司", "until": "2026-05-01"}})
	e.postJSON("/v1/subjects", tokenHuaibei, v2).wantStatus(http.StatusCreated).decode(&got)
	if got.Version != 2 || got.Code != codeHuaibei {
		t.Errorf("second version %d of %s", got.Version, got.Code)
	}

	e.get("/v1/subjects/" + codeHuaibei).wantStatus(http.StatusOK).decode(&got)
	if got.Version != 2 || got.Name != "淮北市新示例商贸有限公司" {
		t.Errorf("latest %+v", got)
	}
	// The path takes codes as people type them, too.
	e.get("/v1/subjects/" + url.PathEscape(strings.ToLower(codeHuaibei))).wantStatus(http.StatusOK)

	var hist struct{ Versions []credo.Subject }
	e.get("/v1/subjects/" + codeHuaibei + "/versions").wantStatus(http.StatusOK).decode(&hist)
	if len(hist.Versions) != 2 || hist.Versions[0].Version != 1 || hist.Versions[1].Version != 2 ||
		hist.Versions[0].Name != "淮北市示例商贸有限公司" {
		t.Errorf("versions %+v", hist.Versions)
	}

	var stats credo.Stats
	e.get("/v1/stats").decode(&stats)
	if stats.Organizations != 1 {
		t.Errorf("organizations %d, want 1", stats.Organizations)
	}
}

func TestGetSubjectInvalidCode(t *testing.T) {
	e := newEnv(t, nil)
	for _, tt := range []struct{ code, reason string }{
		{badLength, "length"},
		{badCharset, "charset"},
		{badStructure, "structure"},
		{badChecksum, "checksum"},
		{badOrgChecksum, "org_checksum"},
		{residentID, "person"},
	} {
		for _, suffix := range []string{"", "/versions", "/records"} {
			p := e.get("/v1/subjects/"+tt.code+suffix).problem(http.StatusUnprocessableEntity, credo.EINVALID)
			wantField(t, p, "code", tt.reason)
			if tt.reason == "person" && !strings.Contains(p.Detail, "credo holds records of organizations only") {
				t.Errorf("%s: detail %q", tt.code, p.Detail)
			}
		}
	}
}

func TestPostSubjectInvalid(t *testing.T) {
	e := newEnv(t, nil)
	good := goodSubject(codeHuaibei, "淮北市示例商贸有限公司")
	tests := []struct {
		name          string
		token         string
		body          any
		status        int
		code          credo.ErrorCode
		field, reason string
	}{
		{"malformed", tokenHuaibei, `{"code":`, 400, credo.EMALFORMED, "code", "syntax"},
		{"unknown field", tokenHuaibei, with(good, "ceo", "x"), 422, credo.EINVALID, "ceo", "unknown_field"},
		{"wrong type", tokenHuaibei, with(good, "name", 42), 422, credo.EINVALID, "name", "type"},
		{"missing name", tokenHuaibei, with(good, "name", nil), 422, credo.EINVALID, "name", "required"},
		{"bad code", tokenHuaibei, with(good, "code", badOrgChecksum), 422, credo.EINVALID, "code", "org_checksum"},
		{"person", tokenHuaibei, with(good, "code", residentID), 422, credo.EINVALID, "code", "person"},
		{"future established", tokenHuaibei, with(good, "established", "2027-01-01"), 422, credo.EINVALID, "established", "future"},
		{"negative capital", tokenHuaibei, with(good, "registered_capital", map[string]any{"amount": -5.0}), 422, credo.EINVALID, "registered_capital.amount", "negative"},
		{"absurd capital", tokenHuaibei, with(good, "registered_capital", map[string]any{"amount": 5e15}), 422, credo.EINVALID, "registered_capital.amount", "absurd"},
		{"bad officer role", tokenHuaibei, with(good, "officers", []map[string]any{{"role": "boss", "name": "李四"}}), 422, credo.EINVALID, "officers[0].role", "enum"},
		{"version is the registry's", tokenHuaibei, with(good, "version", 3), 422, credo.EINVALID, "version", "read_only"},
		{"foreign division", tokenHuaibei, with(good, "code", codeShanghai), 403, credo.EFORBIDDEN, "code", "division"},
		{"no registration category", tokenShanghai, with(good, "code", codeShanghai), 403, credo.EFORBIDDEN, "category", "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := e.postJSON("/v1/subjects", tt.token, tt.body).problem(tt.status, tt.code)
			wantField(t, p, tt.field, tt.reason)
		})
	}
	e.do("POST", "/v1/subjects", "", "application/json", encode(t, good)).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.postJSON("/v1/subjects", "credo_nope", good).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("POST", "/v1/subjects", tokenHuaibei, "text/csv", "code,name").problem(http.StatusUnsupportedMediaType, "unsupported_media_type")
	var stats credo.Stats
	e.get("/v1/stats").decode(&stats)
	if stats.Organizations != 0 {
		t.Errorf("refused subjects were stored: %+v", stats)
	}
}

func TestPostSubjectsNDJSON(t *testing.T) {
	e := newEnv(t, nil)
	var rep ingestReport
	e.postNDJSON("/v1/subjects", tokenHuaibei,
		goodSubject(codeHuaibei, "甲公司"),
		goodSubject(codeShanghai, "乙公司"),
		goodSubject(badChecksum, "丙公司"),
		goodSubject(codeHuaibei2, "丁公司"),
		goodSubject(codeHuaibei, "甲公司（更名）"),
	).wantStatus(http.StatusOK).decode(&rep)
	want := []struct {
		status  string
		version int
	}{{"created", 1}, {"refused", 0}, {"refused", 0}, {"created", 1}, {"created", 2}}
	if len(rep.Results) != len(want) || rep.Accepted != 3 || rep.Refused != 2 {
		t.Fatalf("report %+v", rep)
	}
	for i, w := range want {
		if r := rep.Results[i]; r.Line != i+1 || r.Status != w.status || r.Version != w.version {
			t.Errorf("line %d: %+v, want %s version %d", i+1, r, w.status, w.version)
		}
	}
	if e := rep.Results[1].Error; e == nil || e.Code != credo.EFORBIDDEN || e.Field != "code" {
		t.Errorf("foreign division: %+v", e)
	}
	if e := rep.Results[2].Error; e == nil || e.Reason != "checksum" {
		t.Errorf("bad code: %+v", e)
	}
}

// registerForSearch registers the organizations the search tests look for.
func registerForSearch(t *testing.T, e *env) {
	t.Helper()
	lines := []any{
		goodSubject(codeHuawei, "华为技术有限公司"),
		goodSubject(codeHuaibei, "淮北华为电器经销部"),
		with(goodSubject(codeHuaibei2, "淮北星辰商贸有限公司"), "former_names", []map[string]any{{"name": "相山区老字号商行"}}),
		goodSubject(codeShanghai, "上海示例科技有限公司"),
		goodSubject(codePublicIns, "天津市示例事业单位"),
	}
	for i, c := range codesSuixi {
		lines = append(lines, goodSubject(c, fmt.Sprintf("濉溪县第%d商店", i+1)))
	}
	var rep ingestReport
	e.postNDJSON("/v1/subjects", tokenNational, lines...).wantStatus(http.StatusOK).decode(&rep)
	if rep.Accepted != len(lines) {
		t.Fatalf("setup: %+v", rep)
	}
}

func TestSearchSubjects(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	search := func(query string) (codes []string, next string) {
		t.Helper()
		var page struct {
			Subjects []credo.Subject
			Next     string
		}
		e.get("/v1/subjects?" + query).wantStatus(http.StatusOK).decode(&page)
		for _, s := range page.Subjects {
			codes = append(codes, s.Code)
		}
		return codes, page.Next
	}

	codes, _ := search("q=" + url.QueryEscape("华为"))
	if len(codes) != 2 || !slices.Contains(codes, codeHuawei) || !slices.Contains(codes, codeHuaibei) {
		t.Errorf("华为 found %v", codes)
	}
	if codes, _ := search("q=" + url.QueryEscape("华为技术有限公司")); len(codes) == 0 || codes[0] != codeHuawei {
		t.Errorf("full name found %v", codes)
	}
	if codes, _ := search("q=" + url.QueryEscape("老字号")); !slices.Equal(codes, []string{codeHuaibei2}) {
		t.Errorf("former name found %v", codes)
	}
	if codes, _ := search("q=" + codeShanghai); len(codes) == 0 || codes[0] != codeShanghai {
		t.Errorf("code found %v", codes)
	}
	if codes, _ := search("q=91340621"); len(codes) != 2 {
		t.Errorf("code prefix 91340621 found %v", codes)
	}
	if codes, _ := search("division=44"); !slices.Equal(codes, []string{codeHuawei}) {
		t.Errorf("division 44 found %v", codes)
	}
	if codes, _ := search("q=" + url.QueryEscape("华为") + "&division=3406"); !slices.Equal(codes, []string{codeHuaibei}) {
		t.Errorf("华为 in 3406 found %v", codes)
	}
	if codes, _ := search("q=" + url.QueryEscape("不存在的名字")); len(codes) != 0 {
		t.Errorf("nonsense found %v", codes)
	}

	// Pagination through division 340621: every organization once.
	var all []string
	query := "division=340621&limit=3"
	for pages := 0; ; pages++ {
		if pages > len(codesSuixi) {
			t.Fatal("pagination does not end")
		}
		codes, next := search(query)
		if len(codes) > 3 {
			t.Fatalf("page of %d with limit 3", len(codes))
		}
		all = append(all, codes...)
		if next == "" {
			break
		}
		query = "division=340621&limit=3&cursor=" + url.QueryEscape(next)
	}
	slices.Sort(all)
	want := slices.Sorted(slices.Values(codesSuixi))
	if !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}

	bad := []struct{ query, field, reason string }{
		{"", "q", "required"},
		{"q=&division=", "q", "required"},
		{"q=" + strings.Repeat("长", 201), "q", "too_long"},
		{"q=" + strings.Repeat("长", 500), "q", "too_long"},
		{"q=" + url.QueryEscape("华"), "q", "too_short"},
		{"q=" + url.QueryEscape("（华）"), "q", "too_short"},
		{"division=34x", "division", "format"},
		{"division=3406211", "division", "format"},
		{"q=a&limit=0", "limit", "range"},
		{"q=a&limit=1001", "limit", "range"},
		{"q=a&limit=x", "limit", "format"},
	}
	for _, b := range bad {
		p := e.get("/v1/subjects?"+b.query).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, b.field, b.reason)
	}
	// Unknown parameters are ignored.
	e.get("/v1/subjects?division=44&colour=red").wantStatus(http.StatusOK)
}

// TestSearchSubjectsMatcher: GET /v1/subjects?q= finds organizations by
// short name, English name, traditional characters, a changed legal form
// and pinyin initials, each result with score, match and why; and a
// registration's new fields are validated.
func TestSearchSubjectsMatcher(t *testing.T) {
	e := newEnv(t, nil)
	registerForSearch(t, e)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeShanghai, "上海示例科技有限公司"),
		"short_name", "示例科技", "english_name", "Shanghai Example Technology Co., Ltd.",
		"former_names", []map[string]any{{"name": "示例老号", "kind": "short_name"}})).wantStatus(http.StatusCreated)
	type result struct {
		Code  string
		Score float64
		Match bool
		Why   struct {
			Field          string
			Name           string
			Method         string
			Normalizations []string
		}
	}
	find := func(q string) []result {
		t.Helper()
		var page struct{ Subjects []result }
		e.get("/v1/subjects?q=" + url.QueryEscape(q)).wantStatus(http.StatusOK).decode(&page)
		return page.Subjects
	}
	for _, tc := range []struct {
		q, code, field, method string
		match                  bool
	}{
		{"華為技術有限公司", codeHuawei, "name", "exact", true},
		{"华为技术股份有限公司", codeHuawei, "name", "core", true},
		{"示例科技", codeShanghai, "short_name", "exact", true},
		{"shanghai example technology", codeShanghai, "english_name", "core", true},
		{"SLKJ", codeShanghai, "pinyin_initials", "initials", false},
		{"示例老号", codeShanghai, "former_names", "exact", true},
		{"示例科技（上海）有限公司", codeShanghai, "name", "core", true},
		{codeShanghai, codeShanghai, "code", "exact", true},
	} {
		got := find(tc.q)
		if len(got) == 0 {
			t.Errorf("%s: nothing found", tc.q)
			continue
		}
		g := got[0]
		if g.Code != tc.code || g.Why.Field != tc.field || g.Why.Method != tc.method || g.Match != tc.match || g.Score <= 0 || g.Score > 1 {
			t.Errorf("%s: first %+v, want %s by %s (%s), match %v", tc.q, g, tc.code, tc.field, tc.method, tc.match)
		}
	}
	if got := find("華為技術有限公司"); len(got) == 0 || !slices.Contains(got[0].Why.Normalizations, "traditional") {
		t.Errorf("traditional query: why %+v", got)
	}
	if got := find("不存在的名字"); len(got) != 0 {
		t.Errorf("nonsense found %+v", got)
	}

	for _, b := range []struct {
		body          map[string]any
		field, reason string
	}{
		{with(goodSubject(codeShanghai, "上海示例科技有限公司"), "english_name", "上海示例"), "english_name", "format"},
		{with(goodSubject(codeShanghai, "上海示例科技有限公司"), "short_name", strings.Repeat("示", 51)), "short_name", "too_long"},
		{with(goodSubject(codeShanghai, "上海示例科技有限公司"), "former_names", []map[string]any{{"name": "旧名", "kind": "nickname"}}), "former_names[0].kind", "enum"},
	} {
		p := e.postJSON("/v1/subjects", tokenNational, b.body).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		wantField(t, p, b.field, b.reason)
	}
}
