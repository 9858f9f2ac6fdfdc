package api

import (
	"net/http"
	"sync"
	"time"

	"github.com/credo-registry/credo"
)

// Limits on long-lived responses (server-sent event streams).
const (
	DefaultMaxStreams = 256 // open at once, in all
	StreamsPerClient  = 4   // open at once with one token, or from one address without one
)

// streamSlots counts the open streams, in all and per client.
type streamSlots struct {
	mu       sync.Mutex
	open     int
	byClient map[string]int
}

// acquire takes a slot for client, or returns the error to answer.
func (s *streamSlots) acquire(client string, total int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.open >= total {
		return &credo.Error{Code: credo.EUNAVAILABLE, Reason: "streams",
			Message: "the server has as many open streams as it keeps; retry later"}
	}
	if s.byClient[client] >= StreamsPerClient {
		return &credo.Error{Code: eTooManyRequests, Reason: "streams",
			Message: "this client has as many open streams as it may; close one first"}
	}
	if s.byClient == nil {
		s.byClient = make(map[string]int)
	}
	s.open++
	s.byClient[client]++
	return nil
}

func (s *streamSlots) release(client string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.open--
	if s.byClient[client]--; s.byClient[client] <= 0 {
		delete(s.byClient, client)
	}
}

// stream wraps a handler that holds its response open (server-sent
// events) so that streams are bounded: at most MaxStreams at once
// (DefaultMaxStreams when zero; a request beyond is answered 503 with
// Retry-After), and StreamsPerClient per bearer token, or per address for
// requests without one (429). Use it in the route table:
//
//	{Route{"GET", "/v1/events/stream"}, anyone, s.stream(s.getEventStream)},
//
// Inside, the request's context is no longer bounded by the server's
// per-request Timeout (it ends when the client goes away or the server
// shuts down), and the connection's read and write deadlines are lifted:
// the handler should set a write deadline before each event
// (http.NewResponseController(w).SetWriteDeadline) so a client that stops
// reading is dropped.
func (s *Server) stream(h handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		client := "addr:" + addressKey(r.RemoteAddr)
		if tok := bearerToken(r); tok != "" {
			client = "token:" + credo.HashToken(tok)
		}
		total := s.MaxStreams
		if total <= 0 {
			total = DefaultMaxStreams
		}
		if err := s.streams.acquire(client, total); err != nil {
			w.Header().Set("Retry-After", retryAfter(5*time.Second))
			return err
		}
		defer s.streams.release(client)
		ri := info(r.Context())
		if ri.untimed != nil {
			r = r.WithContext(ri.untimed)
		}
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		rc.SetWriteDeadline(time.Time{})
		return h(w, r)
	}
}
