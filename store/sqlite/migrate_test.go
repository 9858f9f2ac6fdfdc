package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
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

// TestMigrateLedgerLean: leaves integrated before the ledger_lean migration keep their
// hashes and salts, the leaves the API shows a log_index for are found by
// LedgerIndex, and the nodes below level 4 go.
func TestMigrateLedgerLean(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	lean := slices.IndexFunc(files, func(f string) bool { return strings.HasSuffix(f, "_ledger_lean.sql") })
	if lean < 0 {
		t.Fatal("no ledger_lean migration")
	}
	for v, f := range files[:lean] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, '2026-12-01T00:00:00Z')`, v+1, filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`INSERT INTO ledger_leaves(idx, position, type, ref, salt, hash) VALUES
			(0, 1, 'authority.created', 'samr', x'01', x'a0'),
			(1, 2, 'record.accepted', '100000', x'02', x'a1'),
			(2, 4, 'record.accepted', '99999', NULL, x'a2'),
			(3, 5, 'case.decided', '7', x'03', x'a3')`,
		`INSERT INTO ledger_nodes(level, idx, hash) VALUES (1, 0, x'b0'), (1, 1, x'b1'), (2, 0, x'c0'), (4, 0, x'd0')`,
	} {
		if _, err := raw.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	db := mustOpen(t, dir)
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

// TestMigrateAssessmentStamps: assessments stored before the
// assessment_stamps migration read back the same (times included), stay
// due, and keep their history; the next save of the same content records
// no change.
func TestMigrateAssessmentStamps(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	raw := rawDB(t, filepath.Join(dir, sqlite.FileName))
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	stamps := slices.IndexFunc(files, func(f string) bool { return strings.HasSuffix(f, "_assessment_stamps.sql") })
	if stamps < 0 {
		t.Fatal("no assessment_stamps migration")
	}
	for v, f := range files[:stamps] {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := raw.ExecContext(ctx, string(b)); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if _, err := raw.ExecContext(ctx, `INSERT INTO schema_migrations VALUES (?, ?, '2026-12-01T00:00:00Z')`, v+1, filepath.Base(f)); err != nil {
			t.Fatal(err)
		}
	}
	const (
		due   = "91440300MA5FUTRE4B" // due for a change by time alone
		never = "91310000132200821H"
	)
	bodies := map[string]string{
		due: `{"subject":"91440300MA5FUTRE4B","as_of":"2026-11-30T08:00:00.5Z","grade":"B","score":72,"public":true,` +
			`"dimensions":{"tax":{"start":100,"score":72,"grade":"B","public":true,"contributions":[]}},` +
			`"rulebooks":[{"id":"national-tax","version":"2026.1"}],"next_change":"2027-01-01T00:00:00Z"}`,
		never: `{"subject":"91310000132200821H","as_of":"2026-11-30T08:00:00Z","grade":"A","score":95,"reasons":["无不良记录"],"public":true,` +
			`"dimensions":{"tax":{"start":100,"score":95,"grade":"A","public":true,"contributions":[]}},"rulebooks":[]}`,
	}
	for code, body := range bodies {
		var next any
		if code == due {
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
			if _, err := raw.ExecContext(ctx, q.sql, q.args...); err != nil {
				t.Fatal(err)
			}
		}
	}
	raw.Close()
	db := mustOpen(t, dir)
	for code, body := range bodies {
		var want credo.Assessment
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatal(err)
		}
		got, err := db.CurrentAssessment(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("%s after the migration:\n%+v\nwant\n%+v", code, got, &want)
		}
		page, err := db.AssessmentHistory(ctx, code, "", 0)
		if err != nil || len(page.Changes) != 1 || !reflect.DeepEqual(page.Changes[0].Assessment, &want) {
			t.Errorf("%s history after the migration: %+v, %v", code, page, err)
		}
	}
	if got, err := db.DueAssessments(ctx, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), 10); err != nil || !slices.Equal(got, []string{due}) {
		t.Errorf("DueAssessments after the migration = %q, %v; want %s", got, err, due)
	}
	again, err := db.CurrentAssessment(ctx, never)
	if err != nil {
		t.Fatal(err)
	}
	again.AsOf = credo.NewTime(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err := db.SaveAssessments(ctx, []*credo.AssessmentChange{{Subject: never, At: again.AsOf, Cause: credo.Cause{Kind: credo.CauseRescore}, Assessment: again}}); err != nil {
		t.Fatal(err)
	}
	if page, err := db.AssessmentHistory(ctx, never, "", 0); err != nil || len(page.Changes) != 1 {
		t.Errorf("saving the same content after the migration: history %+v, %v; want no new change", page, err)
	}
	if got, err := db.CurrentAssessment(ctx, never); err != nil || !got.AsOf.Equal(again.AsOf.Time) || got.Reasons[0] != "无不良记录" {
		t.Errorf("CurrentAssessment after a save = %+v, %v", got, err)
	}
}
