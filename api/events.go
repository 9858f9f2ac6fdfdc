package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
)

// Stream limits (EventStreamWriteTimeout, EventStreamHeartbeat when zero).
const (
	// DefaultStreamWriteTimeout bounds one write to a stream: a client
	// that stops reading fills the connection's buffers, its write then
	// fails and the stream is dropped; it resumes with Last-Event-ID.
	DefaultStreamWriteTimeout = 10 * time.Second
	// DefaultStreamHeartbeat is how often an idle stream sends a comment,
	// which keeps proxies from closing it and finds clients that left.
	DefaultStreamHeartbeat = 15 * time.Second
)

// eventQuery reads the filters both event routes take.
func eventQuery(r *http.Request) (events.Query, error) {
	v := r.URL.Query()
	return events.ParseQuery(v.Get("after"), v.Get("types"), v.Get("subjects"), v.Get("limit"))
}

func (s *Server) eventFeed() (*events.Feed, error) {
	if s.Events == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "this server does not serve events")
	}
	return s.Events, nil
}

// getEvents answers GET /v1/events: the events after a position that the
// viewer may see, and the position to ask after next.
func (s *Server) getEvents(w http.ResponseWriter, r *http.Request) error {
	feed, err := s.eventFeed()
	if err != nil {
		return err
	}
	q, err := eventQuery(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	page, err := feed.Read(r.Context(), v, q)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, page)
	return nil
}

// getEventStream answers GET /v1/events/stream: the same events as
// Server-Sent Events, each with its position as id, from after (or the
// Last-Event-ID a reconnecting client sends) on, for as long as the client
// stays.
func (s *Server) getEventStream(w http.ResponseWriter, r *http.Request) error {
	feed, err := s.eventFeed()
	if err != nil {
		return err
	}
	q, err := eventQuery(r)
	if err != nil {
		return err
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil || n < 0 {
			return credo.FieldError("Last-Event-ID", "format", "must be a position (a whole number, 0 or more)")
		}
		q.After = n
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	q.Limit = credo.MaxPageSize
	ctx := r.Context()
	page, err := feed.Read(ctx, v, q) // errors before the stream starts are problems
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	writeTimeout, heartbeat := s.StreamWriteTimeout, s.StreamHeartbeat
	if writeTimeout <= 0 {
		writeTimeout = DefaultStreamWriteTimeout
	}
	if heartbeat <= 0 {
		heartbeat = DefaultStreamHeartbeat
	}
	var buf bytes.Buffer
	send := func() bool {
		rc.SetWriteDeadline(time.Now().Add(writeTimeout))
		_, err := w.Write(buf.Bytes())
		buf.Reset()
		return err == nil && rc.Flush() == nil
	}
	buf.WriteString(": credo events\n\n")
	for {
		for _, e := range page.Events {
			b, err := json.Marshal(e)
			if err != nil {
				return nil // the stream has begun; the client reconnects
			}
			buf.WriteString("id: " + e.ID + "\ndata: ")
			buf.Write(b)
			buf.WriteString("\n\n")
		}
		if buf.Len() > 0 && !send() {
			return nil // the client left or stopped reading
		}
		q.After = page.Next
		for !page.More {
			// Caught up: wait for the log to grow.
			wctx, cancel := context.WithTimeout(ctx, heartbeat)
			err := s.EventTail.Wait(wctx, q.After)
			cancel()
			if ctx.Err() != nil {
				return nil
			}
			if err == nil {
				break
			}
			buf.WriteString(": keep-alive\n\n")
			if !send() {
				return nil
			}
		}
		if page, err = feed.Read(ctx, v, q); err != nil {
			s.Logger.Warn("event stream ended", "request_id", requestID(ctx), "err", err)
			return nil
		}
	}
}
