package api

import (
	"context"
	"net/http"
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

// Health is the body of a passing GET /healthz.
type Health struct {
	Status string `json:"status"`
}

// getHealth answers GET /healthz: 200 when the store answers, 503 when not.
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
	writeJSON(w, http.StatusOK, Health{Status: "ok"})
	return nil
}
