// Command credo runs the credit registry: the server, the demo, and the
// operator's tools (import, generate, authorities, identifiers, migrations,
// copying between backends, benchmarks). main only wires; the work is in
// the packages it imports.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "credo:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "credo:", err)
		os.Exit(1)
	}
}

// Main is the program with its environment made explicit, so tests run it
// in-process like a user would.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	// Ready, when set, receives the server's base URL once it listens.
	Ready func(url string)
	// Now is the wall clock (time.Now when nil). The server reads it
	// through a credo.Clock, which never goes back.
	Now func() time.Time
}

// NewMain returns a Main wired to the process's standard streams.
func NewMain() *Main {
	return &Main{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
}

// exitError ends the program with a status other than 1, or with 1 and no
// further message (the command already said what went wrong).
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d: %s", e.code, e.msg) }

const usage = `credo: an open enterprise credit registry

Usage: credo <command> [flags]

Commands:
  serve       run the registry's JSON API (--data DIR or --db postgres://..., --addr)
  demo        create a demo registry in the data folder when it is empty, and serve it
  generate    write a generated registry as NDJSON files (--subjects N --out DIR)
  import      load NDJSON authorities, subjects, records or annual reports (idempotent)
  screen      screen a counterparty file (CSV code,name; .json; .ndjson), writing FILE.screened.csv
  authority   add or list authorities (add prints a new token on its last line)
  account     add or list organization and administrator accounts (add prints a new token on its last line)
  uscc        check and describe Unified Social Credit Codes (- reads stdin)
  migrate     apply the database migrations
  copy        copy a registry between backends (--from DATA_DIR --to postgres://...)
  rulebook    test, publish, diff and list rulebooks
  lists       show the bundled lists; check list definitions or a measures file
  rescore     regrade every organization (--resume continues an interrupted run)
  check       verify the store's consistency and say what is wrong (exit 1 when anything is)
  bench       run a benchmark (bench import, bench rescore, bench annual, bench load, bench ledger)
  log key     print the ledger's verifier key (docs/LEDGER.md)
  verify      check a record or a credit report against a signed checkpoint, offline, and that the log only grew

Every command that uses a registry takes --data DIR (default ./credo-data,
env CREDO_DATA) or --db URL (env CREDO_DB; PostgreSQL instead of the
embedded store), and --person-key-file FILE (env CREDO_PERSON_KEY_FILE;
default DIR.person-key beside the data): the secret behind person keys,
kept apart from the data. Flags may come before or after a command's
arguments. Commands that only read (authority list, account list,
rulebook list, check, ...) never create a registry; those that add data
create one on first use and say where.
`

// Run executes one command.
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return &exitError{code: 2}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return m.serve(ctx, rest)
	case "demo":
		return m.demo(ctx, rest)
	case "generate":
		return m.generate(ctx, rest)
	case "import":
		return m.importFiles(ctx, rest)
	case "screen":
		return m.screen(ctx, rest)
	case "account":
		return m.account(ctx, args[1:])
	case "authority":
		return m.authority(ctx, rest)
	case "uscc":
		return m.uscc(ctx, rest)
	case "migrate":
		return m.migrate(ctx, rest)
	case "copy":
		return m.copy(ctx, rest)
	case "bench":
		return m.bench(ctx, rest)
	case "rulebook":
		return m.rulebookCmd(ctx, rest)
	case "lists", "list":
		return m.listsCmd(ctx, rest)
	case "rescore":
		return m.rescore(ctx, rest)
	case "check":
		return m.check(ctx, rest)
	case "log":
		return m.logCmd(ctx, rest)
	case "verify":
		return m.verify(ctx, rest)
	case "help", "-h", "--help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	}
	fmt.Fprint(m.Stderr, usage)
	if strings.HasPrefix(cmd, "-") {
		return &exitError{code: 2, msg: fmt.Sprintf("%s before the command: put flags after it (credo COMMAND %s ...)", cmd, cmd)}
	}
	return &exitError{code: 2, msg: fmt.Sprintf("unknown command %q", cmd)}
}
