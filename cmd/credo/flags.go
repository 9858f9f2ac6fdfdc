package main

import (
	"errors"
	"flag"
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
		fs.StringVar(&sf.personKey, "person-key-file", m.env("CREDO_PERSON_KEY_FILE", ""), "file of the person-key secret, kept apart from the data (default DATA.person-key beside --data; with --db, ~/.config/credo/person-key)")
	}
	return fs
}

// parse parses flags, turning -h and bad flags into a usage exit.
func parse(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if errors.Is(err, flag.ErrHelp) {
		return &exitError{code: 0}
	}
	if err != nil {
		return &exitError{code: 2} // the flag package has printed the problem and the usage
	}
	return nil
}

func (m *Main) env(key, def string) string {
	if v := m.Getenv(key); v != "" {
		return v
	}
	return def
}
