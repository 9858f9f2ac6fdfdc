package events_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/sqlite"
)

// BenchmarkLogDuePublicity: a once-a-minute pass over a store of n
// records, one of which leaves its publicity window in each minute (the
// general penalties, a year; the serious ones end two years later), beside
// the same pass without rulebooks (the list entries only, the baseline). A pass reads the ends of its minute, not
// the records: its cost must not grow with n. Reports the CPU time per
// pass (getrusage) and the first build's wall and CPU time.
func BenchmarkLogDuePublicity(b *testing.B) {
	set, err := rulebooks.Set()
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10000, 50000} {
		db, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		decided := time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
		recorded := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		var batch []*credo.Record
		for i := range n {
			// 2,000 organizations of Huaibei (the store does not check
			// codes; the division is what the rulebooks read).
			code := fmt.Sprintf("913406%012d", i%2000)
			r := generalPenalty(code, fmt.Sprintf("B-%d", i), decided.Add(time.Duration(i)*30*time.Second), recorded)
			if i%2 == 1 {
				r.Severity = "serious"
			}
			batch = append(batch, r)
			if len(batch) == 1000 || i == n-1 {
				if _, err := db.AppendRecords(ctx, batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		start := decided.AddDate(1, 0, 0)
		if _, err := events.LogDue(ctx, db, rules{set}, start); err != nil {
			b.Fatal(err)
		}
		wall, cpu := time.Now(), cputime.Self()
		if _, err := events.LogDue(ctx, db, rules{set}, start.Add(time.Minute)); err != nil {
			b.Fatal(err)
		}
		b.Logf("n=%d: first build %v wall, %v CPU", n, time.Since(wall).Round(time.Millisecond), (cputime.Self() - cpu).Round(time.Millisecond))
		minute := 2
		for _, withRules := range []bool{false, true} {
			b.Run(fmt.Sprintf("records=%d/publicity=%v", n, withRules), func(b *testing.B) {
				var r *rules
				if withRules {
					r = &rules{set}
				}
				appended := 0
				cpu := cputime.Self()
				for b.Loop() {
					var err error
					var m int
					if r != nil {
						m, err = events.LogDue(ctx, db, *r, start.Add(time.Duration(minute)*time.Minute))
					} else {
						m, err = events.LogDue(ctx, db, nil, start.Add(time.Duration(minute)*time.Minute))
					}
					if err != nil {
						b.Fatal(err)
					}
					appended += m
					minute++
				}
				b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/float64(b.N), "cpu-µs/pass")
				b.ReportMetric(float64(appended)/float64(b.N), "changes/pass")
			})
		}
		db.Close()
	}
}
