-- Schema version 15: when records' publicity ends (credo.PublicityIndex),
-- so that the pass over what falls due by time reads only the records
-- whose publicity ended since it last looked, not every record. The
-- window comes from the rulebooks, which SQL does not read: rows are
-- written by the pass (events.LogDue), which builds the index from every
-- record when publicity_indexed has no row (a store migrated from before
-- this version, or a copy's target), and then keeps it up to date from
-- the change log. until is unix nanoseconds.
CREATE TABLE record_publicity (
	record  INTEGER PRIMARY KEY,
	subject TEXT    NOT NULL,
	until   INTEGER NOT NULL
);
CREATE INDEX record_publicity_until ON record_publicity(until, record);

-- The log position the index covers; no row: never built.
CREATE TABLE publicity_indexed (
	one      INTEGER PRIMARY KEY CHECK (one = 1),
	position INTEGER NOT NULL
);
