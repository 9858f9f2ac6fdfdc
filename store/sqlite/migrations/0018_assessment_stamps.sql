-- Assessments stored compactly and only when their content changes. A
-- regrade gives every organization a new as_of (and often the same
-- everything else): those two times now live in assessment_stamps, a
-- narrow row per organization, and assessments keeps the body as at its
-- last change of content (its as_of and next_change are the stamp's),
-- rewritten only when content, the hash of the body without those times,
-- differs. as_of and next_at are credo.Time's text ('' when zero);
-- next_change is next_at in unix nanoseconds for DueAssessments.
CREATE TABLE assessment_stamps (
	code        TEXT    PRIMARY KEY,
	as_of       TEXT    NOT NULL,
	next_at     TEXT    NOT NULL,
	next_change INTEGER
) WITHOUT ROWID;
INSERT INTO assessment_stamps(code, as_of, next_at, next_change)
	SELECT code, coalesce(json_extract(CAST(body AS TEXT), '$.as_of'), ''),
		coalesce(json_extract(CAST(body AS TEXT), '$.next_change'), ''), next_change
	FROM assessments;
CREATE INDEX assessment_stamps_due ON assessment_stamps(next_change, code) WHERE next_change IS NOT NULL;
DROP INDEX assessments_due;
ALTER TABLE assessments DROP COLUMN next_change;
-- NULL for bodies stored before: the next save rewrites them.
ALTER TABLE assessments ADD COLUMN content BLOB;
