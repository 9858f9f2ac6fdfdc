package postgres_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestMigrateLedgerLean: leaves integrated before the ledger_lean migration keep their
// hashes and salts, the leaves the API shows a log_index for are found by
// LedgerIndex, and the nodes below level 4 go.
func TestMigrateLedgerLean(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	pgtest.Exec(t, "", "CREATE SCHEMA "+schema)
	pgtest.Exec(t, schema, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	for v := 1; !strings.Contains(postgres.MigrationSQL(v), "CREATE TABLE ledger_refs"); v++ {
		pgtest.Exec(t, schema, fmt.Sprintf("%s;\nINSERT INTO schema_migrations (version, name) VALUES (%d, 'before')", postgres.MigrationSQL(v), v))
	}
	pgtest.Exec(t, schema, `INSERT INTO ledger_leaves(idx, position, type, ref, salt, hash) VALUES
		(0, 1, 'authority.created', 'samr', '\x01', '\xa0'),
		(1, 2, 'record.accepted', '100000', '\x02', '\xa1'),
		(2, 4, 'record.accepted', '99999', NULL, '\xa2'),
		(3, 5, 'case.decided', '7', '\x03', '\xa3')`)
	pgtest.Exec(t, schema, `INSERT INTO ledger_nodes(level, idx, hash) VALUES (1, 0, '\xb0'), (1, 1, '\xb1'), (2, 0, '\xc0'), (4, 0, '\xd0')`)
	db := pgtest.OpenSchema(t, dsn, schema)
	for _, c := range []struct {
		typ, ref string
		idx      int64
	}{{"record.accepted", "100000", 1}, {"record.accepted", "99999", 2}, {"case.decided", "7", 3}} {
		if idx, err := db.LedgerIndex(ctx, c.typ, c.ref); err != nil || idx != c.idx {
			t.Errorf("LedgerIndex(%s, %s) = %d, %v; want %d", c.typ, c.ref, idx, err, c.idx)
		}
	}
	if _, err := db.LedgerIndex(ctx, "authority.created", "samr"); err == nil {
		t.Error("LedgerIndex finds a leaf the API shows no log_index for")
	}
	if size, pos, err := db.LedgerSize(ctx); err != nil || size != 4 || pos != 5 {
		t.Errorf("LedgerSize = %d, %d, %v; want 4, 5", size, pos, err)
	}
	if l, err := db.LedgerLeaf(ctx, 2); err != nil || l.Position != 4 || l.Salt != nil || string(l.Hash) != "\xa2" {
		t.Errorf("LedgerLeaf(2) = %+v, %v", l, err)
	}
	if got, err := db.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 4, Index: 0}, {Level: 0, Index: 3}}); err != nil || string(got[0]) != "\xd0" || string(got[1]) != "\xa3" {
		t.Errorf("LedgerNodes = %x, %v", got, err)
	}
	if _, err := db.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 1, Index: 0}}); err == nil {
		t.Error("a node below level 4 is still kept")
	}
}
