package api_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// Finding (issue 9, Medium 4): slow request bodies held connections for
// five minutes. A request's body must arrive within ReadTimeout, far less.
func TestNewHTTPServerReadTimeoutIsShort(t *testing.T) {
	s := api.NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if s.ReadTimeout > 30*time.Second || s.ReadHeaderTimeout > 10*time.Second || s.IdleTimeout > 2*time.Minute {
		t.Errorf("read timeout %v, read header timeout %v, idle timeout %v: slow clients hold connections", s.ReadTimeout, s.ReadHeaderTimeout, s.IdleTimeout)
	}
}

// slowServer serves the API on a 127.0.0.1 listener bounded by Listen,
// with a read timeout short enough for a test.
func slowServer(t *testing.T, e *env, max, perAddress int, readTimeout time.Duration) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewHTTPServer("", e.server.Handler())
	srv.ReadTimeout = readTimeout
	go srv.Serve(api.Listen(ln, api.ConnLimits{Max: max, PerAddress: perAddress, LimitLoopback: true}))
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// A reverse proxy on the same host stands for many clients: loopback is
// not held to the per-address bound unless asked.
func TestConnectionBoundSparesLoopback(t *testing.T) {
	e := newEnv(t, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := api.NewHTTPServer("", e.server.Handler())
	go srv.Serve(api.Listen(ln, api.ConnLimits{Max: 100, PerAddress: 2}))
	t.Cleanup(func() { srv.Close() })
	for range 3 {
		slowBody(t, ln.Addr().String())
	}
	client := &http.Client{Timeout: 20 * time.Second}
	res, err := client.Get("http://" + ln.Addr().String() + "/v1/uscc/" + codeHuawei)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("a fourth connection from loopback: %d", res.StatusCode)
	}
}

// slowBody opens a connection that starts a public POST (what-if) whose
// body never finishes arriving.
func slowBody(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	fmt.Fprintf(c, "POST /v1/subjects/%s/what-if HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", codeHuawei)
	return c
}

// closedByServer waits (at most 20 s) for the server to close c.
func closedByServer(t *testing.T, c net.Conn) bool {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(20 * time.Second))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	return !(errors.As(err, &ne) && ne.Timeout())
}

// A bounded number of slow bodies (10, from 127.0.0.1 only) cannot keep
// the server from others: connections beyond the per-address bound are
// closed at once, and a body that does not arrive in time loses its
// connection, freeing the slot for the next client.
func TestSlowBodiesCannotHoldConnections(t *testing.T) {
	e := newEnv(t, nil)

	t.Run("per address", func(t *testing.T) {
		addr := slowServer(t, e, 100, 4, time.Minute)
		for range 4 {
			slowBody(t, addr)
		}
		c := slowBody(t, addr)
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("a fifth connection from one address: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Content-Type") != "application/problem+json" || res.Header.Get("Retry-After") == "" {
			t.Errorf("a fifth connection from one address: %d %v", res.StatusCode, res.Header)
		}
		if !closedByServer(t, c) {
			t.Error("a fifth connection from one address was kept")
		}
	})

	t.Run("in all", func(t *testing.T) {
		addr := slowServer(t, e, 3, 0, 500*time.Millisecond)
		var slow []net.Conn
		for range 3 {
			slow = append(slow, slowBody(t, addr))
		}
		// The fourth client waits for a slot, which a slow body gives up
		// when its read deadline passes.
		client := &http.Client{Timeout: 20 * time.Second}
		res, err := client.Get("http://" + addr + "/v1/uscc/" + codeHuawei)
		if err != nil {
			t.Fatalf("a client behind slow bodies: %v", err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("status %d", res.StatusCode)
		}
		for i, c := range slow {
			if !closedByServer(t, c) {
				t.Errorf("slow body %d kept its connection", i)
			}
		}
	})
}

// An authority's NDJSON submission is not held to ReadTimeout: once its
// token is known, its body has IngestTimeout to arrive. An anonymous body
// as slow loses its connection.
func TestSubmissionOutlastsReadTimeout(t *testing.T) {
	e := newEnv(t, nil)
	addr := slowServer(t, e, 10, 0, 300*time.Millisecond)
	pr, pw := io.Pipe()
	go func() {
		for i := range 3 {
			time.Sleep(250 * time.Millisecond) // 750 ms in all, past the read timeout
			fmt.Fprintf(pw, "%s\n", encode(t, goodRecord(codeHuaibei, fmt.Sprintf("HB-SLOW-%d", i))))
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", "http://"+addr+"/v1/records", pr)
	req.Header.Set("Authorization", "Bearer "+tokenHuaibei)
	req.Header.Set("Content-Type", "application/x-ndjson")
	res, err := (&http.Client{Timeout: 20 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("a slow submission: %v", err)
	}
	defer res.Body.Close()
	var rep ingestReport
	if err := json.NewDecoder(res.Body).Decode(&rep); err != nil || res.StatusCode != 200 || rep.Accepted != 3 {
		t.Errorf("a slow submission: %d %+v %v", res.StatusCode, rep, err)
	}
	if c := slowBody(t, addr); !closedByServer(t, c) {
		t.Error("an anonymous slow body kept its connection")
	}
}

func TestRateLimitPerAddress(t *testing.T) {
	// A burst of 1, then one per 100 s.
	e := newEnv(t, nil, func(s *api.Server) { s.RatePerAddress, s.LimitLoopback = 0.01, true })
	e.get("/v1/uscc/" + codeHuawei).wantStatus(http.StatusOK)
	res := e.get("/v1/uscc/" + codeHuawei)
	p := res.problem(http.StatusTooManyRequests, "too_many_requests")
	if n, err := strconv.Atoi(res.header.Get("Retry-After")); err != nil || n < 1 || n > 100 {
		t.Errorf("Retry-After %q", res.header.Get("Retry-After"))
	}
	if !strings.Contains(p.Detail, "address") {
		t.Errorf("detail %q", p.Detail)
	}
	// Made-up tokens are counted against the address too.
	e.do("GET", "/v1/stats", "credo_made_up_1", "", nil).problem(http.StatusTooManyRequests, "too_many_requests")
	// Health checks are not counted.
	e.get("/healthz").wantStatus(http.StatusOK)
}

func TestRateLimitPerToken(t *testing.T) {
	e := newEnv(t, nil, func(s *api.Server) { s.RatePerAddress, s.RatePerToken, s.LimitLoopback = 0.02, 0.01, true }) // bursts of 1
	// A token's first request is the address's (the token is not known
	// yet); after it, the token has its own allowance.
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound)
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound)
	res := e.do("GET", "/v1/records/1", tokenHuaibei, "", nil)
	if p := res.problem(http.StatusTooManyRequests, "too_many_requests"); !strings.Contains(p.Detail, "token") || res.header.Get("Retry-After") == "" {
		t.Errorf("%s %s", p.Detail, res.header)
	}
	// Another known client is not held back by it; the address's own
	// allowance is spent, so a new token (or none) waits.
	e.get("/v1/records/1").problem(http.StatusTooManyRequests, "too_many_requests")
	e.do("GET", "/v1/records/1", tokenShanghai, "", nil).problem(http.StatusTooManyRequests, "too_many_requests")
	e.do("GET", "/v1/records/1", "credo_made_up", "", nil).problem(http.StatusTooManyRequests, "too_many_requests")
}

func TestNoRateLimitByDefault(t *testing.T) {
	e := newEnv(t, nil)
	for range 50 {
		e.get("/v1/uscc/" + codeHuawei).wantStatus(http.StatusOK)
	}
}

// A reverse proxy on the same host stands for many clients: loopback is
// not limited by address unless asked.
func TestRateLimitSparesLoopback(t *testing.T) {
	e := newEnv(t, nil, func(s *api.Server) { s.RatePerAddress, s.RatePerToken = 0.01, 0.01 })
	for range 5 {
		e.get("/v1/uscc/" + codeHuawei).wantStatus(http.StatusOK)
	}
	// Tokens are still counted.
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound)
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound)
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).problem(http.StatusTooManyRequests, "too_many_requests")
	// Refusals are counted apart from the routes.
	if m := string(e.get("/metrics").wantStatus(http.StatusOK).body); !strings.Contains(m, `route="rate_limited",status="429"`) {
		t.Errorf("no rate_limited requests in the metrics")
	}
}

// stuckStore answers Stats only when the request's context ends.
type stuckStore struct {
	credo.Store
	entered chan struct{}
}

func (s stuckStore) Stats(ctx context.Context) (credo.Stats, error) {
	close(s.entered)
	<-ctx.Done()
	return credo.Stats{}, fmt.Errorf("sqlite: counting: %w", ctx.Err())
}

// Finding (issue 9, Low): a request whose client went away was logged as
// a failure of the server (500).
func TestAbandonedRequestIsNotAnError(t *testing.T) {
	entered := make(chan struct{})
	e := newEnv(t, func(s credo.Store) credo.Store { return stuckStore{s, entered} })
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/stats", nil)
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		done <- err
	}()
	<-entered
	cancel()
	<-done
	var lines []map[string]any
	for range 200 { // the log line is written once the handler returns
		if lines = e.logLines(`"msg":"request"`); len(lines) > 0 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if len(lines) != 1 || lines[0]["status"] != 499.0 || lines[0]["level"] != "INFO" {
		t.Errorf("abandoned request logged as %v", lines)
	}
	if bad := e.logLines(`"level":"ERROR"`); len(bad) > 0 {
		t.Errorf("logged as errors: %v", bad)
	}
}

// With no limit per token, a known token's requests are not counted, and
// made-up ones still are, against the address.
func TestRateLimitAddressOnly(t *testing.T) {
	e := newEnv(t, nil, func(s *api.Server) { s.RatePerAddress, s.LimitLoopback = 0.01, true })
	e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound) // the address's one
	for range 5 {
		e.do("GET", "/v1/records/1", tokenHuaibei, "", nil).wantStatus(http.StatusNotFound)
	}
	e.do("GET", "/v1/records/1", "credo_made_up", "", nil).problem(http.StatusTooManyRequests, "too_many_requests")
	e.get("/v1/records/1").problem(http.StatusTooManyRequests, "too_many_requests")
}

// Pagination cannot be made to scan everything: every listing takes a
// limit of 1 to MaxPageSize and only the cursors it issued (a search's
// forged offset past its bounded candidates answers an empty page).
func TestPaginationBounds(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	bad := base64.RawURLEncoding.EncodeToString([]byte("z:999999999"))
	for _, c := range []struct{ path, token string }{
		{"/v1/subjects?q=淮北", ""},
		{"/v1/subjects?division=3406", ""},
		{"/v1/subjects/" + codeHuaibei + "/records?", ""},
		{"/v1/subjects/" + codeHuaibei + "/assessments?", ""},
		{"/v1/lists?", ""},
		{"/v1/lists/serious-dishonesty?", ""},
		{"/v1/objections?", org},
		{"/v1/repairs?", tokenHuaibei},
		{"/v1/me/notices?", org},
		{"/v1/admin/accounts?", adminToken},
	} {
		sep := "&"
		if strings.HasSuffix(c.path, "?") {
			sep = ""
		}
		for _, limit := range []string{"0", "-1", strconv.Itoa(credo.MaxPageSize + 1), "1e9", "x"} {
			p := e.do("GET", c.path+sep+"limit="+limit, c.token, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
			if p.Field != "limit" {
				t.Errorf("%s limit=%s: field %q", c.path, limit, p.Field)
			}
		}
		p := e.do("GET", c.path+sep+"cursor="+bad, c.token, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		if p.Field != "cursor" {
			t.Errorf("%s forged cursor: field %q", c.path, p.Field)
		}
		e.do("GET", c.path+sep+"limit="+strconv.Itoa(credo.MaxPageSize), c.token, "", nil).wantStatus(http.StatusOK)
	}
	// Accounts page by id.
	for i := range 3 {
		e.account(fmt.Sprintf("org-%d", i), codeHuaibei2)
	}
	var ids []string
	for cursor, pages := "", 0; ; pages++ {
		var ap struct {
			Accounts []credo.Account `json:"accounts"`
			Next     string          `json:"next"`
		}
		e.do("GET", "/v1/admin/accounts?limit=2&cursor="+cursor, adminToken, "", nil).wantStatus(http.StatusOK).decode(&ap)
		if len(ap.Accounts) > 2 || pages > 4 {
			t.Fatalf("account pages: %+v", ap)
		}
		for _, a := range ap.Accounts {
			ids = append(ids, a.ID)
		}
		if cursor = ap.Next; cursor == "" {
			break
		}
	}
	if !slices.Equal(ids, []string{"huaibei-org", "org-0", "org-1", "org-2"}) {
		t.Errorf("accounts by page: %v", ids)
	}

	var page struct {
		Subjects []any `json:"subjects"`
	}
	far := base64.RawURLEncoding.EncodeToString([]byte("s:999999999"))
	e.get("/v1/subjects?q=淮北&cursor=" + far).wantStatus(http.StatusOK).decode(&page)
	if len(page.Subjects) != 0 {
		t.Errorf("a search cursor past the end: %d subjects", len(page.Subjects))
	}
}
