-- Schema version 8: the ledger (credo.LedgerStore): the Merkle tree over the change log.
-- idx is the leaf's index (its order in the log), position its change.
-- salt is NULL once the leaf is erased; hash is the RFC 6962 leaf hash.
CREATE TABLE ledger_leaves (
	idx      bigint PRIMARY KEY,
	position bigint NOT NULL UNIQUE,
	type     text    NOT NULL,
	ref      text    NOT NULL,
	salt     bytea,
	hash     bytea    NOT NULL
);
CREATE INDEX ledger_leaves_ref ON ledger_leaves(ref, type, idx);

-- Every complete subtree's hash (level 0: the leaf hashes again), from
-- which any proof is read.
CREATE TABLE ledger_nodes (
	level bigint NOT NULL,
	idx   bigint NOT NULL,
	hash  bytea    NOT NULL,
	PRIMARY KEY (level, idx)
);

-- Signed checkpoints, by tree size; the latest is served.
CREATE TABLE ledger_checkpoints (
	size bigint PRIMARY KEY,
	note bytea    NOT NULL
);
