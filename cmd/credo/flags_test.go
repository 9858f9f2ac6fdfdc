package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// leafCommand is one command as a user types it: its words, and arguments
// it needs besides flags (nil when it takes none).
type leafCommand struct {
	words []string
	args  []string
}

// allCommands lists every command; TestEveryCommandIsListed keeps it
// complete.
func allCommands() []leafCommand {
	rb := filepath.Join(moduleRoot, "rulebooks", "national-tax")
	return []leafCommand{
		{words: []string{"serve"}},
		{words: []string{"demo"}},
		{words: []string{"generate"}},
		{words: []string{"import"}, args: []string{"records.ndjson"}},
		{words: []string{"authority", "add"}},
		{words: []string{"authority", "list"}},
		{words: []string{"authority", "token"}},
		{words: []string{"account", "add"}},
		{words: []string{"account", "list"}},
		{words: []string{"uscc"}, args: []string{"91350100M000100Y43"}},
		{words: []string{"migrate"}},
		{words: []string{"copy"}},
		{words: []string{"rulebook", "test"}, args: []string{rb}},
		{words: []string{"rulebook", "publish"}, args: []string{rb}},
		{words: []string{"rulebook", "diff"}, args: []string{rb, rb}},
		{words: []string{"rulebook", "list"}},
		{words: []string{"lists", "show"}},
		{words: []string{"lists", "check"}, args: []string{"list.yaml"}},
		{words: []string{"rescore"}},
		{words: []string{"check"}},
		{words: []string{"bench", "import"}},
		{words: []string{"bench", "rescore"}},
		{words: []string{"bench", "match"}},
		{words: []string{"screen"}, args: []string{"suppliers.csv"}},
		{words: []string{"bench", "ledger"}},
		{words: []string{"bench", "portal"}},
		{words: []string{"log", "key"}},
		{words: []string{"log", "erase"}, args: []string{"0"}},
		{words: []string{"verify"}, args: []string{"bundle.json"}},
	}
}

func TestEveryCommandIsListed(t *testing.T) {
	listed := map[string]bool{}
	for _, c := range allCommands() {
		listed[c.words[0]] = true
	}
	for _, l := range strings.Split(usage, "\n") {
		if !strings.HasPrefix(l, "  ") || len(strings.Fields(l)) < 2 {
			continue
		}
		if cmd := strings.Fields(l)[0]; !listed[cmd] {
			t.Errorf("command %q (in the usage) is missing from allCommands", cmd)
		}
	}
}

// TestFlagLikeArgumentsAreRefused: every command, given an unknown flag
// after its arguments, refuses it by name and does nothing; every command
// that takes no arguments refuses a stray one, before or after its flags,
// rather than ignoring it (`credo serve extra --addr ...`).
func TestFlagLikeArgumentsAreRefused(t *testing.T) {
	for _, c := range allCommands() {
		name := strings.Join(c.words, " ")
		t.Run(name+"/unknown flag after the arguments", func(t *testing.T) {
			t.Chdir(t.TempDir())
			args := append(append(append([]string{}, c.words...), c.args...), "--no-such-flag", "x")
			_, stderr, err := run(t, "", args...)
			if exitCode(err) != 2 || !strings.Contains(stderr, "-no-such-flag") {
				t.Fatalf("%v: exit %d (%v), stderr %q; want 2 naming -no-such-flag", args, exitCode(err), err, stderr)
			}
			assertNothingCreated(t)
		})
		if c.args != nil {
			continue
		}
		for _, at := range []string{"before", "after"} {
			t.Run(name+"/stray argument "+at+" the flags", func(t *testing.T) {
				t.Chdir(t.TempDir())
				flags := map[string][]string{"copy": {"--from", "a"}, "generate": {"--out", "o"}, "bench import": {"--records", "1"},
					"bench rescore": {"--subjects", "1"}, "bench match": {"--subjects", "1"}, "bench ledger": {"--records", "1"}, "bench portal": {"--subjects", "1"}, "lists show": nil}[name]
				if _, own := map[string]bool{"copy": true, "generate": true, "bench import": true, "bench rescore": true, "bench match": true, "bench ledger": true, "bench portal": true, "lists show": true}[name]; !own {
					flags = []string{"--data", "elsewhere"}
				}
				args := append([]string{}, c.words...)
				if at == "before" {
					args = append(append(args, "extra"), flags...)
				} else {
					args = append(append(args, flags...), "extra")
				}
				_, _, err := run(t, "", args...)
				if exitCode(err) != 2 || !strings.Contains(err.Error(), `"extra"`) {
					t.Fatalf("%v: %v; want exit 2 naming \"extra\"", args, err)
				}
				assertNothingCreated(t)
			})
		}
	}
}

// assertNothingCreated fails when the current folder is not empty.
func assertNothingCreated(t *testing.T) {
	t.Helper()
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		t.Errorf("a refused command created %s", e.Name())
	}
}

// TestFlagsAfterArguments: flags after the arguments take effect as
// before them.
func TestFlagsAfterArguments(t *testing.T) {
	dir, gen := t.TempDir(), t.TempDir()
	if _, _, err := run(t, "", "generate", "--out", gen, "--subjects", "30", "--records", "200", "--now", "2026-06-30"); err != nil {
		t.Fatal(err)
	}
	t.Chdir(t.TempDir())
	out, _, err := run(t, "", "import", filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson"), "--data", dir,
		filepath.Join(gen, "records.ndjson"), "--batch", "50")
	if err != nil || !strings.Contains(out, "200 records lines: 200 created") {
		t.Fatalf("import FILE --data DIR FILE: %v %q", err, out)
	}
	assertNothingCreated(t)
	if _, err := os.Stat(filepath.Join(dir, "credo.db")); err != nil {
		t.Fatalf("import FILE --data DIR did not import into DIR: %v", err)
	}
	out, _, err = run(t, "", "check", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "ok: 200 records, 30 organizations") {
		t.Fatalf("check after import: %v %q", err, out)
	}
	rb := filepath.Join(moduleRoot, "rulebooks", "national-tax")
	out, _, err = run(t, "", "rulebook", "diff", rb, rb, "--data", dir, "--json")
	if err != nil || !strings.Contains(out, `"organizations": 30`) {
		t.Fatalf("rulebook diff OLD NEW --data DIR --json: %v %q", err, out)
	}
	out, _, err = run(t, "", "authority", "list", "--json", "--data", dir)
	if err != nil || !strings.HasPrefix(out, "{") {
		t.Fatalf("authority list --json --data DIR: %v %q", err, out)
	}
	out, _, err = run(t, "", "uscc", "91350100M000100Y43", "--", "--json")
	if exitCode(err) != 1 || strings.Count(out, "\n") != 2 || !strings.Contains(out, `"input":"--json"`) {
		t.Fatalf("uscc CODE -- -: everything after -- is an argument: %v %q", err, out)
	}
	assertNothingCreated(t)
}

// moduleRoot is the module's folder, found before tests change folders.
var moduleRoot, _ = filepath.Abs("../..")

// TestReadOnlyCommandsCreateNoRegistry: commands that only read say there
// is no registry and create nothing; commands that create one say where.
func TestReadOnlyCommandsCreateNoRegistry(t *testing.T) {
	rb := filepath.Join(moduleRoot, "rulebooks", "national-tax")
	for _, args := range [][]string{
		{"authority", "list"},
		{"account", "list"},
		{"rulebook", "list"},
		{"rulebook", "diff", rb, rb},
		{"authority", "token", "--id", "x"},
		{"rescore"},
		{"check"},
		{"copy", "--from", "credo-data", "--to", "elsewhere"},
	} {
		t.Run(strings.Join(args[:min(2, len(args))], " "), func(t *testing.T) {
			wd := t.TempDir()
			t.Chdir(wd)
			_, _, err := run(t, "", args...)
			want := filepath.Join(wd, "credo-data")
			if exitCode(err) != 1 || !strings.Contains(err.Error(), "no registry in "+want) {
				t.Fatalf("%v in an empty folder: %v; want exit 1 saying there is no registry in %s", args, err, want)
			}
			assertNothingCreated(t)
		})
	}
	wd := t.TempDir()
	t.Chdir(wd)
	out, _, err := run(t, "", "authority", "add", "--id", "bj-amr", "--name", "北京市市场监督管理局", "--divisions", "11", "--categories", "market")
	if err != nil || !strings.HasPrefix(out, "created a new registry in "+filepath.Join(wd, "credo-data")+"\n") || !strings.HasPrefix(lastLine(out), "credo_") {
		t.Fatalf("authority add on first use: %v %q", err, out)
	}
	out, _, err = run(t, "", "authority", "add", "--id", "sh-amr", "--name", "上海市市场监督管理局", "--divisions", "31", "--categories", "market")
	if err != nil || strings.Contains(out, "created a new") {
		t.Fatalf("a second authority add must not say it created a registry: %v %q", err, out)
	}
	if out, _, err := run(t, "", "authority", "list"); err != nil || !strings.Contains(out, "sh-amr") {
		t.Fatalf("authority list once the registry exists: %v %q", err, out)
	}
}

// TestFlagsBeforeTheCommand: a flag where a command or subcommand is
// expected is refused by name.
func TestFlagsBeforeTheCommand(t *testing.T) {
	t.Chdir(t.TempDir())
	for _, args := range [][]string{
		{"--data", "d", "serve"},
		{"account", "--data", "d", "list"},
		{"authority", "--json", "list"},
		{"rulebook", "--data", "d", "list"},
		{"lists", "-x", "show"},
		{"bench", "--records", "1", "import"},
	} {
		_, _, err := run(t, "", args...)
		flag := args[0]
		if !strings.HasPrefix(flag, "-") {
			flag = args[1]
		}
		if exitCode(err) != 2 || !strings.Contains(err.Error(), flag+" before the") {
			t.Errorf("%v: %v; want exit 2 naming %s", args, err, flag)
		}
	}
	assertNothingCreated(t)
}
