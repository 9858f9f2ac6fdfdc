package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
)

// readStmts are read queries prepared once, on first use, on the reader
// pool (database/sql prepares them on each connection as needed): the
// queries run once per organization in a rescore, a regrade or a lookup,
// where compiling the SQL each time would cost more than running it
// (about 40% of a per-organization read, by the profiles of bench scale).
type readStmts struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
}

// get returns q prepared on r, preparing it on first use.
func (rs *readStmts) get(ctx context.Context, r *sql.DB, q string) (*sql.Stmt, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if st := rs.stmts[q]; st != nil {
		return st, nil
	}
	st, err := r.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: preparing %q: %w", q, err)
	}
	if rs.stmts == nil {
		rs.stmts = map[string]*sql.Stmt{}
	}
	rs.stmts[q] = st
	return st, nil
}

// close closes the prepared statements.
func (rs *readStmts) close() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, st := range rs.stmts {
		st.Close()
	}
	rs.stmts = nil
}
