package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// SetBeforeCommit makes every write transaction of db call f (with the
// server process id of its connection and the attempt number, from 0)
// just before COMMIT; an error from f fails that attempt.
func SetBeforeCommit(db *DB, f func(ctx context.Context, pid uint32, attempt int) error) {
	db.beforeCommit = func(ctx context.Context, tx pgx.Tx, attempt int) error {
		return f(ctx, tx.Conn().PgConn().PID(), attempt)
	}
}

// IdlePIDs returns the server process ids of db's idle pooled connections.
func IdlePIDs(ctx context.Context, db *DB) []uint32 {
	var pids []uint32
	for _, c := range db.pool.AcquireAllIdle(ctx) {
		pids = append(pids, c.Conn().PgConn().PID())
		c.Release()
	}
	return pids
}

// MigrationSQL returns the text of migration version v.
func MigrationSQL(v int) string {
	ms, err := migrations()
	if err != nil {
		panic(err)
	}
	return ms[v-1].sql
}
