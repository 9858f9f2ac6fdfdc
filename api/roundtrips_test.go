package api_test

import (
	"context"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners/risk"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebooks"
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

// withPartnerRisk is withGrading with the write path credo serve builds:
// the bundled lists' effects and partner risk (partners/risk) in grades.
func withPartnerRisk(t testing.TB) func(*api.Server) {
	return func(s *api.Server) {
		set, err := rulebooks.Set()
		if err != nil {
			t.Fatal(err)
		}
		cat, err := lists.Bundled()
		if err != nil {
			t.Fatal(err)
		}
		in := s.Ingester
		pl := pipeline.New(pipeline.Config{Store: s.Store, Keyer: in.Keyer, Rulebooks: set, Catalogue: cat, Now: in.Now, Registered: in.Registered,
			Partners: &risk.Facts{Store: s.Store, Adverse: func(list string) bool {
				d := cat.List(list)
				return d != nil && d.Adverse
			}}})
		s.Ingester, s.Grading, s.Process = pl.Ingester, pl.Grading, pl.Process
		s.Now = in.Now // the env's clock
	}
}

// TestRoundTripsOfOneRecord counts the store round trips of one POST
// /v1/records (a penalty, so notices and list rules run too) through the
// whole write path, on PostgreSQL, and reports them (docs/PERFORMANCE.md):
// with list effects, and with partner risk too (as credo serve runs).
func TestRoundTripsOfOneRecord(t *testing.T) {
	for _, w := range []struct {
		name string
		opt  func(testing.TB) func(*api.Server)
	}{{"lists", withGrading}, {"lists and partners", withPartnerRisk}} {
		t.Run(w.name, func(t *testing.T) { roundTripsOfOneRecord(t, w.opt) })
	}
}

func roundTripsOfOneRecord(t *testing.T, opt func(testing.TB) func(*api.Server)) {
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
	}, opt(t))
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
