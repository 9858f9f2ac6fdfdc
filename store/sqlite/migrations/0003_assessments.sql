-- Rulebooks: every published version, never changed or removed. source is
-- the bytes as published; the rowid is the publication order, which
-- Rulebooks lists each id's versions in.
CREATE TABLE rulebooks (
	id           TEXT    NOT NULL,
	version      TEXT    NOT NULL,
	hash         TEXT    NOT NULL,
	source       BLOB    NOT NULL,
	published_at INTEGER NOT NULL,
	PRIMARY KEY (id, version)
);

-- Assessments: each organization's current assessment, body the JSON of
-- the credo.Assessment. grades is what decides whether a new assessment is
-- a change (the grade and every dimension's grade and score, as JSON with
-- sorted keys), so that SaveAssessments compares without decoding bodies;
-- seq is the history entry the assessment's grades were first recorded in.
-- next_change is unix nanoseconds, NULL when none is known (never due).
CREATE TABLE assessments (
	code        TEXT    PRIMARY KEY,
	seq         INTEGER NOT NULL,
	grade       TEXT    NOT NULL,
	grades      TEXT    NOT NULL,
	next_change INTEGER,
	body        BLOB    NOT NULL
);
CREATE INDEX assessments_due ON assessments(next_change, code) WHERE next_change IS NOT NULL;

-- Assessment history: each organization's changes, seq 1, 2, ... in the
-- order they were recorded. at is unix nanoseconds; cause is the JSON of
-- the credo.Cause, body of the credo.Assessment.
CREATE TABLE assessment_history (
	code  TEXT    NOT NULL,
	seq   INTEGER NOT NULL,
	at    INTEGER NOT NULL,
	cause BLOB    NOT NULL,
	body  BLOB    NOT NULL,
	PRIMARY KEY (code, seq)
);
