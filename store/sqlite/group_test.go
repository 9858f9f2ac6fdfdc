package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"
)

// groupFixture opens a store with a scratch table and returns it and a
// function that holds the writer until the returned release is called and
// n writes wait behind it, so that those are committed as groups.
func groupFixture(t *testing.T) (*DB, string, func(n int) (release func())) {
	t.Helper()
	dir := t.TempDir()
	db, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`CREATE TABLE group_test(n INTEGER PRIMARY KEY)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	hold := func(n int) func() {
		held, release := make(chan struct{}), make(chan struct{})
		go db.write(context.Background(), func(*sql.Tx) error { close(held); <-release; return nil })
		<-held
		return func() {
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
				db.gmu.Lock()
				k := len(db.waiting)
				db.gmu.Unlock()
				if k >= n {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("%d of %d writes waiting", k, n)
				}
			}
			close(release)
		}
	}
	return db, dir, hold
}

func stored(t *testing.T, db *DB) []int {
	t.Helper()
	rows, err := db.r.Query(`SELECT n FROM group_test ORDER BY n`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		out = append(out, n)
	}
	return out
}

// Writes waiting for the writer are committed together: each that
// returned nil is stored (and still there after the store is reopened),
// each whose function failed or whose context ended is not, and each
// caller gets its own outcome.
func TestGroupCommit(t *testing.T) {
	db, dir, hold := groupFixture(t)
	const n = 200
	release := hold(n)
	errBad := errors.New("refused")
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := context.Background()
			if i%11 == 0 {
				ctx = cancelled
			}
			errs[i] = db.write(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `INSERT INTO group_test(n) VALUES (?)`, i); err != nil {
					return err
				}
				if i%7 == 0 {
					return fmt.Errorf("write %d: %w", i, errBad) // after its insert: rolled back
				}
				return nil
			})
		}()
	}
	release()
	wg.Wait()
	var want []int
	for i, err := range errs {
		switch {
		case i%11 == 0:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("write %d (context ended): %v", i, err)
			}
		case i%7 == 0:
			if !errors.Is(err, errBad) {
				t.Errorf("write %d (failing): %v", i, err)
			}
		default:
			if err != nil {
				t.Errorf("write %d: %v", i, err)
			}
			want = append(want, i)
		}
	}
	if got := stored(t, db); !slices.Equal(got, want) {
		t.Fatalf("stored %v,\nwant %v", got, want)
	}
	db.Close()
	db2, err := Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if got := stored(t, db2); !slices.Equal(got, want) {
		t.Fatalf("after reopening: stored %v,\nwant %v", got, want)
	}
}

// When a write of a group ends the transaction itself (as SQLite does for
// a full disk), no write of the group is told it was stored, none is, and
// the next write works.
func TestGroupCommitLostTransaction(t *testing.T) {
	db, _, hold := groupFixture(t)
	const n = 10
	release := hold(n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = db.write(context.Background(), func(tx *sql.Tx) error {
				if _, err := tx.Exec(`INSERT INTO group_test(n) VALUES (?)`, i); err != nil {
					return err
				}
				if i == 5 {
					_, err := tx.Exec(`ROLLBACK`)
					return err
				}
				return nil
			})
		}()
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if err == nil {
			t.Errorf("write %d returned nil", i)
		}
	}
	if got := stored(t, db); len(got) != 0 {
		t.Fatalf("stored %v", got)
	}
	if err := db.write(context.Background(), func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO group_test(n) VALUES (1000)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := stored(t, db); !slices.Equal(got, []int{1000}) {
		t.Fatalf("stored %v", got)
	}
}
