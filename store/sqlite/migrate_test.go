package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo/store/sqlite"
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
