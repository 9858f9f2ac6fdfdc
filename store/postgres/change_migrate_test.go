package postgres_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestMigrateChangeNumbering: a log of schema version 17, numbered and
// with changes that still wait for a number, reads the same after the
// migration to positions of their own, the waiting ones numbered next in
// seq order; filters by organization and key still work, and new changes
// follow.
func TestMigrateChangeNumbering(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	migrateTo(t, schema, 17)
	pgtest.Exec(t, schema, `
		INSERT INTO changes (seq, position, type, subject, ref, at_ns, key, data) VALUES
			(1, 1, 'authority.created', '', 'samr-340600', 1, NULL, '{"a":1}'),
			(3, 2, 'record.accepted', '91340600000000001X', '7', 2, NULL, '{"r":7}'),
			(2, 3, 'list_entry.active', '91340600000000002X', '5', 3, 'entry.5.active', '{"e":5}'),
			(5, NULL, 'record.accepted', '91340600000000002X', '8', 4, NULL, '{"r":8}'),
			(4, NULL, 'record.accepted', '91340600000000001X', '9', 5, NULL, '{"r":9}');
		SELECT setval('changes_seq_seq', 5);
		UPDATE change_head SET position = 3`)
	db := pgtest.OpenSchema(t, dsn, schema)
	all, err := db.Changes(ctx, credo.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range all {
		got = append(got, fmt.Sprintf("%d %s %s %s", c.Position, c.Type, c.Ref, c.Data))
	}
	want := []string{
		`1 authority.created samr-340600 {"a":1}`,
		`2 record.accepted 7 {"r":7}`,
		`3 list_entry.active 5 {"e":5}`,
		`4 record.accepted 9 {"r":9}`, // seq 4
		`5 record.accepted 8 {"r":8}`, // seq 5
	}
	if !slices.Equal(got, want) {
		t.Fatalf("after the migration the log reads\n%q\nwant\n%q", got, want)
	}
	subj, err := db.Changes(ctx, credo.ChangeQuery{Subjects: []string{"91340600000000002X"}, After: 2})
	if err != nil || len(subj) != 2 || subj[0].Position != 3 || subj[1].Position != 5 || subj[0].Key != "entry.5.active" {
		t.Fatalf("by organization: %+v, %v", subj, err)
	}
	if n, err := db.AppendChanges(ctx, []*credo.Change{
		{Type: "list_entry.active", Subject: "91340600000000002X", Ref: "5", At: credo.NewTime(t0), Key: "entry.5.active", Data: []byte(`{}`)},
		{Type: "list_entry.active", Subject: "91340600000000002X", Ref: "6", At: credo.NewTime(t0), Key: "entry.6.active", Data: []byte(`{"e":6}`)},
	}); err != nil || n != 1 {
		t.Fatalf("AppendChanges = %d, %v; want the one new key appended", n, err)
	}
	if h, err := db.Head(ctx); err != nil || h != 6 {
		t.Fatalf("head %d, %v; want 6", h, err)
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM change_pending`); n != 0 {
		t.Fatalf("%d pending ranges left", n)
	}
}

// migrateTo brings a fresh schema to version v by the migrations' own
// text, as an older credo left it.
func migrateTo(t *testing.T, schema string, v int) {
	t.Helper()
	pgtest.Exec(t, "", "CREATE SCHEMA "+schema)
	pgtest.Exec(t, schema, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	for i := 1; i <= v; i++ {
		pgtest.Exec(t, schema, fmt.Sprintf("%s;\nINSERT INTO schema_migrations (version, name) VALUES (%d, 'before')", postgres.MigrationSQL(i), i))
	}
}
