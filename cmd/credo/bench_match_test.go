package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// benchMatchSmall is a bench match small enough for a test: 40
// organizations, all stored, 20 screening rows.
var benchMatchSmall = []string{"--subjects", "40", "--stored", "40", "--queries", "10", "--rows", "20"}

// TestBenchMatchPersonKeyFile: bench match screens a registry in --dir
// with the person-key secret given by --person-key-file, as every command
// takes it (before or after the other flags, or CREDO_PERSON_KEY_FILE),
// instead of only DIR.person-key beside it; a file that is not a readable
// secret is refused before anything is generated or stored.
func TestBenchMatchPersonKeyFile(t *testing.T) {
	tmp := t.TempDir()
	dir, key := filepath.Join(tmp, "reg", "data"), filepath.Join(tmp, "reg", "person-key")

	args := append(append([]string{"bench", "match"}, benchMatchSmall...), "--dir", dir, "--person-key-file", key)
	out, stderr, err := run(t, "", args...)
	if err != nil {
		t.Fatalf("%v: %v\n%s", args, err, stderr)
	}
	if !strings.Contains(out, "40 organizations (loaded") || !strings.Contains(stderr, "created the person-key secret in "+key) {
		t.Fatalf("first run did not load a registry keyed by %s:\n%s\n%s", key, out, stderr)
	}
	secret, err := os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir + ".person-key"); err == nil {
		t.Errorf("a secret was made beside the data (%s.person-key) though --person-key-file was given", dir)
	}

	// The registry is screened again as it is: with the flag first, ...
	args = append(append([]string{"bench", "match", "--person-key-file", key}, benchMatchSmall...), "--dir", dir)
	if out, stderr, err := run(t, "", args...); err != nil || !strings.Contains(out, "reused from "+dir) {
		t.Fatalf("%v: %v\n%s\n%s", args, err, out, stderr)
	}
	// ... or given by the environment.
	var outBuf, errBuf bytes.Buffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &outBuf, Stderr: &errBuf, Getenv: func(k string) string {
		if k == "CREDO_PERSON_KEY_FILE" {
			return key
		}
		return ""
	}}
	args = append(append([]string{"bench", "match"}, benchMatchSmall...), "--dir", dir)
	if err := m.Run(context.Background(), args); err != nil || !strings.Contains(outBuf.String(), "reused from "+dir) {
		t.Fatalf("%v with CREDO_PERSON_KEY_FILE=%s: %v\n%s\n%s", args, key, err, outBuf.String(), errBuf.String())
	}
	// Without it, the secret is looked for beside the data, and the
	// registry refuses to be keyed by another.
	if _, _, err := run(t, "", args...); err == nil || !strings.Contains(err.Error(), "no person-key secret at "+dir+".person-key") {
		t.Fatalf("%v without the registry's secret: %v; want it refused", args, err)
	}
	other := filepath.Join(tmp, "other.person-key")
	if err := writePersonKey(other, bytes.Repeat([]byte{7}, 32)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(t, "", append(args, "--person-key-file", other)...); err == nil || !strings.Contains(err.Error(), "not the person-key secret") {
		t.Fatalf("%v --person-key-file %s (another secret): %v; want it refused", args, other, err)
	}
	if b, _ := os.ReadFile(key); !bytes.Equal(b, secret) {
		t.Errorf("the secret's file changed: %q, was %q", b, secret)
	}

	notSecret := filepath.Join(tmp, "not-a-secret")
	if err := os.WriteFile(notSecret, []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, file, want string }{
		{"a folder", tmp, "reading the person-key secret"},
		{"not hexadecimal", notSecret, notSecret + " is not a person-key secret"},
	} {
		t.Run(c.name, func(t *testing.T) {
			fresh := filepath.Join(t.TempDir(), "data")
			args := append(append([]string{"bench", "match"}, benchMatchSmall...), "--dir", fresh, "--person-key-file", c.file)
			if _, _, err := run(t, "", args...); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v: %v; want an error saying %q", args, err, c.want)
			}
			if _, err := os.Stat(fresh); err == nil {
				t.Errorf("refused, yet made the registry %s", fresh)
			}
		})
	}
}

// TestBenchMatchLeavesNothing: with no --dir, the temporary registry keeps
// its person-key secret inside, and nothing is left once it is removed
// (the secret was left beside it, in the temporary folder).
func TestBenchMatchLeavesNothing(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	if _, stderr, err := run(t, "", append([]string{"bench", "match"}, benchMatchSmall...)...); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	left, _ := os.ReadDir(tmp)
	for _, e := range left {
		t.Errorf("bench match left %s in the temporary folder", e.Name())
	}
}
