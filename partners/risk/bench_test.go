package risk_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/partners/graph"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
)

// BenchmarkGraphFromStore times building the graph from an embedded
// store (EachRelationship, then graph.Build) and writing assessments back
// (SaveAssessments, in batches of 1000), beside the bare CSR traversal of
// the same graph in the same process, on the embedded store or, with
// CREDO_STORE_BACKEND=postgres, PostgreSQL (the client's CPU only). Sizes: CREDO_STORE_ORGS
// organizations, CREDO_STORE_EDGES relationships (guarantees), and
// CREDO_STORE_WRITES assessments written back.
//
//	CREDO_STORE_ORGS=200000 CREDO_STORE_EDGES=1000000 go test -run '^$' -bench GraphFromStore -benchtime 1x ./partners/risk/
func BenchmarkGraphFromStore(b *testing.B) {
	orgs, edges, writes := envInt("CREDO_STORE_ORGS", 20_000), envInt("CREDO_STORE_EDGES", 100_000), envInt("CREDO_STORE_WRITES", 20_000)
	ctx := context.Background()
	var db benchStore
	if os.Getenv("CREDO_STORE_BACKEND") == "postgres" {
		db = pgtest.Open(b)
	} else {
		s, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer s.Close()
		db = s
	}
	var err error
	if err := db.CreateAuthority(ctx, &credo.Authority{ID: "tax-340600", Name: "国家税务总局淮北市税务局", Divisions: []string{"34"}, Categories: []string{"tax"}}, "x"); err != nil {
		b.Fatal(err)
	}
	code := func(i int) string { return fmt.Sprintf("91%016d", i) }
	r := rand.New(rand.NewPCG(1, 2))
	since := credo.NewDate(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	recorded := credo.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	var batch []*credo.Relationship
	for i := range edges {
		u, v := r.IntN(orgs), r.IntN(orgs)
		if u == v {
			v = (v + 1) % orgs
		}
		batch = append(batch, &credo.Relationship{Kind: credo.RelationshipGuarantor, From: code(u), To: code(v), Reference: strconv.Itoa(i),
			Since: since, Source: credo.SourceAuthority, Authority: "tax-340600", RecordedAt: recorded})
		if len(batch) == 10_000 || i == edges-1 {
			if _, err := db.AppendRelationships(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	asOf := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var scan, build, bare, write time.Duration
	var scanCPU, buildCPU, bareCPU, writeCPU time.Duration
	var g *graph.Graph
	for b.Loop() {
		t, c := time.Now(), cputime.Self()
		n := 0
		if err := db.EachRelationship(ctx, asOf, func(es []credo.Edge) error { n += len(es); return nil }); err != nil {
			b.Fatal(err)
		}
		scan += time.Since(t)
		scanCPU += cputime.Self() - c
		t, c = time.Now(), cputime.Self()
		g, err = graph.Build(func(yield func(graph.Edge, error) bool) {
			db.EachRelationship(ctx, asOf, func(es []credo.Edge) error {
				for _, e := range es {
					if !yield(graph.Edge{From: e.From, To: e.To, Kind: e.Kind, Since: e.Since.Time}, nil) {
						return context.Canceled
					}
				}
				return nil
			})
		}, asOf)
		if err != nil {
			b.Fatal(err)
		}
		build += time.Since(t)
		buildCPU += cputime.Self() - c
		t, c = time.Now(), cputime.Self()
		sink += graph.BareTraversal(g)
		bare += time.Since(t)
		bareCPU += cputime.Self() - c
		// Write back: assessments with a partners dimension, as a rescore's
		// partner pass stores them.
		t, c = time.Now(), cputime.Self()
		var changes []*credo.AssessmentChange
		at := credo.NewTime(asOf.Add(time.Duration(b.N) * time.Second))
		for i := range writes {
			c := code(i % orgs)
			changes = append(changes, &credo.AssessmentChange{Subject: c, At: at, Cause: credo.Cause{Kind: credo.CauseRescore},
				Assessment: &credo.Assessment{Subject: c, AsOf: at, Grade: "B", Score: 80, Dimensions: map[string]*credo.Dimension{
					"partners": {Score: 85, Grade: "B", Contributions: []credo.Contribution{{Rule: "partners.tax_d", Points: -15, Partner: code((i + 1) % orgs),
						Path: []credo.Hop{{From: code((i + 1) % orgs), Kind: "guarantor", To: c, Since: since}}}}}}}})
			if len(changes) == 1000 || i == writes-1 {
				if err := db.SaveAssessments(ctx, changes); err != nil {
					b.Fatal(err)
				}
				changes = changes[:0]
			}
		}
		write += time.Since(t)
		writeCPU += cputime.Self() - c
	}
	n := float64(b.N)
	bareRate := float64(2*g.Edges()) * n / bare.Seconds()
	b.ReportMetric(float64(g.Edges())*n/scan.Seconds(), "scan_edges/s")
	b.ReportMetric(float64(g.Edges())*n/build.Seconds(), "build_edges/s")
	b.ReportMetric(bareRate, "bare_entries/s")
	b.ReportMetric(float64(g.Edges())*n/build.Seconds()/bareRate, "build/bare")
	b.ReportMetric(float64(writes)*n/write.Seconds(), "writeback_assessments/s")
	// Per second of the process's CPU time (what the load changes least).
	bareCPURate := float64(2*g.Edges()) * n / bareCPU.Seconds()
	b.ReportMetric(bareCPURate, "bare_entries/cpu_s")
	b.ReportMetric(scanCPU.Seconds()*1e9/(float64(g.Edges())*n), "scan_cpu_ns/edge")
	b.ReportMetric(buildCPU.Seconds()*1e9/(float64(g.Edges())*n), "build_cpu_ns/edge")
	b.ReportMetric(float64(g.Edges())*n/buildCPU.Seconds()/bareCPURate, "build/bare_per_cpu")
	b.ReportMetric(writeCPU.Seconds()*1e6/(float64(writes)*n), "writeback_cpu_us/assessment")
	b.ReportMetric(float64(writes)*n/writeCPU.Seconds()/bareCPURate, "writeback/bare_per_cpu")
}

var sink float64

// benchStore is what the benchmark needs of a backend.
type benchStore interface {
	CreateAuthority(ctx context.Context, a *credo.Authority, token string) error
	AppendRelationships(ctx context.Context, rels []*credo.Relationship) ([]credo.Outcome, error)
	EachRelationship(ctx context.Context, asOf time.Time, fn func([]credo.Edge) error) error
	SaveAssessments(ctx context.Context, changes []*credo.AssessmentChange) error
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}
