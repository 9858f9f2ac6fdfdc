package postgres_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// TestMigrateAssessmentStamps: assessments stored before the
// assessment_stamps migration (storetest.AssessmentsAfterStamps).
func TestMigrateAssessmentStamps(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := schemaBefore(t, dsn, "CREATE TABLE assessment_stamps")
	for code, body := range storetest.AssessmentsBeforeStamps() {
		next := "NULL"
		if code == storetest.StampsDue {
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
	storetest.AssessmentsAfterStamps(t, pgtest.OpenSchema(t, dsn, schema))
}
