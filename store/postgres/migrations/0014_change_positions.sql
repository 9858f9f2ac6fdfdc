-- Schema version 14: the change log's positions are given after commit.
--
-- Version 4 gave positions from change_head inside each writing
-- transaction, holding its row lock until COMMIT, so that writers of the
-- log committed in position order; they also committed one at a time.
-- Now a writer only inserts its changes (position NULL, seq from a
-- sequence, in order) and never touches change_head. Positions are given
-- afterwards by integrate_changes(), which readers call (Head, and
-- Changes up to the head): under change_head's row lock, so one
-- integrator at a time, it numbers every committed change that has none,
-- in seq order, from the head on, and moves the head, in one transaction.
-- A change is numbered only once committed and only above every number
-- given before, so a reader that has read position N never later finds
-- a change at or below N it did not see, whichever node wrote it and in
-- whatever order transactions commit. See docs/ARCHITECTURE.md.

ALTER TABLE changes DROP CONSTRAINT changes_pkey;
ALTER TABLE changes ALTER COLUMN position DROP NOT NULL;
ALTER TABLE changes ADD COLUMN seq bigserial;
ALTER TABLE changes ADD PRIMARY KEY (seq);
CREATE UNIQUE INDEX changes_position ON changes (position);
-- Partial: only what waits for a number.
CREATE INDEX changes_unnumbered ON changes (seq) WHERE position IS NULL;

-- integrate_changes numbers what is committed and unnumbered and returns
-- the head. Each statement of a PL/pgSQL function reads its own snapshot
-- (READ COMMITTED), so the numbering, taken after the lock, sees every
-- change committed before it and every number given before it.
CREATE FUNCTION integrate_changes() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
	head bigint;
	n    bigint;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM changes WHERE position IS NULL) THEN
		SELECT position INTO head FROM change_head;
		RETURN head;
	END IF;
	SELECT position INTO head FROM change_head FOR UPDATE;
	WITH todo AS (
		SELECT seq, head + row_number() OVER (ORDER BY seq) AS pos
		FROM changes WHERE position IS NULL
	)
	UPDATE changes c SET position = todo.pos FROM todo WHERE c.seq = todo.seq;
	GET DIAGNOSTICS n = ROW_COUNT;
	UPDATE change_head SET position = head + n;
	RETURN head + n;
END
$$;
