package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// schemaBefore makes a schema on the test server holding every migration
// before the first whose SQL contains marker, as a credo of that time
// left it, and returns its name.
func schemaBefore(t *testing.T, dsn, marker string) string {
	t.Helper()
	schema := pgtest.Schema(t, dsn)
	pgtest.Exec(t, "", "CREATE SCHEMA "+schema)
	pgtest.Exec(t, schema, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	for v := 1; !strings.Contains(postgres.MigrationSQL(v), marker); v++ {
		pgtest.Exec(t, schema, fmt.Sprintf("%s;\nINSERT INTO schema_migrations (version, name) VALUES (%d, 'before')", postgres.MigrationSQL(v), v))
	}
	return schema
}

// TestMigrateLedgerLean: leaves integrated before the ledger_lean
// migration (storetest.LedgerAfterLean).
func TestMigrateLedgerLean(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := schemaBefore(t, dsn, "CREATE TABLE ledger_refs")
	pgtest.Exec(t, schema, `INSERT INTO ledger_leaves(idx, position, type, ref, salt, hash) VALUES
		(0, 1, 'authority.created', 'samr', '\x01', '\xa0'),
		(1, 2, 'record.accepted', '100000', '\x02', '\xa1'),
		(2, 4, 'record.accepted', '99999', NULL, '\xa2'),
		(3, 5, 'case.decided', '7', '\x03', '\xa3')`)
	pgtest.Exec(t, schema, `INSERT INTO ledger_nodes(level, idx, hash) VALUES (1, 0, '\xb0'), (1, 1, '\xb1'), (2, 0, '\xc0'), (4, 0, '\xd0')`)
	storetest.LedgerAfterLean(t, pgtest.OpenSchema(t, dsn, schema))
}
