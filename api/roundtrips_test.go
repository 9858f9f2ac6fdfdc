package api_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// statements counts the round trips a PostgreSQL store makes: each
// statement sent alone (BEGIN and COMMIT included) is one, and so is a
// batch (pgx.Batch: its statements sent together, one answer awaited)
// and a COPY.
type statements struct{ n atomic.Int64 }

func (s *statements) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *statements) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statements) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *statements) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (s *statements) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func (s *statements) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	s.n.Add(1)
	return ctx
}

func (s *statements) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// TestRoundTripsOfOneRecord counts the store round trips of one POST
// /v1/records (a penalty, so notices and list rules run too) through the
// whole write path, on PostgreSQL, and reports them (docs/PERFORMANCE.md).
func TestRoundTripsOfOneRecord(t *testing.T) {
	count := &statements{}
	pg := pgtest.Open(t, postgres.WithQueryTracer(count))
	e := newEnv(t, func(credo.Store) credo.Store {
		for _, ta := range testAuthorities {
			a := ta.a
			if err := pg.CreateAuthority(context.Background(), &a, credo.HashToken(ta.token)); err != nil {
				t.Fatal(err)
			}
		}
		return pg
	}, withGrading(t))
	e.postJSON("/v1/records", tokenHuaibei, goodRecord(codeHuaibei, "rt-warm")).wantStatus(http.StatusCreated)
	for _, c := range []struct{ name, code, ext string }{
		{"a second record of an organization", codeHuaibei, "rt-1"},
		{"the first record of an organization", codeHuaibei2, "rt-2"},
	} {
		before := count.n.Load()
		e.postJSON("/v1/records", tokenHuaibei, goodRecord(c.code, c.ext)).wantStatus(http.StatusCreated)
		n := count.n.Load() - before
		if n == 0 {
			t.Fatalf("%s: no statement counted", c.name)
		}
		t.Logf("%s: %d round trips", c.name, n)
	}
}
