package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/ledger"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/search"
)

// Real codes (from the project's sample of published codes) and a few
// broken on purpose, one per failure word.
const (
	codeHuaibei   = "91340600MA2PBM9HXD" // division 340600, 安徽省淮北市
	codeHuaibei2  = "91340603MA2UJYNU67" // division 340603
	codeShanghai  = "91310112087994932F" // division 310112
	codeHuawei    = "914403001922038216" // 华为技术有限公司, division 440300
	codePublicIns = "121200004013590816" // a public institution, division 120000

	badLength      = "91340600MA2PBM9HX"
	badCharset     = "91340600MA2PBM9HXI"
	badStructure   = "01340600MA2PBM9HXD"
	badChecksum    = "91340600MA2PBM9HXE"
	badOrgChecksum = "91340600MA2PBM9H0K"

	residentID = "11010519491231002X" // a resident identity number (GB 11643)
)

// Codes of division 340621, for search and pagination.
var codesSuixi = []string{
	"91340621MA2PEMUHX8", "91340621MA2PEPJB9F", "92340621MA2PBKRXXG", "92340621MA2PBLW63G",
	"92340621MA2PBLX27E", "92340621MA2PBMA318", "92340621MA2PBMNMXM", "92340621MA2PBN0KXX",
}

// The test clock: decisions after it are in the future.
var testNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

// Tokens of the test authorities.
const (
	tokenHuaibei  = "credo_test_huaibei"  // market and registration in 3406
	tokenShanghai = "credo_test_shanghai" // tax in 31
	tokenNational = "credo_test_national" // registration, court, market everywhere
)

var testAuthorities = []struct {
	token string
	a     credo.Authority
}{
	{tokenHuaibei, credo.Authority{ID: "huaibei-amr", Name: "淮北市市场监督管理局", Divisions: []string{"3406"}, Categories: []string{"market", "registration"}}},
	{tokenShanghai, credo.Authority{ID: "shanghai-tax", Name: "国家税务总局上海市税务局", Divisions: []string{"31"}, Categories: []string{"tax"}}},
	{tokenNational, credo.Authority{ID: "national-registry", Name: "全国登记机关", Divisions: []string{credo.Nationwide}, Categories: []string{"registration", "court", "market"}}},
}

// testClock is the registry clock of one env: it starts at testNow and
// moves only when a test moves it.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// env is a running API over a fresh store.
type env struct {
	t      testing.TB
	url    string
	store  credo.Store
	server *api.Server
	logs   *syncBuffer
	clock  *testClock
}

// setNow moves the env's clock (the ingester's, grading's, the server's
// and due process's) to t.
func (e *env) setNow(t time.Time) { e.clock.set(t) }

// advance moves the env's clock by d.
func (e *env) advance(d time.Duration) { e.clock.set(e.clock.Now().Add(d)) }

type envOption func(*api.Server)

// newEnv starts the API over a fresh store with the test authorities. wrap,
// when given, wraps the store the API sees (the ingester too).
func newEnv(t testing.TB, wrap func(credo.Store) credo.Store, opts ...envOption) *env {
	t.Helper()
	st := openStore(t)
	ctx := context.Background()
	for _, ta := range testAuthorities {
		a := ta.a
		if err := st.CreateAuthority(ctx, &a, credo.HashToken(ta.token)); err != nil {
			t.Fatalf("creating authority %s: %v", a.ID, err)
		}
	}
	seen := credo.Store(st)
	if wrap != nil {
		seen = wrap(st)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	clk := &testClock{now: testNow}
	in := &ingest.Ingester{Store: seen, Keyer: credo.HMACKeyer{Secret: []byte("0123456789abcdef0123456789abcdef")}, Now: clk.Now}
	names := search.NewIndex()
	in.Registered = names.Put
	s := api.New(seen, in, logger)
	s.Matcher = names
	for _, o := range opts {
		o(s)
	}
	if s.Process == nil {
		// Due process over the bundled lists and China's calendar, on the
		// same clock; grading (with the set withGrading gave) only with
		// withGrading.
		cat, err := lists.Bundled()
		if err != nil {
			t.Fatalf("bundled lists: %v", err)
		}
		now := clk.Now
		if s.Now != nil {
			now = s.Now
		}
		if g, ok := s.Grading.(*grading.Service); ok && g != nil {
			pl := pipeline.New(pipeline.Config{Store: seen, Keyer: in.Keyer, Rulebooks: g.Set(), Catalogue: cat,
				Now: now, Logger: logger, Registered: names.Put})
			s.Ingester, s.Grading, s.Process = pl.Ingester, pl.Grading, pl.Process
		} else {
			s.Process = dueprocess.New(dueprocess.NewEffects(seen, cat, now, logger, nil), calendar.Default(), nil, in)
		}
	}
	if s.Events == nil {
		now := clk.Now
		if s.Now != nil {
			now = s.Now
		}
		s.Events = events.NewFeed(seen, s.Process.Policy, "credo", now)
	}
	if s.EventTail == nil {
		s.EventTail = events.NewTail(seen, 5*time.Millisecond)
	}
	if s.Screening == nil {
		sc := screening.New(seen, names, s.Process, clk.Now)
		jobs, cancel := context.WithCancel(context.Background())
		sc.Run(jobs)
		t.Cleanup(func() { cancel(); sc.Wait() })
		s.Screening = sc
	}
	if s.Partners == nil {
		now := clk.Now
		if s.Now != nil {
			now = s.Now
		}
		// As serve wires it: walks through the adjacency cache.
		s.Partners = &partners.Service{Store: seen, Process: s.Process, Cache: partners.NewAdjacencyCache(seen, 0), Now: now}
	}
	if s.Ledger == nil {
		// Integrated only when a test asks (env.integrate).
		signer, _, err := ledger.Signer("credo.test", make([]byte, 32))
		if err != nil {
			t.Fatal(err)
		}
		s.Ledger = ledger.New(seen, signer)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &env{t: t, url: hs.URL, store: st, server: s, logs: logs, clock: clk}
}

// response is a finished HTTP exchange.
type response struct {
	t      testing.TB
	status int
	header http.Header
	body   []byte
}

// do sends a request; token "" sends none; body may be a string, []byte or
// io.Reader.
func (e *env) do(method, path, token, contentType string, body any, headers ...string) *response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		e.t.Fatalf("body of type %T", body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return &response{t: e.t, status: res.StatusCode, header: res.Header, body: b}
}

func (e *env) get(path string) *response {
	e.t.Helper()
	return e.do("GET", path, "", "", nil)
}

// postJSON posts v (a string is sent as is, anything else encoded).
func (e *env) postJSON(path, token string, v any) *response {
	e.t.Helper()
	return e.do("POST", path, token, "application/json", encode(e.t, v))
}

// postNDJSON posts lines, each encoded unless a string, joined by newlines.
func (e *env) postNDJSON(path, token string, lines ...any) *response {
	e.t.Helper()
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(encode(e.t, l))
		b.WriteByte('\n')
	}
	return e.do("POST", path, token, "application/x-ndjson", b.String())
}

func encode(t testing.TB, v any) string {
	t.Helper()
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// wantStatus fails the test unless the response has status.
func (r *response) wantStatus(status int) *response {
	r.t.Helper()
	if r.status != status {
		r.t.Fatalf("status %d, want %d; body: %s", r.status, status, truncate(r.body))
	}
	return r
}

// decode decodes a JSON body into v.
func (r *response) decode(v any) {
	r.t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		r.t.Fatalf("Content-Type %q, want application/json; body: %s", ct, truncate(r.body))
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		r.t.Fatalf("decoding %s: %v", truncate(r.body), err)
	}
}

// object decodes a JSON object body into a map.
func (r *response) object() map[string]any {
	r.t.Helper()
	var m map[string]any
	r.decode(&m)
	return m
}

// problem checks that the response is a problem of status and code and
// returns it.
func (r *response) problem(status int, code credo.ErrorCode) api.Problem {
	r.t.Helper()
	r.wantStatus(status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		r.t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p api.Problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		r.t.Fatalf("decoding problem %s: %v", r.body, err)
	}
	if want := "urn:credo:error:" + string(code); p.Type != want {
		r.t.Errorf("problem type %q, want %q", p.Type, want)
	}
	if p.Status != status {
		r.t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if p.Title == "" || p.Detail == "" {
		r.t.Errorf("problem without title or detail: %s", r.body)
	}
	if p.RequestID == "" || p.RequestID != r.header.Get("X-Request-Id") {
		r.t.Errorf("problem request_id %q, header X-Request-Id %q", p.RequestID, r.header.Get("X-Request-Id"))
	}
	return p
}

// wantField checks a problem's field and reason.
func wantField(t *testing.T, p api.Problem, field, reason string) {
	t.Helper()
	if p.Field != field || p.Reason != reason {
		t.Errorf("problem field %q reason %q, want %q %q (detail %q)", p.Field, p.Reason, field, reason, p.Detail)
	}
}

func truncate(b []byte) string {
	if len(b) > 600 {
		return string(b[:600]) + "..."
	}
	return string(b)
}

// goodRecord is a valid penalty about subject, within tokenHuaibei's
// jurisdiction when subject is in 3406.
func goodRecord(subject, externalID string) map[string]any {
	return map[string]any{
		"subject":         subject,
		"category":        "market",
		"kind":            "penalty",
		"external_id":     externalID,
		"decision_number": "淮市监罚〔2026〕12号",
		"legal_basis":     "《中华人民共和国产品质量法》第五十条",
		"description":     "销售不合格产品",
		"severity":        "general",
		"penalty_types":   []string{"warning", "fine"},
		"amount":          5000.0,
		"occurred_at":     "2026-03-02T08:00:00Z",
	}
}

// goodSubject is valid registration data with an officer's identity number.
func goodSubject(code, name string) map[string]any {
	return map[string]any{
		"code":               code,
		"name":               name,
		"status":             "active",
		"established":        "2015-04-20",
		"registered_capital": map[string]any{"amount": 1000000.0},
		"address":            "安徽省淮北市相山区人民路1号",
		"officers": []map[string]any{
			{"role": "legal_representative", "name": "张三", "id_number": residentID},
		},
	}
}

// with returns a copy of m with key set to v, or removed when v is nil.
func with(m map[string]any, kv ...any) map[string]any {
	c := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(c, k)
		} else {
			c[k] = kv[i+1]
		}
	}
	return c
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (log handlers).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// logLines returns the JSON log lines that contain substr.
func (e *env) logLines(substr string) []map[string]any {
	e.t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(e.logs.String(), "\n") {
		if l == "" || !strings.Contains(l, substr) {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			e.t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}
