package main

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// mountTmpfs mounts a tmpfs of size (mount's syntax: "4m") on a new
// folder and returns it; it is unmounted when the test ends. Mounting
// needs root: without it the test is skipped, loudly.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("SKIPPED: the full-disk test mounts a tmpfs and needs root; run it as root (CI does)")
	}
	dir := filepath.Join(t.TempDir(), "disk")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("SKIPPED: cannot mount a tmpfs (%v: %s)", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	return dir
}

// post sends body to url with token and returns the status and body.
func post(t *testing.T, url, token, contentType, body string) (int, []byte, http.Header) {
	t.Helper()
	req, _ := http.NewRequest("POST", url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", contentType)
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b, resp.Header
}

// submitUntilFull posts batches of new records until the server refuses
// one, and returns what it acknowledged and the refusal.
func submitUntilFull(t *testing.T, url, token, code string) ([]ack, int, []byte, http.Header) {
	t.Helper()
	var acks []ack
	filler := strings.Repeat("抽查发现产品标识不符合规定，已责令改正。", 40)
	for b := 0; b < 2000; b++ {
		var lines []string
		for i := 0; i < 50; i++ {
			lines = append(lines, fmt.Sprintf(`{"subject":%q,"category":"market","kind":"inspection","external_id":"FULL-%d-%d","description":%q,"occurred_at":"2025-01-02"}`,
				code, b, i, filler))
		}
		status, body, header := post(t, url+"/v1/records", token, "application/x-ndjson", strings.Join(lines, "\n"))
		if status != http.StatusOK {
			return acks, status, body, header
		}
		var out struct {
			Results []struct {
				Line   int    `json:"line"`
				Status string `json:"status"`
				ID     int64  `json:"id"`
			} `json:"results"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Results {
			if r.Status != "created" {
				t.Fatalf("line %d: %s", r.Line, body)
			}
			acks = append(acks, ack{fmt.Sprintf("FULL-%d-%d", b, r.Line-1), r.ID, lines[r.Line-1]})
		}
	}
	t.Fatal("the disk never filled up")
	return nil, 0, nil, nil
}

// TestFullDisk runs credo serve on a data folder on a small tmpfs and
// writes until the disk is full: the write that does not fit is refused
// with 507 problem+json (storage_full) and stores nothing, /healthz says
// degraded and why, reads keep working and every acknowledged record is
// there; with room again writes succeed, the registry is ok, and
// `credo check` passes.
func TestFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("full-disk test: skipped in -short mode")
	}
	disk := mountTmpfs(t, "6m")
	data := filepath.Join(disk, "credo-data")
	fillAndRecover(t, disk, "--data", data)
}

// TestFullDiskPostgres is TestFullDisk with the registry's tables in a
// PostgreSQL tablespace on a small tmpfs (PostgreSQL answers 53100
// disk_full). It needs root and a server on this machine that no other
// test uses (it adds a tablespace), so it runs with
// TestPostgresRestartUnderLoad, when CREDO_TEST_PG_RESTART names such a
// cluster.
func TestFullDiskPostgres(t *testing.T) {
	if os.Getenv("CREDO_TEST_PG_RESTART") == "" {
		t.Skip("SKIPPED: fills a PostgreSQL tablespace; set CREDO_TEST_PG_RESTART=VERSION/NAME of a local cluster no other test uses")
	}
	disk := mountTmpfs(t, "3m")
	if out, err := exec.Command("chown", "postgres:postgres", disk).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	for dir := filepath.Dir(disk); dir != os.TempDir() && dir != "/"; dir = filepath.Dir(dir) {
		os.Chmod(dir, 0o755) // the server reaches the tablespace through the test's folders
	}
	db, schema := pgRegistry(t)
	space := "credo_full_" + strings.ToLower(rand.Text()[:8])
	pgtest.Exec(t, "", "CREATE TABLESPACE "+space+" LOCATION '"+disk+"'")
	t.Cleanup(func() { // before the tmpfs goes: the schema's tables, then the tablespace
		pgtest.Exec(t, "", "DROP SCHEMA IF EXISTS "+schema+" CASCADE")
		pgtest.Exec(t, "", "DROP TABLESPACE "+space)
	})
	fillAndRecover(t, disk, "--db", db+"&default_tablespace="+space)
}

// fillAndRecover runs a node on the registry named by where (flags), whose
// storage is the tmpfs at disk, writes until it is full, checks what a
// full disk must do, grows the tmpfs and checks the recovery.
func fillAndRecover(t *testing.T, disk string, where ...string) {
	t.Helper()
	out, _, err := run(t, "", append([]string{"authority", "add", "--id", "bj-amr", "--name", "北京市市场监督管理局",
		"--divisions", "11", "--categories", "market"}, where...)...)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	n := startNode(t, where...)
	const code = "91110000600037341L"
	acks, status, body, header := submitUntilFull(t, n.url, token, code)
	if len(acks) == 0 {
		t.Fatalf("the first write was refused: %d %s", status, body)
	}
	t.Logf("%d records acknowledged before the disk was full", len(acks))
	var p struct {
		Type, Detail string
		Status       int
	}
	json.Unmarshal(body, &p)
	if status != http.StatusInsufficientStorage || header.Get("Content-Type") != "application/problem+json" ||
		p.Type != "urn:credo:error:storage_full" || !strings.Contains(p.Detail, "disk is full") {
		t.Fatalf("the write that does not fit: %d %s %s", status, header.Get("Content-Type"), body)
	}
	st, h := request(t, "GET", n.url+"/healthz", "", "", "")
	if st != http.StatusOK || h["status"] != "degraded" || !strings.Contains(fmt.Sprint(h["reason"]), "disk is full") {
		t.Fatalf("healthz on a full disk: %d %v", st, h)
	}
	st, stats := request(t, "GET", n.url+"/v1/stats", "", "", "")
	if st != http.StatusOK || stats["records"] != float64(len(acks)) {
		t.Fatalf("stats on a full disk: %d %v (acknowledged %d)", st, stats, len(acks))
	}
	for _, a := range acks[len(acks)-5:] {
		if st, rec := request(t, "GET", fmt.Sprintf("%s/v1/records/%d", n.url, a.id), "", "", ""); st != 200 || rec["external_id"] != a.externalID {
			t.Fatalf("reading acknowledged record %d on a full disk: %d %v", a.id, st, rec)
		}
	}

	if out, err := exec.Command("mount", "-o", "remount,size=64m", disk).CombinedOutput(); err != nil {
		t.Fatalf("growing the tmpfs: %v %s", err, out)
	}
	extra := `{"subject":"` + code + `","category":"market","kind":"inspection","external_id":"AFTER-1","description":"抽查合格","occurred_at":"2025-01-03"}`
	if st, body, _ := post(t, n.url+"/v1/records", token, "application/json", extra); st != http.StatusCreated {
		t.Fatalf("a write once there is room: %d %s", st, body)
	}
	if st, h := request(t, "GET", n.url+"/healthz", "", "", ""); st != 200 || h["status"] != "ok" {
		t.Fatalf("healthz once writes succeed: %d %v", st, h)
	}
	checkAcks(t, n.url, token, acks)
	n.kill()
	out, _, err = run(t, "", append([]string{"check"}, where...)...)
	if err != nil {
		t.Fatalf("credo check after the disk was full: %v\n%s", err, out)
	}
	if !bytes.HasPrefix([]byte(out), []byte("ok: ")) {
		t.Fatalf("check: %s", out)
	}
}
