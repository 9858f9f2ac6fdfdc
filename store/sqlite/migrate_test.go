package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/store/storetest"
)

func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	db := mustOpen(t, dir)
	if db.SchemaVersion() != sqlite.SchemaVersion {
		t.Errorf("new database at schema %d, want %d", db.SchemaVersion(), sqlite.SchemaVersion)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) != sqlite.SchemaVersion {
		t.Errorf("%d migration files, SchemaVersion %d", len(files), sqlite.SchemaVersion)
	}
	db.Close()
	again := mustOpen(t, dir) // reopening applies nothing
	if again.SchemaVersion() != sqlite.SchemaVersion {
		t.Errorf("reopened at schema %d", again.SchemaVersion())
	}
}

// TestMigrateFromVersion1 opens a database written by a credo that knew
// only migration 1.
func TestMigrateFromVersion1(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	v1, err := os.ReadFile("migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`,
		string(v1),
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '2026-01-01T00:00:00Z')`,
		`INSERT INTO records(id, subject, authority, external_id, category, kind, occurred_at, recorded_at, hash, body)
			VALUES (7, '91350100M000100Y43', 'samr-350100', 'OLD-7', 'market', 'penalty', 1700000000000000000, 1700000000000000000, x'00', '{}')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db := mustOpen(t, dir)
	if db.SchemaVersion() != sqlite.SchemaVersion {
		t.Errorf("migrated to %d, want %d", db.SchemaVersion(), sqlite.SchemaVersion)
	}
	r, err := db.Record(ctx, 7)
	if err != nil || r.ExternalID != "OLD-7" {
		t.Errorf("record written at schema 1: %+v, %v", r, err)
	}
}

func TestRefuseNewerSchema(t *testing.T) {
	dir := t.TempDir()
	mustOpen(t, dir).Close()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	future := sqlite.SchemaVersion + 1
	if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, 'from_the_future.sql', '2030-01-01T00:00:00Z')`, future); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	db, err := sqlite.Open(context.Background(), dir)
	if err == nil {
		db.Close()
		t.Fatal("opened a database of a newer schema")
	}
	var tooNew *sqlite.ErrSchemaTooNew
	if !errors.As(err, &tooNew) || tooNew.Found != future || tooNew.Supports != sqlite.SchemaVersion {
		t.Errorf("error %v (%T), want *ErrSchemaTooNew{Found: %d, Supports: %d}", err, err, future, sqlite.SchemaVersion)
	}
	msg := err.Error()
	if !strings.Contains(msg, strconv.Itoa(future)) || !strings.Contains(msg, strconv.Itoa(sqlite.SchemaVersion)) || !strings.Contains(msg, "newer") {
		t.Errorf("message %q does not name both versions", msg)
	}
}

// rawDB opens a database file with the bare driver.
func rawDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	t.Cleanup(func() { raw.Close() })
	return raw
}

// beforeMigration writes, through raw, the schema of every migration
// before the one whose file name ends in suffix, as a credo of that time
// left it.
func beforeMigration(t *testing.T, raw *sql.DB, suffix string) {
	t.Helper()
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	next := slices.IndexFunc(files, func(f string) bool { return strings.HasSuffix(f, suffix) })
	if next < 0 {
		t.Fatalf("no migration *%s", suffix)
	}
	for v, f := range files[:next] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := raw.Exec(`INSERT INTO schema_migrations VALUES (?, ?, '2026-12-01T00:00:00Z')`, v+1, filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMigrateLedgerLean: leaves integrated before the ledger_lean
// migration (storetest.LedgerAfterLean).
func TestMigrateLedgerLean(t *testing.T) {
	dir := t.TempDir()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	beforeMigration(t, raw, "_ledger_lean.sql")
	for _, q := range []string{
		`INSERT INTO ledger_leaves(idx, position, type, ref, salt, hash) VALUES
			(0, 1, 'authority.created', 'samr', x'01', x'a0'),
			(1, 2, 'record.accepted', '100000', x'02', x'a1'),
			(2, 4, 'record.accepted', '99999', NULL, x'a2'),
			(3, 5, 'case.decided', '7', x'03', x'a3')`,
		`INSERT INTO ledger_nodes(level, idx, hash) VALUES (1, 0, x'b0'), (1, 1, x'b1'), (2, 0, x'c0'), (4, 0, x'd0')`,
	} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	storetest.LedgerAfterLean(t, mustOpen(t, dir))
}

// TestMigrateAssessmentStamps: assessments stored before the
// assessment_stamps migration (storetest.AssessmentsAfterStamps).
func TestMigrateAssessmentStamps(t *testing.T) {
	dir := t.TempDir()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	beforeMigration(t, raw, "_assessment_stamps.sql")
	for code, body := range storetest.AssessmentsBeforeStamps() {
		var next any
		if code == storetest.StampsDue {
			next = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
		}
		var a credo.Assessment
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO assessments(code, seq, grade, grades, next_change, body) VALUES (?, 1, ?, ?, ?, ?)`,
				[]any{code, a.Grade, fmt.Sprintf(`{"grade":%q,"dimensions":{"tax":{"grade":%q,"score":%v}}}`, a.Grade, a.Grade, a.Score), next, []byte(body)}},
			{`INSERT INTO assessment_history(code, seq, at, cause, body) VALUES (?, 1, ?, '{"kind":"rescore"}', ?)`,
				[]any{code, a.AsOf.UnixNano(), []byte(body)}},
		} {
			if _, err := raw.Exec(q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw.Close()
	storetest.AssessmentsAfterStamps(t, mustOpen(t, dir))
}
