// Package pgtest gives tests a PostgreSQL store of their own: a fresh
// schema with a random name on the server named by CREDO_TEST_POSTGRES
// (default: the local server, database test), dropped when the test ends,
// so that test runs never see each other's data.
//
// A test that cannot reach the server fails, loudly: PostgreSQL tests are
// part of the default test run and CI must not pass without them. Setting
// CREDO_TEST_POSTGRES=skip skips them instead, saying so.
package pgtest

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo/store/postgres"
)

// DefaultDSN is the server tests use when CREDO_TEST_POSTGRES is unset.
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// DSN returns the test server's connection string, skipping the test when
// CREDO_TEST_POSTGRES=skip and failing it when the server cannot be
// reached (checked once per test binary).
func DSN(tb testing.TB) string {
	tb.Helper()
	dsn := strings.TrimSpace(os.Getenv("CREDO_TEST_POSTGRES"))
	if dsn == "skip" {
		tb.Skip("SKIPPED: PostgreSQL store tests are NOT RUN because CREDO_TEST_POSTGRES=skip")
	}
	if dsn == "" {
		dsn = DefaultDSN
	}
	reach.once.Do(func() { reach.err = probe(dsn) })
	if reach.err != nil {
		tb.Fatalf("\n\n*** PostgreSQL tests FAILED: no server: %v\n"+
			"*** Start PostgreSQL (trust auth, database test) on 127.0.0.1:5432, or point CREDO_TEST_POSTGRES at one,\n"+
			"*** or set CREDO_TEST_POSTGRES=skip to skip these tests on purpose.\n\n", reach.err)
	}
	return dsn
}

var reach struct {
	once sync.Once
	err  error
}

func probe(dsn string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	return conn.Close(ctx)
}

// Schema returns a fresh schema name and drops that schema (if created)
// when the test ends.
func Schema(tb testing.TB, dsn string) string {
	tb.Helper()
	name := "credo_test_" + strings.ToLower(rand.Text()[:12])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("pgtest: dropping schema %s: %v", name, err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+pgx.Identifier{name}.Sanitize()+` CASCADE`); err != nil {
			tb.Errorf("pgtest: dropping schema %s: %v", name, err)
		}
	})
	return name
}

// Open opens a store in a fresh schema, closed and dropped when the test
// ends.
func Open(tb testing.TB, opts ...postgres.Option) *postgres.DB {
	tb.Helper()
	dsn := DSN(tb)
	return OpenSchema(tb, dsn, Schema(tb, dsn), opts...)
}

// OpenSchema opens (migrating) the store in schema, closed when the test
// ends.
func OpenSchema(tb testing.TB, dsn, schema string, opts ...postgres.Option) *postgres.DB {
	tb.Helper()
	if schema == "" {
		tb.Fatal("pgtest: OpenSchema needs a schema; tests never use the default one")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	db, err := postgres.Open(ctx, dsn, append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatalf("pgtest: opening schema %s: %v", schema, err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// Exec runs statements on the test server outside any store, in schema
// ("" for the default search path).
func Exec(tb testing.TB, schema, sql string, args ...any) {
	tb.Helper()
	withConn(tb, schema, func(ctx context.Context, conn *pgx.Conn) error {
		_, err := conn.Exec(ctx, sql, args...)
		return err
	})
}

// QueryInt runs a query of one integer on the test server, in schema.
func QueryInt(tb testing.TB, schema, sql string, args ...any) int64 {
	tb.Helper()
	var n int64
	withConn(tb, schema, func(ctx context.Context, conn *pgx.Conn) error {
		return conn.QueryRow(ctx, sql, args...).Scan(&n)
	})
	return n
}

// QueryStrings runs a query of one text column on the test server, in
// schema, and returns its rows.
func QueryStrings(tb testing.TB, schema, sql string, args ...any) []string {
	tb.Helper()
	var out []string
	withConn(tb, schema, func(ctx context.Context, conn *pgx.Conn) error {
		rows, err := conn.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out
}

func withConn(tb testing.TB, schema string, fn func(ctx context.Context, conn *pgx.Conn) error) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, DSN(tb))
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	defer conn.Close(ctx)
	if schema != "" {
		if _, err := conn.Exec(ctx, fmt.Sprintf("SET search_path TO %s", pgx.Identifier{schema}.Sanitize())); err != nil {
			tb.Fatalf("pgtest: %v", err)
		}
	}
	if err := fn(ctx, conn); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
}
