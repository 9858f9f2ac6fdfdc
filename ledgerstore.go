package credo

import "context"

// LedgerKeySecret names the store secret the ledger's signing key is made
// from (when no key file is named); a copy takes it along.
const LedgerKeySecret = "ledger.signing"

// LedgerStore keeps the ledger: the RFC 6962 Merkle tree whose leaves are
// the change log's entries in log order (package ledger builds it). Leaf
// index i is the i-th change of the log (positions may skip numbers, so
// each leaf keeps its position). A leaf's hash commits to its change's
// canonical form with a per-leaf random salt; the store keeps the salt so
// that the commitment can be opened, and forgets it on erasure.
type LedgerStore interface {
	// LedgerSize returns the number of leaves and the log position of the
	// last one (0, 0 for an empty tree).
	LedgerSize(ctx context.Context) (size, position int64, err error)
	// IntegrateLeaves stores leaves (leaves[i].Index == size+i), the
	// complete subtree nodes given (those of level 0 are the leaves' own
	// hashes and need not be stored apart), and checkpoint (the signed
	// note over the new size; nil: none), atomically. A leaf with a Type
	// is found by LedgerIndex(Type, Ref). It fails with ECONFLICT when the
	// tree no longer has size leaves: another node integrated them.
	IntegrateLeaves(ctx context.Context, size int64, leaves []*LedgerLeaf, nodes []*LedgerNode, checkpoint []byte) error
	// LedgerNodes returns the stored hashes of the nodes asked for, in
	// order (level 0: the leaves' hashes); ENOTFOUND when one is not
	// stored.
	LedgerNodes(ctx context.Context, ids []LedgerNodeID) ([][]byte, error)
	// LedgerLeaf returns the leaf at index (ENOTFOUND beyond the tree),
	// without its Type and Ref.
	LedgerLeaf(ctx context.Context, index int64) (*LedgerLeaf, error)
	// LedgerLeaves returns up to limit leaves from index from on, in
	// order, without their Type and Ref (a copy reads the tree with it).
	LedgerLeaves(ctx context.Context, from int64, limit int) ([]*LedgerLeaf, error)
	// LedgerIndex returns the leaf index of the change of type typ about
	// ref, as IntegrateLeaves was told it; ENOTFOUND when there is none
	// (not integrated yet, or not a leaf LedgerIndex finds).
	LedgerIndex(ctx context.Context, typ, ref string) (int64, error)
	// Checkpoint returns the latest signed checkpoint (ENOTFOUND: none).
	Checkpoint(ctx context.Context) ([]byte, error)
	// LedgerCheckpoints returns up to limit stored checkpoints of sizes
	// above after, by size.
	LedgerCheckpoints(ctx context.Context, after int64, limit int) ([]*LedgerCheckpoint, error)
	// EraseLeaf forgets the salt of the leaf at index and the content of
	// its change (its data becomes null): the leaf hash, and so the tree,
	// stay as they were, but the commitment can no longer be opened.
	EraseLeaf(ctx context.Context, index int64) error
}

// LedgerLeaf is one leaf of the ledger.
type LedgerLeaf struct {
	Index    int64
	Position int64
	// Type and Ref, given to IntegrateLeaves, make the leaf the one
	// LedgerIndex(Type, Ref) finds: the package ledger sets them on the
	// leaves of the changes the API shows a log_index for (Ref a whole
	// number). Reads do not return them.
	Type string
	Ref  string
	// Salt is nil once the leaf is erased.
	Salt []byte
	// Hash is the RFC 6962 leaf hash.
	Hash []byte
}

// LedgerNodeID names a node of the tree: level 0 are leaves.
type LedgerNodeID struct {
	Level uint
	Index uint64
}

// LedgerNode is a stored node of a complete subtree.
type LedgerNode struct {
	LedgerNodeID
	Hash []byte
}

// LedgerCheckpoint is a signed checkpoint note over the tree of Size
// leaves.
type LedgerCheckpoint struct {
	Size int64
	Note []byte
}
