-- Organizations whose search grams (subject_grams) are yet to be written:
-- BulkLoadSubjects lists each organization it stores here instead of
-- inserting ~20 gram rows at random places in subject_grams, and writes
-- them all at the end in gram order. Open writes whatever is listed, so a
-- load that was interrupted (even by kill -9) leaves no name unindexed
-- once reopened.
CREATE TABLE grams_pending (
	code TEXT PRIMARY KEY
) WITHOUT ROWID;
