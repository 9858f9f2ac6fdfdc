package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

var ctx = context.Background()

// Codes of real organizations (each passes both checks).
var codes = []string{"91350100M000100Y43", "91110000600037341L", "91340600MA2MT6QX2T", "91440300192185379H"}

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

func record(code, ext string, day int) *credo.Record {
	return &credo.Record{
		Subject: code, Authority: "samr-340600", Category: "market", Kind: "penalty", ExternalID: ext,
		DecisionNumber: "淮市监罚〔2024〕" + ext, LegalBasis: "《中华人民共和国产品质量法》第四十九条",
		PenaltyTypes: []string{"warning"}, Severity: "minor",
		OccurredAt: credo.NewTime(t0.AddDate(0, 0, day)), RecordedAt: credo.NewTime(t0.AddDate(1, 0, 0)),
	}
}

func mustAppend(t *testing.T, s credo.Store, recs ...*credo.Record) []credo.Outcome {
	t.Helper()
	out, err := s.AppendRecords(ctx, recs)
	if err != nil {
		t.Fatalf("AppendRecords: %v", err)
	}
	return out
}

func wantStats(t *testing.T, s credo.Store, records int64) {
	t.Helper()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != records {
		t.Errorf("Stats: %d records, want %d", st.Records, records)
	}
}

// terminate ends the server process pid from another connection and waits
// until it is gone.
func terminate(ctx context.Context, dsn string, pid uint32) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_terminate_backend($1, 5000)`, int32(pid)).Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("backend %d was not terminated", pid)
	}
	return nil
}

// A connection killed in the middle of a write transaction: the write is
// run again on a fresh connection, stored once, and acknowledged.
func TestConnectionKilledMidTransactionIsRetried(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t)
	var killed []uint32
	postgres.SetBeforeCommit(db, func(ctx context.Context, pid uint32, attempt int) error {
		if attempt == 0 {
			killed = append(killed, pid)
			return terminate(ctx, dsn, pid)
		}
		return nil
	})
	recs := []*credo.Record{record(codes[0], "K-1", 1), record(codes[0], "K-2", 2), record(codes[1], "K-3", 3)}
	out := mustAppend(t, db, recs...)
	for i, o := range out {
		if o.Status != credo.Created || o.ID == 0 {
			t.Errorf("record %d: outcome %+v, want created", i, o)
		}
	}
	if len(killed) != 1 {
		t.Fatalf("%d connections killed, want 1", len(killed))
	}
	page, err := db.SubjectRecords(ctx, codes[0], credo.RecordFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 2 {
		t.Errorf("%d records of %s, want 2", len(page.Records), codes[0])
	}
	wantStats(t, db, 3)

	// Subjects go through the same retry.
	killed = nil
	sout, err := db.PutSubjects(ctx, []*credo.Subject{{Code: codes[2], Name: "淮北市某某有限公司", Authority: "samr-340600"}})
	if err != nil || sout[0].Status != credo.Created || sout[0].ID != 1 {
		t.Fatalf("PutSubjects after a killed connection: %+v, %v", sout, err)
	}
	if len(killed) != 1 {
		t.Errorf("%d connections killed, want 1", len(killed))
	}
}

// With retries off, a killed connection fails the write with EUNAVAILABLE,
// nothing of the batch is visible, and the next write succeeds.
func TestConnectionKilledMidTransactionLeavesNothing(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t, postgres.WithWriteRetries(0))
	kill := true
	postgres.SetBeforeCommit(db, func(ctx context.Context, pid uint32, attempt int) error {
		if kill {
			return terminate(ctx, dsn, pid)
		}
		return nil
	})
	recs := []*credo.Record{record(codes[0], "P-1", 1), record(codes[0], "P-2", 2)}
	_, err := db.AppendRecords(ctx, recs)
	if code := credo.ErrorCodeOf(err); code != credo.EUNAVAILABLE {
		t.Fatalf("AppendRecords on a killed connection: %v (code %q), want EUNAVAILABLE", err, code)
	}
	page, err := db.SubjectRecords(ctx, codes[0], credo.RecordFilter{})
	if err != nil {
		t.Fatalf("reading after the kill: %v", err)
	}
	if len(page.Records) != 0 {
		t.Errorf("%d records of the failed batch visible, want none", len(page.Records))
	}
	wantStats(t, db, 0)

	kill = false
	out := mustAppend(t, db, recs...)
	for i, o := range out {
		if o.Status != credo.Created {
			t.Errorf("record %d after recovery: %+v, want created", i, o)
		}
	}
	wantStats(t, db, 2)
}

// Every connection of the pool killed while idle (as by a server
// restart): the next reads and writes dial again and succeed; Ping
// reports health.
func TestIdleConnectionsKilled(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := pgtest.Open(t)
	mustAppend(t, db, record(codes[0], "I-1", 1))
	killAll := func() {
		t.Helper()
		pids := postgres.IdlePIDs(ctx, db)
		if len(pids) == 0 {
			t.Fatal("no idle connections to kill")
		}
		for _, pid := range pids {
			if err := terminate(ctx, dsn, pid); err != nil {
				t.Fatal(err)
			}
		}
	}
	killAll()
	if _, err := db.Record(ctx, 1); err != nil {
		t.Fatalf("read after the server closed every connection: %v", err)
	}
	killAll()
	out := mustAppend(t, db, record(codes[0], "I-2", 2))
	if out[0].Status != credo.Created {
		t.Errorf("write after the server closed every connection: %+v", out[0])
	}
	killAll()
	if err := db.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// Two nodes (two DBs on one schema) appending the same external ids at
// once store each once, under one id: small batches (INSERT) and big ones
// (COPY).
func TestTwoNodesAppendSameExternalID(t *testing.T) {
	for _, n := range []int{40, 600} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { twoNodesAppend(t, n) })
	}
}

func twoNodesAppend(t *testing.T, n int) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	batch := func() []*credo.Record {
		recs := make([]*credo.Record, n)
		for i := range recs {
			recs[i] = record(codes[i%len(codes)], fmt.Sprintf("SAME-%03d", i), i)
		}
		return recs
	}
	const writers = 6
	outs := make([][]credo.Outcome, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			outs[w], errs[w] = nodes[w%2].AppendRecords(ctx, batch())
		})
	}
	close(start)
	wg.Wait()
	ids := map[int]int64{}
	created := map[int]int{}
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		for i, o := range outs[w] {
			switch o.Status {
			case credo.Created:
				created[i]++
			case credo.Exists:
			default:
				t.Fatalf("writer %d record %d: %+v", w, i, o)
			}
			if ids[i] == 0 {
				ids[i] = o.ID
			} else if ids[i] != o.ID {
				t.Errorf("record %d: ids %d and %d", i, ids[i], o.ID)
			}
		}
	}
	for i := range n {
		if created[i] != 1 {
			t.Errorf("record %d created %d times, want once", i, created[i])
		}
	}
	for _, node := range nodes {
		wantStats(t, node, int64(n))
		r, err := node.Record(ctx, ids[7])
		if err != nil || r.ExternalID != "SAME-007" {
			t.Errorf("Record(%d) on a node: %v, %v", ids[7], r, err)
		}
	}
}

// Two nodes adding versions of one organization at once: versions 1..n,
// each once; the secret and a time-driven job are agreed on.
func TestTwoNodesSubjectsSecretsClaims(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []*postgres.DB{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	const writers = 8
	versions := make([]int64, writers)
	secrets := make([][]byte, writers)
	claims := make([]bool, writers)
	errs := make([]error, writers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	slot := t0.Add(24 * time.Hour)
	for w := range writers {
		wg.Go(func() {
			<-start
			node := nodes[w%2]
			out, err := node.PutSubjects(ctx, []*credo.Subject{{
				Code: codes[0], Name: fmt.Sprintf("福州某某有限公司%d", w), Authority: "samr-340600",
			}, {
				Code: codes[1+w%2], Name: "北京某某有限公司", Authority: "samr-340600",
			}})
			if err != nil {
				errs[w] = err
				return
			}
			versions[w] = out[0].ID
			if secrets[w], err = node.Secret(ctx, "person-key"); err != nil {
				errs[w] = err
				return
			}
			claims[w], errs[w] = node.Claim(ctx, "expire-listings", slot)
		})
	}
	close(start)
	wg.Wait()
	seen := map[int64]bool{}
	won := 0
	for w := range writers {
		if errs[w] != nil {
			t.Fatalf("writer %d: %v", w, errs[w])
		}
		if seen[versions[w]] {
			t.Errorf("version %d created twice", versions[w])
		}
		seen[versions[w]] = true
		if string(secrets[w]) != string(secrets[0]) || len(secrets[w]) != 32 {
			t.Errorf("writer %d: a different secret", w)
		}
		if claims[w] {
			won++
		}
	}
	if won != 1 {
		t.Errorf("%d nodes claimed the job, want 1", won)
	}
	vs, err := nodes[1].SubjectVersions(ctx, codes[0])
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range vs {
		if v.Version != i+1 {
			t.Errorf("version %d at position %d", v.Version, i)
		}
	}
	if len(vs) != writers {
		t.Errorf("%d versions, want %d", len(vs), writers)
	}
	st, err := nodes[0].Stats(ctx)
	if err != nil || st.Organizations != 3 {
		t.Errorf("Stats: %+v, %v; want 3 organizations", st, err)
	}
}

// Three nodes starting at once on an empty schema migrate it once.
func TestConcurrentMigration(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			db, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
			if err == nil {
				db.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("node %d: %v", i, err)
		}
	}
	db := pgtest.OpenSchema(t, dsn, schema, postgres.WithoutMigrate())
	if v := db.SchemaVersion(); v != postgres.SchemaVersion {
		t.Errorf("SchemaVersion: %d; want %d", v, postgres.SchemaVersion)
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM schema_migrations`); n != postgres.SchemaVersion {
		t.Errorf("%d rows in schema_migrations, want %d: migrated more than once", n, postgres.SchemaVersion)
	}
}

// A schema migrated by a newer credo is refused, naming both versions; an
// unmigrated one is refused when Open may not migrate.
func TestSchemaVersionRefused(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)

	_, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema), postgres.WithoutMigrate())
	var sv *postgres.SchemaVersionError
	if !errors.As(err, &sv) || sv.Found != 0 || !strings.Contains(err.Error(), "credo migrate") {
		t.Errorf("Open without migrating an empty schema: %v", err)
	}

	db := pgtest.OpenSchema(t, dsn, schema)
	db.Close()
	pgtest.Exec(t, schema, `INSERT INTO schema_migrations (version, name) VALUES (99, '0099_future.sql')`)
	for _, opts := range [][]postgres.Option{nil, {postgres.WithoutMigrate()}} {
		_, err = postgres.Open(ctx, dsn, append(opts, postgres.WithSchema(schema))...)
		if !errors.As(err, &sv) || sv.Found != 99 || sv.Supported != postgres.SchemaVersion {
			t.Fatalf("Open on a newer schema: %v, want a SchemaVersionError", err)
		}
		msg := err.Error()
		for _, want := range []string{"version 99", fmt.Sprintf("version %d", postgres.SchemaVersion), "newer", schema} {
			if !strings.Contains(msg, want) {
				t.Errorf("message %q does not say %q", msg, want)
			}
		}
	}
}

// Connection strings that are wrong get a clear message that never repeats
// the password.
func TestBadConnectionStrings(t *testing.T) {
	dsn := pgtest.DSN(t)
	for _, tc := range []struct {
		name, dsn string
		want      []string
	}{
		{"malformed URL", "postgres://credo:s3cret-pw@db.example:notaport/credo", []string{"not valid", "invalid port", "expected postgres://"}},
		{"bad key", "host=127.0.0.1 password=s3cret-pw port=abc", []string{"not valid", "invalid port"}},
		{"space in the password", "postgres://credo:s3cret-pw and more@db.example/credo", []string{"not valid"}},
		{"nothing listens", "postgres://credo:s3cret-pw@127.0.0.1:1/credo?sslmode=disable", []string{"cannot reach", "127.0.0.1:1", "database credo"}},
		{"no such database", strings.Replace(dsn, "/test", "/credo_no_such_db", 1), []string{"refused", "credo_no_such_db", "does not exist"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := postgres.Open(ctx, tc.dsn, postgres.WithConnectTimeout(time.Second))
			if err == nil {
				t.Fatal("Open succeeded")
			}
			msg := err.Error()
			if strings.Contains(msg, "s3cret-pw") {
				t.Errorf("message repeats the password: %s", msg)
			}
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not say %q", msg, w)
				}
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
		})
	}
}

// A record that supersedes another by external id in the same batch, and
// a retraction by id; SupersededBy is read back across a restart of the
// store.
func TestSupersedesAcrossBatches(t *testing.T) {
	db := pgtest.Open(t)
	first := record(codes[0], "S-1", 1)
	corr := record(codes[0], "S-2", 2)
	corr.SupersedesExternalID = "S-1"
	out := mustAppend(t, db, first, corr)
	if out[0].Status != credo.Created || out[1].Status != credo.Created {
		t.Fatalf("outcomes %+v", out)
	}
	got, err := db.Record(ctx, out[0].ID)
	if err != nil || got.SupersededBy != out[1].ID {
		t.Fatalf("Record: %+v, %v; want superseded by %d", got, err, out[1].ID)
	}
	again := mustAppend(t, db, corr)
	if again[0].Status != credo.Exists || again[0].ID != out[1].ID {
		t.Errorf("resubmitted correction: %+v, want exists %d", again[0], out[1].ID)
	}
	foreign := record(codes[1], "S-3", 3)
	foreign.Supersedes = out[0].ID
	bad := mustAppend(t, db, foreign)
	if bad[0].Status != credo.Refused || credo.AsError(bad[0].Err).Field != "supersedes" {
		t.Errorf("superseding another subject's record: %+v", bad[0])
	}
}
