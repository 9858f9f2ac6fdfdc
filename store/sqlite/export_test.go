package sqlite

// SetUnlogged makes db's writes append nothing to the change log, the
// baseline of the log's cost.
func (db *DB) SetUnlogged() { db.unlogged = true }

// SetEachChunk makes EachSubject read chunks of about n records.
func (db *DB) SetEachChunk(n int) { db.eachChunk = n }
