package postgres_test

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestMigrateAssessmentStamps: assessments stored before the
// assessment_stamps migration read back the same (times included), stay
// due, and keep their history; the next save of the same content records
// no change.
func TestMigrateAssessmentStamps(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	pgtest.Exec(t, "", "CREATE SCHEMA "+schema)
	pgtest.Exec(t, schema, `CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`)
	for v := 1; !strings.Contains(postgres.MigrationSQL(v), "CREATE TABLE assessment_stamps"); v++ {
		pgtest.Exec(t, schema, fmt.Sprintf("%s;\nINSERT INTO schema_migrations (version, name) VALUES (%d, 'before')", postgres.MigrationSQL(v), v))
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
		next := "NULL"
		if code == due {
			next = fmt.Sprint(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
		}
		var a credo.Assessment
		if err := json.Unmarshal([]byte(body), &a); err != nil {
			t.Fatal(err)
		}
		grades := a.Grade + "\x1ftax\x1e" + a.Grade + "\x1e" + fmt.Sprint(a.Score)
		pgtest.Exec(t, schema, fmt.Sprintf(`INSERT INTO assessments (code, grades, seq, next_change_ns, body) VALUES ('%s', E'%s', 1, %s, '%s')`,
			code, strings.NewReplacer("\x1f", `\x1f`, "\x1e", `\x1e`).Replace(grades), next, body))
		entry := fmt.Sprintf(`{"subject":%q,"at":%q,"cause":{"kind":"rescore"},"assessment":%s}`, code, a.AsOf.String(), body)
		pgtest.Exec(t, schema, fmt.Sprintf(`INSERT INTO assessment_history (code, seq, at_ns, body) VALUES ('%s', 1, %d, '%s')`, code, a.AsOf.UnixNano(), entry))
	}
	db := pgtest.OpenSchema(t, dsn, schema)
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
