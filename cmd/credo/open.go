package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/sqlite"
)

// openStore opens the registry named by the flags: PostgreSQL when --db is
// set, else the embedded store in the data folder.
func openStore(ctx context.Context, sf storeFlags) (credo.Store, error) {
	if sf.db != "" {
		if !strings.HasPrefix(sf.db, "postgres://") && !strings.HasPrefix(sf.db, "postgresql://") {
			return nil, fmt.Errorf("--db must be a postgres:// or postgresql:// URL")
		}
		return postgres.Open(ctx, sf.db)
	}
	return sqlite.Open(ctx, sf.data)
}

// openExisting opens a registry that must exist already: read-only
// commands (authority list, account list, rulebook list, ...) and those
// that change what is stored but never start a registry. A missing data
// folder, or one without a registry, is an error that says where it was
// looked for; nothing is created.
func openExisting(ctx context.Context, sf storeFlags) (credo.Store, error) {
	if sf.db == "" {
		abs, created, err := registryFile(sf.data)
		if err != nil {
			return nil, err
		}
		if created {
			return nil, &exitError{code: 1, msg: fmt.Sprintf("no registry in %s (pass --data DIR or set CREDO_DATA; commands that add data, such as import or authority add, create one)", filepath.Dir(abs))}
		}
	}
	return openStore(ctx, sf)
}

// openOrCreate opens the registry named by the flags, creating an
// embedded one when the data folder holds none, and then says where it
// is (on stdout, first, as git init does), so that a registry is never
// started in an unexpected folder unnoticed.
func (m *Main) openOrCreate(ctx context.Context, sf storeFlags) (credo.Store, error) {
	if sf.db != "" {
		return openStore(ctx, sf)
	}
	abs, created, err := registryFile(sf.data)
	if err != nil {
		return nil, err
	}
	store, err := openStore(ctx, sf)
	if err == nil && created {
		fmt.Fprintf(m.Stdout, "created a new registry in %s\n", filepath.Dir(abs))
	}
	return store, err
}

// registryFile returns the absolute path of the embedded store's database
// in the data folder dir, and whether opening it would create it.
func registryFile(dir string) (path string, missing bool, err error) {
	if dir == "" {
		return "", false, &exitError{code: 2, msg: "--data must not be empty"}
	}
	abs, err := filepath.Abs(filepath.Join(dir, sqlite.FileName))
	if err != nil {
		return "", false, err
	}
	_, err = os.Stat(abs)
	if errors.Is(err, fs.ErrNotExist) {
		return abs, true, nil
	}
	return abs, false, err
}
