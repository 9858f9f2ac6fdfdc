package graph

import (
	"context"
	"fmt"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo/internal/cputime"
)

// The size of the benchmark graph: CREDO_GRAPH_ORGS organizations and
// CREDO_GRAPH_EDGES relationships (defaults small enough for a quick run),
// with CREDO_GRAPH_HUBS organizations of 10,000 partners each among them.
func benchSize() (orgs, edges, hubs int) {
	orgs, edges, hubs = 100_000, 500_000, 2
	if n, err := strconv.Atoi(os.Getenv("CREDO_GRAPH_ORGS")); err == nil && n > 0 {
		orgs = n
	}
	if n, err := strconv.Atoi(os.Getenv("CREDO_GRAPH_EDGES")); err == nil && n > 0 {
		edges = n
	}
	if n, err := strconv.Atoi(os.Getenv("CREDO_GRAPH_HUBS")); err == nil && n >= 0 {
		hubs = n
	}
	return orgs, edges, hubs
}

var benchKinds = []string{"shareholder", "subsidiary", "branch", "shared_officer", "supplier", "customer", "guarantor", "joint_venture", "contract"}

var benchParams = Params{Reach: 3, Decay: 0.5, Counted: 4, MinValue: 0.5, Weight: map[string]float64{
	"shareholder": 1, "subsidiary": 1, "branch": 1, "shared_officer": 0.8, "guarantor": 0.6,
	"joint_venture": 0.6, "supplier": 0.3, "customer": 0.3, "contract": 0.2,
}}

func benchCode(i int) string { return fmt.Sprintf("91%016d", i) }

// benchGraph is a generated graph held compactly (node numbers, not
// Edges), so that 50 million relationships fit in memory beside the graph
// built from them.
type benchGraph struct {
	codes    []string
	from, to []int32
	kind     []uint8
	days     []uint16 // since, in days from benchSince
}

var benchSince = time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC)

// genBench makes a registry-like graph, deterministically: uniformly
// random pairs, and hubs (the first organizations) with 10,000 suppliers
// and customers each.
func genBench(orgs, edges, hubs int) *benchGraph {
	r := rand.New(rand.NewPCG(1, 2))
	bg := &benchGraph{codes: make([]string, orgs), from: make([]int32, 0, edges), to: make([]int32, 0, edges),
		kind: make([]uint8, 0, edges), days: make([]uint16, 0, edges)}
	for i := range bg.codes {
		bg.codes[i] = benchCode(i)
	}
	supplier, customer := uint8(slices.Index(benchKinds, "supplier")), uint8(slices.Index(benchKinds, "customer"))
	for h := range hubs {
		for j := range 10_000 {
			if len(bg.from) == edges {
				return bg
			}
			k := supplier
			if j%2 == 1 {
				k = customer
			}
			bg.from, bg.to = append(bg.from, int32(hubs+r.IntN(orgs-hubs))), append(bg.to, int32(h))
			bg.kind, bg.days = append(bg.kind, k), append(bg.days, 0)
		}
	}
	for len(bg.from) < edges {
		u, v := r.IntN(orgs), r.IntN(orgs)
		bg.from, bg.to = append(bg.from, int32(u)), append(bg.to, int32(v))
		bg.kind, bg.days = append(bg.kind, uint8(r.IntN(len(benchKinds)))), append(bg.days, uint16(r.IntN(3650)))
	}
	return bg
}

// edges yields the graph's relationships as Edges.
func (bg *benchGraph) edges() iter.Seq2[Edge, error] {
	return func(yield func(Edge, error) bool) {
		for i := range bg.from {
			e := Edge{From: bg.codes[bg.from[i]], To: bg.codes[bg.to[i]], Kind: benchKinds[bg.kind[i]],
				Since: benchSince.AddDate(0, 0, int(bg.days[i]))}
			if !yield(e, nil) {
				return
			}
		}
	}
}

// benchEdges yields genBench's graph.
func benchEdges(orgs, edges, hubs int) iter.Seq2[Edge, error] {
	return genBench(orgs, edges, hubs).edges()
}

// bareTraversal is the baseline: one pass over every row entry, reading
// a value of the entry's target, on one core.
func bareTraversal(offsets []uint32, targets []int32, val []float64) float64 {
	var s float64
	for u := range len(offsets) - 1 {
		for p := offsets[u]; p < offsets[u+1]; p++ {
			s += val[targets[p]]
		}
	}
	return s
}

var sink float64

// BenchmarkPartnersGraph builds the graph, times the bare traversal and
// the propagation from 1% of the organizations as sources (each run in the
// same process, one after the other), and reports each rate:
//
//	CREDO_GRAPH_ORGS=1000000 CREDO_GRAPH_EDGES=5000000 go test -run '^$' -bench PartnersGraph -benchtime 3x ./partners/graph/
func BenchmarkPartnersGraph(b *testing.B) {
	orgs, edges, hubs := benchSize()
	ctx := context.Background()
	// The edges are made beforehand (compactly), so that building is
	// timed alone: from Edges as a store's scan gives them.
	bg := genBench(orgs, edges, hubs)
	runtime.GC()
	// What feeding the Edges alone costs (the generator's part of the
	// build below).
	start, startCPU := time.Now(), cputime.Self()
	fed := 0
	for e := range bg.edges() {
		// Reading the codes' bytes (a store's scan reads each row).
		fed += int(e.From[0]+e.From[CodeLen-1]) + int(e.To[0]+e.To[CodeLen-1])
	}
	feed, feedCPU := time.Since(start), cputime.Self()-startCPU
	sink += float64(fed)
	start, startCPU = time.Now(), cputime.Self()
	g, err := Build(bg.edges(), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	build, buildCPU := time.Since(start), cputime.Self()-startCPU
	bg = nil
	// 1% of the organizations weigh on their partners.
	r := rand.New(rand.NewPCG(3, 4))
	sev := make([]float64, g.Nodes())
	sources := 0
	for range g.Nodes() / 100 {
		u := r.IntN(g.Nodes())
		if sev[u] == 0 {
			sources++
		}
		sev[u] = float64(10 + r.IntN(4)*10)
	}
	severity := func(u int32) float64 { return sev[u] }
	val := make([]float64, g.Nodes())
	for i := range val {
		val[i] = float64(i & 7)
	}
	runtime.GC()
	var bare, prop, bareCPU, propCPU time.Duration
	var scanned, read, exposed int64
	for b.Loop() {
		t, c := time.Now(), cputime.Self()
		sink += bareTraversal(g.offsets, g.targets, val)
		bare += time.Since(t)
		bareCPU += cputime.Self() - c
		t, c = time.Now(), cputime.Self()
		res, err := g.Propagate(ctx, severity, benchParams, 0)
		if err != nil {
			b.Fatal(err)
		}
		prop += time.Since(t)
		propCPU += cputime.Self() - c
		scanned, read, exposed = res.Swept, res.Scanned, 0
		_ = res.Exposed(func(int32, []Exposure) error { exposed++; return nil })
	}
	entries := float64(len(g.targets))
	bareRate := entries * float64(b.N) / bare.Seconds()
	propRate := float64(scanned) * float64(b.N) / prop.Seconds()
	b.ReportMetric(float64(g.Edges())/build.Seconds(), "build_edges/s")
	b.ReportMetric(bareRate, "bare_entries/s")
	b.ReportMetric(propRate, "propagate_entries/s")
	b.ReportMetric(propRate/bareRate, "propagate/bare")
	b.ReportMetric(float64(g.Edges())/build.Seconds()/bareRate, "build/bare")
	b.ReportMetric(float64(exposed), "exposed_orgs")
	b.ReportMetric(float64(sources), "sources")
	b.ReportMetric(float64(read)/float64(scanned), "read/swept")
	b.ReportMetric(build.Seconds(), "build_s")
	b.ReportMetric(bare.Seconds()/float64(b.N), "bare_s")
	b.ReportMetric(prop.Seconds()/float64(b.N), "propagate_s")
	// Per second of CPU (the process's user and system time), which other
	// work on a shared machine does not change.
	bareCPURate := entries * float64(b.N) / bareCPU.Seconds()
	propCPURate := float64(scanned) * float64(b.N) / propCPU.Seconds()
	b.ReportMetric(bareCPURate, "bare_entries/cpu_s")
	b.ReportMetric(propCPURate, "propagate_entries/cpu_s")
	b.ReportMetric(propCPURate/bareCPURate, "propagate/bare_per_cpu")
	b.ReportMetric(float64(g.Edges())/buildCPU.Seconds(), "build_edges/cpu_s")
	b.ReportMetric(float64(g.Edges())/buildCPU.Seconds()/bareCPURate, "build/bare_per_cpu")
	b.ReportMetric(feedCPU.Seconds(), "feed_cpu_s")
	b.ReportMetric(feed.Seconds(), "feed_s")
	b.ReportMetric(buildCPU.Seconds(), "build_cpu_s")
	b.ReportMetric(float64(g.Edges())/(buildCPU-feedCPU).Seconds()/bareCPURate, "build_less_feed/bare_per_cpu")
	b.ReportMetric(propCPU.Seconds()/float64(b.N), "propagate_cpu_s")
	b.ReportMetric(bareCPU.Seconds()/float64(b.N), "bare_cpu_s")
}

// TestPropagateExact compares propagation with every simple path of up
// to Reach relationships enumerated, on random graphs: the counted
// partners, their order and their values are the same.
func TestPropagateExact(t *testing.T) {
	for seed := range uint64(20) {
		r := rand.New(rand.NewPCG(seed, 7))
		orgs := 30 + r.IntN(40)
		// Some relationships are declarations, by either end.
		edges := func(yield func(Edge, error) bool) {
			for e := range benchEdges(orgs, orgs*2+r.IntN(orgs*2), 0) {
				switch r.IntN(8) {
				case 0:
					e.Declarant = e.From
				case 1:
					e.Declarant = e.To
				}
				if !yield(e, nil) {
					return
				}
			}
		}
		g, err := Build(edges, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if err != nil {
			t.Fatal(err)
		}
		sev := make([]float64, g.Nodes())
		for u := range sev {
			if r.IntN(4) == 0 {
				sev[u] = float64(1 + r.IntN(5)*10)
			}
		}
		p := benchParams
		p.Counted = 1 + r.IntN(MaxCounted)
		p.Reach = 1 + r.IntN(MaxReach)
		p.MinValue = 1
		if r.IntN(2) == 0 {
			// Kinds along which risk does not travel.
			p.Weight = maps.Clone(p.Weight)
			p.Weight["contract"], p.Weight["supplier"] = 0, 0
		}
		res, err := g.Propagate(context.Background(), func(u int32) float64 { return sev[u] }, p, 1+r.IntN(3))
		if err != nil {
			t.Fatal(err)
		}
		for u := range int32(g.Nodes()) {
			want := bruteForce(res, u)
			got := res.Of(u)
			if len(want) > p.Counted {
				want = want[:p.Counted]
			}
			if !slices.Equal(got, want) {
				t.Fatalf("seed %d node %d: %+v, want %+v", seed, u, got, want)
			}
			for _, x := range got {
				if path, _ := res.Path(x); len(path) == 0 || len(path) > p.Reach {
					t.Fatalf("seed %d node %d: path %+v", seed, u, path)
				}
			}
		}
	}
}

// bruteForce enumerates every simple path from u and returns each
// partner at its heaviest value, heaviest first.
func bruteForce(r *Result, u int32) []Exposure {
	best := map[int32]float32{}
	s := &searchPath{r: r}
	var walk func(v int32, depth int)
	walk = func(v int32, depth int) {
		if depth > 0 && r.own[v] > 0 {
			s.target = v
			if x := s.value(); x >= float32(r.p.MinValue) && x > best[v] {
				best[v] = x
			}
		}
		if depth == r.p.Reach {
			return
		}
		s.on = append(s.on, v)
		g := r.g
		for p := g.offsets[v]; p < g.offsets[v+1]; p++ {
			w := g.targets[p]
			if s.onPath(w) || !usable(g.flags[p], depth) || r.fac[g.flags[p]&kindMask].first == 0 {
				continue
			}
			s.stack = append(s.stack, p)
			walk(w, depth+1)
			s.stack = s.stack[:len(s.stack)-1]
		}
		s.on = s.on[:len(s.on)-1]
	}
	walk(u, 0)
	var out []Exposure
	for src, x := range best {
		out = append(out, Exposure{Org: u, Source: src, Value: x})
	}
	slices.SortFunc(out, func(a, b Exposure) int {
		if a.Value != b.Value {
			if a.Value > b.Value {
				return -1
			}
			return 1
		}
		return int(a.Source - b.Source)
	})
	return out
}
