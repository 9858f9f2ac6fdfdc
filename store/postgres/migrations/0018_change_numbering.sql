-- Schema version 18: positions in a table of their own, written once.
--
-- Version 14 numbered a change by updating its row (position NULL, then
-- the number): a second tuple of the whole row and every index of it
-- again, and a partial index to find the unnumbered. Now a change row is
-- written once and never updated. Writers insert their changes (seq from
-- the sequence, in order) and, in the same statement, one row of
-- change_pending: the range of seqs the statement drew (lo, hi). Both
-- commit together. integrate_changes() numbers under change_head's row
-- lock as before, by inserting (position, seq) into change_positions: it
-- takes the committed pending rows (deleting them) and numbers, in seq
-- order, the changes in their ranges that have no position yet. A range
-- may hold other transactions' changes too (seqs of concurrent writers
-- interleave): those already numbered are skipped (change_positions_seq),
-- those not yet committed are invisible and numbered with their own
-- range. A change becomes visible in the same snapshot as its pending
-- row, so every committed change is numbered by the first integration
-- after its commit, above every number given before: the promise of
-- version 14 holds. See docs/ARCHITECTURE.md.
--
-- change_positions carries the subject, so that a reader filtering by
-- organization reads its index (subject, position) in log order. changes
-- keeps only seq (its key) and the partial unique key.

LOCK TABLE change_head, changes IN ACCESS EXCLUSIVE MODE;

CREATE TABLE change_positions (
	position bigint NOT NULL,
	seq      bigint NOT NULL,
	subject  text COLLATE "C" NOT NULL
);
INSERT INTO change_positions (position, seq, subject)
SELECT position, seq, subject FROM changes WHERE position IS NOT NULL ORDER BY position;
ALTER TABLE change_positions ADD PRIMARY KEY (position);
CREATE UNIQUE INDEX change_positions_seq ON change_positions (seq);
CREATE INDEX change_positions_subject ON change_positions (subject, position);

-- Ranges of seqs with changes that may wait for a position (a queue:
-- rows live from the writer's commit to the next integration).
CREATE TABLE change_pending (
	lo bigint NOT NULL,
	hi bigint NOT NULL
);
INSERT INTO change_pending (lo, hi) SELECT seq, seq FROM changes WHERE position IS NULL;

DROP INDEX changes_unnumbered, changes_position, changes_subject;
ALTER TABLE changes DROP COLUMN position;

-- integrate_changes numbers what is committed and unnumbered and returns
-- the head. Each statement reads its own snapshot (READ COMMITTED), taken
-- after the lock. The joins are kept to nested loops of index lookups:
-- the ranges are few and short beside the log, which the planner cannot
-- know (the queue's size is mostly dead rows between vacuums); and JIT
-- is off, which a plan's cost can otherwise switch on for a statement of
-- a millisecond (7 ms to compile, measured).
CREATE OR REPLACE FUNCTION integrate_changes() RETURNS bigint LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET jit = off AS $$
DECLARE
	head bigint;
	n    bigint;
	los  bigint[];
	his  bigint[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM change_pending) THEN
		SELECT position INTO head FROM change_head;
		RETURN head;
	END IF;
	SELECT position INTO head FROM change_head FOR UPDATE;
	WITH done AS (DELETE FROM change_pending RETURNING lo, hi)
	SELECT array_agg(lo), array_agg(hi) INTO los, his FROM done;
	IF los IS NULL THEN
		RETURN head;
	END IF;
	-- The changes of the ranges just taken: committed with them, so
	-- visible to this statement too.
	INSERT INTO change_positions (position, seq, subject)
	SELECT head + row_number() OVER (ORDER BY t.seq), t.seq, t.subject
	FROM (
		SELECT DISTINCT c.seq, c.subject
		FROM unnest(los, his) AS r (lo, hi)
		JOIN changes c ON c.seq BETWEEN r.lo AND r.hi
		WHERE NOT EXISTS (SELECT 1 FROM change_positions p WHERE p.seq = c.seq)
	) t;
	GET DIAGNOSTICS n = ROW_COUNT;
	UPDATE change_head SET position = head + n;
	RETURN head + n;
END
$$;
