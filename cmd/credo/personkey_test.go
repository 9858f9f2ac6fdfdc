package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
)

// generated writes a small generated registry and returns the files of its
// authorities and subjects (officers with identity numbers).
func generated(t *testing.T) []string {
	t.Helper()
	gen := t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "20", "--records", "20", "--seed", "3", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	return []string{filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson")}
}

// filesUnder returns every file's bytes under dir.
func filesUnder(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			out[p] = b
		}
		return nil
	})
	return out
}

// Finding (issue 9, Medium 8): the secret behind person keys sat in the
// same database file as the keys. It is kept in a file beside the data
// folder, readable by its owner only; the data holds neither the secret
// nor any identity number.
func TestPersonKeySecretOutsideData(t *testing.T) {
	files := generated(t)
	dir := filepath.Join(t.TempDir(), "data")
	_, stderr, err := run(t, "", append([]string{"import", "--data", dir}, files...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	keyFile := dir + ".person-key"
	if !strings.Contains(stderr, "created the person-key secret in "+keyFile) {
		t.Errorf("import did not say where the secret is: %q", stderr)
	}
	fi, err := os.Stat(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(keyFile)
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(secret) != 32 {
		t.Fatalf("key file %q", b)
	}

	subjects, _ := os.ReadFile(files[1])
	var ids []string
	for _, r := range uscc.ResidentIDsIn(string(subjects)) {
		ids = append(ids, string(subjects[r[0]:r[1]]))
	}
	if len(ids) == 0 {
		t.Fatal("the generated subjects carry no identity numbers to look for")
	}
	for p, content := range filesUnder(t, dir) {
		if bytes.Contains(content, secret) || bytes.Contains(content, []byte(hex.EncodeToString(secret))) {
			t.Errorf("%s holds the person-key secret", p)
		}
		for _, id := range ids {
			if bytes.Contains(content, []byte(id)) {
				t.Errorf("%s holds the identity number %s", p, id)
			}
		}
	}

	// A second run uses the same file, silently.
	if _, stderr, err := run(t, "", append([]string{"import", "--data", dir}, files...)...); err != nil || strings.Contains(stderr, "person-key") {
		t.Errorf("second import: %v %q", err, stderr)
	}
	// Another secret is refused: its keys would match nothing stored.
	other := filepath.Join(t.TempDir(), "other.person-key")
	os.WriteFile(other, []byte(strings.Repeat("ab", 32)+"\n"), 0o600)
	_, _, err = run(t, "", append([]string{"import", "--data", dir, "--person-key-file", other}, files...)...)
	if err == nil || !strings.Contains(err.Error(), "not the person-key secret") {
		t.Errorf("import with another secret: %v", err)
	}
	// And a lost file is not silently replaced.
	os.Remove(keyFile)
	_, _, err = run(t, "", append([]string{"import", "--data", dir}, files...)...)
	if err == nil || !strings.Contains(err.Error(), "no person-key secret at "+keyFile) {
		t.Errorf("import without the secret: %v", err)
	}
}

// A registry that holds its secret in the store (as every one did before)
// has it moved to the key file on its next start, and its person keys stay
// the same.
func TestPersonKeySecretMovesOut(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	legacy, err := st.Secret(ctx, credo.PersonKeySecret) // what old versions did on first use
	if err != nil {
		t.Fatal(err)
	}
	st.Close()

	keyFile := filepath.Join(t.TempDir(), "keys", "person-key")
	_, stderr, err := run(t, "", append([]string{"import", "--data", dir, "--person-key-file", keyFile}, generated(t)...)...)
	if err != nil {
		t.Fatalf("import: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "moved the person-key secret out of the registry's data into "+keyFile) {
		t.Errorf("stderr %q", stderr)
	}
	b, _ := os.ReadFile(keyFile)
	if strings.TrimSpace(string(b)) != hex.EncodeToString(legacy) {
		t.Errorf("key file %q, want the stored secret %x", b, legacy)
	}
	st, err = sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.StoredSecret(ctx, credo.PersonKeySecret); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Errorf("the store still holds the secret: %v", err)
	}
	if check, err := st.StoredSecret(ctx, credo.PersonKeyCheckSecret); err != nil || !bytes.Equal(check, credo.PersonKeyCheck(legacy)) {
		t.Errorf("person-key check %x, %v", check, err)
	}
}

// serveWith runs `credo serve` in-process with env and returns its URL
// and what it wrote to stderr.
func serveWith(t *testing.T, env map[string]string, args ...string) (string, *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	urls := make(chan string, 1)
	var stderr syncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(k string) string { return env[k] },
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, append(append([]string{"serve"}, args...), "--addr", "127.0.0.1:0")) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	select {
	case u := <-urls:
		return u, &stderr
	case err := <-done:
		t.Fatalf("serve ended before listening: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	return "", nil
}

// Finding (issue 9, Low): a weak CREDO_ADMIN_TOKEN was accepted without a
// warning.
func TestWeakAdminTokenWarns(t *testing.T) {
	for _, c := range []struct {
		token string
		weak  bool
	}{
		{"admin", true},
		{strings.Repeat("ab", 20), true},
		{"credo_Zq8vN3kT0pXw7RbYc2LmH5sJ9dFgA4eU", false},
	} {
		_, stderr := serveWith(t, map[string]string{"CREDO_ADMIN_TOKEN": c.token}, "--data", t.TempDir())
		if got := strings.Contains(stderr.String(), "warning: CREDO_ADMIN_TOKEN"); got != c.weak {
			t.Errorf("token %q: warned %v, want %v (%s)", c.token, got, c.weak, stderr.String())
		}
	}
}

// The limits' flags and environment reach the server.
func TestServeRateLimitFlags(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
	}{
		{nil, []string{"--rate-token", "0.01"}},
		{map[string]string{"CREDO_RATE_TOKEN": "0.01"}, nil},
	} {
		dir := t.TempDir()
		out, _, err := run(t, "", "authority", "add", "--data", dir, "--id", "sz-amr", "--name", "深圳市市场监督管理局",
			"--divisions", "4403", "--categories", "market")
		if err != nil {
			t.Fatal(err)
		}
		token := lastLine(out)
		url, _ := serveWith(t, c.env, append([]string{"--data", dir}, c.args...)...)
		var statuses []int
		for range 3 { // the first is the address's, then a burst of 1
			status, _ := request(t, "GET", url+"/v1/records/1", token, "", "")
			statuses = append(statuses, status)
		}
		if statuses[1] != 404 || statuses[2] != http.StatusTooManyRequests {
			t.Errorf("%v %v: statuses %v", c.env, c.args, statuses)
		}
	}
}

// The README's quick start stays one command: demo makes the key file
// beside the data folder and says where.
func TestDemoMakesThePersonKeyFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "credo-data")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stderr syncBuffer
	urls := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: &stderr, Getenv: func(string) string { return "" },
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, []string{"demo", "--data", dir, "--addr", "127.0.0.1:0", "--subjects", "50", "--records", "200"})
	}()
	select {
	case <-urls:
	case err := <-done:
		t.Fatalf("demo ended: %v\n%s", err, stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatal("demo did not start")
	}
	cancel()
	<-done
	if !strings.Contains(stderr.String(), "created the person-key secret in "+dir+".person-key") {
		t.Errorf("demo did not say where the secret is:\n%s", stderr.String())
	}
	if _, err := os.Stat(dir + ".person-key"); err != nil {
		t.Error(err)
	}
}

// A limit that is no number is refused, naming it.
func TestServeLimitRefused(t *testing.T) {
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(k string) string { return map[string]string{"CREDO_RATE_ADDRESS": "lots"}[k] }}
	err := m.Run(context.Background(), []string{"serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0"})
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "CREDO_RATE_ADDRESS") {
		t.Errorf("serve with CREDO_RATE_ADDRESS=lots: %v", err)
	}
	_, _, err = run(t, "", "serve", "--data", t.TempDir(), "--addr", "127.0.0.1:0", "--max-connections", "-1")
	if exitCode(err) != 2 || !strings.Contains(err.Error(), "0 or more") {
		t.Errorf("serve --max-connections -1: %v", err)
	}
}
