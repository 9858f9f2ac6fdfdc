package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ledger"
)

// ledgerFlags name the ledger's origin and where its signing key is kept.
type ledgerFlags struct {
	origin  string
	keyFile string
}

func (m *Main) addLedgerFlags(fs *flag.FlagSet, f *ledgerFlags) {
	fs.StringVar(&f.origin, "ledger-origin", m.env("CREDO_LEDGER_ORIGIN", "credo"), "the ledger's origin: the first line of its checkpoints and its key's name (no spaces or +)")
	fs.StringVar(&f.keyFile, "ledger-key-file", m.Getenv("CREDO_LEDGER_KEY_FILE"), "file holding the ledger's signing key (a note private key; made on first start); default: a key kept in the store")
}

// IntegrateInterval is how often `credo serve` adds new changes to the
// ledger and signs a checkpoint.
const IntegrateInterval = time.Second

// openLedger returns the ledger over store with its signing key, and its
// verifier key. The key is the store's secret ledger.signing (made on
// first use, shared by every node of one database), or the key in
// f.keyFile (made there on first use when the file does not exist).
func openLedger(ctx context.Context, store credo.Store, f ledgerFlags) (*ledger.Log, string, error) {
	if f.keyFile == "" {
		seed, err := store.Secret(ctx, ledger.KeySecret)
		if err != nil {
			return nil, "", err
		}
		signer, vkey, err := ledger.Signer(f.origin, seed)
		if err != nil {
			return nil, "", err
		}
		return ledger.New(store, signer), vkey, nil
	}
	b, err := os.ReadFile(f.keyFile)
	if errors.Is(err, fs.ErrNotExist) {
		skey, _, gerr := note.GenerateKey(rand.Reader, f.origin)
		if gerr != nil {
			return nil, "", gerr
		}
		if werr := os.WriteFile(f.keyFile, []byte(skey+"\n"), 0o600); werr != nil {
			return nil, "", fmt.Errorf("--ledger-key-file: %w", werr)
		}
		b, err = []byte(skey), nil
	}
	if err != nil {
		return nil, "", fmt.Errorf("--ledger-key-file: %w", err)
	}
	skey := strings.TrimSpace(string(b))
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", fmt.Errorf("--ledger-key-file %s: not a note signing key: %w", f.keyFile, err)
	}
	if signer.Name() != f.origin {
		return nil, "", fmt.Errorf("--ledger-key-file %s: the key is for origin %q, not %q (--ledger-origin)", f.keyFile, signer.Name(), f.origin)
	}
	parts := strings.Split(skey, "+")
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, "", fmt.Errorf("--ledger-key-file %s: not an Ed25519 key", f.keyFile)
	}
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey))
	if err != nil {
		return nil, "", err
	}
	return ledger.New(store, signer), vkey, nil
}

// keepIntegrating adds new changes to the ledger every interval. On
// PostgreSQL every node runs it: one at a time integrates and signs (an
// advisory lock), the others find the tree grown and serve its checkpoint.
func keepIntegrating(ctx context.Context, l *ledger.Log, logger *slog.Logger) {
	l.Run(ctx, IntegrateInterval, func(err error) { logger.Error("integrating the ledger", "err", err) })
}

const logUsage = `usage: credo log key [--data DIR | --db URL] [--ledger-origin NAME] [--ledger-key-file FILE]
       credo log erase INDEX --reason LEGAL-BASIS [--data DIR | --db URL]`

// logCmd runs `credo log key` and `credo log erase`.
func (m *Main) logCmd(ctx context.Context, args []string) error {
	sub, args, err := requireSubcommand("log", args, logUsage)
	if err != nil {
		return err
	}
	if sub != "key" && sub != "erase" {
		return &exitError{code: 2, msg: logUsage}
	}
	var lf ledgerFlags
	var sf storeFlags
	fs := m.newFlags("log "+sub, &sf)
	m.addLedgerFlags(fs, &lf)
	reason := fs.String("reason", "", "erase: the legal basis that requires the erasure (logged)")
	rest, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	var index int64
	if sub == "key" && len(rest) > 0 {
		return &exitError{code: 2, msg: fmt.Sprintf("%s: unexpected argument %q (this command takes flags only; see -h)", fs.Name(), rest[0])}
	}
	if sub == "erase" {
		if len(rest) != 1 {
			return &exitError{code: 2, msg: logUsage}
		}
		if index, err = strconv.ParseInt(rest[0], 10, 64); err != nil || index < 0 {
			return &exitError{code: 2, msg: fmt.Sprintf("INDEX %q: must be a leaf index (a whole number, 0 or more)", rest[0])}
		}
	}
	store, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	l, vkey, err := openLedger(ctx, store, lf)
	if err != nil {
		return err
	}
	if sub == "key" {
		fmt.Fprintln(m.Stdout, vkey)
		return nil
	}
	if err := l.Erase(ctx, index, *reason); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "erased leaf %d: its content and salt are gone, its hash stays; the erasure is logged\n", index)
	return nil
}
