package api_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// Finding (issue 9, Low): 431 was plain text.
func TestHeadersTooLargeIsProblem(t *testing.T) {
	e := newEnv(t, nil)
	addr := slowServer(t, e, 10, 0, 5*time.Second)
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "GET /v1/stats HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", api.MaxHeaderBytes+8192))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p api.Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatalf("body: %v", err)
	}
	if res.StatusCode != http.StatusRequestHeaderFieldsTooLarge || res.Header.Get("Content-Type") != "application/problem+json" ||
		p.Status != 431 || p.Type != "urn:credo:error:headers_too_large" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("%d %s %+v", res.StatusCode, res.Header, p)
	}
}

// Finding (issue 9, Low): redirects were not problem+json.
func TestRedirectIsProblem(t *testing.T) {
	e := newEnv(t, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Get(e.url + "/v1//stats")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var p api.Problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatalf("body: %v", err)
	}
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/v1/stats" || res.Header.Get("Content-Type") != "application/problem+json" ||
		p.Status != res.StatusCode || p.Type != "urn:credo:error:redirect" || p.RequestID == "" {
		t.Errorf("%d %s %+v", res.StatusCode, res.Header, p)
	}
}

func TestSecurityHeaders(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	check := func(t *testing.T, name string, h http.Header, authenticated bool) {
		t.Helper()
		for k, want := range map[string]string{
			"X-Content-Type-Options": "nosniff",
			"Referrer-Policy":        "no-referrer",
			"X-Frame-Options":        "DENY",
		} {
			if got := h.Get(k); got != want {
				t.Errorf("%s: %s %q, want %q", name, k, got, want)
			}
		}
		if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s: Content-Security-Policy %q", name, csp)
		}
		if hsts := h.Get("Strict-Transport-Security"); hsts != "" {
			t.Errorf("%s: HSTS %q over plain HTTP", name, hsts)
		}
		if cc := h.Get("Cache-Control"); authenticated != (cc == "no-store") {
			t.Errorf("%s: Cache-Control %q (authenticated %v)", name, cc, authenticated)
		}
	}
	for _, c := range []struct {
		name, method, path, token string
	}{
		{"public read", "GET", "/v1/subjects/" + codeHuawei + "/assessment", ""},
		{"public problem", "GET", "/v1/subjects/" + badChecksum, ""},
		{"unmatched", "GET", "/v2/nothing", ""},
		{"method not allowed", "DELETE", "/v1/records/1", ""},
		{"authority read", "GET", "/v1/subjects/" + codeHuaibei, tokenHuaibei},
		{"organization read", "GET", "/v1/me", org},
		{"bad token", "GET", "/v1/me", "credo_garbage"},
		{"health", "GET", "/healthz", ""},
		{"metrics", "GET", "/metrics", ""},
	} {
		res := e.do(c.method, c.path, c.token, "", nil)
		check(t, c.name, res.header, c.token != "")
	}

	// An attachment is served with its media type and the same headers.
	rec := e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01"))
	var cv struct {
		ID int64 `json:"id"`
	}
	e.postJSON("/v1/objections", org, with(caseBody("objections", "record", idOf(rec)), "attachments", evidence)).wantStatus(http.StatusCreated).decode(&cv)
	res := e.do("GET", fmt.Sprintf("/v1/objections/%d/attachments/0", cv.ID), org, "", nil).wantStatus(http.StatusOK)
	check(t, "attachment", res.header, true)
	if ct := res.header.Get("Content-Type"); ct != "application/pdf" {
		t.Errorf("attachment Content-Type %q", ct)
	}

	t.Run("TLS", func(t *testing.T) {
		hs := httptest.NewTLSServer(e.server.Handler())
		defer hs.Close()
		res, err := hs.Client().Get(hs.URL + "/v1/stats")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if hsts := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(hsts, "max-age=") {
			t.Errorf("HSTS %q over TLS", hsts)
		}
	})
}

// An empty segment where a route expects a code is refused naming code,
// after the route's access, rather than redirected to a path without it
// (GET /v1/subjects//partners went to /v1/subjects/partners).
func TestEmptyCodeSegment(t *testing.T) {
	e := newEnv(t, nil)
	for _, path := range []string{
		"/v1/subjects//partners",
		"/v1/subjects//lists",
		"/v1/subjects//annual-reports/2024",
	} {
		p := e.get(path).problem(http.StatusBadRequest, credo.EMALFORMED)
		wantField(t, p, "code", "required")
	}
	// The route's access comes first: replies are posted by organizations.
	e.postJSON("/v1/subjects//replies", "", `{"text":"x"}`).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	// A path ending in the empty code stays unmatched (TestUnmatchedRoutes).
	e.get("/v1/uscc/").problem(http.StatusNotFound, credo.ENOTFOUND)
	// A code that is there is read as before (this registry is empty);
	// other empty segments still redirect (TestRedirectIsProblem).
	e.get("/v1/subjects/"+codeHuaibei+"/partners").problem(http.StatusNotFound, credo.ENOTFOUND)
}
