package partners_test

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
)

// hubCode is the i-th generated code of division 340600.
func hubCode(tb testing.TB, i int) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	body := []byte("MA000000")
	for j, n := 7, i; j >= 2; j-- {
		body[j] = alphabet[n%31]
		n /= 31
	}
	c, err := uscc.Build('9', '1', "340600", string(body))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// hubSize is the hub's partners; behind each is a chain of two more, so
// that depth 3 reaches 3*hubSize organizations.
const hubSize = 10_000

// openHub builds a store where the hub (code 0) has hubSize contract
// partners n_i, each n_i guarantees m_i, and each m_i is in a joint
// venture with k_i.
func openHub(b *testing.B, backend string) hubStore {
	ctx := context.Background()
	var db hubStore
	if backend == "postgres" {
		db = pgtest.Open(b)
	} else {
		s, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		db = s
	}
	at := credo.NewTime(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	since := credo.NewDate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	hub := hubCode(b, 0)
	if _, err := db.PutSubjects(ctx, []*credo.Subject{{Code: hub, Name: "淮北市枢纽集团有限公司", Authority: "samr-340600", RecordedAt: at}}); err != nil {
		b.Fatal(err)
	}
	rel := func(kind, from, to string) *credo.Relationship {
		return &credo.Relationship{Kind: kind, From: from, To: to, Since: since, Source: credo.SourceAuthority,
			Authority: "samr-340600", RecordedAt: at}
	}
	var batch []*credo.Relationship
	for i := 1; i <= hubSize; i++ {
		n, m, k := hubCode(b, i), hubCode(b, hubSize+i), hubCode(b, 2*hubSize+i)
		batch = append(batch, rel(credo.RelationshipContract, hub, n), rel(credo.RelationshipGuarantor, n, m),
			rel(credo.RelationshipJointVenture, m, k))
		if len(batch) >= 3000 || i == hubSize {
			if _, err := db.AppendRelationships(ctx, batch); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	return db
}

// hubStore is what the benchmark needs of a backend.
type hubStore interface {
	partners.Store
	partners.AdjacencySource
	EachRelationship(ctx context.Context, asOf time.Time, fn func([]credo.Edge) error) error
	PutSubjects(ctx context.Context, subjects []*credo.Subject) ([]credo.Outcome, error)
}

// BenchmarkHubDepth3 walks from a hub with 10,000 partners to depth 3
// (30,000 organizations, 30,000 relationships) on each backend, as the public:
// the walk alone, and the first page of partners answered from it.
// Reported: the mean (ns/op), the 99th percentile of the time (p99-ms)
// and of the process's CPU time (p99-cpu-ms, what a read cost itself when
// the machine is loaded by other work).
func BenchmarkHubDepth3(b *testing.B) {
	for _, backend := range []string{"sqlite", "postgres"} {
		b.Run(backend, func(b *testing.B) { benchmarkHub(b, backend) })
	}
}

func benchmarkHub(b *testing.B, backend string) {
	db := openHub(b, backend)
	ctx := context.Background()
	hub := hubCode(b, 0)
	q := partners.Query{Code: hub, Depth: 3}
	// run times f, after prep (not timed) when set.
	run := func(b *testing.B, prep func(i int) int, f func() int) {
		var times, cpu []time.Duration
		for i := 0; b.Loop(); i++ {
			want := 3 * hubSize
			if prep != nil {
				want = prep(i)
			}
			start, used := time.Now(), cputime.Self()
			if n := f(); n != want {
				b.Fatalf("reached %d, want %d", n, want)
			}
			times, cpu = append(times, time.Since(start)), append(cpu, cputime.Self()-used)
		}
		slices.Sort(times)
		slices.Sort(cpu)
		b.ReportMetric(float64(times[len(times)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(cpu[len(cpu)*99/100].Microseconds())/1000, "p99-cpu-ms")
	}
	// The baseline: the same walk over the same edges held in a Go map,
	// as if no store were read at all.
	b.Run("bare-map", func(b *testing.B) {
		adj := map[string][]string{}
		if err := db.EachRelationship(ctx, time.Time{}, func(es []credo.Edge) error {
			for _, e := range es {
				adj[e.From] = append(adj[e.From], e.To)
				adj[e.To] = append(adj[e.To], e.From)
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		run(b, nil, func() int {
			seen := map[string]bool{hub: true}
			frontier := []string{hub}
			for d := 0; d < 3; d++ {
				var next []string
				for _, c := range frontier {
					for _, o := range adj[c] {
						if !seen[o] {
							seen[o] = true
							next = append(next, o)
						}
					}
				}
				frontier = next
			}
			return len(seen) - 1
		})
	})
	b.Run("walk", func(b *testing.B) {
		run(b, nil, func() int {
			g, err := partners.Walk(ctx, db, credo.Public, q)
			if err != nil {
				b.Fatal(err)
			}
			return len(g.Reached)
		})
	})
	b.Run("partners", func(b *testing.B) {
		s := &partners.Service{Store: db}
		run(b, nil, func() int {
			p, err := s.Partners(ctx, credo.Public, q, "", 0)
			if err != nil {
				b.Fatal(err)
			}
			return p.Total
		})
	})
	// The same reads through an AdjacencyCache: the first read (which
	// loads every organization reached) is reported apart as cold-ms and
	// cold-cpu-ms (by the first of these run); the reads timed find the
	// cache warm, as a hub's repeated reads do.
	cache := partners.NewAdjacencyCache(db, 0)
	cached := &partners.Service{Store: db, Cache: cache}
	page := func() int {
		p, err := cached.Partners(ctx, credo.Public, q, "", 0)
		if err != nil {
			b.Fatal(err)
		}
		return p.Total
	}
	var cold, coldCPU time.Duration
	var heldBytes float64 // heap held by the cache per version
	warm := func(b *testing.B) {
		if cache.Rows() > 0 {
			return
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		start, used := time.Now(), cputime.Self()
		if n := page(); n != 3*hubSize {
			b.Fatalf("reached %d, want %d", n, 3*hubSize)
		}
		cold, coldCPU = time.Since(start), cputime.Self()-used
		runtime.GC()
		runtime.ReadMemStats(&after)
		heldBytes = float64(after.HeapAlloc-before.HeapAlloc) / float64(cache.Rows())
	}
	reportCold := func(b *testing.B) {
		if cold > 0 {
			b.ReportMetric(float64(cold.Microseconds())/1000, "cold-ms")
			b.ReportMetric(float64(coldCPU.Microseconds())/1000, "cold-cpu-ms")
			b.ReportMetric(heldBytes, "cache-B/version")
			cold = 0
		}
	}
	b.Run("walk-cached", func(b *testing.B) {
		warm(b)
		run(b, nil, func() int {
			r, err := cache.Current(ctx)
			if err != nil {
				b.Fatal(err)
			}
			g, err := partners.Walk(ctx, r, credo.Public, q)
			if err != nil {
				b.Fatal(err)
			}
			return len(g.Reached)
		})
		reportCold(b)
	})
	b.Run("partners-cached", func(b *testing.B) {
		warm(b)
		run(b, nil, page)
		reportCold(b)
	})
	// After each write of a relationship of the hub (untimed: a contract
	// with one more organization, then its end), the next read finds the
	// hub's 10,000 ties dropped from the cache and reads them again.
	b.Run("partners-cached-after-write", func(b *testing.B) {
		warm(b)
		extra := hubCode(b, 3*hubSize+1)
		since := credo.NewDate(time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC))
		var open *credo.Relationship
		clock := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		run(b, func(i int) int {
			clock = clock.Add(time.Minute)
			r := &credo.Relationship{Kind: credo.RelationshipContract, From: hub, To: extra, Since: since,
				Source: credo.SourceAuthority, Authority: "samr-340600", Reference: "bench", RecordedAt: credo.NewTime(clock)}
			want := 3*hubSize + 1
			if open != nil {
				r.Supersedes = open.ID
				if i%2 == 1 {
					r.Until, want = credo.NewDate(clock), 3*hubSize
				}
			}
			out, err := db.AppendRelationships(ctx, []*credo.Relationship{r})
			if err != nil || out[0].Status != credo.Created {
				b.Fatalf("%+v %v", out, err)
			}
			r.ID = out[0].ID
			open = r
			return want
		}, page)
	})
}
