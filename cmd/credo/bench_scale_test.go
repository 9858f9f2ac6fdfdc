package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBenchScale runs bench scale on a few hundred organizations: every
// row of the table is measured (rates above zero, no failed request), and
// the table is appended to the file --doc names.
func TestBenchScale(t *testing.T) {
	doc := filepath.Join(t.TempDir(), "PERFORMANCE.md")
	if err := os.WriteFile(doc, []byte("# Performance\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(credoBinary, "bench", "scale", "--subjects", "300", "--duration", "1s", "--queries", "30",
		"--bare-rows", "2000", "--conns", "8", "--doc", doc).CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	s := string(out)
	if strings.Contains(s, "failed") {
		t.Errorf("requests failed:\n%s", s)
	}
	for _, row := range []string{
		`load organizations, stored and graded \(organizations/s\) \| [1-9]`,
		`load records, stored and graded \(records/s\) \| [1-9][0-9,]* .*bare SQLite driver.*: [1-9]`,
		`load annual reports \(reports/s\) \| [1-9]`,
		`full regrade with lists \(organizations/s\) \| [1-9].*read every organization's records only: [1-9]`,
		`ledger: integrate the load's changes \(changes/s\) \| [1-9]`,
		`name search p50 / p99 \(one connection, 30 queries\) \| [0-9.]+ ms / [0-9.]+ ms \|`,
		`subject lookup, 8 connections: requests/s, p99 .*\| [1-9][0-9,]*, [0-9.]+ ms .*fixed-response server: [1-9]`,
		`assessment lookup, 8 connections: requests/s, p99 .*\| [1-9][0-9,]*, [0-9.]+ ms .*fixed-response server: [1-9]`,
		`store on disk \| [0-9.]+ GiB`,
		`peak memory .*\| [0-9.]+ GiB`,
		`\| 33,000,000 \| [0-9.]+ (min|h) \| [0-9.]+ (min|h) \| [0-9]+ GiB \|`,
		`\| 188,000,000 \|`,
	} {
		if !regexp.MustCompile(row).MatchString(s) {
			t.Errorf("no row matching %s:\n%s", row, s)
		}
	}
	b, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b); !strings.HasPrefix(got, "# Performance\n") || !strings.Contains(got, "### bench scale, 300 organizations") {
		t.Errorf("--doc file:\n%s", got)
	}
}

// TestBenchScaleBadFlags refuses what cannot be measured, naming the flag.
func TestBenchScaleBadFlags(t *testing.T) {
	for flag, value := range map[string]string{"--subjects": "0", "--per-subject": "0", "--conns": "0"} {
		out, err := exec.Command(credoBinary, "bench", "scale", flag, value).CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 || !strings.Contains(string(out), flag) {
			t.Errorf("bench scale %s %s: %v\n%s", flag, value, err, out)
		}
	}
}
