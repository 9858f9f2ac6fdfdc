-- Screenings: the decisions callers made about candidates (appended; the
-- latest per owner, input and code counts), and jobs too large to answer
-- at once: their rows, their results as they are made, and their end.
-- Nothing here is updated. Times are unix nanoseconds.
CREATE TABLE screening_decisions (
	id      INTEGER PRIMARY KEY,
	owner   TEXT    NOT NULL,
	input   TEXT    NOT NULL,
	code    TEXT    NOT NULL,
	verdict TEXT    NOT NULL,
	note    TEXT    NOT NULL,
	decided_by TEXT   NOT NULL,
	at      INTEGER NOT NULL
);
CREATE INDEX screening_decisions_input ON screening_decisions(owner, input, code, id);

CREATE TABLE screening_jobs (
	id         TEXT    PRIMARY KEY,
	owner      TEXT    NOT NULL,
	action     TEXT    NOT NULL,
	depth      INTEGER NOT NULL,
	inputs     BLOB    NOT NULL,
	total      INTEGER NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE screening_results (
	job  TEXT    NOT NULL REFERENCES screening_jobs(id),
	line INTEGER NOT NULL,
	body BLOB    NOT NULL,
	PRIMARY KEY (job, line)
) WITHOUT ROWID;

CREATE TABLE screening_job_ends (
	job         TEXT    PRIMARY KEY REFERENCES screening_jobs(id),
	finished_at INTEGER NOT NULL
);
