// Package ledger makes the change log tamper-evident: every change is a
// leaf of an RFC 6962 Merkle tree, in log order, and signed checkpoints
// (C2SP tlog-checkpoint notes, Ed25519) commit to the tree, so anyone can
// check that an entry is in the log and that the log only grew.
//
// A leaf never holds the change itself: it is a salted commitment,
// SHA-256(salt || canonical form), with a per-leaf random 32-byte salt the
// store keeps. Forgetting the salt (erasure) leaves the tree whole and the
// commitment unopenable. Hashing, tree building and proofs are the
// transparency-dev/merkle library's.
package ledger

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
)

// SaltSize is the length of a leaf's salt.
const SaltSize = 32

// KeySecret names the store secret the signing key is made from.
const KeySecret = credo.LedgerKeySecret

// Indexed are the change types whose leaves LedgerIndex finds: those the
// API shows a log_index for (a record, a list entry, an objection or
// case, a decision).
var Indexed = []string{credo.ChangeRecordAccepted, credo.ChangeListEntryNotified, credo.ChangeCaseFiled, credo.ChangeCaseDecided}

// nodeLevel is the lowest level of interior nodes the store keeps: a node
// below it is recomputed from its at most 2^(nodeLevel-1) leaves when a
// proof or the compact range needs it, which saves writing about seven of
// every eight nodes.
const nodeLevel = 4

var hasher = rfc6962.DefaultHasher

var factory = &compact.RangeFactory{Hash: hasher.HashChildren}

// Store is what the ledger reads and writes.
type Store interface {
	credo.LedgerStore
	Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error)
	AppendChanges(ctx context.Context, changes []*credo.Change) (int, error)
}

// Canonical returns c's canonical form: its JSON encoding, fields in
// declared order, Data byte for byte.
func Canonical(c *credo.Change) ([]byte, error) {
	return json.Marshal(c)
}

// AppendCanonical appends c's canonical form to dst: what Canonical
// returns, byte for byte, written directly for the integrator, which
// encodes every change the registry commits (TestAppendCanonical holds
// the two equal). Data with whitespace or escapes, which the JSON encoder
// would compact or check, goes through Canonical.
func AppendCanonical(dst []byte, c *credo.Change) ([]byte, error) {
	if bytes.ContainsAny(c.Data, " \t\r\n\\") || !utf8.Valid(c.Data) || len(c.Data) == 0 {
		b, err := Canonical(c)
		return append(dst, b...), err
	}
	var err error
	quote := func(key, v string) {
		if err != nil {
			return
		}
		dst = append(dst, key...)
		dst, err = jsontext.AppendQuote(dst, v)
	}
	dst = strconv.AppendInt(append(dst, `{"position":`...), c.Position, 10)
	quote(`,"type":`, c.Type)
	if c.Subject != "" {
		quote(`,"subject":`, c.Subject)
	}
	quote(`,"ref":`, c.Ref)
	at, _ := c.At.MarshalJSON()
	dst = append(append(dst, `,"at":`...), at...)
	if c.Key != "" {
		quote(`,"key":`, c.Key)
	}
	dst = append(append(append(dst, `,"data":`...), c.Data...), '}')
	return dst, err
}

// Commitment returns the leaf data committing to canonical with salt.
func Commitment(salt, canonical []byte) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(canonical)
	return h.Sum(nil)
}

// LeafHash returns the RFC 6962 leaf hash of the commitment to canonical.
func LeafHash(salt, canonical []byte) []byte {
	return hasher.HashLeaf(Commitment(salt, canonical))
}

// Signer returns the note signer and verifier key of the log named origin,
// made from a 32-byte seed (the store secret KeySecret, or a key file).
func Signer(origin string, seed []byte) (note.Signer, string, error) {
	if len(seed) != 32 {
		return nil, "", fmt.Errorf("ledger: a signing seed is 32 bytes, not %d", len(seed))
	}
	skey, vkey, err := note.GenerateKey(bytes.NewReader(seed), origin)
	if err != nil {
		return nil, "", fmt.Errorf("ledger: making the signing key: %w", err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, "", err
	}
	return s, vkey, nil
}

// Log is the ledger over a store's change log.
type Log struct {
	store  Store
	signer note.Signer
	origin string
	now    func() time.Time
}

// New returns the ledger over store, signing checkpoints for origin with
// signer (whose name must be origin).
func New(store Store, signer note.Signer) *Log {
	return &Log{store: store, signer: signer, origin: signer.Name(), now: time.Now}
}

// Origin returns the log's origin line.
func (l *Log) Origin() string { return l.origin }

// MaxBatch bounds the leaves one integration writes (and signs) at once:
// large enough that a busy writer queue (an import's batches) does not
// leave the tree behind, small enough to keep the write short.
const MaxBatch = 20 * credo.MaxPageSize

// Integrate adds the changes appended since the last integration as
// leaves, up to MaxBatch a write, and signs a checkpoint over each new
// size. It returns how many leaves it added. Another node integrating at
// once makes it stop without error (that node publishes).
func (l *Log) Integrate(ctx context.Context) (int, error) {
	total := 0
	for {
		size, pos, err := l.store.LedgerSize(ctx)
		if err != nil {
			return total, err
		}
		var leaves []*credo.LedgerLeaf
		var hashes [][]byte
		var canon []byte
		for len(leaves) < MaxBatch {
			page, err := l.store.Changes(ctx, credo.ChangeQuery{After: pos, Limit: credo.MaxPageSize})
			if err != nil {
				return total, err
			}
			salts := make([]byte, SaltSize*len(page)) // one read of randomness a page
			rand.Read(salts)
			for i, c := range page {
				if canon, err = AppendCanonical(canon[:0], c); err != nil {
					return total, err
				}
				salt := salts[i*SaltSize : (i+1)*SaltSize : (i+1)*SaltSize]
				h := LeafHash(salt, canon)
				leaf := &credo.LedgerLeaf{Index: size + int64(len(leaves)), Position: c.Position, Salt: salt, Hash: h}
				if slices.Contains(Indexed, c.Type) {
					leaf.Type, leaf.Ref = c.Type, c.Ref
				}
				leaves = append(leaves, leaf)
				hashes = append(hashes, h)
				pos = c.Position
			}
			if len(page) < credo.MaxPageSize {
				break
			}
		}
		if len(leaves) == 0 {
			return total, nil
		}
		err = l.appendHashes(ctx, size, leaves, hashes)
		if credo.ErrorCodeOf(err) == credo.ECONFLICT {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		total += len(leaves)
	}
}

// appendHashes stores leaves with their hashes after size, with the nodes
// they complete and a signed checkpoint over the new tree.
func (l *Log) appendHashes(ctx context.Context, size int64, leaves []*credo.LedgerLeaf, hashes [][]byte) error {
	r, err := l.rangeAt(ctx, uint64(size))
	if err != nil {
		return err
	}
	var nodes []*credo.LedgerNode
	visit := func(id compact.NodeID, h []byte) {
		if id.Level >= nodeLevel {
			nodes = append(nodes, &credo.LedgerNode{LedgerNodeID: credo.LedgerNodeID{Level: id.Level, Index: id.Index}, Hash: h})
		}
	}
	for _, h := range hashes {
		if err := r.Append(h, visit); err != nil {
			return err
		}
	}
	root, err := r.GetRootHash(nil)
	if err != nil {
		return err
	}
	cp, err := l.sign(r.End(), root)
	if err != nil {
		return err
	}
	return l.store.IntegrateLeaves(ctx, size, leaves, nodes, cp)
}

// rangeAt reads the compact range [0, size) from the stored nodes.
func (l *Log) rangeAt(ctx context.Context, size uint64) (*compact.Range, error) {
	ids := compact.RangeNodes(0, size, nil)
	hashes, err := l.readNodes(ctx, ids)
	if err != nil {
		return nil, err
	}
	return factory.NewRange(0, size, hashes)
}

// readNodes returns the hashes of the nodes ids: read from the store, or
// below nodeLevel recomputed from their leaves.
func (l *Log) readNodes(ctx context.Context, ids []compact.NodeID) ([][]byte, error) {
	var ask []credo.LedgerNodeID
	at := make([]int, len(ids)) // where each node's hashes begin in ask
	for i, id := range ids {
		at[i] = len(ask)
		if id.Level == 0 || id.Level >= nodeLevel {
			ask = append(ask, credo.LedgerNodeID{Level: id.Level, Index: id.Index})
			continue
		}
		for j := range uint64(1) << id.Level {
			ask = append(ask, credo.LedgerNodeID{Index: id.Index<<id.Level + j})
		}
	}
	if len(ask) == 0 {
		return [][]byte{}, nil
	}
	hs, err := l.store.LedgerNodes(ctx, ask)
	if err != nil {
		return nil, err
	}
	out := make([][]byte, len(ids))
	for i, id := range ids {
		if id.Level == 0 || id.Level >= nodeLevel {
			out[i] = hs[at[i]]
			continue
		}
		begin := id.Index << id.Level
		r := factory.NewEmptyRange(begin)
		for _, h := range hs[at[i] : at[i]+1<<id.Level] {
			if err := r.Append(h, nil); err != nil {
				return nil, err
			}
		}
		// The leaves of one complete subtree: the range is its root alone.
		if hs := r.Hashes(); len(hs) == 1 {
			out[i] = hs[0]
		} else {
			return nil, fmt.Errorf("ledger: node %d.%d: %d hashes from its leaves", id.Level, id.Index, len(hs))
		}
	}
	return out, nil
}

func nodeIDs(ids []compact.NodeID) []credo.LedgerNodeID {
	out := make([]credo.LedgerNodeID, len(ids))
	for i, id := range ids {
		out[i] = credo.LedgerNodeID{Level: id.Level, Index: id.Index}
	}
	return out
}

// Root returns the root hash of the tree of size leaves (size at most the
// current size).
func (l *Log) Root(ctx context.Context, size uint64) ([]byte, error) {
	if size == 0 {
		return hasher.EmptyRoot(), nil
	}
	r, err := l.rangeAt(ctx, size)
	if err != nil {
		return nil, err
	}
	return r.GetRootHash(nil)
}

func (l *Log) sign(size uint64, root []byte) ([]byte, error) {
	text := FormatCheckpoint(Checkpoint{Origin: l.origin, Size: size, Root: root})
	return note.Sign(&note.Note{Text: text}, l.signer)
}

// Checkpoint returns the latest signed checkpoint note.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	return l.store.Checkpoint(ctx)
}

// size returns the tree's current size.
func (l *Log) size(ctx context.Context) (uint64, error) {
	n, _, err := l.store.LedgerSize(ctx)
	return uint64(n), err
}

// InclusionProof returns the proof that leaf index is in the tree of size
// leaves.
func (l *Log) InclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	cur, err := l.size(ctx)
	if err != nil {
		return nil, err
	}
	if size == 0 || size > cur {
		return nil, credo.FieldError("size", "beyond_tree", "size %d is not between 1 and the tree's size %d", size, cur)
	}
	if index >= size {
		return nil, credo.FieldError("index", "beyond_tree", "index %d is not below size %d", index, size)
	}
	nodes, err := proof.Inclusion(index, size)
	if err != nil {
		return nil, err
	}
	return l.fetch(ctx, nodes)
}

// ConsistencyProof returns the proof that the tree of size from is a
// prefix of the tree of size to.
func (l *Log) ConsistencyProof(ctx context.Context, from, to uint64) ([][]byte, error) {
	cur, err := l.size(ctx)
	if err != nil {
		return nil, err
	}
	if to > cur {
		return nil, credo.FieldError("to", "beyond_tree", "to %d is beyond the tree's size %d", to, cur)
	}
	if from > to {
		return nil, credo.FieldError("from", "order", "from %d is above to %d", from, to)
	}
	nodes, err := proof.Consistency(from, to)
	if err != nil {
		return nil, err
	}
	return l.fetch(ctx, nodes)
}

func (l *Log) fetch(ctx context.Context, nodes proof.Nodes) ([][]byte, error) {
	if len(nodes.IDs) == 0 {
		return [][]byte{}, nil
	}
	hashes, err := l.readNodes(ctx, nodes.IDs)
	if err != nil {
		return nil, err
	}
	return nodes.Rehash(hashes, hasher.HashChildren)
}

// Run integrates every interval until ctx ends, reporting errors to
// report (nil: ignored).
func (l *Log) Run(ctx context.Context, interval time.Duration, report func(error)) {
	periodic.NowAndEvery(ctx, interval, func() {
		if _, err := l.Integrate(ctx); err != nil && report != nil && ctx.Err() == nil {
			report(err)
		}
	})
}

// ChangeLeafErased is the change type of an erasure: the leaf's salt and
// its change's content were deleted. Its Ref is the leaf index.
const ChangeLeafErased = "ledger.erased"

// ErasedChange is the data of a ledger.erased change.
type ErasedChange struct {
	Index  int64  `json:"index"`
	Reason string `json:"reason"`
}

// Erase deletes the content and salt of leaf index where the law requires
// it, for reason (the legal basis), and logs the act as a new change. The
// tree is unchanged: its leaf hash stays.
func (l *Log) Erase(ctx context.Context, index int64, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return credo.FieldError("reason", "required", "an erasure names its legal basis")
	}
	if err := l.store.EraseLeaf(ctx, index); err != nil {
		return err
	}
	data, err := json.Marshal(ErasedChange{Index: index, Reason: reason})
	if err != nil {
		return err
	}
	_, err = l.store.AppendChanges(ctx, []*credo.Change{{Type: ChangeLeafErased, Ref: strconv.FormatInt(index, 10),
		At: credo.NewTime(l.now().Truncate(time.Microsecond)), Key: ChangeLeafErased + ":" + strconv.FormatInt(index, 10), Data: data}})
	return err
}

// Checkpoint is the body of a C2SP tlog-checkpoint.
type Checkpoint struct {
	Origin string
	Size   uint64
	Root   []byte
}

// FormatCheckpoint returns cp's checkpoint text: origin, size and base64
// root hash, one a line.
func FormatCheckpoint(cp Checkpoint) string {
	return cp.Origin + "\n" + strconv.FormatUint(cp.Size, 10) + "\n" + base64.StdEncoding.EncodeToString(cp.Root) + "\n"
}

// ErrMalformed reports a checkpoint that does not parse.
var ErrMalformed = errors.New("malformed checkpoint")

// ParseCheckpoint parses a checkpoint's text (extension lines allowed).
func ParseCheckpoint(text string) (Checkpoint, error) {
	lines := strings.SplitN(text, "\n", 4)
	if len(lines) < 4 || lines[0] == "" {
		return Checkpoint{}, fmt.Errorf("%w: want an origin, a size and a root hash, one a line", ErrMalformed)
	}
	size, err := strconv.ParseUint(lines[1], 10, 64)
	if err != nil || lines[1] != strconv.FormatUint(size, 10) {
		return Checkpoint{}, fmt.Errorf("%w: size %q is not a decimal number", ErrMalformed, lines[1])
	}
	root, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(root) != sha256.Size {
		return Checkpoint{}, fmt.Errorf("%w: root %q is not a base64 SHA-256 hash", ErrMalformed, lines[2])
	}
	return Checkpoint{Origin: lines[0], Size: size, Root: root}, nil
}

// OpenCheckpoint verifies a signed checkpoint note with the verifier key
// vkey and parses it. The checkpoint's origin must be the key's name.
func OpenCheckpoint(msg []byte, vkey string) (Checkpoint, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return Checkpoint{}, fmt.Errorf("verifier key: %w", err)
	}
	// A note ends with one newline; a file a shell or jq wrote may add
	// more, which no signature covers.
	msg = append(bytes.TrimRight(msg, "\n"), '\n')
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		var unk *note.UnverifiedNoteError
		if errors.As(err, &unk) {
			return Checkpoint{}, fmt.Errorf("checkpoint not signed by %s: %w", v.Name(), err)
		}
		return Checkpoint{}, fmt.Errorf("checkpoint: %w", err)
	}
	cp, err := ParseCheckpoint(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("checkpoint is of log %q, the key of %q", cp.Origin, v.Name())
	}
	return cp, nil
}

// VerifyInclusion checks that leafHash is leaf index of the checkpoint's
// tree.
func VerifyInclusion(cp Checkpoint, index uint64, leafHash []byte, p [][]byte) error {
	return proof.VerifyInclusion(hasher, index, cp.Size, leafHash, p, cp.Root)
}

// VerifyConsistency checks that older's tree is a prefix of newer's.
func VerifyConsistency(older, newer Checkpoint, p [][]byte) error {
	return proof.VerifyConsistency(hasher, older.Size, newer.Size, p, older.Root, newer.Root)
}
