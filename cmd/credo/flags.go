package main

import (
	"errors"
	"flag"
	"fmt"
	"strings"
)

// storeFlags are the flags every command shares: where the registry lives.
type storeFlags struct {
	data      string
	db        string
	personKey string
}

func (m *Main) newFlags(name string, sf *storeFlags) *flag.FlagSet {
	fs := flag.NewFlagSet("credo "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	if sf != nil {
		fs.StringVar(&sf.data, "data", m.env("CREDO_DATA", "./credo-data"), "data folder of the embedded store")
		fs.StringVar(&sf.db, "db", m.env("CREDO_DB", ""), "PostgreSQL URL (postgres://...); the embedded store in --data when empty")
		m.personKeyFlag(fs, &sf.personKey, "DATA.person-key beside --data; with --db, ~/.config/credo/person-key")
	}
	return fs
}

// personKeyFlag defines --person-key-file (env CREDO_PERSON_KEY_FILE), the
// file of the person-key secret, on fs: every command that opens a store
// takes it through storeFlags; a command with its own folder flag (bench
// match's --dir) takes it here, def saying where the file is without it.
func (m *Main) personKeyFlag(fs *flag.FlagSet, file *string, def string) {
	fs.StringVar(file, "person-key-file", m.env("CREDO_PERSON_KEY_FILE", ""), "file of the person-key secret, kept apart from the data (default "+def+")")
}

// parse parses a command that takes flags only: a stray argument, before
// or after the flags, is refused by name rather than ignored.
func parse(fs *flag.FlagSet, args []string) error {
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: unexpected argument %q (this command takes flags only; see -h)", fs.Name(), rest[0])}
	}
	return nil
}

// parseArgs parses flags wherever they stand among the arguments
// (`credo import FILE --data DIR` is `credo import --data DIR FILE`) and
// returns the arguments that are not flags, in order. Everything after
// "--" is an argument even when it starts with "-"; a lone "-" (stdin) is
// an argument. -h and unknown or malformed flags are a usage exit; the
// flag package has then named the flag and printed the usage.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return nil, &exitError{code: 0}
		}
		if err != nil {
			return nil, &exitError{code: 2}
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			// fs.Parse stopped at "--" (and dropped it): the rest are arguments.
			return append(positional, rest...), nil
		}
		if len(rest) == 0 {
			return positional, nil
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
}

// requireSubcommand refuses a flag where a subcommand is expected
// (`credo account --data DIR list`), naming it.
func requireSubcommand(cmd string, args []string, use string) (string, []string, error) {
	if len(args) == 0 {
		return "", nil, &exitError{code: 2, msg: use}
	}
	if strings.HasPrefix(args[0], "-") && args[0] != "-" {
		return "", nil, &exitError{code: 2, msg: fmt.Sprintf("%s: %s before the subcommand: put flags after it (credo %s SUBCOMMAND %s ...)\n%s", cmd, args[0], cmd, args[0], use)}
	}
	return args[0], args[1:], nil
}

func (m *Main) env(key, def string) string {
	if v := m.Getenv(key); v != "" {
		return v
	}
	return def
}
