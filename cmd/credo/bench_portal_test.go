package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestBenchPortal runs the portal benchmark over a small scratch registry:
// the import's two grading passes, the organization page rendered in
// process with the SQLite pages it fetched (--pages), and the four kinds
// of request served, each answered.
func TestBenchPortal(t *testing.T) {
	out, err := exec.Command(credoBinary, "bench", "portal", "--subjects", "60", "--per-subject", "2",
		"--requests", "20", "--clients", "2", "--pages", "10").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if !regexp.MustCompile(`partners: done .* 60 regraded`).MatchString(s) {
		t.Errorf("no partners pass over the 60 organizations:\n%s", s)
	}
	fetched := regexp.MustCompile(`file not mapped, 9 pages after 1 to warm up: .* SQLite pages fetched ([0-9.]+), read ([0-9.]+) a page`).FindStringSubmatch(s)
	if fetched == nil {
		t.Fatalf("no line of the pages an organization page reads unmapped:\n%s", s)
	}
	if n, _ := strconv.ParseFloat(fetched[1], 64); n <= 0 {
		t.Errorf("an organization page fetched %s pages:\n%s", fetched[1], s)
	}
	for _, read := range []string{"Subject", "AllRecords", "CurrentAssessment", "GradeHistory"} {
		if !regexp.MustCompile(`(?m)^\s+` + read + `\s+[0-9.]+ rows, pages fetched\s+[0-9.]*[1-9]`).MatchString(s) {
			t.Errorf("no pages fetched by %s:\n%s", read, s)
		}
	}
	for _, route := range []string{"GET /zh/organizations/{code}", "GET /v1/subjects/{code}/report", "GET /zh/search?q=", "GET /v1/subjects?q="} {
		line := ""
		for l := range strings.Lines(s) {
			if strings.Contains(l, route) {
				line = l
			}
		}
		// p50 p95 p99 max (each "N ms"), then req/s.
		f := strings.Fields(line)
		if len(f) < 13 {
			t.Errorf("no result line for %s:\n%s", route, s)
			continue
		}
		if rate, err := strconv.ParseFloat(f[len(f)-5], 64); err != nil || rate <= 0 {
			t.Errorf("%s: req/s %q:\n%s", route, f[len(f)-5], s)
		}
	}
}

// TestBenchPortalRefusesPages refuses a --pages it cannot honour, before
// creating anything.
func TestBenchPortalRefusesPages(t *testing.T) {
	for _, args := range [][]string{
		{"--pages", "-1"},
		{"--pages", "5", "--db", "postgres://127.0.0.1/test"},
	} {
		dir := t.TempDir()
		_, _, err := run(t, "", append([]string{"bench", "portal", "--subjects", "10", "--dir", dir}, args...)...)
		if code := exitCode(err); code != 2 || !strings.Contains(fmt.Sprint(err), "--pages") {
			t.Errorf("%v: exit %d (%v), want 2 naming --pages", args, code, err)
		}
		if left, _ := os.ReadDir(dir); len(left) != 0 {
			t.Errorf("%v: created %d entries in --dir", args, len(left))
		}
	}
}
