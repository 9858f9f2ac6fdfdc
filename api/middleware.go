package api

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path"
	"runtime/debug"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// middleware wraps the route table's mux with what every request gets.
type middleware struct {
	s       *Server
	mux     *http.ServeMux
	metrics *metrics
	coded   []codeRoute
}

// requestInfo is what the request log line tells beyond the request
// itself; handlers fill it in through the context.
type requestInfo struct {
	id        string
	authority string // the authenticated authority's id
	viewer    *credo.Viewer
	// untimed is the request's context without the per-request timeout
	// (for streams); trust gives an authenticated request the connection
	// deadlines of a submission.
	untimed context.Context
	trust   func()
}

type requestInfoKey struct{}

func info(ctx context.Context) *requestInfo {
	ri, _ := ctx.Value(requestInfoKey{}).(*requestInfo)
	if ri == nil {
		return &requestInfo{}
	}
	return ri
}

// requestID is the id of the request ctx belongs to, "" outside a request.
func requestID(ctx context.Context) string { return info(ctx).id }

// securityHeaders go on every response. The API serves JSON, never a page
// or a script, so the content security policy allows nothing; a portal's
// pages will set their own.
var securityHeaders = [][2]string{
	{"X-Content-Type-Options", "nosniff"},
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"},
	{"X-Frame-Options", "DENY"},
	{"Referrer-Policy", "no-referrer"},
}

// hsts is the Strict-Transport-Security of responses sent over TLS.
const hsts = "max-age=63072000; includeSubDomains"

// statusClientClosed is logged (never sent) for a request whose client
// went away before it was answered (nginx's 499).
const statusClientClosed = 499

// logPath is a request's path as logged: resident identity numbers masked.
func logPath(r *http.Request) string { return uscc.MaskResidentIDs(r.URL.Path) }

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	h := w.Header()
	h.Set("X-Request-Id", id)
	for _, kv := range securityHeaders {
		h.Set(kv[0], kv[1])
	}
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", hsts)
	}
	h.Set("Vary", "Authorization")
	if r.Header.Get("Authorization") != "" {
		// What a token sees is that token's: no cache may keep it.
		h.Set("Cache-Control", "no-store")
	}

	timeout := m.s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ingestTimeout := m.s.IngestTimeout
	if ingestTimeout <= 0 {
		ingestTimeout = DefaultIngestTimeout
	}
	if r.Method == http.MethodPost {
		timeout = ingestTimeout
	}
	rec := &statusRecorder{ResponseWriter: w}
	ri := &requestInfo{id: id}
	limited := false
	base := context.WithValue(r.Context(), requestInfoKey{}, ri)
	ctx, cancel := context.WithTimeout(base, timeout)
	defer cancel()
	r = r.WithContext(ctx)
	ri.untimed = base
	rc := http.NewResponseController(rec)
	// The connection's deadlines end a request a little after its
	// context would (net/http cancels the context when the read deadline
	// passes, which must not pre-empt the timeout's clearer answer).
	ri.trust = func() {
		rc.SetReadDeadline(start.Add(ingestTimeout + deadlineGrace))
		rc.SetWriteDeadline(start.Add(ingestTimeout + deadlineGrace))
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		// A read has no body to wait for (ReadTimeout bounds bodies), so
		// it has its whole timeout to be answered.
		rc.SetReadDeadline(start.Add(timeout + deadlineGrace))
		rc.SetWriteDeadline(start.Add(timeout + deadlineGrace))
	}

	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			m.s.Logger.LogAttrs(ctx, slog.LevelError, "panic", slog.String("request_id", id),
				slog.String("method", r.Method), slog.String("path", logPath(r)),
				slog.String("error", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
			if rec.status == 0 {
				writeProblem(rec, r, &credo.Error{Code: credo.EINTERNAL, Message: "internal error"})
			}
		}
		route := r.Pattern
		switch {
		case limited:
			route = "rate_limited"
		case route == "":
			route = "unmatched"
		}
		status := rec.code()
		if status >= 500 && errors.Is(ctx.Err(), context.Canceled) {
			status = statusClientClosed // the client went away; nothing failed
		}
		elapsed := time.Since(start)
		m.metrics.observeRequest(route, r.Method, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", logPath(r)),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if ri.authority != "" {
			attrs = append(attrs, slog.String("authority", ri.authority))
		}
		m.s.Logger.LogAttrs(ctx, level, "request", attrs...)
	}()

	admitted, wait, err := m.s.limits.admit(r, start)
	if err != nil {
		limited = true
		rec.Header().Set("Retry-After", retryAfter(wait))
		writeProblem(rec, r, credo.AsError(err))
		return
	}
	defer admitted(ri)

	if _, pattern := m.mux.Handler(r); pattern == "" || r.URL.Path != cleanPath(r.URL.Path) {
		for i := range m.coded {
			if c := &m.coded[i]; c.takes(r) {
				r.Pattern = c.Method + " " + c.Pattern
				c.refuse.ServeHTTP(rec, r)
				return
			}
		}
		m.unmatched(rec, r)
		return
	}
	m.mux.ServeHTTP(rec, r)
}

// unmatched answers a request no route takes: the mux's 404 and 405 as
// problems, anything else (a path-cleaning redirect) as the mux says.
func (m *middleware) unmatched(w http.ResponseWriter, r *http.Request) {
	h, _ := m.mux.Handler(r)
	c := &captureWriter{header: http.Header{}}
	h.ServeHTTP(c, r)
	switch {
	case c.status == http.StatusNotFound:
		writeProblem(w, r, credo.Errorf(credo.ENOTFOUND, "no such resource: %s", logPath(r)))
	case c.status == http.StatusMethodNotAllowed:
		w.Header().Set("Allow", c.header.Get("Allow"))
		writeProblem(w, r, credo.Errorf(eMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, logPath(r), c.header.Get("Allow")))
	case c.status >= 300 && c.status < 400 && c.header.Get("Location") != "":
		// The mux's redirect to a cleaned path.
		loc := c.header.Get("Location")
		w.Header().Set("Location", loc)
		writeProblemStatus(w, r, c.status, credo.Errorf(eRedirect, "the resource is at %s", uscc.MaskResidentIDs(loc)))
	default:
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.WriteHeader(c.status)
		w.Write(c.body.Bytes())
	}
}

// cleanPath is the canonical form of p, as the mux judges it (net/http
// cleanPath): a path that differs is answered with a redirect to it.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if p[len(p)-1] == '/' && np != "/" {
		np += "/"
	}
	return np
}

// errorLevel is how loudly to log a failed request: a client that went
// away is routine, a timeout a warning, anything else an error.
func errorLevel(ctx context.Context, err error) slog.Level {
	switch {
	case errors.Is(err, context.Canceled) || errors.Is(ctx.Err(), context.Canceled):
		return slog.LevelInfo
	case errors.Is(err, context.DeadlineExceeded):
		return slog.LevelWarn
	}
	return slog.LevelError
}

// validRequestID reports whether a client's X-Request-Id may be kept (and
// logged): short, plain, and no identity number.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 || uscc.ContainsResidentID(id) {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == ':') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (w *statusRecorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

func (w *statusRecorder) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusRecorder) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// captureWriter holds a response in memory.
type captureWriter struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captureWriter) Header() http.Header { return c.header }

func (c *captureWriter) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *captureWriter) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(b)
}
