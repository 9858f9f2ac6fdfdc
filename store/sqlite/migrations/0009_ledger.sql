-- The ledger (credo.LedgerStore): the Merkle tree over the change log.
-- idx is the leaf's index (its order in the log), position its change.
-- salt is NULL once the leaf is erased; hash is the RFC 6962 leaf hash.
CREATE TABLE ledger_leaves (
	idx      INTEGER PRIMARY KEY,
	position INTEGER NOT NULL UNIQUE,
	type     TEXT    NOT NULL,
	ref      TEXT    NOT NULL,
	salt     BLOB,
	hash     BLOB    NOT NULL
);
CREATE INDEX ledger_leaves_ref ON ledger_leaves(ref, type, idx);

-- Every complete subtree's hash (level 0: the leaf hashes again), from
-- which any proof is read.
CREATE TABLE ledger_nodes (
	level INTEGER NOT NULL,
	idx   INTEGER NOT NULL,
	hash  BLOB    NOT NULL,
	PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Signed checkpoints, by tree size; the latest is served.
CREATE TABLE ledger_checkpoints (
	size INTEGER PRIMARY KEY,
	note BLOB    NOT NULL
);
