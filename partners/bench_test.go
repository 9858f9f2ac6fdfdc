package partners_test

import (
	"context"
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
	run := func(b *testing.B, f func() int) {
		var times, cpu []time.Duration
		for b.Loop() {
			start, used := time.Now(), cputime.Self()
			if n := f(); n != 3*hubSize {
				b.Fatalf("reached %d, want %d", n, 3*hubSize)
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
		run(b, func() int {
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
		run(b, func() int {
			g, err := partners.Walk(ctx, db, credo.Public, q)
			if err != nil {
				b.Fatal(err)
			}
			return len(g.Reached)
		})
	})
	b.Run("partners", func(b *testing.B) {
		s := &partners.Service{Store: db}
		run(b, func() int {
			p, err := s.Partners(ctx, credo.Public, q, "", 0)
			if err != nil {
				b.Fatal(err)
			}
			return p.Total
		})
	})
}
