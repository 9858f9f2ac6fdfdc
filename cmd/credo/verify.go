package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"

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
	Record    *loggedRecord `json:"record,omitempty"`
	Entry     *ledger.Entry `json:"entry"`
	Inclusion *ledger.Proof `json:"inclusion"`
}

// loggedRecord is a record as the API shows it, with its log_index.
type loggedRecord struct {
	credo.Record
	LogIndex *int64 `json:"log_index"`
}

// reportDoc is the part of a report (GET /v1/subjects/{code}/report)
// `credo verify` checks: every record, list entry and objection it shows,
// against the ledger evidence it carries.
type reportDoc struct {
	Subject *struct {
		Code string `json:"code"`
	} `json:"subject"`
	Records []loggedRecord `json:"records"`
	Lists   []struct {
		credo.ListEntry
		LogIndex *int64 `json:"log_index"`
	} `json:"lists"`
	Objections []struct {
		ID       int64        `json:"id"`
		Target   credo.Target `json:"target"`
		DecideBy credo.Time   `json:"decide_by"`
		LogIndex *int64       `json:"log_index"`
	} `json:"objections"`
	Ledger *ledger.Evidence `json:"ledger"`
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
		return &exitError{code: 2, msg: "usage: credo verify --key FILE --checkpoint FILE [--state FILE [--consistency FILE]] [BUNDLE.json | REPORT.json ...]"}
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
		if err := m.verifyFile(f, cp, string(vkey)); err != nil {
			return err
		}
	}
	return nil
}

// verifyFile checks a bundle or a report (one with "ledger") against cp.
func (m *Main) verifyFile(name string, cp ledger.Checkpoint, vkey string) error {
	var probe struct {
		Ledger jsontext.Value `json:"ledger"`
		AsOf   jsontext.Value `json:"as_of"`
	}
	if err := readJSONFile(name, &probe); err != nil {
		return failed("%s: not JSON: %v", name, err)
	}
	if len(probe.AsOf) > 0 { // a report
		return m.verifyReport(name, cp, vkey)
	}
	return m.verifyBundle(name, cp)
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
		var p ledger.Proof
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
	c, leaf, err := e.Open()
	if err != nil {
		return failed("%s: %v", name, err)
	}
	if err := ledger.VerifyInclusion(cp, uint64(e.Index), leaf, p.Hashes); err != nil {
		return failed("%s: entry %d is not in the log the checkpoint signs: %v", name, e.Index, err)
	}
	fmt.Fprintf(m.Stdout, "ok: %s: entry %d (%s %s) is in the log at size %d\n", name, e.Index, c.Type, c.Ref, cp.Size)
	if b.Record == nil {
		return nil
	}
	r := b.Record
	if r.LogIndex == nil || *r.LogIndex != e.Index {
		return failed("%s: record %d was tampered with: its log_index is %d, the entry is leaf %d", name, r.ID, deref(r.LogIndex), e.Index)
	}
	bound, err := ledger.CheckRecord(&r.Record, c)
	if err != nil {
		return failed("%s: record %d was tampered with: %v", name, r.ID, err)
	}
	fmt.Fprintf(m.Stdout, "ok: %s: record %d is what the log holds%s\n", name, r.ID, boundNote(bound))
	return nil
}

func boundNote(bound bool) string {
	if bound {
		return ""
	}
	return " (its fields the log names; it predates record digests, so its other fields are not bound)"
}

// verifyReport checks a report: its checkpoint is cp and signed by the
// key, every entry it carries opens and is in cp's tree, and every
// record, list entry and objection it shows is what its log_index's
// entry committed to.
func (m *Main) verifyReport(name string, cp ledger.Checkpoint, vkey string) error {
	var rep reportDoc
	if err := readJSONFile(name, &rep); err != nil {
		return failed("%s: not a report: %v", name, err)
	}
	if rep.Ledger == nil {
		return failed("%s: the report carries no ledger evidence (its server keeps no ledger, or had signed no checkpoint yet)", name)
	}
	opened, closed, err := rep.Ledger.Verify(cp, vkey)
	if err != nil {
		return failed("%s: %v", name, err)
	}
	// entry returns the opened change at a shown item's log_index.
	entry := func(what string, id int64, idx *int64) (*credo.Change, error) {
		if idx == nil {
			return nil, failed("%s: %s %d has no log_index: it is not in the log yet (integrated within seconds); ask for the report again", name, what, id)
		}
		if err := closed[*idx]; err != nil {
			return nil, failed("%s: %s %d: %v", name, what, id, err)
		}
		c := opened[*idx]
		if c == nil {
			return nil, failed("%s: %s %d was tampered with: its log_index %d names no entry the report carries", name, what, id, *idx)
		}
		return c, nil
	}
	unbound := 0
	for _, r := range rep.Records {
		c, err := entry("record", r.ID, r.LogIndex)
		if err != nil {
			return err
		}
		bound, err := ledger.CheckRecord(&r.Record, c)
		if err != nil {
			return failed("%s: record %d was tampered with: %v", name, r.ID, err)
		}
		if !bound {
			unbound++
		}
	}
	for _, e := range rep.Lists {
		c, err := entry("list entry", e.ID, e.LogIndex)
		if err != nil {
			return err
		}
		if err := ledger.CheckListEntry(&e.ListEntry, c); err != nil {
			return failed("%s: list entry %d was tampered with: %v", name, e.ID, err)
		}
	}
	for _, o := range rep.Objections {
		c, err := entry("objection", o.ID, o.LogIndex)
		if err != nil {
			return err
		}
		if err := ledger.CheckCase(credo.ChangeCaseFiled, o.ID, "", o.Target, o.DecideBy.Time, "", c); err != nil {
			return failed("%s: objection %d was tampered with: %v", name, o.ID, err)
		}
	}
	code := ""
	if rep.Subject != nil {
		code = rep.Subject.Code + ": "
	}
	fmt.Fprintf(m.Stdout, "ok: %s: %s%s, %s and %s: what the log at size %d holds\n", name, code,
		count(len(rep.Records), "record", "records"), count(len(rep.Lists), "list entry", "list entries"),
		count(len(rep.Objections), "objection", "objections"), cp.Size)
	if unbound > 0 {
		fmt.Fprintf(m.Stdout, "note: %d of the records predate record digests: only the fields their entry names are bound\n", unbound)
	}
	return nil
}

func count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
