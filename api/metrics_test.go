package api_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestMetrics(t *testing.T) {
	e := newEnv(t, nil)
	e.get("/v1/stats").wantStatus(http.StatusOK)
	e.get("/v1/records/12345").wantStatus(http.StatusNotFound)
	e.get("/nowhere").wantStatus(http.StatusNotFound)
	e.postNDJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "A"), goodRecord(codeHuaibei, "B"), "{}").wantStatus(http.StatusOK)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "甲公司")).wantStatus(http.StatusCreated)

	res := e.get("/metrics").wantStatus(http.StatusOK)
	body := string(res.body)
	for _, want := range []string{
		`credo_http_requests_total{method="GET",route="GET /v1/stats",status="200"} 1`,
		`credo_http_requests_total{method="GET",route="GET /v1/records/{id}",status="404"} 1`,
		`credo_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`credo_http_requests_total{method="POST",route="POST /v1/records",status="200"} 1`,
		`credo_http_request_duration_seconds_bucket{method="GET",route="GET /v1/stats",le="+Inf"} 1`,
		`credo_ingested_total{kind="records",status="created"} 2`,
		`credo_ingested_total{kind="records",status="refused"} 1`,
		`credo_ingested_total{kind="subjects",status="created"} 1`,
		`go_goroutines `,
		`go_memstats_alloc_bytes `,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
