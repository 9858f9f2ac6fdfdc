package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"

	"github.com/credo-registry/credo"
)

// Entry is a leaf of the log as GET /v1/log/entries/{index} shows it: the
// leaf hash always, and, to a viewer who may see the change, the change's
// canonical form and the salt that opens the commitment (none once
// erased).
type Entry struct {
	Index    int64          `json:"index"`
	LeafHash []byte         `json:"leaf_hash"`
	Salt     []byte         `json:"salt,omitempty"`
	Entry    jsontext.Value `json:"entry,omitempty"`
	Erased   bool           `json:"erased,omitempty"`
}

// Proof is an inclusion proof (Index, Size) or a consistency proof (From,
// To): the hashes from the tree, in the order RFC 6962 verification reads
// them.
type Proof struct {
	Index  *int64   `json:"index,omitempty"`
	Size   int64    `json:"size,omitempty"`
	From   *int64   `json:"from,omitempty"`
	To     int64    `json:"to,omitempty"`
	Hashes [][]byte `json:"hashes"`
}

// ErrTampered reports an entry whose content and salt do not hash to its
// leaf.
var ErrTampered = errors.New("its content and salt do not hash to its leaf")

// ErrClosed reports an entry that shows its leaf hash only: erased, or not
// open to the caller it was read by.
var ErrClosed = errors.New("only its hash is shown")

// Open checks that the entry's content and salt hash to its leaf hash, and
// returns the change and that hash. An entry showing its hash only fails
// with ErrClosed, one whose content was changed with ErrTampered.
func (e *Entry) Open() (*credo.Change, []byte, error) {
	if e.Salt == nil || len(e.Entry) == 0 {
		if e.Erased {
			return nil, nil, fmt.Errorf("leaf %d is erased: %w, its content cannot be checked", e.Index, ErrClosed)
		}
		return nil, nil, fmt.Errorf("leaf %d: %w: its content is not open to this caller", e.Index, ErrClosed)
	}
	var c credo.Change
	if err := json.Unmarshal(e.Entry, &c); err != nil {
		return nil, nil, fmt.Errorf("leaf %d: the entry is not a change: %v", e.Index, err)
	}
	canon, err := Canonical(&c)
	if err != nil {
		return nil, nil, fmt.Errorf("leaf %d: %v", e.Index, err)
	}
	leaf := LeafHash(e.Salt, canon)
	if !bytes.Equal(leaf, e.LeafHash) {
		return nil, nil, fmt.Errorf("entry %d was tampered with: %w", e.Index, ErrTampered)
	}
	return &c, leaf, nil
}

// Evidence is what lets anyone check items read from the registry
// against its log offline: a signed checkpoint, and for each item's leaf
// its entry with the inclusion proof in the checkpoint's tree.
type Evidence struct {
	// Checkpoint is the signed checkpoint note every proof is for.
	Checkpoint string          `json:"checkpoint"`
	Entries    []EvidenceEntry `json:"entries"`
}

// EvidenceEntry is one leaf's entry and its inclusion proof.
type EvidenceEntry struct {
	Entry
	Inclusion [][]byte `json:"inclusion"`
}

// Evidence returns the latest checkpoint and, for each leaf index (each
// below that checkpoint's size; ENOTFOUND otherwise), its entry and
// inclusion proof. open says whether the caller may see a change; a
// change it may not see is shown by its leaf hash only. Nodes the proofs
// share are read once.
func (l *Log) Evidence(ctx context.Context, indices []int64, open func(*credo.Change) (bool, error)) (*Evidence, error) {
	msg, err := l.store.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := parseNote(msg)
	if err != nil {
		return nil, err
	}
	indices = slices.Compact(slices.Sorted(slices.Values(indices)))
	ev := &Evidence{Checkpoint: string(msg), Entries: make([]EvidenceEntry, 0, len(indices))}
	var need []compact.NodeID
	plans := make([]proof.Nodes, len(indices))
	for i, idx := range indices {
		if idx < 0 || uint64(idx) >= cp.Size {
			return nil, credo.ErrNotFound("leaf in the checkpoint's tree", idx)
		}
		leaf, err := l.store.LedgerLeaf(ctx, idx)
		if err != nil {
			return nil, err
		}
		e := EvidenceEntry{Entry: Entry{Index: idx, LeafHash: leaf.Hash, Erased: leaf.Salt == nil}}
		if leaf.Salt != nil {
			cs, err := l.store.Changes(ctx, credo.ChangeQuery{After: leaf.Position - 1, Upto: leaf.Position, Limit: 1})
			if err != nil {
				return nil, err
			}
			if len(cs) == 0 || cs[0].Position != leaf.Position {
				return nil, credo.ErrNotFound("change", leaf.Position)
			}
			ok, err := open(cs[0])
			if err != nil {
				return nil, err
			}
			if ok {
				if e.Entry.Entry, err = Canonical(cs[0]); err != nil {
					return nil, err
				}
				e.Salt = leaf.Salt
			}
		}
		if plans[i], err = proof.Inclusion(uint64(idx), cp.Size); err != nil {
			return nil, err
		}
		need = append(need, plans[i].IDs...)
		ev.Entries = append(ev.Entries, e)
	}
	hashes, err := l.nodes(ctx, need)
	if err != nil {
		return nil, err
	}
	for i, plan := range plans {
		hs := make([][]byte, len(plan.IDs))
		for j, id := range plan.IDs {
			hs[j] = hashes[id]
		}
		if ev.Entries[i].Inclusion, err = plan.Rehash(hs, hasher.HashChildren); err != nil {
			return nil, err
		}
		if ev.Entries[i].Inclusion == nil {
			ev.Entries[i].Inclusion = [][]byte{}
		}
	}
	return ev, nil
}

// nodes reads the hashes of ids, each once.
func (l *Log) nodes(ctx context.Context, ids []compact.NodeID) (map[compact.NodeID][]byte, error) {
	uniq := slices.Compact(slices.SortedFunc(slices.Values(ids), func(a, b compact.NodeID) int {
		if a.Level != b.Level {
			return int(a.Level) - int(b.Level)
		}
		return compareUint(a.Index, b.Index)
	}))
	out := make(map[compact.NodeID][]byte, len(uniq))
	if len(uniq) == 0 {
		return out, nil
	}
	hs, err := l.readNodes(ctx, uniq)
	if err != nil {
		return nil, err
	}
	for i, id := range uniq {
		out[id] = hs[i]
	}
	return out, nil
}

func compareUint(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseNote parses the text of a checkpoint note without checking its
// signature: for the registry's own, just read from its store.
func parseNote(msg []byte) (Checkpoint, error) {
	text, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return Checkpoint{}, fmt.Errorf("%w: no signature lines", ErrMalformed)
	}
	return ParseCheckpoint(string(text) + "\n")
}

// Verify checks the evidence against cp, a checkpoint the verifier
// trusts (opened with the log's key): the evidence's own checkpoint must
// be signed by vkey and be cp (same tree), each entry must open (its
// content and salt hash to its leaf) and be included in that tree. It
// returns the opened changes by leaf index; an entry shown by its hash
// only is checked for inclusion and left out of the map, with ErrClosed in
// closed.
func (ev *Evidence) Verify(cp Checkpoint, vkey string) (opened map[int64]*credo.Change, closed map[int64]error, err error) {
	own, err := OpenCheckpoint([]byte(ev.Checkpoint), vkey)
	if err != nil {
		return nil, nil, fmt.Errorf("its checkpoint: %w", err)
	}
	switch {
	case own.Size == cp.Size && !bytes.Equal(own.Root, cp.Root):
		return nil, nil, fmt.Errorf("the log rewrote its history: its checkpoint and the one given both have size %d, with different roots", cp.Size)
	case own.Size != cp.Size:
		return nil, nil, fmt.Errorf("its proofs are for the tree of size %d, the checkpoint given has size %d: verify it with the checkpoint it carries (its ledger.checkpoint), and keep that one with --state to check it against a later one",
			own.Size, cp.Size)
	}
	opened, closed = map[int64]*credo.Change{}, map[int64]error{}
	for i := range ev.Entries {
		e := &ev.Entries[i]
		if e.Index < 0 {
			return nil, nil, fmt.Errorf("entry %d: a leaf index is 0 or more", e.Index)
		}
		c, leaf, err := e.Open()
		switch {
		case errors.Is(err, ErrClosed):
			closed[e.Index], leaf = err, e.LeafHash
		case err != nil:
			return nil, nil, err
		}
		if err := VerifyInclusion(cp, uint64(e.Index), leaf, e.Inclusion); err != nil {
			return nil, nil, fmt.Errorf("entry %d is not in the log the checkpoint signs: %v", e.Index, err)
		}
		if c != nil {
			opened[e.Index] = c
		}
	}
	return opened, closed, nil
}
