package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
)

// run executes credo in-process and returns its stdout, stderr and error.
func run(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	m := &Main{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }}
	err := m.Run(context.Background(), args)
	return out.String(), errOut.String(), err
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exitError); ok {
		return ee.code
	}
	return 1
}

// serveInProcess runs `credo serve` on 127.0.0.1:0 and returns its URL.
func serveInProcess(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	var out syncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append(args, "--addr", "127.0.0.1:0")) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve ended with %v", err)
		}
	})
	select {
	case u := <-urls:
		return u
	case err := <-done:
		t.Fatalf("serve ended before listening: %v\n%s", err, out.String())
	case <-time.After(patience(t)):
		t.Fatalf("serve did not start:\n%s", out.String())
	}
	return ""
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

func request(t *testing.T, method, url, token, contentType, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var v map[string]any
	if len(raw) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: bad JSON %q", method, url, raw)
		}
	}
	return resp.StatusCode, v
}

func TestUSCCCommand(t *testing.T) {
	out, _, err := run(t, "", "uscc", "91350100M000100Y43", "９１１１００００６０００３７３４１Ｌ")
	if err != nil {
		t.Fatalf("valid codes: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 {
		t.Fatalf("want 2 lines, got %q", out)
	}
	var d map[string]any
	if err := json.Unmarshal([]byte(lines[1]), &d); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"input": "９１１１００００６０００３７３４１Ｌ", "code": "91110000600037341L", "valid": true,
		"error": "", "authority": "market_regulation", "entity_type": "enterprise", "division_code": "110000", "division_name": "北京市"} {
		if d[k] != want {
			t.Errorf("%s = %v, want %v", k, d[k], want)
		}
	}
	out, _, err = run(t, "91350100M000100Y43\n91350100M000100Y44\n\n", "uscc", "-")
	if exitCode(err) != 1 {
		t.Fatalf("an invalid code must exit 1, got %v", err)
	}
	if n := strings.Count(out, "\n"); n != 3 || !strings.Contains(out, `"error":"checksum"`) || !strings.Contains(out, `"error":"length"`) {
		t.Fatalf("stdin output: %q", out)
	}
}

func TestAuthorityCommands(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "sh-amr", "--name", "上海市市场监督管理局",
		"--divisions", "31,3205", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	if tok := lastLine(out); !strings.HasPrefix(tok, "credo_") || strings.Contains(tok, " ") {
		t.Fatalf("the token must be alone on the last line: %q", out)
	}
	if _, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "sh-amr", "--name", "again",
		"--divisions", "31", "--categories", "market"); err == nil {
		t.Fatal("a duplicate id was accepted")
	}
	_, _, err = run(t, "", "authority", "add", "--data", dir, "--id", "xx", "--name", "n", "--divisions", "31", "--categories", "gossip")
	if err == nil || !strings.Contains(err.Error(), "categories") {
		t.Fatalf("unknown category: %v", err)
	}
	out, _, err = run(t, "", "authority", "list", "--data", dir)
	if err != nil || !strings.Contains(out, "sh-amr") || !strings.Contains(out, "31,3205") || strings.Contains(out, "credo_") {
		t.Fatalf("list: %v %q", err, out)
	}
}

func TestAccountCommands(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "account", "add", "--data", dir, "--role", "organization", "--code", "9131 0112 0879 9493 2f")
	if err != nil {
		t.Fatal(err)
	}
	if tok := lastLine(out); !strings.HasPrefix(tok, "credo_") || !strings.Contains(out, "org-91310112087994932f") {
		t.Fatalf("organization account: %q", out)
	}
	out, _, err = run(t, "", "account", "add", "--data", dir, "--role", "admin", "--id", "ops", "--name", "值班管理员")
	if err != nil || !strings.HasPrefix(lastLine(out), "credo_") {
		t.Fatalf("admin account: %v %q", err, out)
	}
	// An administrator's and a client's id default to one made of the
	// time; a client sees what the public sees (issue 9).
	if out, _, err = run(t, "", "account", "add", "--data", dir, "--role", "admin"); err != nil || !strings.Contains(out, "administrator account admin-") {
		t.Fatalf("admin without an id: %v %q", err, out)
	}
	if out, _, err = run(t, "", "account", "add", "--data", dir, "--role", "client", "--name", "采购监测"); err != nil || !strings.Contains(out, "client account client-") || !strings.HasPrefix(lastLine(out), "credo_") {
		t.Fatalf("client: %v %q", err, out)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--role", "organization", "--code", "91310112087994932X"}, "--code"},
		{[]string{"--role", "organization", "--code", "11010519491231002X"}, "--code"},
		{[]string{"--role", "organization"}, "code"},
		{[]string{"--role", "admin", "--id", "ops2", "--code", "91310112087994932F"}, "admin"},
		{[]string{"--role", "person", "--id", "x1"}, "role"},
		{[]string{"--role", "administrator", "--id", "x2"}, "role"},
		{[]string{"--role", "client", "--id", "x3", "--code", "91310112087994932F"}, "client"},
		{[]string{"--role", "admin", "--id", "Bad ID"}, "id"},
	} {
		_, _, err := run(t, "", append([]string{"account", "add", "--data", dir}, c.args...)...)
		if exitCode(err) != 2 || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want exit 2 naming %s", c.args, err, c.want)
		}
	}
	if _, _, err := run(t, "", "account", "add", "--data", dir, "--role", "admin", "--id", "ops"); err == nil {
		t.Fatal("a duplicate id was accepted")
	}
	out, _, err = run(t, "", "account", "list", "--data", dir)
	if err != nil || !strings.Contains(out, "org-91310112087994932f") || !strings.Contains(out, "ops") || strings.Contains(out, "credo_") {
		t.Fatalf("list: %v %q", err, out)
	}
}

func TestServeEndToEnd(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "gd-amr", "--name", "广东省市场监督管理局",
		"--divisions", "44", "--categories", "market,registration")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	url := serveInProcess(t, "serve", "--data", dir)

	code := "914403001922038216" // 华为技术有限公司, Shenzhen
	status, body := request(t, "POST", url+"/v1/subjects", token, "application/json",
		`{"code":"`+code+`","name":"华为技术有限公司","established":"1987-09-15","status":"active",
		  "officers":[{"role":"legal_representative","name":"赵明路","id_number":"11010519491231002X"}]}`)
	if status != 201 {
		t.Fatalf("post subject: %d %v", status, body)
	}
	status, body = request(t, "GET", url+"/v1/subjects?q=华为", "", "", "")
	subs, _ := body["subjects"].([]any)
	if status != 200 || len(subs) != 1 || subs[0].(map[string]any)["code"] != code {
		t.Fatalf("search 华为: %d %v", status, body)
	}
	if strings.Contains(fmt.Sprint(body), "11010519491231002X") {
		t.Fatal("an identity number was stored")
	}
	rec := `{"subject":"` + code + `","category":"market","kind":"penalty","external_id":"GD-MKT-2025-1",
		"decision_number":"粤市监处〔2025〕1号","legal_basis":"《中华人民共和国广告法》第五十五条",
		"penalty_types":["fine"],"amount":200000,"occurred_at":"2025-03-14"}`
	status, body = request(t, "POST", url+"/v1/records", token, "application/json", rec)
	if status != 201 || body["id"] == nil {
		t.Fatalf("post record: %d %v", status, body)
	}
	id := body["id"]
	status, body = request(t, "POST", url+"/v1/records", token, "application/json", rec)
	if status != 200 || body["id"] != id {
		t.Fatalf("resubmit: %d %v", status, body)
	}
	status, _ = request(t, "POST", url+"/v1/records", "", "application/json", rec)
	if status != 401 {
		t.Fatalf("no token: %d", status)
	}
	status, body = request(t, "GET", url+fmt.Sprintf("/v1/records/%v", id), "", "", "")
	if status != 200 || body["authority"] != "gd-amr" {
		t.Fatalf("get record: %d %v", status, body)
	}
	status, body = request(t, "GET", url+"/v1/stats", "", "", "")
	if status != 200 || body["organizations"] != 1.0 || body["records"] != 1.0 || body["authorities"] != 1.0 {
		t.Fatalf("stats: %d %v", status, body)
	}
}

func TestGenerateAndImport(t *testing.T) {
	dir, gen := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "60", "--records", "600", "--seed", "7", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	again := t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "60", "--records", "600", "--seed", "7", "--now", "2026-06-30", "--out", again); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"authorities.ndjson", "subjects.ndjson", "records.ndjson", "annual-reports.ndjson"} {
		a, _ := os.ReadFile(filepath.Join(gen, f))
		b, _ := os.ReadFile(filepath.Join(again, f))
		if len(a) == 0 || !bytes.Equal(a, b) {
			t.Fatalf("%s: the same seed must give the same data", f)
		}
	}
	files := []string{filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson"), filepath.Join(gen, "records.ndjson"),
		filepath.Join(gen, "annual-reports.ndjson")}
	reports, _ := os.ReadFile(filepath.Join(gen, "annual-reports.ndjson"))
	nReports := strings.Count(string(reports), "\n")
	if nReports == 0 {
		t.Fatal("no annual reports generated")
	}
	out, _, err := run(t, "", append([]string{"import", "--data", dir}, files...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}
	if !strings.Contains(out, "600 records lines: 600 created, 0 already stored, 0 refused") ||
		!strings.Contains(out, "60 subjects lines: 60 created") ||
		!strings.Contains(out, fmt.Sprintf("%d annual-reports lines: %d created, 0 already stored, 0 refused", nReports, nReports)) {
		t.Fatalf("import summary: %q", out)
	}
	out, _, err = run(t, "", append([]string{"import", "--data", dir}, files...)...)
	if err != nil || !strings.Contains(out, "600 records lines: 0 created, 600 already stored, 0 refused") ||
		!strings.Contains(out, fmt.Sprintf("%d annual-reports lines: 0 created, %d already stored, 0 refused", nReports, nReports)) {
		t.Fatalf("re-import must be idempotent: %v %q", err, out)
	}
	// What the import stored is graded: every organization has a stored
	// assessment with its history.
	store, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	codes := map[string]bool{}
	recs0, _ := os.ReadFile(filepath.Join(gen, "records.ndjson"))
	for _, l := range strings.Split(strings.TrimSpace(string(recs0)), "\n") {
		var r struct{ Subject string }
		json.Unmarshal([]byte(l), &r)
		codes[r.Subject] = true
	}
	for code := range codes {
		if _, err := store.CurrentAssessment(context.Background(), code); err != nil {
			t.Fatalf("%s was not graded by the import: %v", code, err)
		}
	}
	// The organizations were loaded in bulk (the store held no records):
	// their search grams were written at the end, so the store finds an
	// organization by a part of its name that is not a prefix.
	subjects0, _ := os.ReadFile(filepath.Join(gen, "subjects.ndjson"))
	var sub struct{ Code, Name string }
	json.Unmarshal([]byte(strings.SplitN(string(subjects0), "\n", 2)[0]), &sub)
	part := string([]rune(sub.Name)[2:5])
	page, err := store.SearchSubjects(context.Background(), credo.SubjectQuery{Q: part, Limit: credo.MaxPageSize})
	if err != nil || !slices.ContainsFunc(page.Subjects, func(s *credo.Subject) bool { return s.Code == sub.Code }) {
		t.Errorf("searching the store for %q (from %s) after a bulk import: %v, %v", part, sub.Name, page, err)
	}
	store.Close()

	// A file with bad lines: the good one is stored, the bad ones are
	// written to the refused file with their reasons.
	recs, _ := os.ReadFile(filepath.Join(gen, "records.ndjson"))
	first := strings.SplitN(string(recs), "\n", 2)[0]
	var r map[string]any
	json.Unmarshal([]byte(first), &r)
	r["external_id"] = "NEW-1"
	good, _ := json.Marshal(r)
	r["external_id"], r["amount"] = "NEW-2", -1
	negative, _ := json.Marshal(r)
	bad := filepath.Join(t.TempDir(), "bad.ndjson")
	os.WriteFile(bad, []byte(string(good)+"\n{not json\n"+string(negative)+"\n"+`{"subject":"11010519491231002X"}`+"\n"), 0o644)
	out, _, err = run(t, "", "import", "--data", dir, "--kind", "records", bad)
	if exitCode(err) != 1 || !strings.Contains(out, "4 records lines: 1 created, 0 already stored, 3 refused") {
		t.Fatalf("bad file: %v %q", err, out)
	}
	refused, err := os.ReadFile(bad + ".refused.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(refused)), "\n")
	if len(lines) != 3 || !strings.Contains(lines[0], `"line":2`) || !strings.Contains(lines[1], `"field":"amount"`) ||
		!strings.Contains(lines[2], "organizations only") {
		t.Fatalf("refused file: %s", refused)
	}
}

func TestDemo(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	urls := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"demo", "--data", dir, "--addr", "127.0.0.1:0", "--subjects", "3000", "--records", "30000"})
	}()
	var url string
	select {
	case url = <-urls:
	case err := <-done:
		t.Fatalf("demo ended: %v\n%s", err, out.String())
	case <-time.After(patience(t)):
		t.Fatalf("demo did not start:\n%s", out.String())
	}
	status, body := request(t, "GET", url+"/v1/stats", "", "", "")
	if status != 200 || body["organizations"] != 3000.0 || body["records"] != 30000.0 {
		t.Fatalf("stats: %v\n%s", body, out.String())
	}
	// Three tokens, in order: the demo authority's, the listed
	// organization's own account's, an administrator's.
	var tokens []string
	for _, l := range strings.Split(out.String(), "\n") {
		if strings.HasPrefix(l, "credo_") {
			tokens = append(tokens, l)
		}
	}
	if len(tokens) != 3 {
		t.Fatalf("want 3 tokens printed:\n%s", out.String())
	}
	status, _ = request(t, "POST", url+"/v1/records", tokens[0], "application/x-ndjson", "")
	if status == 401 || status == 403 {
		t.Fatalf("the demo token is not accepted: %d", status)
	}
	status, me := request(t, "GET", url+"/v1/me", tokens[1], "", "")
	org, _ := me["account"].(map[string]any)
	if status != 200 || me["role"] != "organization" || org == nil {
		t.Fatalf("the organization's token: %d %v", status, me)
	}
	code := org["subject"].(string)
	status, lists := request(t, "GET", url+"/v1/subjects/"+code+"/lists", "", "", "")
	entries, _ := lists["entries"].([]any)
	if status != 200 || len(entries) == 0 {
		t.Fatalf("the listed organization's lists: %d %v", status, lists)
	}
	status, a := request(t, "GET", url+"/v1/subjects/"+code+"/assessment", "", "", "")
	if status != 200 || a["grade"] != "D" {
		t.Fatalf("the listed organization's grade: %d %v", status, a["grade"])
	}
	// The portal beside the API: the listed organization's page, found by
	// searching its code.
	for path, want := range map[string]string{
		"/zh/search?q=" + code:         "/zh/organizations/" + code,
		"/en/organizations/" + code:    `<span class="letter">D</span>`,
		"/zh/lists/serious-dishonesty": `<html lang="zh-CN">`,
	} {
		res, err := http.Get(url + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !strings.Contains(string(b), want) {
			t.Errorf("%s: %d, want 200 with %q", path, res.StatusCode, want)
		}
	}
	status, notices := request(t, "GET", url+"/v1/me/notices", tokens[1], "", "")
	if ns, _ := notices["notices"].([]any); status != 200 || len(ns) == 0 {
		t.Fatalf("the organization's notices: %d %v", status, notices)
	}
	// The deadline pass of the demo's report year listed, by rule, those
	// that did not file.
	status, abnormal := request(t, "GET", url+"/v1/lists/abnormal-operations?limit=1000", "", "", "")
	byRule := 0
	for _, e := range abnormal["entries"].([]any) {
		if strings.HasPrefix(e.(map[string]any)["decision_number"].(string), "credo:annual-report:") {
			byRule++
		}
	}
	if status != 200 || byRule == 0 {
		t.Fatalf("no abnormal-operations entries for missing annual reports: %d %v", status, abnormal["entries"])
	}
	// Listed companies carry their short and English names: the matcher
	// finds them by either.
	for _, q := range []string{"平安银行", "Ping%20An%20Bank"} {
		status, found := request(t, "GET", url+"/v1/subjects?q="+q, "", "", "")
		subs, _ := found["subjects"].([]any)
		if status != 200 || len(subs) == 0 || subs[0].(map[string]any)["name"] != "平安银行股份有限公司" || subs[0].(map[string]any)["match"] != true {
			t.Fatalf("search %s in the demo: %d %v", q, status, found)
		}
	}
	if status, me = request(t, "GET", url+"/v1/me", tokens[2], "", ""); status != 200 || me["role"] != "admin" {
		t.Fatalf("the administrator's token: %d %v", status, me)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestListsCommands(t *testing.T) {
	out, _, err := run(t, "", "lists", "show")
	if err != nil || !strings.Contains(out, "serious-dishonesty") || !strings.Contains(out, "1y to 3y") {
		t.Fatalf("show: %v %q", err, out)
	}
	src, err := os.ReadFile(filepath.Join("..", "..", "lists", "definitions", "serious-dishonesty.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "serious-dishonesty.yaml")
	os.WriteFile(good, src, 0o644)
	if out, _, err = run(t, "", "lists", "check", good); err != nil || !strings.HasPrefix(out, "ok: 6 lists") {
		t.Fatalf("check a good definition: %v %q", err, out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, append(src, []byte("rule:\n  when: records.exists(r, r.kind ==\n  reason: x\n")...), 0o644)
	out, _, err = run(t, "", "lists", "check", bad)
	if exitCode(err) != 1 || !strings.Contains(out, "bad.yaml:") || !strings.Contains(out, "rule.when") {
		t.Fatalf("check criteria that do not compile: %v %q", err, out)
	}
	if _, _, err := run(t, "", "lists"); exitCode(err) != 2 {
		t.Fatalf("no subcommand: %v", err)
	}
}

// patience is how long a test waits for a server to start: until shortly
// before the test binary's deadline, because under the race detector (as
// CI runs the tests) on a busy machine a start takes many times as long
// as usual, and a fixed wait fails tests that would pass.
func patience(t *testing.T) time.Duration {
	if d, ok := t.Deadline(); ok {
		return max(time.Until(d)-30*time.Second, time.Second)
	}
	return 10 * time.Minute
}
