-- Assessments stored compactly and only when their content changes, as in
-- the embedded store. A regrade gives every organization a new as_of (and
-- often the same everything else): those two times now live in
-- assessment_stamps, a narrow row per organization, and assessments keeps
-- the body as at its last change of content (its as_of and next_change
-- are the stamp's), rewritten only when content, the hash of the body
-- without those times, differs. as_of and next_at are credo.Time's text
-- ('' when zero); next_change_ns is next_at in nanoseconds since 1970.
CREATE TABLE assessment_stamps (
    code           text COLLATE "C" PRIMARY KEY,
    as_of          text NOT NULL,
    next_at        text NOT NULL,
    next_change_ns bigint
);
INSERT INTO assessment_stamps (code, as_of, next_at, next_change_ns)
    SELECT code, coalesce(body->>'as_of', ''), coalesce(body->>'next_change', ''), next_change_ns
    FROM assessments;
CREATE INDEX assessment_stamps_due ON assessment_stamps (next_change_ns, code) WHERE next_change_ns IS NOT NULL;
DROP INDEX assessments_due;
ALTER TABLE assessments DROP COLUMN next_change_ns;
-- NULL for bodies stored before: the next save rewrites them.
ALTER TABLE assessments ADD COLUMN content bytea;
