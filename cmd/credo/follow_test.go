package main

import (
	"net/url"
	"path/filepath"
	"testing"
	"time"
)

// TestMatcherFollowsOtherNodes: two credo serve processes on one
// PostgreSQL schema; a registration made through one is found by name
// through the other within seconds (its index follows the change log),
// and a change of name too.
func TestMatcherFollowsOtherNodes(t *testing.T) {
	db := freshSchema(t)
	out, _, err := run(t, "", "authority", "add", "--db", db, "--id", "sz-amr", "--name", "深圳市市场监督管理局",
		"--divisions", "4403", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	keyFile := filepath.Join(t.TempDir(), "person-key")
	writer, reader := startNode(t, "--db", db, "--person-key-file", keyFile), startNode(t, "--db", db, "--person-key-file", keyFile)

	found := func(q, code string) bool {
		t.Helper()
		status, body := request(t, "GET", reader.url+"/v1/subjects?q="+url.QueryEscape(q), "", "", "")
		if status != 200 {
			t.Fatalf("search %q: %d %v", q, status, body)
		}
		subs, _ := body["subjects"].([]any)
		if len(subs) == 0 {
			return false
		}
		first, _ := subs[0].(map[string]any)
		return first["code"] == code && first["match"] == true
	}
	waitFound := func(q, code string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !found(q, code) {
			if time.Now().After(deadline) {
				t.Fatalf("the other node does not find %q as %s after 15 s", q, code)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	const code = "914403001922038216"
	if found("华为技术", code) {
		t.Fatal("found before it was registered")
	}
	if status, body := request(t, "POST", writer.url+"/v1/subjects", token, "application/json",
		`{"code":"`+code+`","name":"华为技术有限公司","short_name":"华为"}`); status != 201 {
		t.Fatalf("register: %d %v", status, body)
	}
	waitFound("华为技术", code)
	// A new name: the other node finds the organization by it, and by its
	// former name.
	if status, body := request(t, "POST", writer.url+"/v1/subjects", token, "application/json",
		`{"code":"`+code+`","name":"深圳某某通信科技有限公司","former_names":[{"name":"华为技术有限公司","until":"2026-01-01"}]}`); status != 201 {
		t.Fatalf("rename: %d %v", status, body)
	}
	waitFound("深圳某某通信科技", code)
	waitFound("华为技术有限公司", code)
}
