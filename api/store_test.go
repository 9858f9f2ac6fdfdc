package api_test

import (
	"context"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
)

// openStore returns a fresh, empty SQLite store for one test.
func openStore(t testing.TB) credo.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("opening the store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
