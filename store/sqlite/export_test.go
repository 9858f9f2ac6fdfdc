package sqlite

// SetEachChunk makes EachSubject read chunks of about n records.
func (db *DB) SetEachChunk(n int) { db.eachChunk = n }
