-- Annual reports: every version of every year's report of an organization,
-- append-only. body is the JSON of credo.AnnualReport as filed; hash its
-- ContentHash. (subject, year, version) is the primary key, so of two
-- filings of the same version at once one is stored.
CREATE TABLE annual_reports (
	subject  TEXT    NOT NULL,
	year     INTEGER NOT NULL,
	version  INTEGER NOT NULL,
	filed_at INTEGER NOT NULL,
	hash     TEXT    NOT NULL,
	body     BLOB    NOT NULL,
	PRIMARY KEY (subject, year, version)
) WITHOUT ROWID;
-- The deadline pass and the overdue list look up, per organization, whether
-- a year's report was filed by a time.
CREATE INDEX annual_reports_year ON annual_reports(year, subject, filed_at);
