package api

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/credo-registry/credo"
)

// Pinger is what a store may offer for a cheaper health check than Stats.
type Pinger interface {
	Ping(ctx context.Context) error
}

// healthTimeout bounds the store check, so a hung store fails the probe
// rather than hanging it.
const healthTimeout = 3 * time.Second

// Health is the body of GET /healthz when the store answers: status "ok",
// or "degraded" with the reason when writes are failing (the disk is
// full, say) or committed writes still owe their notices and grades,
// while reads keep working.
type Health struct {
	Status string      `json:"status"`
	Reason string      `json:"reason,omitempty"`
	Since  *credo.Time `json:"since,omitempty"`
}

// Health statuses.
const (
	HealthOK       = "ok"
	HealthDegraded = "degraded"
)

// getHealth answers GET /healthz: 200 when the store answers (ok or
// degraded), 503 when not.
func (s *Server) getHealth(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	var err error
	if p, ok := s.Store.(Pinger); ok {
		err = p.Ping(ctx)
	} else {
		_, err = s.Store.Stats(ctx)
	}
	if err != nil {
		s.Logger.ErrorContext(ctx, "health check failed", "request_id", requestID(ctx), "error", err.Error())
		return credo.Errorf(credo.EUNAVAILABLE, "the store is not answering")
	}
	writeJSON(w, http.StatusOK, s.writeHealth())
	return nil
}

// writeHealth is Health as far as writes go: degraded while the last write
// failed for a reason of the server's (not the client's), or while
// committed writes' notices and grades are pending.
func (s *Server) writeHealth() Health {
	if reason, since := s.writes.failing(); reason != "" {
		t := credo.NewTime(since)
		return Health{Status: HealthDegraded, Reason: "writes are failing: " + reason, Since: &t}
	}
	if s.Ingester != nil {
		if records, orgs, err, since := s.Ingester.Pending(); err != nil {
			t := credo.NewTime(since)
			return Health{Status: HealthDegraded, Since: &t, Reason: fmt.Sprintf(
				"committed writes still owe the notices of %d records and the grades of %d organizations (retried every minute): %s",
				records, orgs, publicReason(err))}
		}
	}
	return Health{Status: HealthOK}
}

// readOnlyPosts are the POST routes that store nothing.
var readOnlyPosts = map[string]bool{
	"POST /v1/subjects/{code}/what-if": true,
	"POST /v1/measures/check":          true,
	"POST /v1/admin/rulebooks/diff":    true,
	"POST /v1/admin/lists/check":       true,
}

// writes reports whether r is a request that stores something.
func writes(r *http.Request) bool {
	return r.Method != http.MethodGet && r.Method != http.MethodHead && !readOnlyPosts[r.Pattern]
}

// writeFailures remembers whether the last write failed for a reason of
// the server's.
type writeFailures struct {
	mu     sync.Mutex
	reason string
	since  time.Time
}

// observe records the outcome of a write request: a failure the client
// cannot fix (a full disk, an unavailable database, an internal error)
// makes writes failing; a success clears it; the client's own errors
// change nothing.
func (f *writeFailures) observe(err error, now time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		f.reason, f.since = "", time.Time{}
		return
	}
	switch code := credo.ErrorCodeOf(err); code {
	case credo.ESTORAGE, credo.EUNAVAILABLE, credo.EINTERNAL:
		if f.reason == "" {
			f.since = now
		}
		f.reason = publicReason(err)
	}
}

func (f *writeFailures) failing() (string, time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reason, f.since
}

// publicReason is what a client may be told of err: the domain message,
// never a driver's text.
func publicReason(err error) string {
	if e := credo.AsError(err); e != nil && e.Code != credo.EINTERNAL {
		return e.Message
	}
	return "internal error (see the server log)"
}
