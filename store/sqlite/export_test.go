package sqlite

import "context"

// SetUnlogged makes db's writes append nothing to the change log, the
// baseline of the log's cost.
func (db *DB) SetUnlogged() { db.unlogged = true }

// SetEachChunk makes EachSubject read chunks of about n records.
func (db *DB) SetEachChunk(n int) { db.eachChunk = n }

// GradeHistoryPlan is SQLite's plan of GradeHistory's query, each step's
// detail on a line.
func (db *DB) GradeHistoryPlan(ctx context.Context) (string, error) {
	rows, err := db.r.QueryContext(ctx, "EXPLAIN QUERY PLAN "+gradeHistoryQuery, "x", 1)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	plan := ""
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			return "", err
		}
		plan += detail + "\n"
	}
	return plan, rows.Err()
}
