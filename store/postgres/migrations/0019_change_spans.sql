-- Schema version 19: an import batch's changes numbered as one span.
--
-- Version 18 numbered every change with a row of change_positions
-- (position, seq, subject) and three index entries: for an import of
-- 10,000 records, 10,000 such rows, most of what the log cost it. Now the
-- changes a statement COPYs (appendChanges: a batch of 256 or more, none
-- keyed) are a batch: each change row carries in batch the seq the writer
-- drew just before the COPY (lo, below every seq of the COPY, and the seq
-- of no change), and the writer's change_pending row says (lo, hi, span):
-- span changes of batch lo, seqs in (lo, hi]. integrate_changes numbers
-- such a batch with one row of change_positions: seq = lo, span = its
-- length, position = its last position; its changes are positions
-- position-span+1 .. position, in seq order (readers expand it,
-- store/postgres/changes.go). Changes of other writers whose seqs fall
-- between a batch's (seqs interleave) have no batch and are numbered
-- one by one as before; a range of such a writer never takes a batch's
-- change (batch IS NULL). Everything taken by one integration is
-- numbered in seq order, a batch at its lo, so a transaction's changes
-- keep their order. A span row's subject is '' (a batch has many):
-- readers filtering by subject read span rows too (change_positions_spans).

LOCK TABLE change_head, changes, change_pending, change_positions IN ACCESS EXCLUSIVE MODE;

ALTER TABLE changes ADD COLUMN batch bigint;
ALTER TABLE change_pending ADD COLUMN span bigint;
ALTER TABLE change_positions ADD COLUMN span bigint;
CREATE INDEX change_positions_spans ON change_positions (position) WHERE span IS NOT NULL;

-- change_seq returns the seq of the change at position (NULL: none).
CREATE FUNCTION change_seq(pos bigint) RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT CASE
		WHEN p.span IS NULL THEN (CASE WHEN p.position = pos THEN p.seq END)
		WHEN pos > p.position - p.span THEN (
			SELECT c.seq FROM changes c WHERE c.seq > p.seq AND c.batch = p.seq
			ORDER BY c.seq OFFSET pos - (p.position - p.span) - 1 LIMIT 1)
		END
	FROM (SELECT position, seq, span FROM change_positions WHERE position >= pos ORDER BY position LIMIT 1) p
$$;

-- integrate_changes keeps its joins to index lookups, sequential scans
-- included now (enable_seqscan = off; JIT, which the planner's disable
-- cost switched on in version 14, stays off): on a log without
-- statistics (a new one, or autovacuum not yet run) the planner joined
-- the ranges to a sequential scan of all of changes, anti-joined to
-- change_positions: 60-120 ms an integration at 18,000 changes (EXPLAIN
-- ANALYZE), 0.4 ms with the index (2026-12-07). The pending queue and
-- change_head have no index: their scans stay what they were.
CREATE OR REPLACE FUNCTION integrate_changes() RETURNS bigint LANGUAGE plpgsql
SET enable_hashjoin = off SET enable_mergejoin = off SET enable_seqscan = off SET jit = off AS $$
DECLARE
	head  bigint;
	top   bigint;
	los   bigint[];
	his   bigint[];
	blos  bigint[];
	spans bigint[];
BEGIN
	IF NOT EXISTS (SELECT 1 FROM change_pending) THEN
		SELECT position INTO head FROM change_head;
		RETURN head;
	END IF;
	SELECT position INTO head FROM change_head FOR UPDATE;
	WITH done AS (DELETE FROM change_pending RETURNING lo, hi, span)
	SELECT array_agg(lo) FILTER (WHERE span IS NULL), array_agg(hi) FILTER (WHERE span IS NULL),
		array_agg(lo) FILTER (WHERE span IS NOT NULL), array_agg(span) FILTER (WHERE span IS NOT NULL)
	INTO los, his, blos, spans FROM done;
	IF los IS NULL AND blos IS NULL THEN
		RETURN head;
	END IF;
	-- The changes of the ranges and batches just taken: committed with
	-- them, so visible to this statement too. w is how many positions a
	-- row takes.
	WITH ins AS (
		INSERT INTO change_positions (position, seq, subject, span)
		SELECT head + sum(t.w) OVER (ORDER BY t.seq), t.seq, t.subject, t.span
		FROM (
			SELECT DISTINCT c.seq, c.subject, NULL::bigint AS span, 1::bigint AS w
			FROM unnest(los, his) AS r (lo, hi)
			JOIN changes c ON c.seq BETWEEN r.lo AND r.hi
			WHERE c.batch IS NULL AND NOT EXISTS (SELECT 1 FROM change_positions p WHERE p.seq = c.seq)
			UNION ALL
			SELECT b.lo, '', b.span, b.span FROM unnest(blos, spans) AS b (lo, span)
		) t
		RETURNING position
	)
	SELECT max(position) INTO top FROM ins;
	IF top IS NOT NULL THEN
		UPDATE change_head SET position = top;
		head := top;
	END IF;
	RETURN head;
END
$$;
