-- Issued credit reports (credo.ReportStore), append-only: one row per
-- issued report, one per withdrawal (at most one per report). Status is
-- judged on read: withdrawn, superseded by a later report for the same
-- subject and viewer class, or valid.
CREATE TABLE issued_reports (
	id        INTEGER PRIMARY KEY,
	number    TEXT    NOT NULL UNIQUE,
	subject   TEXT    NOT NULL,
	viewer    TEXT    NOT NULL,
	format    TEXT    NOT NULL,
	issued_at INTEGER NOT NULL,
	as_of     INTEGER NOT NULL,
	rulebooks TEXT    NOT NULL,
	sha256    TEXT    NOT NULL
);
CREATE INDEX issued_reports_subject ON issued_reports(subject, viewer, issued_at, id);

CREATE TABLE report_withdrawals (
	number TEXT    PRIMARY KEY REFERENCES issued_reports(number),
	at     INTEGER NOT NULL,
	by_who TEXT    NOT NULL,
	reason TEXT    NOT NULL
) WITHOUT ROWID;
