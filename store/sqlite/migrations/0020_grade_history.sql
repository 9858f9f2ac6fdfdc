-- The grade history the organization page shows (GradeHistory), read from
-- this index alone: each change's time, comprehensive grade, whether the
-- public may see it and its cause's kind, a few dozen bytes, instead of
-- the whole assessment (about 3 KB, a table row of its own) decoded for
-- each change. Building it reads the history once and writes only the
-- index (about 60 MB at 1,000,000 organizations); nothing is rewritten.
-- The expressions are written as gradeHistoryQuery writes them.
CREATE INDEX assessment_history_grades ON assessment_history(code, seq, at,
	json_extract(CAST(body AS TEXT), '$.grade'), json_extract(CAST(body AS TEXT), '$.public'),
	json_extract(CAST(cause AS TEXT), '$.kind'));
