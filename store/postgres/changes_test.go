package postgres_test

import (
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// TestChangeLogThreeNodes runs writers on three nodes (three pools on one
// schema, as three credo processes would have) and a reader on one of
// them: the reader, always asking after the last position it saw, must
// see every change (transactions commit out of position order only if
// the method of 0004_changes.sql is broken).
func TestChangeLogThreeNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := make([]credo.Store, 3)
	for i := range nodes {
		nodes[i] = pgtest.OpenSchema(t, dsn, schema)
	}
	storetest.ConcurrentLog(t, nodes)
}
