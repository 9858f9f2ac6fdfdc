package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestThreeNodesOnOnePostgres runs three credo serve processes on one
// PostgreSQL schema, writes through all of them at once (some of the same
// external ids to two nodes at the same moment), kills one with SIGKILL in
// the middle, and checks that every acknowledged record is there exactly
// once and visible through every surviving node.
func TestThreeNodesOnOnePostgres(t *testing.T) {
	db := freshSchema(t)
	out, _, err := run(t, "", "authority", "add", "--db", db, "--id", "sz-amr", "--name", "深圳市市场监督管理局",
		"--divisions", "4403", "--categories", "market")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	// The nodes share the person-key secret's file, as nodes on one
	// machine would.
	keyFile := filepath.Join(t.TempDir(), "person-key")
	nodes := []*node{startNode(t, "--db", db, "--person-key-file", keyFile), startNode(t, "--db", db, "--person-key-file", keyFile),
		startNode(t, "--db", db, "--person-key-file", keyFile)}
	const code = "914403001922038216"

	// The same external id sent to two nodes at once is stored once.
	var wg sync.WaitGroup
	ids := make([]float64, 2)
	dup := `{"subject":"` + code + `","category":"market","kind":"inspection","external_id":"SAME-1","occurred_at":"2025-01-02"}`
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := request(t, "POST", nodes[i].url+"/v1/records", token, "application/json", dup)
			if status != 201 && status != 200 {
				t.Errorf("node %d: %d %v", i, status, body)
			}
			ids[i], _ = body["id"].(float64)
		}()
	}
	wg.Wait()
	if ids[0] == 0 || ids[0] != ids[1] {
		t.Fatalf("one external id submitted to two nodes got ids %v", ids)
	}

	stop := make(chan struct{})
	var mu sync.Mutex
	var acks []ack
	for i, n := range nodes {
		for w := 0; w < 2; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				a := load(n.url, token, code, fmt.Sprintf("N%d-W%d", i, w), stop)
				mu.Lock()
				acks = append(acks, a...)
				mu.Unlock()
			}()
		}
	}
	time.Sleep(1000 * time.Millisecond)
	nodes[1].kill()
	time.Sleep(1000 * time.Millisecond)
	close(stop)
	wg.Wait()
	if len(acks) == 0 {
		t.Fatal("nothing was acknowledged")
	}
	t.Logf("%d records acknowledged across three nodes, one killed", len(acks))
	checkAcks(t, nodes[0].url, token, acks)
	// Every surviving node sees the same registry.
	_, s0 := request(t, "GET", nodes[0].url+"/v1/stats", "", "", "")
	_, s2 := request(t, "GET", nodes[2].url+"/v1/stats", "", "", "")
	if s0["records"] != s2["records"] || s0["records"].(float64) < float64(len(acks)) {
		t.Fatalf("nodes disagree or lost records: %v %v (acknowledged %d)", s0, s2, len(acks))
	}
	// The stored grade equals a fresh recomputation, on every surviving
	// node, although all nodes accepted records for this organization at
	// the same moments.
	for _, n := range []*node{nodes[0], nodes[2]} {
		_, stored := request(t, "GET", n.url+"/v1/subjects/"+code+"/assessment", "", "", "")
		_, fresh := request(t, "GET", n.url+"/v1/subjects/"+code+"/assessment?as_of="+time.Now().UTC().Format(time.RFC3339Nano), "", "", "")
		if stored["grade"] == nil || stored["grade"] != fresh["grade"] || fmt.Sprint(gradesOf(stored)) != fmt.Sprint(gradesOf(fresh)) {
			t.Fatalf("stored assessment differs from a recomputation:\nstored %v\nfresh  %v", gradesOf(stored), gradesOf(fresh))
		}
	}
	resp, err := http.Get(nodes[2].url + fmt.Sprintf("/v1/records/%d", acks[0].id))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("node 2 does not see a record written elsewhere: %v", err)
	}
	resp.Body.Close()
}

// gradesOf is an assessment's grades and scores by dimension.
func gradesOf(a map[string]any) map[string]string {
	out := map[string]string{"": fmt.Sprint(a["grade"], " ", a["score"])}
	dims, _ := a["dimensions"].(map[string]any)
	for name, d := range dims {
		m := d.(map[string]any)
		out[name] = fmt.Sprint(m["grade"], " ", m["score"])
	}
	return out
}

// TestCopyCommand moves an embedded registry into PostgreSQL with the CLI
// and serves it from there.
func TestCopyCommand(t *testing.T) {
	db, _ := pgRegistry(t)
	dir, gen := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "80", "--records", "800", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "", "import", "--data", dir, gen+"/authorities.ndjson", gen+"/subjects.ndjson", gen+"/records.ndjson"); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	out, _, err := run(t, "", "copy", "--from", dir, "--to", db)
	if err != nil || !strings.Contains(out, "copied and verified") || !strings.Contains(out, "regraded 80 organizations") {
		t.Fatalf("copy: %v %s", err, out)
	}
	// Run again: nothing left to copy, still verified.
	if out, _, err := run(t, "", "copy", "--from", dir, "--to", db); err != nil || !strings.Contains(out, "copied and verified") {
		t.Fatalf("copy again: %v %s", err, out)
	}
	// The copy's nodes are given the source's person-key secret.
	n := startNode(t, "--db", db, "--person-key-file", filepath.Clean(dir)+".person-key")
	_, stats := request(t, "GET", n.url+"/v1/stats", "", "", "")
	if stats["organizations"] != 80.0 || stats["records"] != 800.0 {
		t.Fatalf("stats on PostgreSQL after copy: %v", stats)
	}
}
