package api_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/credo-registry/credo"
)

func TestHealth(t *testing.T) {
	e := newEnv(t, nil)
	var h struct{ Status string }
	e.get("/healthz").wantStatus(http.StatusOK).decode(&h)
	if h.Status != "ok" {
		t.Errorf("status %q", h.Status)
	}
}

// brokenStore is a store whose counts fail like a lost database.
type brokenStore struct{ credo.Store }

var errDriver = errors.New("dial tcp 10.1.2.3:5432: connect: connection refused (password=hunter2)")

func (brokenStore) Stats(context.Context) (credo.Stats, error) { return credo.Stats{}, errDriver }

func TestHealthFailing(t *testing.T) {
	e := newEnv(t, func(s credo.Store) credo.Store { return brokenStore{s} })
	res := e.get("/healthz")
	p := res.problem(http.StatusServiceUnavailable, credo.EUNAVAILABLE)
	if p.Detail != "the store is not answering" {
		t.Errorf("detail %q", p.Detail)
	}
	if lines := e.logLines("health check failed"); len(lines) != 1 || lines[0]["request_id"] != p.RequestID {
		t.Errorf("health failure logged as %v", lines)
	}
}
