// Package sqlite is the embedded default store: one SQLite database file in
// the registry's data folder, through the pure-Go driver modernc.org/sqlite.
//
// Every write goes through one connection (SQLite has one writer anyway),
// in BEGIN IMMEDIATE transactions committed with synchronous=FULL in WAL
// mode, so a write that returned has reached the disk and survives a crash
// or kill -9. Writes that wait for the writer are committed together
// (group commit: DB.writeTx), each in a savepoint of its own, and each
// told its outcome after the one commit. Reads use a separate pool of
// query-only connections, which in WAL mode never wait for the writer,
// and which map the file into memory.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	_ "modernc.org/sqlite" // registers driver "sqlite"

	"github.com/credo-registry/credo"
)

// FileName is the database file inside the data folder.
const FileName = "credo.db"

var _ credo.Store = (*DB)(nil)

// DB is a registry held in one SQLite database. It is safe for concurrent
// use; writes are serialized.
type DB struct {
	path string
	w    *sql.DB // the one writer connection
	r    *sql.DB // query-only readers

	mu      sync.Mutex // serializes write transactions and guards stmts
	gmu     sync.Mutex // guards waiting
	waiting []*groupWrite
	stmts   *writerStmts
	reads   readStmts  // read statements prepared on first use
	version int        // schema version found or migrated to at Open
	bulk    sync.Mutex // one BulkLoad or BulkLoadSubjects at a time
	// deferGrams: a BulkLoadSubjects is running; search grams of stored
	// organizations go to grams_pending. Guarded by mu.
	deferGrams bool

	eachChunk int  // records per chunk of EachSubject: eachChunk but in tests
	unlogged  bool // benchmarks only: writes append nothing to the change log
}

// Open opens (creating when missing) the registry in folder dir, bringing
// its schema up to SchemaVersion. It refuses a database written by a newer
// credo (schema version above SchemaVersion).
func Open(ctx context.Context, dir string) (*DB, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite: creating data folder: %w", err)
	}
	abs, err := filepath.Abs(filepath.Join(dir, FileName))
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db := &DB{path: abs, eachChunk: eachChunk}
	// The writer runs the migrations before any reader opens the file, so
	// readers always see WAL mode and the current schema.
	if db.w, err = sql.Open("sqlite", dsn(abs, writerParams)); err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	db.w.SetMaxOpenConns(1)
	db.w.SetMaxIdleConns(1)
	db.w.SetConnMaxLifetime(0)
	db.w.SetConnMaxIdleTime(0)
	if db.version, err = migrate(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	if db.stmts, err = prepareWriterStmts(ctx, db.w); err != nil {
		db.w.Close()
		return nil, err
	}
	// An interrupted BulkLoad left indexes to build, an interrupted
	// BulkLoadSubjects grams to write.
	if err := errors.Join(db.buildDeferredIndexes(ctx), db.writePendingGrams(ctx, false)); err != nil {
		db.stmts.close()
		db.w.Close()
		return nil, err
	}
	if db.r, err = sql.Open("sqlite", dsn(abs, readerParams)); err != nil {
		db.w.Close()
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	db.r.SetMaxOpenConns(n)
	db.r.SetMaxIdleConns(n)
	if err := db.r.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlite: opening readers: %w", err)
	}
	return db, nil
}

// Close closes the database. Writes that returned are already on disk.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	var errs []error
	if db.stmts != nil {
		errs = append(errs, db.stmts.close())
		db.stmts = nil
	}
	db.reads.close()
	if db.r != nil {
		errs = append(errs, db.r.Close())
	}
	errs = append(errs, db.w.Close())
	for _, err := range errs {
		if err != nil {
			return fmt.Errorf("sqlite: closing: %w", err)
		}
	}
	return nil
}

// write runs fn in one write transaction, committed when fn returns nil.
// A write that fails for a full disk is an ESTORAGE error.
func (db *DB) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return storageFull(db.writeTx(ctx, fn))
}

// writeTx runs fn in a write transaction with the writes that wait for
// the writer with it (group commit): whoever takes the writer runs every
// write waiting, each in a savepoint of one transaction, and commits once.
// A write whose fn fails is rolled back to its savepoint and gets its
// error; the others are committed together, each told only once the one
// commit (and its fsync) is done, so that every write that returned nil is
// on disk as before. On a machine where each commit costs an fsync and the
// change log, the webhook queue and the regrade of every submission all
// write, this turns a queue of commits into one.
func (db *DB) writeTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	w := &groupWrite{ctx: ctx, fn: fn, done: make(chan error, 1)}
	db.gmu.Lock()
	db.waiting = append(db.waiting, w)
	db.gmu.Unlock()
	db.mu.Lock()
	for {
		db.gmu.Lock()
		group := db.waiting[:min(len(db.waiting), maxGroup)]
		db.waiting = db.waiting[len(group):]
		db.gmu.Unlock()
		if len(group) == 0 {
			break
		}
		db.writeGroup(group)
		select {
		case err := <-w.done:
			db.mu.Unlock()
			return err
		default: // more waited than a group takes; ours is in a later one
		}
	}
	db.mu.Unlock()
	return <-w.done // another took ours and answered it
}

// groupWrite is a write waiting for the writer.
type groupWrite struct {
	ctx  context.Context
	fn   func(tx *sql.Tx) error
	done chan error // buffered: the writer never waits for the caller
}

// maxGroup bounds the writes of one commit.
const maxGroup = 64

// writeGroup runs group, one transaction when more than one, and answers
// each. db.mu is held.
func (db *DB) writeGroup(group []*groupWrite) {
	if len(group) == 1 {
		group[0].done <- db.writeLocked(group[0].ctx, group[0].fn)
		return
	}
	fail := func(err error) {
		for _, w := range group {
			w.done <- err
		}
	}
	if db.stmts == nil {
		fail(errClosed)
		return
	}
	// The transaction is not any one caller's: a caller that gives up
	// fails only its own write.
	tx, err := db.w.BeginTx(context.Background(), nil)
	if err != nil {
		fail(fmt.Errorf("sqlite: beginning write: %w", err))
		return
	}
	defer tx.Rollback()
	errs := make([]error, len(group))
	for i, w := range group {
		if errs[i] = w.ctx.Err(); errs[i] != nil {
			continue
		}
		_, err := tx.ExecContext(context.Background(), `SAVEPOINT write`)
		if err == nil {
			if errs[i] = w.fn(tx); errs[i] != nil {
				_, err = tx.ExecContext(context.Background(), `ROLLBACK TO write`)
			}
		}
		if err == nil {
			_, err = tx.ExecContext(context.Background(), `RELEASE write`)
		}
		if err != nil {
			// The transaction is no longer whole: SQLite rolls it back
			// for a full disk, or when a statement is interrupted (a
			// caller's context ended during an INSERT, UPDATE or
			// DELETE). Nothing of the group is stored, and every write
			// is told so.
			if errs[i] == nil {
				errs[i] = err
			}
			fail(fmt.Errorf("sqlite: a write of the group: %w", errs[i]))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("sqlite: committing: %w", err))
		return
	}
	for i, w := range group {
		w.done <- errs[i]
	}
}

// writeLocked is writeTx with db.mu held by the caller.
func (db *DB) writeLocked(ctx context.Context, fn func(tx *sql.Tx) error) error {
	if db.stmts == nil {
		return errClosed
	}
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: beginning write: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: committing: %w", err)
	}
	return nil
}

// txStmt returns q for tx: prepared once at Open when q is one of
// writeQueries (so that statements a write runs many times a second, the
// webhook queue's and the notices', are not compiled on every call),
// prepared in tx otherwise. The caller is inside write (db.mu held).
func (db *DB) txStmt(ctx context.Context, tx *sql.Tx, q string) (*sql.Stmt, error) {
	if st := db.stmts.byText[q]; st != nil {
		return tx.StmtContext(ctx, st), nil
	}
	return tx.PrepareContext(ctx, q)
}

// Path returns the database file's path.
func (db *DB) Path() string { return db.path }

// SchemaVersion returns the schema version of the open database, which is
// the package's SchemaVersion once Open has migrated it.
func (db *DB) SchemaVersion() int { return db.version }

// Connection parameters. synchronous=FULL makes each commit fsync the WAL,
// so an acknowledged write survives power loss; busy_timeout covers another
// process (a backup, the CLI) holding a lock briefly; the writer's larger
// page cache keeps the records indexes in memory during imports. Readers
// map the file (up to SQLite's 2 GiB limit): reading an organization's
// records visits table pages all over the file, and a page the operating
// system has cached is then read with no system call and no copy, which
// makes a rescore of the registry (EachSubject) twice as fast.
var (
	writerParams = []string{
		"_txlock=immediate",
		"_pragma=busy_timeout(10000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(FULL)",
		"_pragma=foreign_keys(1)",
		"_pragma=cache_size(-131072)",
		"_pragma=temp_store(MEMORY)",
		"_pragma=wal_autocheckpoint(4000)",
	}
	readerParams = []string{
		"_pragma=busy_timeout(10000)",
		"_pragma=foreign_keys(1)",
		"_pragma=cache_size(-32768)",
		"_pragma=temp_store(MEMORY)",
		"_pragma=query_only(1)",
		"_pragma=mmap_size(2147418112)",
	}
)

func dsn(path string, params []string) string {
	u := url.URL{Scheme: "file", Path: path}
	q := ""
	for i, p := range params {
		if i > 0 {
			q += "&"
		}
		q += p
	}
	return u.String() + "?" + q
}
