package postgres_test

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// The schema is meant to be sharded by organization code (docs/SCALING.md).
// No distributed PostgreSQL runs here, but PostgreSQL's own hash
// partitioning has Citus's central rule: every primary key and unique
// constraint must contain the partition (distribution) column. These tests
// build the schema with the organization-scoped tables hash-partitioned by
// code, run the conformance suite on it, and check that the reads of one
// organization touch one partition.

// subjectTables are partitioned by their code column.
var subjectTables = map[string]string{
	"records": "subject", "subject_versions": "code", "subjects": "code", "subject_grams": "code",
	"assessments": "code", "assessment_history": "code", "assessment_stamps": "code",
}

const partitions = 8

// partitionedSchema is every migration with the organization tables
// partitioned by hash of their code.
func partitionedSchema(t *testing.T) string {
	t.Helper()
	var all strings.Builder
	for v := 1; v <= postgres.SchemaVersion; v++ {
		all.WriteString(postgres.MigrationSQL(v) + "\n")
	}
	sql := all.String()
	for table, col := range subjectTables {
		re := regexp.MustCompile(`(?s)(CREATE TABLE ` + table + ` \(.*?\n\));`)
		if !re.MatchString(sql) {
			t.Fatalf("no CREATE TABLE %s in the migrations", table)
		}
		var parts strings.Builder
		for i := range partitions {
			fmt.Fprintf(&parts, "\nCREATE TABLE %s_p%d PARTITION OF %s FOR VALUES WITH (MODULUS %d, REMAINDER %d);",
				table, i, table, partitions, i)
		}
		sql = re.ReplaceAllString(sql, "${1} PARTITION BY HASH ("+col+");"+parts.String())
	}
	return sql + fmt.Sprintf(`
		CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now());
		INSERT INTO schema_migrations (version, name)
		SELECT v, 'migration ' || v || ' (partitioned by code)' FROM generate_series(1, %d) AS v;`, postgres.SchemaVersion)
}

func openPartitioned(t *testing.T, dsn, ddl string) (credo.Store, string) {
	schema := pgtest.Schema(t, dsn)
	pgtest.Exec(t, "", `CREATE SCHEMA `+schema)
	pgtest.Exec(t, schema, ddl)
	return pgtest.OpenSchema(t, dsn, schema), schema
}

// TestStorePartitionedByCode runs the conformance suite on the schema
// partitioned by organization code.
func TestStorePartitionedByCode(t *testing.T) {
	dsn := pgtest.DSN(t)
	ddl := partitionedSchema(t)
	var mu sync.Mutex
	schemas := map[credo.Store]string{}
	storetest.Run(t, storetest.Harness{
		Open: func(t *testing.T) credo.Store {
			s, schema := openPartitioned(t, dsn, ddl)
			mu.Lock()
			defer mu.Unlock()
			schemas[s] = schema
			return s
		},
		Reopen: func(t *testing.T, s credo.Store) credo.Store {
			mu.Lock()
			schema := schemas[s]
			mu.Unlock()
			s.Close()
			db := pgtest.OpenSchema(t, dsn, schema)
			mu.Lock()
			schemas[db] = schema
			mu.Unlock()
			return db
		},
	})
}

// TestOneOrganizationOnePartition checks with EXPLAIN that the reads and
// writes of one organization stay in one partition of each table, and
// lists what does not (search, reads by id, scans).
func TestOneOrganizationOnePartition(t *testing.T) {
	dsn := pgtest.DSN(t)
	s, schema := openPartitioned(t, dsn, partitionedSchema(t))
	code := codes[0]
	mustAppend(t, s, record(code, "E-1", 1))
	for _, tc := range []struct {
		what, sql string
		one       bool // one partition of each partitioned table
	}{
		{"SubjectRecords", `SELECT r.id, r.body, (SELECT max(s.id) FROM records s WHERE s.subject = '` + code + `' AND s.supersedes = r.id)
			FROM records r WHERE r.subject = '` + code + `' AND r.category = 'market' ORDER BY r.occurred_ns DESC, r.id DESC LIMIT 51`, true},
		{"Record by id, after its subject is found in record_keys", `SELECT r.body FROM records r WHERE r.subject = '` + code + `' AND r.id = 1`, true},
		{"Subject", `SELECT v.body FROM subjects s JOIN subject_versions v ON v.code = s.code AND v.version = s.version WHERE s.code = '` + code + `'`, true},
		{"SubjectVersions", `SELECT body FROM subject_versions WHERE code = '` + code + `' ORDER BY version`, true},
		{"PutSubjects lock", `SELECT code FROM subjects WHERE code = ANY('{` + code + `}') ORDER BY code FOR UPDATE`, true},
		{"grams of one organization", `DELETE FROM subject_grams WHERE code = '` + code + `' AND gram = 'x'`, true},
		{"AllRecords", `SELECT subject, id, supersedes, body FROM records WHERE subject = '` + code + `' ORDER BY id`, true},
		{"CurrentAssessment", `SELECT a.code, a.body, s.as_of, s.next_at FROM assessments a JOIN assessment_stamps s ON s.code = a.code WHERE a.code = '` + code + `'`, true},
		{"AssessmentHistory", `SELECT seq, body FROM assessment_history WHERE code = '` + code + `' AND seq < 10 ORDER BY seq DESC LIMIT 51`, true},
		{"SaveAssessments lock", `SELECT code, grades, seq, content FROM assessments WHERE code = ANY('{` + code + `}') ORDER BY code FOR UPDATE`, true},
		{"DueAssessments", `SELECT code FROM assessment_stamps WHERE next_change_ns <= 0 ORDER BY next_change_ns, code LIMIT 500`, false},
		{"EachSubject records", `SELECT subject, id, supersedes, body FROM records WHERE (subject, id) > ('` + code + `', 0) ORDER BY subject, id LIMIT 4096`, false},
		{"search by gram", `SELECT code FROM subject_grams WHERE gram = '公司'`, false},
		{"records by id alone", `SELECT body FROM records WHERE id = 1`, false},
	} {
		var plan strings.Builder
		rows := pgtest.QueryStrings(t, schema, "EXPLAIN "+tc.sql)
		for _, l := range rows {
			plan.WriteString(l + "\n")
		}
		for table := range subjectTables {
			n := len(regexp.MustCompile(`\b`+table+`_p\d+\b`).FindAllString(plan.String(), -1))
			distinct := map[string]bool{}
			for _, m := range regexp.MustCompile(`\b`+table+`_p\d+\b`).FindAllString(plan.String(), -1) {
				distinct[m] = true
			}
			switch {
			case n == 0:
			case tc.one && len(distinct) != 1:
				t.Errorf("%s touches %d partitions of %s:\n%s", tc.what, len(distinct), table, plan.String())
			case !tc.one && len(distinct) < partitions:
				t.Errorf("%s: expected to read every partition of %s, reads %d:\n%s", tc.what, table, len(distinct), plan.String())
			}
		}
	}
}
