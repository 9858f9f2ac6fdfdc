package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/credo-registry/credo"
)

// The person-key secret lives in a file the operator keeps apart from the
// registry's data (docs/SECURITY.md, "Secrets and personal data"): with
// the data alone, a person key cannot be traced back to an identity number
// by trying every birth date and region.

// personKeyFile is where the person-key secret is kept: --person-key-file
// (CREDO_PERSON_KEY_FILE); else, for the embedded store, beside the data
// folder (DATA.person-key), and for PostgreSQL in the user's configuration
// folder (~/.config/credo/person-key), which every node on one machine
// shares. Nodes on other machines are given a copy of the file.
func (sf storeFlags) personKeyFile() (string, error) {
	if sf.personKey != "" {
		return filepath.Abs(sf.personKey)
	}
	if sf.db == "" {
		return filepath.Abs(filepath.Clean(sf.data) + ".person-key")
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", &exitError{code: 2, msg: "give the person-key secret's file: --person-key-file FILE (env CREDO_PERSON_KEY_FILE), the same on every node"}
	}
	return filepath.Join(dir, "credo", "person-key"), nil
}

// personKeyer returns the keyer of the registry's person-key secret, read
// from its file. On first use the file is created with a random secret; a
// registry that still holds its secret in the store (as before the secret
// moved out) has it written to the file and removed from the store. The
// store keeps a check of the secret (credo.PersonKeyCheck), so a node given
// another file than the one the registry's keys were made with refuses to
// start instead of making keys that match nothing.
func (m *Main) personKeyer(ctx context.Context, store credo.Store, sf storeFlags) (credo.HMACKeyer, error) {
	path, err := sf.personKeyFile()
	if err != nil {
		return credo.HMACKeyer{}, err
	}
	legacy, err := store.StoredSecret(ctx, credo.PersonKeySecret)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return credo.HMACKeyer{}, fmt.Errorf("reading the person-key secret kept in the store: %w", err)
	}
	secret, err := m.readPersonKey(path)
	if err != nil {
		return credo.HMACKeyer{}, err
	}
	if secret == nil {
		fresh := legacy
		if fresh == nil {
			if _, err := store.StoredSecret(ctx, credo.PersonKeyCheckSecret); err == nil {
				return credo.HMACKeyer{}, fmt.Errorf("there is no person-key secret at %s, and this registry's person keys were made with one: give its file with --person-key-file (env CREDO_PERSON_KEY_FILE)", path)
			}
			fresh = make([]byte, 32)
			rand.Read(fresh)
		}
		switch err := writePersonKey(path, fresh); {
		case errors.Is(err, fs.ErrExist): // another process wrote it first
			if secret, err = m.readPersonKey(path); err != nil {
				return credo.HMACKeyer{}, err
			}
		case err != nil:
			return credo.HMACKeyer{}, fmt.Errorf("writing the person-key secret: %w", err)
		case legacy != nil:
			secret = fresh
			fmt.Fprintf(m.Stderr, "credo: moved the person-key secret out of the registry's data into %s; keep that file apart from the data and its backups\n", path)
		default:
			secret = fresh
			fmt.Fprintf(m.Stderr, "credo: created the person-key secret in %s; keep that file apart from the data and its backups (and give it to every node: --person-key-file)\n", path)
		}
	}
	if legacy != nil && !bytes.Equal(secret, legacy) {
		return credo.HMACKeyer{}, fmt.Errorf("%s is not the person-key secret this registry holds; give the registry's own file, or move %s away and the registry's secret is written there", path, path)
	}
	check := credo.PersonKeyCheck(secret)
	if err := store.RestoreSecret(ctx, credo.PersonKeyCheckSecret, check); err != nil {
		return credo.HMACKeyer{}, fmt.Errorf("storing the person-key check: %w", err)
	}
	stored, err := store.StoredSecret(ctx, credo.PersonKeyCheckSecret)
	if err != nil {
		return credo.HMACKeyer{}, fmt.Errorf("reading the person-key check: %w", err)
	}
	if !bytes.Equal(stored, check) {
		return credo.HMACKeyer{}, fmt.Errorf("%s is not the person-key secret this registry's person keys were made with: give the registry's own file (--person-key-file)", path)
	}
	if legacy != nil {
		if err := store.DeleteSecret(ctx, credo.PersonKeySecret); err != nil {
			return credo.HMACKeyer{}, fmt.Errorf("removing the person-key secret from the store (it is safe in %s): %w", path, err)
		}
	}
	return credo.HMACKeyer{Secret: secret}, nil
}

// readPersonKey reads a person-key file: 64 hex digits. A missing file is
// (nil, nil).
func (m *Main) readPersonKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the person-key secret: %w", err)
	}
	secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(secret) != 32 {
		return nil, fmt.Errorf("%s is not a person-key secret (64 hexadecimal digits)", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
		fmt.Fprintf(m.Stderr, "credo: warning: others may read the person-key secret %s (mode %s): chmod 600 %s\n", path, fi.Mode().Perm(), path)
	}
	return secret, nil
}

// writePersonKey creates path (readable by its owner only) holding secret,
// durably and at once (written aside, then linked into place, so a crash
// leaves no half-written file); fs.ErrExist when the file is there already.
func writePersonKey(path string, secret []byte) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, ".person-key-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.WriteString(hex.EncodeToString(secret) + "\n"); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Link(f.Name(), path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}
