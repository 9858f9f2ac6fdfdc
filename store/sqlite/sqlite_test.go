package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) credo.Store { return mustOpen(t, t.TempDir()) },
		Reopen: func(t *testing.T, s credo.Store) credo.Store {
			db := s.(*sqlite.DB)
			dir := filepath.Dir(db.Path())
			if err := db.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			return mustOpen(t, dir)
		},
	})
}

// mustOpen opens the store in dir and closes it when the test ends.
func mustOpen(t testing.TB, dir string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
