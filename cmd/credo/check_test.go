package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
)

// pgRegistry returns a --db URL of a fresh schema (dropped when the test
// ends) and that schema's name.
func pgRegistry(t *testing.T) (string, string) {
	t.Helper()
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, schema
}

// TestCheckCommand imports a generated registry into each backend, checks
// it (ok, exit 0), corrupts it with SQL behind the store's back and
// expects `credo check` to name every problem and exit 1.
func TestCheckCommand(t *testing.T) {
	gen := t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "40", "--records", "400", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	files := []string{filepath.Join(gen, "authorities.ndjson"), filepath.Join(gen, "subjects.ndjson"), filepath.Join(gen, "records.ndjson")}
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var where []string
			var schema string
			var exec func(stmt string)
			switch backend {
			case "sqlite":
				dir := t.TempDir()
				where = []string{"--data", dir}
				exec = func(stmt string) {
					raw, err := sql.Open("sqlite", "file:"+filepath.Join(dir, sqlite.FileName))
					if err != nil {
						t.Fatal(err)
					}
					defer raw.Close()
					if _, err := raw.Exec(stmt); err != nil {
						t.Fatalf("%s: %v", stmt, err)
					}
				}
			case "postgres":
				var url string
				url, schema = pgRegistry(t)
				where = []string{"--db", url}
				exec = func(stmt string) { pgtest.Exec(t, schema, stmt) }
			}
			if out, _, err := run(t, "", append(append([]string{"import"}, files...), where...)...); err != nil {
				t.Fatalf("import: %v %s", err, out)
			}
			out, _, err := run(t, "", append([]string{"check"}, where...)...)
			if err != nil || !strings.HasPrefix(out, "ok: 400 records, 40 organizations") {
				t.Fatalf("check of a registry as imported: %v\n%s", err, out)
			}
			var code string
			var id int64
			codeQuery := `SELECT subject, id FROM records ORDER BY id DESC LIMIT 1`
			if backend == "sqlite" {
				raw, _ := sql.Open("sqlite", "file:"+filepath.Join(where[1], sqlite.FileName))
				raw.QueryRow(codeQuery).Scan(&code, &id)
				raw.Close()
			} else {
				code = pgtest.QueryStrings(t, schema, `SELECT subject FROM records ORDER BY id DESC LIMIT 1`)[0]
				id = pgtest.QueryInt(t, schema, `SELECT max(id) FROM records`)
			}
			if backend == "sqlite" {
				exec(`UPDATE counts SET n = n - 1 WHERE name = 'organizations'`)
			} else {
				exec(`UPDATE counters SET n = n - 1 WHERE name = 'organizations' AND slot = 3`)
			}
			exec(fmt.Sprintf(`UPDATE records SET supersedes = %d WHERE id = %d`, id, id))
			exec(fmt.Sprintf(`DELETE FROM assessments WHERE code = '%s'`, code))
			out, _, err = run(t, "", append([]string{"check"}, where...)...)
			for _, want := range []string{
				"counts: stats count 39 organizations; 40 are registered",
				fmt.Sprintf("supersession: record %d supersedes record %d, which was not stored before it", id, id),
				fmt.Sprintf("supersession: supersession cycle: records [%d]", id),
				fmt.Sprintf("assessments: organization %s has never been graded", code),
				"\n4 problems: 400 records",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("check of the corrupted registry does not say %q", want)
				}
			}
			if exitCode(err) != 1 {
				t.Errorf("check of the corrupted registry: %v, want exit 1", err)
			}
			js, _, err := run(t, "", append([]string{"check", "--json"}, where...)...)
			var rep struct {
				Problems []struct{ Kind, Message string }
				Records  int
			}
			if jerr := json.Unmarshal([]byte(js), &rep); jerr != nil || exitCode(err) != 1 || len(rep.Problems) != 4 || rep.Records != 400 ||
				rep.Problems[0].Kind != "supersession" {
				t.Errorf("check --json: %v %v %+v", err, jerr, rep)
			}
			if t.Failed() {
				t.Logf("its output:\n%s", out)
			}
		})
	}
}
