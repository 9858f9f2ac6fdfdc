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
	"runtime/debug"
	"time"

	"github.com/credo-registry/credo"
)

// middleware wraps the route table's mux with what every request gets.
type middleware struct {
	s       *Server
	mux     *http.ServeMux
	metrics *metrics
}

// requestInfo is what the request log line tells beyond the request
// itself; handlers fill it in through the context.
type requestInfo struct {
	id        string
	authority string // the authenticated authority's id
	viewer    *credo.Viewer
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

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := r.Header.Get("X-Request-Id")
	if !validRequestID(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)

	timeout := m.s.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	if r.Method == http.MethodPost {
		timeout = m.s.IngestTimeout
		if timeout <= 0 {
			timeout = DefaultIngestTimeout
		}
	}
	ri := &requestInfo{id: id}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), requestInfoKey{}, ri), timeout)
	if r.URL.Path == eventStreamPath {
		// A stream lasts as long as its client; its writes have their own
		// deadline (StreamWriteTimeout).
		cancel()
		ctx, cancel = context.WithCancel(context.WithValue(r.Context(), requestInfoKey{}, ri))
	}
	defer cancel()
	r = r.WithContext(ctx)

	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		if v := recover(); v != nil {
			if v == http.ErrAbortHandler {
				panic(v)
			}
			m.s.Logger.LogAttrs(ctx, slog.LevelError, "panic", slog.String("request_id", id),
				slog.String("method", r.Method), slog.String("path", r.URL.Path),
				slog.String("error", fmt.Sprint(v)), slog.String("stack", string(debug.Stack())))
			if rec.status == 0 {
				writeProblem(rec, r, &credo.Error{Code: credo.EINTERNAL, Message: "internal error"})
			}
		}
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		elapsed := time.Since(start)
		m.metrics.observeRequest(route, r.Method, rec.code(), elapsed)
		level := slog.LevelInfo
		if rec.code() >= 500 {
			level = slog.LevelWarn
		}
		attrs := []slog.Attr{
			slog.String("request_id", id),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.String("route", route),
			slog.Int("status", rec.code()),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if ri.authority != "" {
			attrs = append(attrs, slog.String("authority", ri.authority))
		}
		m.s.Logger.LogAttrs(ctx, level, "request", attrs...)
	}()

	if _, pattern := m.mux.Handler(r); pattern == "" {
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
	switch c.status {
	case http.StatusNotFound:
		writeProblem(w, r, credo.Errorf(credo.ENOTFOUND, "no such resource: %s", r.URL.Path))
	case http.StatusMethodNotAllowed:
		w.Header().Set("Allow", c.header.Get("Allow"))
		writeProblem(w, r, credo.Errorf(eMethodNotAllowed, "%s is not allowed on %s (allowed: %s)", r.Method, r.URL.Path, c.header.Get("Allow")))
	default:
		for k, v := range c.header {
			w.Header()[k] = v
		}
		w.WriteHeader(c.status)
		w.Write(c.body.Bytes())
	}
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

func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
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
