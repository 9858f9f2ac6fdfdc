// Package webhookbench is what the two webhook delivery benchmarks share:
// BenchmarkWebhookDeliveries in cmd/credo (the whole path, records POSTed
// to credo serve) and BenchmarkWorker in webhooks (the worker alone,
// changes appended to the log). Both watch the same organizations, offer
// their load the same way and report the same lags.
package webhookbench

import (
	"fmt"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo/uscc"
)

// Load is a benchmark's size: Lists watchlists (CREDO_BENCH_WATCHLISTS,
// 1,000) of Members organizations each (CREDO_BENCH_MEMBERS, 1,000), and
// Rate items a second (CREDO_BENCH_RATE, 1,000) offered for Seconds
// (CREDO_BENCH_SECONDS, 10).
type Load struct {
	Lists, Members, Rate, Seconds int
}

// FromEnv reads the Load from the environment; a variable that is not a
// positive integer keeps its default.
func FromEnv() Load {
	return Load{
		Lists:   env("CREDO_BENCH_WATCHLISTS", 1000),
		Members: env("CREDO_BENCH_MEMBERS", 1000),
		Rate:    env("CREDO_BENCH_RATE", 1000),
		Seconds: env("CREDO_BENCH_SECONDS", 10),
	}
}

func env(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// Watched are the codes of watchlist list's organizations: distinct
// across the lists (up to 3,600,000 in all).
func (l Load) Watched(list int) ([]string, error) {
	codes := make([]string, l.Members)
	for i := range codes {
		n := list*l.Members + i
		c, err := uscc.Build('9', '1', []string{"110101", "110102", "110105", "110106"}[n/900000], fmt.Sprintf("MA%06d", n%900000+1))
		if err != nil {
			return nil, err
		}
		codes[i] = c
	}
	return codes, nil
}

// Offer offers Rate×Seconds items at a fixed rate: every 50 ms, what is
// due by then (a late tick is caught up, not lost), as offer(tick, first,
// n) for items first to first+n-1. offer may return before its items are
// taken (an open loop). Offer returns once the last item is offered, with
// the time it began and how long offering took.
func (l Load) Offer(offer func(tick, first, n int)) (began time.Time, took time.Duration) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	began = time.Now()
	total, offered := l.Rate*l.Seconds, 0
	for k := 0; offered < total; k++ {
		<-tick.C
		due := min(int(time.Since(began).Seconds()*float64(l.Rate)), total) - offered
		if due <= 0 {
			continue
		}
		offer(k, offered, due)
		offered += due
	}
	return began, time.Since(began)
}

// CPUProfile starts a CPU profile into the file CREDO_BENCH_CPUPROFILE
// names, if it names one, and returns what stops it.
func CPUProfile(b *testing.B) (stop func()) {
	f := os.Getenv("CREDO_BENCH_CPUPROFILE")
	if f == "" {
		return func() {}
	}
	out, err := os.Create(f)
	if err != nil {
		b.Fatal(err)
	}
	if err := pprof.StartCPUProfile(out); err != nil {
		b.Fatal(err)
	}
	return func() { pprof.StopCPUProfile(); out.Close() }
}

// Quantiles sorts lags and returns their q-quantile for q in [0, 1] (1:
// the longest). lags must not be empty.
func Quantiles(lags []time.Duration) func(q float64) time.Duration {
	slices.Sort(lags)
	return func(q float64) time.Duration { return lags[min(len(lags)-1, int(q*float64(len(lags))))] }
}
