-- Schema version 16: a run of record.accepted changes of one batch is one
-- row, a span: position is the run's last position, span how many
-- changes it holds (positions position-span+1 .. position), ref the
-- first record's id; the records are ids ref .. ref+span-1, in position
-- order, none superseding another. Changes (store/sqlite/changes.go)
-- expands a span from the records on read, with credo.RecordChanges,
-- the function that made the change's data before spans existed. Every
-- other change, and every run of one, stays a row of its own (span NULL).
-- An import writes one row per batch instead of one per record.
ALTER TABLE changes ADD COLUMN span INTEGER;
