-- Schema version 15: when records' publicity ends (credo.PublicityIndex),
-- so that the pass over what falls due by time reads only the records
-- whose publicity ended since it last looked, not every record. The
-- window comes from the rulebooks, which SQL does not read: rows are
-- written by the pass (events.LogDue), which builds the index from every
-- record when publicity_indexed has no row (a schema migrated from before
-- this version, or a copy's target), and then keeps it up to date from
-- the change log. until_ns is unix nanoseconds.
CREATE TABLE record_publicity (
	record   bigint PRIMARY KEY,
	subject  text   NOT NULL,
	until_ns bigint NOT NULL
);
CREATE INDEX record_publicity_until ON record_publicity (until_ns, record);

-- The log position the index covers; no row: never built.
CREATE TABLE publicity_indexed (
	one      boolean PRIMARY KEY CHECK (one),
	position bigint  NOT NULL
);
