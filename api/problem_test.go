package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

func TestRequestID(t *testing.T) {
	e := newEnv(t, nil)
	res := e.do("GET", "/v1/records/77", "", "", nil, "X-Request-Id", "client-chosen-id.1")
	p := res.problem(http.StatusNotFound, credo.ENOTFOUND)
	if p.RequestID != "client-chosen-id.1" {
		t.Errorf("request id %q not echoed", p.RequestID)
	}
	// An id that is not safe to log is replaced.
	res = e.do("GET", "/v1/stats", "", "", nil, "X-Request-Id", "evil\"id with spaces")
	if id := res.header.Get("X-Request-Id"); id == "" || strings.Contains(id, " ") {
		t.Errorf("X-Request-Id %q", id)
	}
	// One generated when none is given, and on every request log line.
	res = e.get("/v1/stats")
	id := res.header.Get("X-Request-Id")
	if len(id) < 16 {
		t.Fatalf("generated X-Request-Id %q", id)
	}
	lines := e.logLines(id)
	if len(lines) != 1 || lines[0]["msg"] != "request" || lines[0]["route"] != "GET /v1/stats" || lines[0]["status"] != 200.0 {
		t.Errorf("request log lines %v", lines)
	}
	res = e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "A")).wantStatus(http.StatusCreated)
	if lines := e.logLines(res.header.Get("X-Request-Id")); len(lines) != 1 || lines[0]["authority"] != "huaibei-amr" {
		t.Errorf("submission log lines %v, want the authority", lines)
	}
	for _, l := range e.logLines(`"msg":"request"`) {
		if l["request_id"] == "" || l["request_id"] == nil {
			t.Errorf("request log line without request_id: %v", l)
		}
	}
}

func TestProblemShape(t *testing.T) {
	e := newEnv(t, nil)
	res := e.postJSON("/v1/records", tokenHuaibei, with(goodRecord(codeHuaibei, "A"), "occurred_at", "2099-01-01"))
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var m map[string]any
	if err := json.Unmarshal(res.body, &m); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{
		"type":   "urn:credo:error:invalid",
		"title":  "Invalid input",
		"status": 422.0,
		"field":  "occurred_at",
		"reason": "future",
		"detail": "is in the future",
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	if m["request_id"] != res.header.Get("X-Request-Id") {
		t.Errorf("request_id %v", m["request_id"])
	}
}

func TestUnmatchedRoutes(t *testing.T) {
	e := newEnv(t, nil)
	e.get("/v2/stats").problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/subjects/").problem(http.StatusNotFound, credo.ENOTFOUND)
	res := e.do("DELETE", "/v1/records/1", tokenHuaibei, "", nil)
	res.problem(http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := res.header.Get("Allow"); !strings.Contains(allow, "GET") {
		t.Errorf("Allow %q", allow)
	}
	res = e.do("PUT", "/v1/records", tokenHuaibei, "application/json", "{}")
	res.problem(http.StatusMethodNotAllowed, "method_not_allowed")
	if allow := res.header.Get("Allow"); allow != "POST" {
		t.Errorf("Allow %q", allow)
	}
}

func TestInternalErrorIsNotLeaked(t *testing.T) {
	e := newEnv(t, func(s credo.Store) credo.Store { return brokenStore{s} })
	res := e.get("/v1/stats")
	p := res.problem(http.StatusInternalServerError, credo.EINTERNAL)
	if p.Detail != "internal error" || strings.Contains(string(res.body), "10.1.2.3") || strings.Contains(string(res.body), "hunter2") {
		t.Errorf("internal error answered %s", res.body)
	}
	lines := e.logLines("request failed")
	if len(lines) != 1 || lines[0]["request_id"] != p.RequestID || !strings.Contains(lines[0]["error"].(string), "connection refused") || lines[0]["level"] != "ERROR" {
		t.Errorf("internal error logged as %v", lines)
	}
}

// slowStore never answers the authority list before its context ends.
type slowStore struct{ credo.Store }

func (slowStore) Authorities(ctx context.Context) ([]*credo.Authority, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

func TestRequestTimeout(t *testing.T) {
	e := newEnv(t, func(s credo.Store) credo.Store { return slowStore{s} },
		func(s *api.Server) { s.Timeout = 50 * time.Millisecond })
	start := time.Now()
	e.get("/v1/authorities").problem(http.StatusServiceUnavailable, credo.EUNAVAILABLE)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("timed out after %v", d)
	}
}

// panickyStore panics on counting, like a bug would.
type panickyStore struct{ credo.Store }

func (panickyStore) Stats(context.Context) (credo.Stats, error) { panic("bug") }

func TestPanicIsInternalError(t *testing.T) {
	e := newEnv(t, func(s credo.Store) credo.Store { return panickyStore{s} })
	p := e.get("/v1/stats").problem(http.StatusInternalServerError, credo.EINTERNAL)
	if lines := e.logLines(`"msg":"panic"`); len(lines) != 1 || lines[0]["request_id"] != p.RequestID {
		t.Errorf("panic logged as %v", lines)
	}
	e.get("/v1/uscc/" + codeHuawei).wantStatus(http.StatusOK) // still serving
}
