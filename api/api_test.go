package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/credo-registry/credo/api"
)

func TestNewHTTPServerHasLimits(t *testing.T) {
	s := api.NewHTTPServer("127.0.0.1:0", http.NotFoundHandler())
	if s.Addr != "127.0.0.1:0" || s.ReadHeaderTimeout <= 0 || s.ReadTimeout <= 0 || s.WriteTimeout <= s.ReadTimeout ||
		s.IdleTimeout <= 0 || s.MaxHeaderBytes <= 0 {
		t.Errorf("server limits %+v", s)
	}
}

func TestZeroServerWorks(t *testing.T) {
	st := openStore(t)
	s := &api.Server{Store: st} // no logger, no ingester, default limits
	hs := httptest.NewServer(s.Handler())
	defer hs.Close()
	res, err := http.Get(hs.URL + "/v1/stats")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("status %d", res.StatusCode)
	}
}
