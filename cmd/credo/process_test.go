package main

import (
	"bufio"
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
)

// credoBinary is built once by TestMain for the tests that run credo as a
// separate process (to kill it with SIGKILL, or to run several nodes).
var credoBinary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "credo-bin-")
	if err != nil {
		panic(err)
	}
	credoBinary = filepath.Join(dir, "credo")
	build := exec.Command("go", "build", "-o", credoBinary, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building credo:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// node is a credo serve process.
type node struct {
	cmd *exec.Cmd
	url string
}

func startNode(t *testing.T, args ...string) *node {
	t.Helper()
	return startNodeEnv(t, nil, args...)
}

// startNodeEnv starts a node with env added to this process's.
func startNodeEnv(t *testing.T, env []string, args ...string) *node {
	t.Helper()
	cmd := exec.Command(credoBinary, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	n := &node{cmd: cmd}
	t.Cleanup(func() { n.kill() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "credo listening on "); ok {
				urls <- u
			}
		}
	}()
	select {
	case n.url = <-urls:
	case <-time.After(patience(t)):
		t.Fatal("node did not start")
	}
	return n
}

func (n *node) kill() {
	if n.cmd.ProcessState == nil {
		n.cmd.Process.Signal(syscall.SIGKILL)
		n.cmd.Wait()
	}
}

// ack is an acknowledged record: its external id and the id returned.
type ack struct {
	externalID string
	id         int64
	line       string
}

// load posts NDJSON batches of new records to url until stop is closed or
// the node stops answering, and returns what was acknowledged.
func load(url, token, code, prefix string, stop <-chan struct{}) []ack {
	var acks []ack
	client := &http.Client{Timeout: 10 * time.Second}
	for b := 0; ; b++ {
		select {
		case <-stop:
			return acks
		default:
		}
		var lines []string
		for i := 0; i < 20; i++ {
			lines = append(lines, fmt.Sprintf(`{"subject":%q,"category":"market","kind":"inspection","external_id":"%s-%d-%d","description":"抽查合格","occurred_at":"2025-01-02"}`,
				code, prefix, b, i))
		}
		req, _ := http.NewRequest("POST", url+"/v1/records", strings.NewReader(strings.Join(lines, "\n")))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/x-ndjson")
		resp, err := client.Do(req)
		if err != nil {
			return acks
		}
		var out struct {
			Results []struct {
				Line   int    `json:"line"`
				Status string `json:"status"`
				ID     int64  `json:"id"`
			} `json:"results"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 {
			return acks
		}
		for _, r := range out.Results {
			if r.Status == "created" || r.Status == "exists" {
				acks = append(acks, ack{fmt.Sprintf("%s-%d-%d", prefix, b, r.Line-1), r.ID, lines[r.Line-1]})
			}
		}
	}
}

// checkAcks verifies through url that every acknowledged record is stored
// exactly once: its id holds it, and resubmitting it finds that same id.
func checkAcks(t *testing.T, url, token string, acks []ack) {
	t.Helper()
	seen := map[int64]string{}
	for _, a := range acks {
		if prev, dup := seen[a.id]; dup && prev != a.externalID {
			t.Fatalf("id %d acknowledged for %s and %s", a.id, prev, a.externalID)
		}
		seen[a.id] = a.externalID
	}
	var wg sync.WaitGroup
	work := make(chan ack)
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for a := range work {
				status, body := request(t, "GET", fmt.Sprintf("%s/v1/records/%d", url, a.id), "", "", "")
				if status != 200 || body["external_id"] != a.externalID {
					t.Errorf("acknowledged record %s (id %d) lost: %d %v", a.externalID, a.id, status, body)
					continue
				}
				status, body = request(t, "POST", url+"/v1/records", token, "application/json", a.line)
				if status != 200 || body["id"] != float64(a.id) {
					t.Errorf("acknowledged record %s stored twice or changed: %d %v", a.externalID, status, body)
				}
			}
		}()
	}
	for _, a := range acks {
		if t.Failed() {
			break
		}
		work <- a
	}
	close(work)
	wg.Wait()
}

func TestKillDuringLoadLosesNothing(t *testing.T) {
	dir := t.TempDir()
	out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "bj-amr", "--name", "北京市市场监督管理局",
		"--divisions", "11", "--categories", "market")
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	n := startNode(t, "--data", dir)
	stop := make(chan struct{})
	var mu sync.Mutex
	var acks []ack
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := load(n.url, token, "91110000600037341L", fmt.Sprintf("W%d", w), stop)
			mu.Lock()
			acks = append(acks, a...)
			mu.Unlock()
		}()
	}
	time.Sleep(1000 * time.Millisecond)
	n.kill() // SIGKILL mid-load
	close(stop)
	wg.Wait()
	if len(acks) == 0 {
		t.Fatal("nothing was acknowledged before the kill")
	}
	t.Logf("%d records acknowledged before SIGKILL", len(acks))
	n2 := startNode(t, "--data", dir)
	checkAcks(t, n2.url, token, acks)
}

func TestKillDuringImportThenResume(t *testing.T) {
	dir, gen := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "2000", "--records", "60000", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson"), filepath.Join(gen, "records.ndjson")}
	cmd := exec.Command(credoBinary, append([]string{"import", "--data", dir, "--batch", "2000"}, files...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once it has moved on to the records file.
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		if strings.Contains(sc.Text(), "subjects lines") {
			break
		}
	}
	time.Sleep(300 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()

	// Whatever was committed is intact; re-running completes the import
	// without duplicates.
	out, _, err := run(t, "", append([]string{"import", "--data", dir}, files...)...)
	if err != nil {
		t.Fatalf("resumed import: %v\n%s", err, out)
	}
	var created, exists int
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "60000 records lines") {
			fmt.Sscanf(l[strings.Index(l, "lines: ")+len("lines: "):], "%d created, %d already stored", &created, &exists)
		}
	}
	if created+exists != 60000 {
		t.Fatalf("resumed import: %q", out)
	}
	t.Logf("killed import had stored %d records; the resumed one added %d", exists, created)
	mustCheck(t, "--data", dir)
	url := serveInProcess(t, "serve", "--data", dir)
	status, body := request(t, "GET", url+"/v1/stats", "", "", "")
	if status != 200 || body["records"] != 60000.0 {
		t.Fatalf("stats after resume: %v", body)
	}
}
