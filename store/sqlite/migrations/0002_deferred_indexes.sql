-- Indexes BulkLoad dropped, with the SQL that builds them again. Open and
-- the end of BulkLoad build whatever is listed, so a load that was
-- interrupted (even by kill -9) leaves no index missing once reopened.
CREATE TABLE deferred_indexes (
	name TEXT PRIMARY KEY,
	sql  TEXT NOT NULL
) WITHOUT ROWID;
