package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestBenchLoad runs a short load against a scratch registry, like the
// soak in docs/PERFORMANCE.md but for seconds: every route is exercised,
// none fails, the server is sampled, and the run stops by itself.
func TestBenchLoad(t *testing.T) {
	out, err := exec.Command(credoBinary, "bench", "load", "--duration", "4s", "--rate", "40", "--subjects", "40", "--sample", "1s").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	for _, route := range []string{"POST /v1/records", "GET /v1/subjects/{code}/assessment", "GET /v1/subjects?q=", "GET /v1/lists/{list}", "POST /v1/measures/check"} {
		if !strings.Contains(s, route) {
			t.Errorf("no line for %s:\n%s", route, s)
		}
	}
	all := regexp.MustCompile(`(?m)^\s*all\s+(\d+)\s+(\d+)\s`).FindStringSubmatch(s)
	if all == nil || all[1] == "0" || all[2] != "0" {
		t.Errorf("want requests and no errors:\n%s", s)
	}
	for _, gauge := range []string{"RSS", "heap in use", "goroutines", "open files"} {
		if !regexp.MustCompile(`(?m)^\s*` + gauge + `\s+\S`).MatchString(s) {
			t.Errorf("no %s sampled:\n%s", gauge, s)
		}
	}
}
