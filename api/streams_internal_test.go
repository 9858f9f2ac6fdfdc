package api

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// streamServer serves GET /stream, a dummy event stream that sends one
// event and then holds the connection until the client goes away or the
// test ends, wrapped in Server.stream like the real one will be.
func streamServer(t *testing.T, s *Server) string {
	t.Helper()
	s.Logger = slog.New(slog.DiscardHandler)
	s.metrics = newMetrics()
	s.limits = &rateLimits{}
	stop := make(chan struct{})
	mux := http.NewServeMux()
	// Without the route table's admission (which would look tokens up in
	// a store): the limiter alone, keyed by whatever token is sent.
	stream := s.stream(func(w http.ResponseWriter, r *http.Request) error {
		if _, ok := r.Context().Deadline(); ok {
			return fmt.Errorf("the stream's context has the per-request deadline")
		}
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "event: hello\ndata: {}\n\n")
		http.NewResponseController(w).Flush()
		select {
		case <-r.Context().Done():
		case <-stop:
		}
		return nil
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		if err := stream(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
	hs := httptest.NewServer(&middleware{s: s, mux: mux, metrics: s.metrics})
	t.Cleanup(func() { close(stop); hs.Close() })
	return hs.URL
}

// open starts a stream and returns its first line, or the refusal.
func openStream(t *testing.T, ctx context.Context, url, token string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/stream", nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		defer res.Body.Close()
		var b strings.Builder
		bufio.NewReader(res.Body).WriteTo(&b)
		return res.StatusCode, b.String(), res.Header
	}
	line, err := bufio.NewReader(res.Body).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the stream: %v", err)
	}
	return res.StatusCode, line, res.Header
}

func TestStreamSlots(t *testing.T) {
	s := &Server{MaxStreams: 6, Timeout: 50 * time.Millisecond}
	url := streamServer(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	// StreamsPerClient per client: the fifth from one address is refused
	// with 429, and outlives the per-request timeout while open.
	for i := range StreamsPerClient {
		if status, line, _ := openStream(t, ctx, url, ""); status != 200 || line != "event: hello\n" {
			t.Fatalf("stream %d: %d %q", i, status, line)
		}
	}
	status, body, h := openStream(t, ctx, url, "")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "streams") || h.Get("Retry-After") == "" {
		t.Errorf("a fifth stream from one address: %d %s", status, body)
	}
	// A token is a client of its own; MaxStreams bounds them all.
	for i := range 2 {
		if status, _, _ := openStream(t, ctx, url, "token-a"); status != 200 {
			t.Fatalf("token stream %d: %d", i, status)
		}
	}
	status, body, h = openStream(t, ctx, url, "token-b")
	if status != http.StatusServiceUnavailable || h.Get("Retry-After") == "" || h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("a stream beyond MaxStreams: %d %s", status, body)
	}

	// Closing streams gives their slots back.
	cancel()
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	for range 200 {
		s.streams.mu.Lock()
		open := s.streams.open
		s.streams.mu.Unlock()
		if open == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status, _, _ := openStream(t, ctx2, url, "token-b"); status != 200 {
		t.Errorf("after the others closed: %d", status)
	}
}
