package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/internal/webhookbench"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/visibility"
	"github.com/credo-registry/credo/webhooks"
)

// BenchmarkWorker measures the delivery worker alone, from the change log
// to a local receiver: CREDO_BENCH_WATCHLISTS watchlists (1,000) of a
// client, each of CREDO_BENCH_MEMBERS organizations (1,000) and with an
// endpoint; changes of watched organizations are appended to the log at
// CREDO_BENCH_RATE a second (1,000) for CREDO_BENCH_SECONDS (10), every
// 50 ms what is due by then (a late append is caught up), each visible
// to the client (registration changes). Reported: deliveries/s and the
// lag from the append's commit to the delivery (p50, p99), the CPU time per event of this process (and of the
// PostgreSQL server's processes, all of them), the load average, and the
// worker's store calls (count and wall time). The store is SQLite, or
// PostgreSQL with CREDO_BENCH_PG=1. CREDO_BENCH_CPUPROFILE names a file for
// a CPU profile of the offered load and the drain (not the setup).
func BenchmarkWorker(b *testing.B) {
	load := webhookbench.FromEnv()
	ctx := context.Background()
	var s credo.Store
	keep := os.Getenv("CREDO_BENCH_PG_KEEP") // a schema kept between runs
	if os.Getenv("CREDO_BENCH_PG") == "1" && keep != "" {
		pgtest.Exec(b, "", "CREATE SCHEMA IF NOT EXISTS "+keep)
		s = pgtest.OpenSchema(b, pgtest.DSN(b), keep)
	} else if os.Getenv("CREDO_BENCH_PG") == "1" {
		s = pgtest.Open(b)
	} else {
		db, err := sqlite.Open(ctx, b.TempDir())
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		s = db
	}
	var mu sync.Mutex
	got := map[string]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := time.Now()
		mu.Lock()
		if _, dup := got[r.Header.Get(webhooks.HeaderID)]; !dup {
			got[r.Header.Get(webhooks.HeaderID)] = now
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	client := &credo.Account{ID: "monitor", Role: credo.RoleClient, CreatedAt: credo.NewTime(time.Now())}
	if _, err := s.Account(ctx, client.ID); credo.ErrorCodeOf(err) == credo.ENOTFOUND {
		if err := s.CreateAccount(ctx, client, credo.HashToken("credo_bench_monitor")); err != nil {
			b.Fatal(err)
		}
	}
	start := time.Now()
	var watched []string
	made := 0
	if keep != "" {
		// Made by an earlier run: the queue emptied, the endpoints at this
		// run's receiver.
		made = int(pgtest.QueryInt(b, keep, `SELECT count(*) FROM webhooks`))
		head, err := s.Head(ctx)
		if err != nil {
			b.Fatal(err)
		}
		pgtest.Exec(b, keep, `DELETE FROM webhook_deliveries`)
		pgtest.Exec(b, keep, `UPDATE webhook_cursor SET position = $1`, head)
		pgtest.Exec(b, keep, `UPDATE webhooks SET url = $1`, recv.URL)
		pgtest.Exec(b, keep, `VACUUM ANALYZE webhook_deliveries`)
	}
	for l := range load.Lists {
		codes, err := load.Watched(l)
		if err != nil {
			b.Fatal(err)
		}
		watched = append(watched, codes...)
		if l < made {
			continue
		}
		wl := &credo.Watchlist{Owner: client.ID, Name: fmt.Sprintf("供应商 %d", l), Types: []string{}, CreatedAt: credo.NewTime(time.Now())}
		if err := s.CreateWatchlist(ctx, wl); err != nil {
			b.Fatal(err)
		}
		if err := s.ChangeWatchlistMembers(ctx, wl.ID, codes, nil, time.Now()); err != nil {
			b.Fatal(err)
		}
		if err := s.CreateWebhook(ctx, &credo.Webhook{Owner: client.ID, Watchlist: wl.ID, URL: recv.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(time.Now())}); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%d watchlists of %d organizations (%d in all) made in %s", load.Lists, load.Members, len(watched), time.Since(start).Round(time.Millisecond))
	ts := newTimedStore(s.(webhooks.Store))
	w := &webhooks.Worker{Store: ts, Feed: events.NewFeed(s.(events.Store), visibility.New(nil, nil), "credo", nil),
		Network: webhooks.Network{AllowPrivate: true}}
	// The worker's index of watched organizations, loaded before the
	// load is offered.
	loading := time.Now()
	if _, err := w.Queue(ctx); err != nil {
		b.Fatal(err)
	}
	b.Logf("index of watched organizations loaded in %s", time.Since(loading).Round(time.Millisecond))
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Run(wctx) }()
	defer func() { cancel(); <-done }()

	// The worker queues nothing before the first append; what it read
	// while starting is not counted.
	time.Sleep(time.Second)
	ts.reset()
	stop := webhookbench.CPUProfile(b)
	defer stop()
	b.ResetTimer()
	for range b.N {
		load0, cpu0, pg0 := cputime.LoadAverage(), cputime.Self(), cputime.Named("postgres")
		rng := rand.New(rand.NewPCG(1, 2))
		committed := map[string]time.Time{}
		// A fixed rate: each tick appends what is due by then, so that a
		// slow append (a busy machine) is caught up, not skipped.
		began, offered := load.Offer(func(k, n, due int) {
			cs := make([]*credo.Change, due)
			for i := range cs {
				data, _ := json.Marshal(map[string]any{"version": k + 2, "authority": "bj-amr", "name": "北京某某科技有限公司"})
				cs[i] = &credo.Change{Type: credo.ChangeRegistrationChanged, Subject: watched[rng.IntN(len(watched))],
					Ref: strconv.Itoa(n + i), At: credo.NewTime(time.Now()), Data: data}
			}
			if _, err := s.AppendChanges(ctx, cs); err != nil {
				b.Fatal(err)
			}
			at := time.Now()
			for _, c := range cs {
				committed[strconv.FormatInt(c.Position, 10)] = at
			}
		})
		deadline := time.Now().Add(3 * time.Minute)
		for {
			// The receiver gets only the events appended here.
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n >= len(committed) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d events not delivered in 3 minutes; store calls:%s", len(committed)-n, len(committed), ts)
			}
			time.Sleep(50 * time.Millisecond)
		}
		cpu, pg, load1 := cputime.Self()-cpu0, cputime.Named("postgres")-pg0, cputime.LoadAverage()
		mu.Lock()
		var lags []time.Duration
		var last time.Time
		for id, at := range committed {
			lags = append(lags, got[id].Sub(at))
			if got[id].After(last) {
				last = got[id]
			}
		}
		mu.Unlock()
		p := webhookbench.Quantiles(lags)
		b.ReportMetric(float64(len(committed))/offered.Seconds(), "events/s")
		b.ReportMetric(float64(len(committed))/last.Sub(began).Seconds(), "deliveries/s")
		b.ReportMetric(float64(p(0.50).Milliseconds()), "lag-p50-ms")
		b.ReportMetric(float64(p(0.99).Milliseconds()), "lag-p99-ms")
		b.ReportMetric(float64(cpu.Microseconds())/float64(len(committed)), "cpu-µs/event")
		b.Logf("%d events in %s, all delivered %s after the first; lag p50 %s p99 %s max %s", len(committed), offered.Round(time.Millisecond),
			last.Sub(began).Round(time.Millisecond), p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), p(1).Round(time.Millisecond))
		server := ""
		if os.Getenv("CREDO_BENCH_PG") == "1" {
			server = fmt.Sprintf(", PostgreSQL's processes (all: other sessions' too) %s", pg.Round(time.Millisecond))
		}
		b.Logf("CPU: this process %s (%s per event, appends and receiver included)%s; load average %s at the start, %s at the end",
			cpu.Round(time.Millisecond), (cpu / time.Duration(len(committed))).Round(time.Microsecond), server, load0, load1)
		fmt.Fprintf(os.Stderr, "the worker's store calls:%s\n", ts)
	}
}
