package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/store/sqlite"
)

// fuzzAPI is the API over a small registry (the test authorities, an
// organization with a record and a listing), served in-process, for the
// fuzz targets: one per target, shared by its inputs.
func fuzzAPI(f *testing.F) http.Handler {
	f.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	for _, ta := range testAuthorities {
		a := ta.a
		if err := st.CreateAuthority(ctx, &a, credo.HashToken(ta.token)); err != nil {
			f.Fatal(err)
		}
	}
	clk := &testClock{now: testNow}
	set, err := rulebooks.Set()
	if err != nil {
		f.Fatal(err)
	}
	cat, err := lists.Bundled()
	if err != nil {
		f.Fatal(err)
	}
	names := search.NewIndex()
	pl := pipeline.New(pipeline.Config{Store: st, Keyer: credo.HMACKeyer{Secret: []byte("0123456789abcdef0123456789abcdef")},
		Rulebooks: set, Catalogue: cat, Now: clk.Now, Registered: names.Put})
	in, g, p := pl.Ingester, pl.Grading, pl.Process
	s := api.New(st, in, nil)
	s.Grading, s.Process, s.Now, s.Matcher = g, p, clk.Now, names
	h := s.Handler()
	for _, c := range []struct{ path, token, body string }{
		{"/v1/subjects", tokenHuaibei, `{"code":"` + codeHuaibei + `","name":"淮北某某科技有限公司","established":"2016-05-20","status":"active"}`},
		{"/v1/records", tokenHuaibei, `{"subject":"` + codeHuaibei + `","category":"market","kind":"penalty","external_id":"HB-1",
		  "decision_number":"淮市监处〔2026〕1号","legal_basis":"《中华人民共和国广告法》第五十五条","severity":"serious","occurred_at":"2026-03-01"}`},
		{"/v1/list-entries", tokenHuaibei, `{"list":"serious-dishonesty","subject":"` + codeHuaibei + `","legal_basis":"《市场监督管理严重违法失信名单管理办法》第二条",
		  "decision_number":"淮市监信〔2026〕1号","reasons":"一年内多次违法","decided_at":"2026-05-01"}`},
	} {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("POST", c.path, strings.NewReader(c.body))
		r.Header.Set("Authorization", "Bearer "+c.token)
		r.Header.Set("Content-Type", "application/json")
		h.ServeHTTP(w, r)
		if w.Code >= 300 {
			f.Fatalf("POST %s: %d %s", c.path, w.Code, w.Body)
		}
	}
	return h
}

// fuzzTokens are who asks: the public, authorities in and out of the
// organization's jurisdiction, and a token nobody was given.
var fuzzTokens = []string{"", tokenHuaibei, tokenShanghai, tokenNational, "credo_garbage", "not a token"}

// checkAnswer holds an answer to the API's contract: never a server
// error; an error is problem+json whose status is the answer's.
func checkAnswer(t *testing.T, req string, w *httptest.ResponseRecorder) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s: %d %s", req, w.Code, w.Body)
	}
	if w.Code < 400 {
		if ct := w.Header().Get("Content-Type"); strings.HasPrefix(ct, "application/json") && !json.Valid(w.Body.Bytes()) {
			t.Fatalf("%s: %d with a body that is not JSON: %.200s", req, w.Code, w.Body)
		}
		return
	}
	var p api.Problem
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: %d as %q: %.200s", req, w.Code, ct, w.Body)
	}
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Title == "" {
		t.Fatalf("%s: %d with problem %+v (%v)", req, w.Code, p, err)
	}
}

// fuzzGetRoutes are the reads, with {} where the fuzzed path value goes.
var fuzzGetRoutes = []string{
	"/v1/uscc/{}", "/v1/subjects", "/v1/subjects/{}", "/v1/subjects/{}/versions", "/v1/subjects/{}/records",
	"/v1/subjects/{}/assessment", "/v1/subjects/{}/assessments", "/v1/subjects/{}/lists", "/v1/subjects/{}/measures",
	"/v1/records/{}", "/v1/lists", "/v1/lists/{}", "/v1/list-entries/{}", "/v1/measures", "/v1/measures/check",
	"/v1/objections", "/v1/objections/{}", "/v1/repairs/{}/attachments/{}", "/v1/me", "/v1/me/notices", "/v1/stats", "/v1/authorities",
}

// FuzzQuery sends reads with fuzzed path values and query parameters
// (as_of, limit, cursor, q, division, action, codes, ...) as every kind
// of caller.
func FuzzQuery(f *testing.F) {
	h := fuzzAPI(f)
	for i := range fuzzGetRoutes {
		f.Add(uint8(i), codeHuaibei, "", uint8(0))
	}
	for _, c := range []struct {
		route   int
		path, q string
		token   uint8
	}{
		{1, "", "q=淮北&limit=1", 0}, {1, "", "q=&division=3406&cursor=ZDo5MQ", 0}, {1, "", "q=%ff%fe", 0},
		{5, codeHuaibei, "as_of=2027-01-01", 0}, {5, codeHuaibei, "as_of=0001-01-01", 1}, {5, codeHuaibei, "as_of=2026-05-01T08:00:00%2B08:00", 3},
		{6, codeHuaibei, "as_of=2020-01-01&limit=500&cursor=x", 1}, {8, codeHuaibei, "action=public_procurement&as_of=9999-12-31", 0},
		{9, "1", "", 0}, {9, "-1", "", 1}, {11, "serious-dishonesty", "as_of=2026-06-01&limit=1&cursor=bjox", 0},
		{12, "1", "as_of=2026-05-02", 0}, {14, "", "codes=" + codeHuaibei + "," + residentID + "&action=bond_issuance", 0},
		{15, "", "status=open&limit=0", 1}, {17, "1", "", 4}, {19, "", "limit=1&cursor=bjoyNzU4", 1}, {2, "11010519491231002X", "", 0},
	} {
		f.Add(uint8(c.route), c.path, c.q, c.token)
	}
	f.Fuzz(func(t *testing.T, route uint8, value, query string, token uint8) {
		path := strings.ReplaceAll(fuzzGetRoutes[int(route)%len(fuzzGetRoutes)], "{}", url.PathEscape(value))
		u := &url.URL{Path: path, RawQuery: query}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL, r.RequestURI = u, u.RequestURI()
		if tok := fuzzTokens[int(token)%len(fuzzTokens)]; tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		checkAnswer(t, "GET "+u.RequestURI(), w)
		// An answer as of a moment is as of the moment asked for.
		asked, err := credo.ParseTime(u.Query().Get("as_of"))
		var answer struct {
			AsOf credo.Time `json:"as_of"`
		}
		if w.Code == 200 && u.Query().Has("as_of") && err == nil && json.Unmarshal(w.Body.Bytes(), &answer) == nil &&
			!answer.AsOf.IsZero() && !answer.AsOf.Equal(asked.Time) {
			t.Fatalf("GET %s: answered as of %s", u.RequestURI(), answer.AsOf)
		}
	})
}

// fuzzPostRoutes are the writes and questions a body is sent to.
var fuzzPostRoutes = []struct{ path, contentType string }{
	{"/v1/records", "application/json"}, {"/v1/records", "application/x-ndjson"}, {"/v1/subjects", "application/json"},
	{"/v1/subjects", "application/x-ndjson"}, {"/v1/list-entries", "application/json"}, {"/v1/list-entries/1/end", "application/json"},
	{"/v1/objections", "application/json"}, {"/v1/repairs", "application/json"}, {"/v1/objections/1/decision", "application/json"},
	{"/v1/measures/check", "application/json"}, {"/v1/subjects/" + codeHuaibei + "/what-if", "application/json"},
}

// FuzzBody sends fuzzed bodies to every route that reads one, as every
// kind of caller: refused with a problem naming why, or done; never a
// server error.
func FuzzBody(f *testing.F) {
	h := fuzzAPI(f)
	seeds := []string{
		`{"subject":"` + codeHuaibei + `","category":"market","kind":"penalty","external_id":"HB-2","occurred_at":"2026-04-01","description":"x"}`,
		`{"subject":"` + codeHuaibei + `","category":"market","kind":"penalty","external_id":"HB-3","occurred_at":"2026-04-01"}` + "\n" + `{"subject":"x"}` + "\n",
		`{"code":"` + codeHuaibei2 + `","name":"淮北某某商贸有限公司","established":"2019-01-01","status":"active","officers":[{"role":"legal_representative","name":"张某","id_number":"` + residentID + `"}]}`,
		`{"list":"red","subject":"` + codeHuaibei + `","legal_basis":"x","decision_number":"y","reasons":["z"],"term":"18mo"}`,
		`{"reason":"revoked"}`,
		`{"target":{"kind":"record","id":1},"reasons":"不实","attachments":["a.pdf",{"name":"b.pdf","media_type":"application/pdf","data":"JVBERi0xLjcK"}]}`,
		`{"list_entry":1,"reasons":["已整改"],"commitment":true}`,
		`{"outcome":"upheld","reasons":"属实"}`,
		`{"codes":["` + codeHuaibei + `","` + residentID + `"],"action":"public_procurement","as_of":"2026-06-01"}`,
		`{"records":[{"category":"tax","kind":"absconded","external_id":"W-1","occurred_at":"2026-06-01"}],"as_of":"2026-07-01"}`,
	}
	for i, s := range seeds {
		f.Add(uint8(i), []byte(s), uint8(1))
	}
	f.Fuzz(func(t *testing.T, route uint8, body []byte, token uint8) {
		rt := fuzzPostRoutes[int(route)%len(fuzzPostRoutes)]
		r := httptest.NewRequest("POST", rt.path, bytes.NewReader(body))
		r.Header.Set("Content-Type", rt.contentType)
		if tok := fuzzTokens[int(token)%len(fuzzTokens)]; tok != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		checkAnswer(t, "POST "+rt.path, w)
	})
}

// Found by FuzzQuery (and in issue 9): as_of=0001-01-01 parsed to the zero
// time, which means "not given", and was answered as of now.
func TestAsOfZeroTimeRefused(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	for _, path := range []string{"/v1/subjects/" + codeHuaibei + "/assessment", "/v1/lists/serious-dishonesty", "/v1/subjects/" + codeHuaibei + "/measures"} {
		for _, v := range []string{"0001-01-01", "0001-01-01T00:00:00Z", "0001-01-01T08:00:00%2B08:00"} {
			p := e.get(path+"?as_of="+v).problem(422, credo.EINVALID)
			if p.Field != "as_of" || p.Reason != "range" {
				t.Errorf("%s?as_of=%s: %+v", path, v, p)
			}
		}
	}
}
