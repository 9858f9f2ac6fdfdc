-- docs/PERFORMANCE.md, "The change log (issue 10)": what numbering the
-- PostgreSQL log costs the server, by the UPDATE of integrate_changes
-- (0014_change_positions.sql) against an insert into a separate table.
-- Synthetic rows of the size of a record.accepted change; uses and drops
-- its own schema. psql -h 127.0.0.1 -d test -q -f docs/perf/change_numbering.sql
DROP SCHEMA IF EXISTS logperf_exp CASCADE;
CREATE SCHEMA logperf_exp;
SET search_path = logperf_exp;
CREATE TABLE changes (position bigint, type text NOT NULL, subject text NOT NULL, ref text NOT NULL, at_ns bigint NOT NULL, key text, data text NOT NULL, seq bigserial PRIMARY KEY);
CREATE UNIQUE INDEX changes_position ON changes (position);
CREATE INDEX changes_subject ON changes (subject, position);
CREATE UNIQUE INDEX changes_key ON changes (key) WHERE key IS NOT NULL;
CREATE INDEX changes_unnumbered ON changes (seq) WHERE position IS NULL;
\timing on
-- warm-up batch, then 3 measured batches of 10,000
INSERT INTO changes (type, subject, ref, at_ns, data) SELECT 'credo.record.accepted', '9144030010000' || lpad((g*7919 % 200000)::text, 6, '0'), g::text, 1, repeat('x', 228) FROM generate_series(1, 10000) g;
UPDATE changes c SET position = t.pos FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM changes WHERE position IS NULL) t WHERE c.seq = t.seq;
INSERT INTO changes (type, subject, ref, at_ns, data) SELECT 'credo.record.accepted', '9144030010000' || lpad((g*7919 % 200000)::text, 6, '0'), g::text, 1, repeat('x', 228) FROM generate_series(10001, 20000) g;
UPDATE changes c SET position = 10000 + t.pos FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM changes WHERE position IS NULL) t WHERE c.seq = t.seq;
INSERT INTO changes (type, subject, ref, at_ns, data) SELECT 'credo.record.accepted', '9144030010000' || lpad((g*7919 % 200000)::text, 6, '0'), g::text, 1, repeat('x', 228) FROM generate_series(20001, 30000) g;
UPDATE changes c SET position = 20000 + t.pos FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM changes WHERE position IS NULL) t WHERE c.seq = t.seq;
INSERT INTO changes (type, subject, ref, at_ns, data) SELECT 'credo.record.accepted', '9144030010000' || lpad((g*7919 % 200000)::text, 6, '0'), g::text, 1, repeat('x', 228) FROM generate_series(30001, 40000) g;
UPDATE changes c SET position = 30000 + t.pos FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS pos FROM changes WHERE position IS NULL) t WHERE c.seq = t.seq;
-- the alternative: a separate insert-only numbering table
CREATE TABLE numbered (position bigint PRIMARY KEY, seq bigint NOT NULL);
INSERT INTO numbered SELECT 40000 + row_number() OVER (ORDER BY seq), seq FROM changes WHERE seq > 30000;
INSERT INTO numbered SELECT 50000 + row_number() OVER (ORDER BY seq), seq FROM changes WHERE seq > 20000 AND seq <= 30000;
\timing off
SELECT pg_size_pretty(pg_total_relation_size('changes'));
DROP SCHEMA logperf_exp CASCADE;
