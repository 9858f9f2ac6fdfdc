-- Schema version 9: issued credit reports (credo.ReportStore),
-- append-only: one row per issued report, one per withdrawal (at most one
-- per report, the primary key). Status is judged on read: withdrawn,
-- superseded by a later report for the same subject and viewer class, or
-- valid.
CREATE TABLE issued_reports (
	id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	number       text   NOT NULL UNIQUE,
	subject      text   NOT NULL,
	viewer       text   NOT NULL,
	format       text   NOT NULL,
	issued_ns    bigint NOT NULL,
	as_of_ns     bigint NOT NULL,
	rulebooks    jsonb  NOT NULL,
	sha256       text   NOT NULL
);
CREATE INDEX issued_reports_subject ON issued_reports(subject, viewer, issued_ns, id);

CREATE TABLE report_withdrawals (
	number text   PRIMARY KEY REFERENCES issued_reports(number),
	at_ns  bigint NOT NULL,
	by_who text   NOT NULL,
	reason text   NOT NULL
);
