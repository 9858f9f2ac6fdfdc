package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPostgresRestartUnderLoad restarts the PostgreSQL server while a
// credo node takes submissions: during the outage a submission is either
// held until the database is back (the store retries) or refused cleanly
// (503 problem+json, unavailable), never answered 500 or dropped; after
// it submissions succeed; every acknowledged record is stored once; and
// credo check passes.
//
// It restarts the whole server, so it would break every other test using
// it: it runs only when CREDO_TEST_PG_RESTART names the cluster to
// restart ("15/main": pg_ctlcluster's version and name), with
// CREDO_TEST_POSTGRES pointing at that cluster. CI runs it in a job of its
// own, on a PostgreSQL nothing else uses (docs/SECURITY.md, Faults).
func TestPostgresRestartUnderLoad(t *testing.T) {
	cluster := os.Getenv("CREDO_TEST_PG_RESTART")
	if cluster == "" {
		t.Skip("SKIPPED: restarts the PostgreSQL server; set CREDO_TEST_PG_RESTART=VERSION/NAME (e.g. 15/main) of a cluster no other test uses")
	}
	version, name, ok := strings.Cut(cluster, "/")
	if !ok {
		t.Fatalf("CREDO_TEST_PG_RESTART=%q: want VERSION/NAME, e.g. 15/main", cluster)
	}
	db, _ := pgRegistry(t)
	if out, _, err := run(t, "", "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	out, _, err := run(t, "", "authority", "add", "--db", db, "--id", "bj-amr", "--name", "北京市市场监督管理局", "--divisions", "11", "--categories", "market")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	n := startNode(t, "--db", db)
	const code = "91110000600037341L"

	var (
		mu        sync.Mutex
		acks      []ack
		after     int // acknowledged after the restart returned
		refused   int // 503 unavailable
		restarted bool
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	client := &http.Client{Timeout: 60 * time.Second}
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				var lines []string
				for i := 0; i < 20; i++ {
					lines = append(lines, fmt.Sprintf(`{"subject":%q,"category":"market","kind":"inspection","external_id":"R%d-%d-%d","description":"抽查合格","occurred_at":"2025-01-02"}`,
						code, w, b, i))
				}
				req, _ := http.NewRequest("POST", n.url+"/v1/records", strings.NewReader(strings.Join(lines, "\n")))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/x-ndjson")
				resp, err := client.Do(req)
				if err != nil {
					t.Errorf("worker %d: the node dropped a request: %v", w, err)
					return
				}
				var body struct {
					Type    string `json:"type"`
					Results []struct {
						Line   int    `json:"line"`
						Status string `json:"status"`
						ID     int64  `json:"id"`
					} `json:"results"`
				}
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				mu.Lock()
				switch {
				case resp.StatusCode == http.StatusOK:
					for _, r := range body.Results {
						acks = append(acks, ack{fmt.Sprintf("R%d-%d-%d", w, b, r.Line-1), r.ID, lines[r.Line-1]})
						if restarted {
							after++
						}
					}
				case resp.StatusCode == http.StatusServiceUnavailable && resp.Header.Get("Content-Type") == "application/problem+json" &&
					body.Type == "urn:credo:error:unavailable":
					refused++
				default:
					t.Errorf("worker %d: a submission during the restart was answered %d %s (type %q)", w, resp.StatusCode, resp.Header.Get("Content-Type"), body.Type)
				}
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	if out, err := exec.Command("pg_ctlcluster", "--skip-systemctl-redirect", version, name, "restart").CombinedOutput(); err != nil {
		close(stop)
		wg.Wait()
		t.Fatalf("restarting PostgreSQL %s: %v %s", cluster, err, out)
	}
	mu.Lock()
	restarted = true
	mu.Unlock()
	time.Sleep(3 * time.Second)
	close(stop)
	wg.Wait()
	t.Logf("%d records acknowledged (%d after the restart), %d submissions refused as unavailable", len(acks), after, refused)
	if after == 0 {
		t.Fatal("no submission succeeded after the restart")
	}
	checkAcks(t, n.url, token, acks)
	n.kill()
	mustCheck(t, "--db", db)
}
