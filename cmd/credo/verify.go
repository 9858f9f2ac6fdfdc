package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ledger"
)

// Bundle is what `credo verify` checks about one record, offline: the
// record as the API shows it (GET /v1/records/{id}, with its log_index),
// its ledger entry (GET /v1/log/entries/{log_index}: canonical form and
// salt) and the inclusion proof of that entry in the checkpoint's tree
// (GET /v1/log/inclusion?index={log_index}&size={checkpoint size}).
// Record may be left out to check an entry alone. docs/LEDGER.md.
type Bundle struct {
	Record    *BundleRecord `json:"record,omitempty"`
	Entry     *BundleEntry  `json:"entry"`
	Inclusion *BundleProof  `json:"inclusion"`
}

// BundleRecord is the part of a record the ledger commits to.
type BundleRecord struct {
	ID         int64      `json:"id"`
	Subject    string     `json:"subject"`
	Authority  string     `json:"authority"`
	Category   string     `json:"category"`
	Kind       string     `json:"kind"`
	ExternalID string     `json:"external_id"`
	OccurredAt credo.Time `json:"occurred_at"`
	Supersedes int64      `json:"supersedes,omitempty"`
	LogIndex   *int64     `json:"log_index"`
}

// BundleEntry is GET /v1/log/entries/{index}'s answer.
type BundleEntry struct {
	Index    int64          `json:"index"`
	LeafHash []byte         `json:"leaf_hash"`
	Salt     []byte         `json:"salt,omitempty"`
	Entry    jsontext.Value `json:"entry,omitempty"`
	Erased   bool           `json:"erased,omitempty"`
}

// BundleProof is GET /v1/log/inclusion's or /v1/log/consistency's answer.
type BundleProof struct {
	Index  *int64   `json:"index,omitempty"`
	Size   int64    `json:"size,omitempty"`
	From   *int64   `json:"from,omitempty"`
	To     int64    `json:"to,omitempty"`
	Hashes [][]byte `json:"hashes"`
}

// failed is verification that found something wrong: exit status 1.
func failed(format string, args ...any) error {
	return &exitError{code: 1, msg: fmt.Sprintf(format, args...)}
}

func (m *Main) verify(_ context.Context, args []string) error {
	fs := m.newFlags("verify", nil)
	keyFile := fs.String("key", "", "file with the ledger's verifier key (`credo log key`)")
	cpFile := fs.String("checkpoint", "", "file with a signed checkpoint (GET /v1/log/checkpoint)")
	state := fs.String("state", "", "file keeping the last checkpoint verified: a newer one must be consistent with it (made on first use)")
	consFile := fs.String("consistency", "", "file with the consistency proof from the kept checkpoint to this one (GET /v1/log/consistency)")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if *keyFile == "" || *cpFile == "" {
		return &exitError{code: 2, msg: "usage: credo verify --key FILE --checkpoint FILE [--state FILE [--consistency FILE]] [BUNDLE.json...]"}
	}
	vkey, err := os.ReadFile(*keyFile)
	if err != nil {
		return failed("--key: %v", err)
	}
	msg, err := os.ReadFile(*cpFile)
	if err != nil {
		return failed("--checkpoint: %v", err)
	}
	cp, err := ledger.OpenCheckpoint(msg, string(vkey))
	if err != nil {
		return failed("checkpoint %s: %v", *cpFile, err)
	}
	fmt.Fprintf(m.Stdout, "ok: checkpoint of %s, size %d, signed by its key\n", cp.Origin, cp.Size)
	if *state != "" {
		if err := m.checkState(*state, *consFile, string(vkey), cp, msg); err != nil {
			return err
		}
	}
	for _, f := range files {
		if err := m.verifyBundle(f, cp); err != nil {
			return err
		}
	}
	return nil
}

// checkState checks cp against the checkpoint kept in state and keeps cp
// when it is consistent with it (or when none was kept).
func (m *Main) checkState(state, consFile, vkey string, cp ledger.Checkpoint, msg []byte) error {
	kept, err := os.ReadFile(state)
	if errors.Is(err, fs.ErrNotExist) {
		if err := os.WriteFile(state, msg, 0o644); err != nil {
			return failed("--state: %v", err)
		}
		fmt.Fprintf(m.Stdout, "ok: kept checkpoint %d in %s (first use)\n", cp.Size, state)
		return nil
	}
	if err != nil {
		return failed("--state: %v", err)
	}
	old, err := ledger.OpenCheckpoint(kept, vkey)
	if err != nil {
		return failed("kept checkpoint %s: %v", state, err)
	}
	switch {
	case old.Size > cp.Size:
		return failed("checkpoint of size %d is older than the one kept (size %d): the log went back", cp.Size, old.Size)
	case old.Size == cp.Size:
		if !bytes.Equal(old.Root, cp.Root) {
			return failed("the log rewrote its history: two checkpoints of size %d with different roots", cp.Size)
		}
	default:
		if consFile == "" {
			return failed("the kept checkpoint has size %d: --consistency needs the proof from %d to %d (GET /v1/log/consistency?from=%d&to=%d)",
				old.Size, old.Size, cp.Size, old.Size, cp.Size)
		}
		var p BundleProof
		if err := readJSONFile(consFile, &p); err != nil {
			return failed("--consistency %s: %v", consFile, err)
		}
		if p.From == nil || uint64(*p.From) != old.Size || uint64(p.To) != cp.Size {
			return failed("--consistency %s: a proof from %d to %d, not from %d to %d", consFile, deref(p.From), p.To, old.Size, cp.Size)
		}
		if err := ledger.VerifyConsistency(old, cp, p.Hashes); err != nil {
			return failed("the log rewrote its history: checkpoint %d is not consistent with the kept checkpoint %d: %v", cp.Size, old.Size, err)
		}
	}
	if err := os.WriteFile(state, msg, 0o644); err != nil {
		return failed("--state: %v", err)
	}
	fmt.Fprintf(m.Stdout, "ok: checkpoint %d is consistent with the kept checkpoint %d\n", cp.Size, old.Size)
	return nil
}

func deref(p *int64) int64 {
	if p == nil {
		return -1
	}
	return *p
}

func readJSONFile(name string, v any) error {
	b, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v, json.RejectUnknownMembers(false))
}

// verifyBundle checks one bundle against cp.
func (m *Main) verifyBundle(name string, cp ledger.Checkpoint) error {
	var b Bundle
	if err := readJSONFile(name, &b); err != nil {
		return failed("%s: not a bundle: %v", name, err)
	}
	if b.Entry == nil || b.Inclusion == nil || b.Inclusion.Index == nil {
		return failed("%s: a bundle needs entry and inclusion (docs/LEDGER.md)", name)
	}
	e, p := b.Entry, b.Inclusion
	if *p.Index != e.Index {
		return failed("%s: the inclusion proof is of leaf %d, the entry is leaf %d", name, *p.Index, e.Index)
	}
	if uint64(p.Size) != cp.Size {
		return failed("%s: the inclusion proof is for a tree of %d, the checkpoint's has %d", name, p.Size, cp.Size)
	}
	if e.Salt == nil || len(e.Entry) == 0 {
		if e.Erased {
			return failed("%s: leaf %d is erased: only its hash remains, its content cannot be checked", name, e.Index)
		}
		return failed("%s: leaf %d shows only its hash: its content is not open to this caller", name, e.Index)
	}
	var c credo.Change
	if err := json.Unmarshal(e.Entry, &c); err != nil {
		return failed("%s: entry: %v", name, err)
	}
	canon, err := ledger.Canonical(&c)
	if err != nil {
		return failed("%s: entry: %v", name, err)
	}
	leaf := ledger.LeafHash(e.Salt, canon)
	if !bytes.Equal(leaf, e.LeafHash) {
		return failed("%s: entry %d was tampered with: its content and salt do not hash to its leaf", name, e.Index)
	}
	if err := ledger.VerifyInclusion(cp, uint64(e.Index), leaf, p.Hashes); err != nil {
		return failed("%s: entry %d is not in the log the checkpoint signs: %v", name, e.Index, err)
	}
	fmt.Fprintf(m.Stdout, "ok: %s: entry %d (%s %s) is in the log at size %d\n", name, e.Index, c.Type, c.Ref, cp.Size)
	if b.Record == nil {
		return nil
	}
	if err := checkRecord(b.Record, &c, e.Index); err != nil {
		return failed("%s: record %d was tampered with: %v", name, b.Record.ID, err)
	}
	fmt.Fprintf(m.Stdout, "ok: %s: record %d is what the log holds\n", name, b.Record.ID)
	return nil
}

// checkRecord compares a record with the record.accepted change the log
// committed to.
func checkRecord(r *BundleRecord, c *credo.Change, index int64) error {
	if r.LogIndex == nil || *r.LogIndex != index {
		return fmt.Errorf("its log_index is %d, the entry is leaf %d", deref(r.LogIndex), index)
	}
	if c.Type != credo.ChangeRecordAccepted || c.Ref != strconv.FormatInt(r.ID, 10) {
		return fmt.Errorf("leaf %d is %s %s, not the acceptance of record %d", index, c.Type, c.Ref, r.ID)
	}
	var d credo.RecordAcceptedChange
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return fmt.Errorf("the entry's data: %v", err)
	}
	var diffs []string
	diff := func(field, got, logged string) {
		if got != logged {
			diffs = append(diffs, fmt.Sprintf("%s is %q, the log says %q", field, got, logged))
		}
	}
	diff("subject", r.Subject, c.Subject)
	diff("authority", r.Authority, d.Authority)
	diff("category", r.Category, d.Category)
	diff("kind", r.Kind, d.Kind)
	diff("external_id", r.ExternalID, d.ExternalID)
	if !r.OccurredAt.Equal(d.OccurredAt.Time) {
		diffs = append(diffs, fmt.Sprintf("occurred_at is %s, the log says %s", r.OccurredAt, d.OccurredAt))
	}
	if r.Supersedes != d.Supersedes {
		diffs = append(diffs, fmt.Sprintf("supersedes is %d, the log says %d", r.Supersedes, d.Supersedes))
	}
	if len(diffs) > 0 {
		return errors.New(strings.Join(diffs, "; "))
	}
	return nil
}
