package postgres_test

import (
	"sync"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// TestStore runs the conformance suite, each test in a schema of its own.
func TestStore(t *testing.T) {
	dsn := pgtest.DSN(t)
	var mu sync.Mutex
	schemas := map[credo.Store]string{}
	open := func(t *testing.T, schema string) credo.Store {
		db := pgtest.OpenSchema(t, dsn, schema)
		mu.Lock()
		defer mu.Unlock()
		schemas[db] = schema
		return db
	}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) credo.Store {
			return open(t, pgtest.Schema(t, dsn))
		},
		Reopen: func(t *testing.T, s credo.Store) credo.Store {
			mu.Lock()
			schema, ok := schemas[s]
			mu.Unlock()
			if !ok {
				t.Fatalf("Reopen of a store the harness did not open")
			}
			s.(*postgres.DB).Close()
			return open(t, schema)
		},
	})
}
