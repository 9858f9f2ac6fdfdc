package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/credo-registry/credo/uscc"
)

// The kill tests SIGKILL a credo process in the middle of an operation
// (import, rescore, listing decisions, repair decisions), start it again,
// resubmit what was in flight, and expect that nothing acknowledged is lost,
// resubmission is idempotent, and `credo check` passes.

// call is one HTTP request of an operation: it returns whether the server
// acknowledged it (answered 2xx) and what it answered.
type call func(url string) (acked bool, status int, body map[string]any)

// httpCall makes a call of a request with a JSON body.
func httpCall(t *testing.T, method, path, token, body string) call {
	return func(url string) (bool, int, map[string]any) {
		req, _ := http.NewRequest(method, url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
		if err != nil {
			return false, 0, nil
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return resp.StatusCode/100 == 2, resp.StatusCode, v
	}
}

// killDuring runs calls against n, workers at a time, and kills n with
// SIGKILL once after of them are acknowledged (mid-flight for the others).
// It returns the answers of the calls acknowledged before the kill.
func killDuring(t *testing.T, n *node, calls []call, workers, after int) map[int]map[string]any {
	t.Helper()
	var mu sync.Mutex
	acked := map[int]map[string]any{}
	work := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				ok, _, body := calls[i](n.url)
				mu.Lock()
				if ok {
					acked[i] = body
				}
				kill := len(acked) >= after
				mu.Unlock()
				if kill {
					once.Do(n.kill)
				}
			}
		}()
	}
	for i := range calls {
		work <- i
	}
	close(work)
	wg.Wait()
	once.Do(n.kill)
	if len(acked) == len(calls) {
		t.Fatalf("all %d calls were acknowledged: the kill came after the operation", len(calls))
	}
	t.Logf("%d of %d calls acknowledged before SIGKILL", len(acked), len(calls))
	return acked
}

// mustCheck runs `credo check` on the registry and fails unless it passes.
func mustCheck(t *testing.T, where ...string) {
	t.Helper()
	out, _, err := run(t, "", append([]string{"check"}, where...)...)
	if err != nil || !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("credo check: %v\n%s", err, out)
	}
}

// beijingCodes builds n valid codes of companies of Dongcheng, Beijing.
func beijingCodes(t *testing.T, n int) []string {
	t.Helper()
	var codes []string
	for i := 0; i < n; i++ {
		c, err := uscc.Build('9', '1', "110101", fmt.Sprintf("MA%06d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	return codes
}

// newBeijingRegistry makes a registry in dir with the Beijing market
// regulator and returns its token.
func newBeijingRegistry(t *testing.T, dir string) string {
	t.Helper()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "bj-amr", "--name", "北京市市场监督管理局",
		"--divisions", "11", "--categories", "market")
	if err != nil {
		t.Fatal(err)
	}
	return lastLine(out)
}

// TestKillDuringListingDecisions: listing decisions on the serious
// dishonesty list, SIGKILL in the middle; after a restart each decision
// resubmitted finds its entry (the acknowledged ones with the id they were
// answered), and the registry passes credo check.
func TestKillDuringListingDecisions(t *testing.T) {
	dir := t.TempDir()
	token := newBeijingRegistry(t, dir)
	decided := time.Now().UTC().Add(-48 * time.Hour).Truncate(24 * time.Hour).Format(time.RFC3339)
	var calls []call
	for i, code := range beijingCodes(t, 60) {
		calls = append(calls, httpCall(t, "POST", "/v1/list-entries", token, fmt.Sprintf(
			`{"list":"serious-dishonesty","subject":%q,"legal_basis":"《市场监督管理严重违法失信名单管理办法》第十条",
			  "decision_number":"京市监信〔2026〕%d号","reasons":["提交虚假材料取得登记"],"decided_at":%q}`, code, i+1, decided)))
	}
	acked := killDuring(t, startNode(t, "--data", dir), calls, 4, 15)
	n := startNode(t, "--data", dir)
	for i, c := range calls {
		ok, status, body := c(n.url)
		if !ok {
			t.Fatalf("decision %d resubmitted after the restart: %d %v", i+1, status, body)
		}
		if a, was := acked[i]; was && (status != http.StatusOK || body["id"] != a["id"]) {
			t.Fatalf("acknowledged decision %d (entry %v) resubmitted: %d %v", i+1, a["id"], status, body)
		}
	}
	n.kill()
	mustCheck(t, "--data", dir)
}

// TestKillDuringRepairDecisions: credit repairs of penalties approved, one
// after another, SIGKILL in the middle; after a restart every decision
// made again is answered "decided already" for those that were stored
// (completing what followed them) or stored now, every record is marked
// repaired, and the registry passes credo check.
func TestKillDuringRepairDecisions(t *testing.T) {
	dir := t.TempDir()
	token := newBeijingRegistry(t, dir)
	const code = "91110000600037341L"
	out, _, err := run(t, "", "account", "add", "--data", dir, "--role", "organization", "--code", code)
	if err != nil {
		t.Fatal(err)
	}
	orgToken := lastLine(out)
	n := startNode(t, "--data", dir)
	// General penalties decided five months ago: shown for 3 to 12
	// months, so repairable now.
	occurred := time.Now().UTC().Add(-150 * 24 * time.Hour).Format("2006-01-02")
	const cases = 40
	var caseIDs []int64
	evidence := base64.StdEncoding.EncodeToString([]byte("%PDF-1.4 罚款已缴清"))
	for i := 0; i < cases; i++ {
		ok, status, rec := httpCall(t, "POST", "/v1/records", token, fmt.Sprintf(
			`{"subject":%q,"category":"market","kind":"penalty","external_id":"BJ-P-%d","severity":"general",
			  "decision_number":"京市监罚〔2026〕%d号","legal_basis":"《中华人民共和国产品质量法》第五十条",
			  "penalty_types":["fine"],"amount":20000,"occurred_at":%q}`, code, i, i+1, occurred))(n.url)
		if !ok {
			t.Fatalf("penalty %d: %d %v", i, status, rec)
		}
		ok, status, c := httpCall(t, "POST", "/v1/repairs", orgToken, fmt.Sprintf(
			`{"target":{"kind":"record","id":%v},"reasons":["罚款已缴清，违法行为已改正"],"commitment":true,
			  "attachments":[{"name":"缴款凭证.pdf","media_type":"application/pdf","data":%q}]}`, rec["id"], evidence))(n.url)
		if !ok {
			t.Fatalf("repair of record %v: %d %v", rec["id"], status, c)
		}
		caseIDs = append(caseIDs, int64(c["id"].(float64)))
	}
	var calls []call
	for _, id := range caseIDs {
		calls = append(calls, httpCall(t, "POST", fmt.Sprintf("/v1/repairs/%d/decision", id), token,
			`{"outcome":"approved","reasons":["经核查，失信行为已纠正"]}`))
	}
	acked := killDuring(t, n, calls, 4, 10)
	n = startNode(t, "--data", dir)
	for i, c := range calls {
		ok, status, body := c(n.url)
		_, was := acked[i]
		if (was && status != http.StatusConflict) || (!ok && status != http.StatusConflict) {
			t.Fatalf("repair %d decided again after the restart (acknowledged before: %v): %d %v", caseIDs[i], was, status, body)
		}
		_, status, got := httpCall(t, "GET", fmt.Sprintf("/v1/repairs/%d", caseIDs[i]), orgToken, "")(n.url)
		d, _ := got["decision"].(map[string]any)
		if status != http.StatusOK || d["outcome"] != "approved" {
			t.Fatalf("repair %d after the restart: %d %v", caseIDs[i], status, got)
		}
	}
	n.kill()
	mustCheck(t, "--data", dir)
}

// TestKillDuringRescore: a rulebook is published without regrading, so
// credo check finds the stored grades stale; a rescore is killed in the
// middle and resumed; then the registry passes credo check.
func TestKillDuringRescore(t *testing.T) {
	dir, gen := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "3000", "--records", "30000", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "", "import", "--data", dir, filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson"), filepath.Join(gen, "records.ndjson")); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	mustCheck(t, "--data", dir)
	if out, _, err := run(t, "", "rulebook", "publish", "--data", dir, "--no-rescore", stricterTax(t, "2026.9", "2026-01-01", "75")); err != nil {
		t.Fatalf("publish: %v %s", err, out)
	}
	out, _, err := run(t, "", "check", "--data", dir)
	if exitCode(err) != 1 || !strings.Contains(out, "grades: organization ") || !strings.Contains(out, "differs from a fresh recomputation") {
		t.Fatalf("check after a publication without regrading must name the stale grades: %v\n%s", err, out)
	}

	cmd := exec.Command(credoBinary, "rescore", "--data", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	checkpoint := filepath.Join(dir, "rescore.checkpoint")
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if b, err := os.ReadFile(checkpoint); err == nil && len(b) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the rescore wrote no checkpoint")
		}
		time.Sleep(2 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatal("the rescore ended by itself before it was killed")
	}
	b, err := os.ReadFile(checkpoint)
	if err != nil {
		t.Fatalf("a killed rescore leaves its checkpoint: %v", err)
	}
	t.Logf("rescore killed after %s", strings.TrimSpace(string(b)))
	out, _, err = run(t, "", "rescore", "--data", dir, "--resume")
	if err != nil || !strings.Contains(out, "regraded ") {
		t.Fatalf("rescore --resume: %v %s", err, out)
	}
	mustCheck(t, "--data", dir)
}
