package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// readStmts are read queries prepared once, on first use, on the reader
// pool (database/sql prepares them on each connection as needed): the
// queries run once per organization in a rescore, where compiling the SQL
// each time would cost more than running it.
type readStmts struct {
	mu             sync.Mutex
	subjectEntries *sql.Stmt
}

// get returns *slot, preparing q into it on first use.
func (rs *readStmts) get(ctx context.Context, r *sql.DB, slot **sql.Stmt, q string) (*sql.Stmt, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if *slot != nil {
		return *slot, nil
	}
	st, err := r.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: preparing %q: %w", q, err)
	}
	*slot = st
	return st, nil
}

// close closes the prepared statements.
func (rs *readStmts) close() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.subjectEntries != nil {
		rs.subjectEntries.Close()
		rs.subjectEntries = nil
	}
}
