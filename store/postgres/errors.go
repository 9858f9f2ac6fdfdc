package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/credo-registry/credo"
)

// This file is the dialect's one map from driver errors to domain errors
// and retry decisions. It looks at error types and SQLSTATE codes only.

// errRace reports that a concurrent transaction stored a key this one had
// found missing; the whole transaction runs again and then sees it.
var errRace = errors.New("a concurrent write stored the same key")

// transient reports whether a transaction that failed with err may succeed
// when run again from the start.
func transient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, errRace) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", // serialization_failure
			"40P01", // deadlock_detected
			"23505", // unique_violation: a concurrent insert won; the retry reads it
			"55P03", // lock_not_available
			"57P01", // admin_shutdown (pg_terminate_backend, a fast shutdown)
			"57P02", // crash_shutdown
			"57P03", // cannot_connect_now (starting up, in recovery)
			"53300", // too_many_connections
			"25006", // read_only_sql_transaction: a standby after a failover
			"58000", // system_error
			"58030": // io_error
			return true
		}
		return strings.HasPrefix(pe.Code, "08") // connection_exception
	}
	return lostConnection(err) || pgconn.SafeToRetry(err)
}

// lostConnection reports whether err means the connection to the server
// failed or was closed, rather than the server refusing the statement.
func lostConnection(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "57P01", "57P02", "57P03", "53300":
			return true
		}
		return strings.HasPrefix(pe.Code, "08")
	}
	var ce *pgconn.ConnectError
	var ne net.Error
	return errors.As(err, &ce) || errors.As(err, &ne) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, pgx.ErrTxClosed)
}

// unavailable wraps err, a failure to reach or keep the database, as an
// EUNAVAILABLE domain error; the driver's text stays in the chain for logs.
func unavailable(where string, err error) error {
	return fmt.Errorf("%w: %v", &credo.Error{Code: credo.EUNAVAILABLE, Reason: "database",
		Message: "the database is unavailable; try again later"}, fmt.Errorf("postgres %s: %w", where, err))
}

// domainError maps what a statement or transaction finally failed with:
// domain errors and context errors pass through; lost connections and
// exhausted retries become EUNAVAILABLE; a unique violation becomes
// ECONFLICT; anything else is wrapped as is (EINTERNAL).
func (db *DB) domainError(op string, err error) error {
	if err == nil {
		return nil
	}
	if credo.AsError(err) != nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53100" { // disk_full
		return fmt.Errorf("postgres: %s: %w", op, credo.ErrStorageFull(err))
	}
	if errors.As(err, &pe) && pe.Code == "23505" {
		return fmt.Errorf("postgres: %s: %w", op, &credo.Error{Code: credo.ECONFLICT, Reason: "conflict",
			Message: "conflicts with what is stored (" + pe.ConstraintName + ")"})
	}
	if transient(err) {
		return fmt.Errorf("postgres: %s: %w", op, unavailable(db.where, err))
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// backoff is the pause before retry n (1, 2, ...): 50ms doubling to 4s.
func backoff(n int) time.Duration {
	d := 50 * time.Millisecond << min(n-1, 7)
	return min(d, 4*time.Second)
}

// write runs fn in a transaction and commits it, running it again from
// the start when it fails transiently (up to db.retries times). fn must
// derive everything from what it reads inside the transaction, so that a
// retry after a commit whose acknowledgement was lost finds the write
// already done and answers as for a repeat.
func (db *DB) write(ctx context.Context, op string, fn func(ctx context.Context, tx pgx.Tx, attempt int) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = db.tryWrite(ctx, fn, attempt)
		if err == nil || !transient(err) || attempt >= db.retries || ctx.Err() != nil {
			break
		}
		db.log.Warn("postgres: retrying write", "op", op, "attempt", attempt+1, "err", err)
		db.lost(err)
		select {
		case <-time.After(backoff(attempt + 1)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return db.domainError(op, err)
}

// querier is what a write's statements are sent to: a transaction, or
// the pool for one statement atomic by itself.
type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// writeOne is write for a change one statement makes, atomic by itself:
// its first attempt is sent alone, without BEGIN and COMMIT (one round
// trip, not three); a retry is write's, in a transaction, with attempt
// counted on, so that fn's check for an earlier attempt that committed
// runs. With a test's beforeCommit hook every attempt is write's.
func (db *DB) writeOne(ctx context.Context, op string, fn func(ctx context.Context, q querier, attempt int) error) error {
	inTx := func(ctx context.Context, tx pgx.Tx, attempt int) error { return fn(ctx, tx, attempt) }
	if db.beforeCommit != nil {
		return db.write(ctx, op, inTx)
	}
	err := fn(ctx, db.pool, 0)
	if err == nil || !transient(err) || db.retries == 0 || ctx.Err() != nil {
		return db.domainError(op, err)
	}
	db.lost(err)
	return db.write(ctx, op, func(ctx context.Context, tx pgx.Tx, attempt int) error { return fn(ctx, tx, attempt+1) })
}

func (db *DB) tryWrite(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx, attempt int) error, attempt int) error {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(ctx, tx, attempt); err != nil {
		return err
	}
	if db.beforeCommit != nil {
		if err := db.beforeCommit(ctx, tx, attempt); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}

// lost reacts to err: when the connection was lost, the server most
// likely closed the others too (a restart, a failover), so every idle
// connection is dropped and those in use are dropped when released.
func (db *DB) lost(err error) {
	if lostConnection(err) {
		db.pool.Reset()
	}
}

// read runs fn, a read-only query, retrying a few times when the
// connection was lost (the pool then dials a fresh one).
func (db *DB) read(ctx context.Context, op string, fn func(ctx context.Context) error) error {
	var err error
	for attempt := 0; ; attempt++ {
		err = fn(ctx)
		if err == nil || !lostConnection(err) || attempt >= 2 || ctx.Err() != nil {
			break
		}
		db.lost(err)
		select {
		case <-time.After(backoff(attempt + 1)):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return db.domainError(op, err)
}
