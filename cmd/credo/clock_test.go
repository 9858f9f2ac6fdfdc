package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo/store/sqlite"
)

// wallClock is a wall clock a test steps, forward and back.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *wallClock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *wallClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// serveWithClock runs `credo serve` in-process on 127.0.0.1:0 with the
// wall clock now, and returns its URL and a function that stops it.
func serveWithClock(t *testing.T, now func() time.Time, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(u string) { urls <- u }, Now: now}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append(args, "--addr", "127.0.0.1:0")) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	}
	select {
	case u := <-urls:
		return u, stop
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

// TestClockJumpsBack steps the wall clock back by an hour in the middle
// of an organization's listing taking effect: records, notices and grades
// keep their order, the grade the listing imposed once it took effect is
// not undone nor recorded twice, and credo check passes.
func TestClockJumpsBack(t *testing.T) {
	dir := t.TempDir()
	token := newBeijingRegistry(t, dir)
	const code = "91110000600037341L"
	wall := &wallClock{t: time.Now().UTC().Truncate(time.Second)}
	url, stop := serveWithClock(t, wall.Now, "serve", "--data", dir)
	stopped := false
	defer func() {
		if !stopped {
			stop()
		}
	}()
	n := 0
	record := func(kind string) float64 {
		t.Helper()
		n++
		body := fmt.Sprintf(`{"subject":%q,"category":"market","kind":"inspection","external_id":"CLK-%d","description":"抽查合格","occurred_at":"2025-01-02"}`, code, n)
		if kind == "penalty" {
			body = fmt.Sprintf(`{"subject":%q,"category":"market","kind":"penalty","external_id":"CLK-%d","severity":"general",
				"decision_number":"京市监罚〔2026〕%d号","legal_basis":"《中华人民共和国产品质量法》第五十条","penalty_types":["fine"],"amount":20000,"occurred_at":"2025-01-02"}`, code, n, n)
		}
		status, rec := request(t, "POST", url+"/v1/records", token, "application/json", body)
		if status != 201 {
			t.Fatalf("record %d: %d %v", n, status, rec)
		}
		return rec["id"].(float64)
	}
	record("inspection")
	decided := wall.Now().Add(-24 * time.Hour).Format(time.RFC3339)
	status, entry := request(t, "POST", url+"/v1/list-entries", token, "application/json", fmt.Sprintf(
		`{"list":"serious-dishonesty","subject":%q,"legal_basis":"《市场监督管理严重违法失信名单管理办法》第十条",
		  "decision_number":"京市监信〔2026〕1号","reasons":["提交虚假材料取得登记"],"decided_at":%q}`, code, decided))
	if status != 201 {
		t.Fatalf("listing: %d %v", status, entry)
	}
	effective, err := time.Parse(time.RFC3339Nano, entry["effective_at"].(string))
	if err != nil {
		t.Fatal(err)
	}
	grade := func() string {
		t.Helper()
		_, a := request(t, "GET", url+"/v1/subjects/"+code+"/assessment", "", "", "")
		g, _ := a["grade"].(string)
		return g
	}
	if g := grade(); g == "D" {
		t.Fatal("graded D before the listing took effect")
	}
	wall.set(effective.Add(time.Minute))
	record("inspection")
	if g := grade(); g != "D" {
		t.Fatalf("grade once the listing took effect: %q, want D", g)
	}
	wall.set(effective.Add(-time.Hour)) // stepped back, before the listing took effect
	record("penalty")
	if g := grade(); g != "D" {
		t.Fatalf("grade after the clock went back an hour: %q; what took effect must not be undone", g)
	}
	wall.set(effective.Add(2 * time.Minute))
	record("penalty")
	if g := grade(); g != "D" {
		t.Fatalf("grade after the clock caught up: %q", g)
	}
	stop()
	stopped = true

	ctx := context.Background()
	db, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recs, err := db.ScanRecords(ctx, 0, 100)
	if err != nil || len(recs) != n {
		t.Fatalf("records: %v (%d)", err, len(recs))
	}
	for i := 1; i < len(recs); i++ {
		if recs[i].RecordedAt.Before(recs[i-1].RecordedAt.Time) {
			t.Errorf("record %d recorded at %s, before record %d (%s)", recs[i].ID, recs[i].RecordedAt, recs[i-1].ID, recs[i-1].RecordedAt)
		}
	}
	page, err := db.Notices(ctx, code, "", 100)
	if err != nil || len(page.Notices) < 3 {
		t.Fatalf("notices: %v %d", err, len(page.Notices))
	}
	for i := 1; i < len(page.Notices); i++ { // newest first
		if newer, older := page.Notices[i-1], page.Notices[i]; newer.At.Before(older.At.Time) {
			t.Errorf("notice %d (%s, at %s) is dated before the earlier notice %d (%s, at %s)", newer.ID, newer.Kind, newer.At, older.ID, older.Kind, older.At)
		}
	}
	hist, err := db.AssessmentHistory(ctx, code, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	toD := 0
	for i, c := range hist.Changes { // newest first
		if c.Assessment.Grade == "D" && (i == len(hist.Changes)-1 || hist.Changes[i+1].Assessment.Grade != "D") {
			toD++
		}
		if i > 0 && hist.Changes[i-1].At.Before(c.At.Time) {
			t.Errorf("assessment history out of order: %s after %s", hist.Changes[i-1].At, c.At)
		}
	}
	if toD != 1 || hist.Changes[0].Assessment.Grade != "D" {
		var grades []string
		for _, c := range hist.Changes {
			grades = append(grades, c.Assessment.Grade+"@"+c.At.String())
		}
		t.Errorf("the grade became D %d times (want once, and stay): %v", toD, grades)
	}
	db.Close()
	mustCheck(t, "--data", dir)
}
