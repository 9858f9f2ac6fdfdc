package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
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
	return ms[v-1].SQL
}

// LoseFirstAcknowledgement makes the first attempt of every write
// transaction of db commit and then fail as if the acknowledgement of its
// COMMIT had been lost (a serialization failure, which is retried), so
// that the write runs again on top of what it stored.
func LoseFirstAcknowledgement(db *DB) {
	db.beforeCommit = func(ctx context.Context, tx pgx.Tx, attempt int) error {
		if attempt > 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `COMMIT`); err != nil {
			return err
		}
		return &pgconn.PgError{Code: "40001", Message: "the acknowledgement of COMMIT was lost (test)"}
	}
}

// SetUnlogged switches the change log's appends off (on) or back on, for
// every store of the process: benchmarks only (log and nolog in one run).
func SetUnlogged(on bool) { unlogged.Store(on) }

// SetCounterSlot makes writes add to the counter row f picks instead of
// one at random (tests that hold one write open while others commit:
// two writes on one row take turns); it returns the undo.
func SetCounterSlot(f func() int) (undo func()) {
	old := counterSlot
	counterSlot = f
	return func() { counterSlot = old }
}
