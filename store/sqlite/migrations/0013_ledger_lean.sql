-- The ledger's leaves, leaner: a leaf is written for every change, so it
-- keeps what a proof and an entry read (position, salt, hash) and nothing
-- else. LedgerIndex reads ledger_refs, which holds only the leaves the API
-- shows a log_index for (records accepted, list entries notified, cases
-- filed and decided), by whole-number ref, so that ids arriving in order
-- are appended at the B-tree's edge. Positions grow with indexes, so the
-- unique index on position goes; and nodes below level 4 are recomputed
-- from at most 8 leaves when a proof needs them (package ledger), so they
-- are no longer kept.
CREATE TABLE ledger_refs (
	type TEXT    NOT NULL,
	ref  INTEGER NOT NULL,
	idx  INTEGER NOT NULL,
	PRIMARY KEY (type, ref)
) WITHOUT ROWID;
INSERT INTO ledger_refs (type, ref, idx)
	SELECT type, CAST(ref AS INTEGER), min(idx) FROM ledger_leaves
	WHERE type IN ('record.accepted', 'list_entry.notified', 'case.filed', 'case.decided')
	GROUP BY type, CAST(ref AS INTEGER);

CREATE TABLE ledger_leaves_lean (
	idx      INTEGER PRIMARY KEY,
	position INTEGER NOT NULL,
	salt     BLOB,
	hash     BLOB    NOT NULL
);
INSERT INTO ledger_leaves_lean (idx, position, salt, hash) SELECT idx, position, salt, hash FROM ledger_leaves;
DROP TABLE ledger_leaves;
ALTER TABLE ledger_leaves_lean RENAME TO ledger_leaves;

DELETE FROM ledger_nodes WHERE level < 4;
