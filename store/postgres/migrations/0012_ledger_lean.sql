-- Schema version 12: the ledger's leaves, leaner: a leaf is written for
-- every change, so it keeps what a proof and an entry read (position,
-- salt, hash) and nothing else. LedgerIndex reads ledger_refs, which
-- holds only the leaves the API shows a log_index for (records accepted,
-- list entries notified, cases filed and decided), by whole-number ref.
-- Positions grow with indexes, so the unique index on position goes; and
-- nodes below level 4 are recomputed from at most 8 leaves when a proof
-- needs them (package ledger), so they are no longer kept.
CREATE TABLE ledger_refs (
	type text   NOT NULL,
	ref  bigint NOT NULL,
	idx  bigint NOT NULL,
	PRIMARY KEY (type, ref)
);
INSERT INTO ledger_refs (type, ref, idx)
	SELECT type, ref::bigint, min(idx) FROM ledger_leaves
	WHERE type IN ('record.accepted', 'list_entry.notified', 'case.filed', 'case.decided')
	GROUP BY type, ref::bigint;

DROP INDEX ledger_leaves_ref;
ALTER TABLE ledger_leaves DROP COLUMN type, DROP COLUMN ref, DROP CONSTRAINT ledger_leaves_position_key;

DELETE FROM ledger_nodes WHERE level < 4;
