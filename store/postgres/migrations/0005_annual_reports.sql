-- Annual reports: every version of every year's report of an organization,
-- append-only. body is the JSON of credo.AnnualReport as filed, hash its
-- ContentHash. The primary key (subject, year, version) makes one of two
-- filings of the same version, on any nodes, win.
CREATE TABLE annual_reports (
    subject  text COLLATE "C" NOT NULL,
    year     integer NOT NULL,
    version  integer NOT NULL,
    filed_at bigint NOT NULL,
    hash     text NOT NULL,
    body     json NOT NULL,
    writer   text NOT NULL, -- the call that stored it (a random token), so a retried write knows its own row
    PRIMARY KEY (subject, year, version)
);
-- The deadline pass and the overdue list: was a year's report filed by a time?
CREATE INDEX annual_reports_year ON annual_reports (year, subject, filed_at);
