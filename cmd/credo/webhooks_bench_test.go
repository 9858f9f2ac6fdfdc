package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/internal/webhookbench"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// cli runs a credo command in process and returns its last line.
func cli(b *testing.B, args ...string) string {
	b.Helper()
	var out syncBuffer
	m := &Main{Stdin: strings.NewReader(""), Stdout: &out, Stderr: io.Discard, Getenv: func(string) string { return "" }}
	if err := m.Run(context.Background(), args); err != nil {
		b.Fatalf("%v: %v\n%s", args, err, out.String())
	}
	return lastLine(out.String())
}

func benchCall(b *testing.B, method, url, token, ct, body string, v any) {
	b.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		b.Fatalf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	if v != nil {
		if err := json.Unmarshal(raw, v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWebhookDeliveries: CREDO_BENCH_WATCHLISTS watchlists (1,000)
// of CREDO_BENCH_MEMBERS organizations each (1,000), each with an endpoint
// at one local receiver, in a `credo serve` on the embedded store; records
// of watched organizations are submitted at CREDO_BENCH_RATE records/s
// (1,000) for CREDO_BENCH_SECONDS (10) in NDJSON batches every 50 ms.
// Reported: deliveries/s (every event delivered, from the first
// acknowledgement to the last delivery) and the lag from a record's
// acknowledgement to the delivery of its record.accepted event (p50, p99).
// The load is offered at a fixed rate (a batch every 50 ms, whatever is
// still in flight: an open loop), so that a slow server shows as a lower
// achieved rate and a longer lag, not as a lower offer. Also reported:
// the CPU time of the process (server, client and receiver) per record
// and the load average. CREDO_BENCH_CPUPROFILE names a file for a CPU
// profile of the load (not the setup). With CREDO_BENCH_PG=1 the server
// runs on PostgreSQL (a fresh schema on the test server, CREDO_TEST_POSTGRES)
// and the CPU time of every postgres process on the machine is reported too.
func BenchmarkWebhookDeliveries(b *testing.B) {
	load := webhookbench.FromEnv()
	where := []string{"--data", b.TempDir()}
	pg := os.Getenv("CREDO_BENCH_PG") == "1"
	if pg {
		// A fresh schema on the test server, dropped at the end.
		dsn := pgtest.DSN(b)
		schema := pgtest.Schema(b, dsn)
		pgtest.Exec(b, "", "CREATE SCHEMA "+schema)
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		where = []string{"--db", dsn + sep + "search_path=" + schema}
		cli(b, append([]string{"migrate"}, where...)...)
		where = append(where, "--person-key-file", filepath.Join(b.TempDir(), "person-key"))
	}
	token := cli(b, append([]string{"authority", "add", "--id", "bj-amr", "--name", "北京市市场监督管理局", "--divisions", "11", "--categories", "market"}, where[:2]...)...)
	client := cli(b, append([]string{"account", "add", "--role", "client", "--id", "monitor", "--name", "采购监测"}, where[:2]...)...)

	var mu sync.Mutex
	received := map[int64]time.Time{} // record id -> its record.accepted delivered
	deliveries := 0
	var last time.Time
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var e struct {
			Type string `json:"type"`
			Data struct {
				Record int64 `json:"record"`
			} `json:"data"`
		}
		json.NewDecoder(r.Body).Decode(&e)
		now := time.Now()
		mu.Lock()
		deliveries++
		last = now
		if e.Type == "credo.record.accepted" {
			if _, dup := received[e.Data.Record]; !dup {
				received[e.Data.Record] = now
			}
		}
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urls := make(chan string, 1)
	m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" },
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--webhooks-allow-private",
			"--rate-address", "0", "--rate-token", "0"}, where...))
	}()
	var base string
	select {
	case base = <-urls:
	case err := <-done:
		b.Fatal(err)
	}

	// 1,000 watchlists of 1,000 distinct organizations each.
	start := time.Now()
	var watched []string
	for l := range load.Lists {
		var wl struct {
			ID int64 `json:"id"`
		}
		benchCall(b, "POST", base+"/v1/watchlists", client, "application/json", fmt.Sprintf(`{"name":"供应商 %d"}`, l), &wl)
		codes, err := load.Watched(l)
		if err != nil {
			b.Fatal(err)
		}
		watched = append(watched, codes...)
		body, _ := json.Marshal(map[string]any{"codes": codes})
		benchCall(b, "POST", fmt.Sprintf("%s/v1/watchlists/%d/members", base, wl.ID), client, "application/json", string(body), nil)
		benchCall(b, "POST", base+"/v1/webhooks", client, "application/json", fmt.Sprintf(`{"watchlist":%d,"url":%q}`, wl.ID, recv.URL), nil)
	}
	b.Logf("%d watchlists of %d organizations (%d in all) made in %s", load.Lists, load.Members, len(watched), time.Since(start).Round(time.Millisecond))

	stop := webhookbench.CPUProfile(b)
	defer stop()
	b.ResetTimer()
	for range b.N {
		load0, cpu0, pg0 := cputime.LoadAverage(), cputime.Self(), cputime.Named("postgres")
		rng := rand.New(rand.NewPCG(1, 2))
		acked := map[int64]time.Time{}
		var lastAck time.Time
		offeredRecords := load.Rate * load.Seconds
		var sent int
		var amu sync.Mutex
		var wg sync.WaitGroup
		began, offered := load.Offer(func(k, first, per int) {
			var nd bytes.Buffer
			for i := 0; i < per; i++ {
				fmt.Fprintf(&nd, `{"subject":%q,"category":"market","kind":"penalty","external_id":"B%d-%d-%d","decision_number":"京东市监罚〔2026〕%d号","legal_basis":"《中华人民共和国产品质量法》第五十条","description":"销售不合格产品","severity":"general","penalty_types":["warning","fine"],"amount":5000,"occurred_at":"2026-03-02T08:00:00Z"}`+"\n",
					watched[rng.IntN(len(watched))], b.N, k, i, first+i+1)
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				var res struct {
					Results []struct {
						Status string `json:"status"`
						ID     int64  `json:"id"`
					} `json:"results"`
				}
				benchCall(b, "POST", base+"/v1/records", token, "application/x-ndjson", nd.String(), &res)
				at := time.Now()
				amu.Lock()
				defer amu.Unlock()
				if at.After(lastAck) {
					lastAck = at
				}
				for _, r := range res.Results {
					if r.Status == "created" {
						acked[r.ID] = at
						sent++
					}
				}
			}()
		})
		wg.Wait()
		acking := lastAck.Sub(began)
		deadline := time.Now().Add(2 * time.Minute)
		for {
			mu.Lock()
			n := 0
			for id := range acked {
				if _, ok := received[id]; ok {
					n++
				}
			}
			mu.Unlock()
			if n == len(acked) {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d records' events not delivered in 2 minutes", len(acked)-n, len(acked))
			}
			time.Sleep(20 * time.Millisecond)
		}
		cpu, load1, pgCPU := cputime.Self()-cpu0, cputime.LoadAverage(), cputime.Named("postgres")-pg0
		mu.Lock()
		var lags []time.Duration
		for id, at := range acked {
			lags = append(lags, received[id].Sub(at))
		}
		total, end := deliveries, last
		mu.Unlock()
		p := webhookbench.Quantiles(lags)
		b.ReportMetric(float64(offeredRecords)/offered.Seconds(), "offered-records/s")
		b.ReportMetric(float64(sent)/acking.Seconds(), "records/s")
		b.ReportMetric(float64(cpu.Microseconds())/float64(sent), "cpu-µs/record")
		b.ReportMetric(float64(total)/end.Sub(began).Seconds(), "deliveries/s")
		b.ReportMetric(float64(p(0.50).Milliseconds()), "lag-p50-ms")
		b.ReportMetric(float64(p(0.99).Milliseconds()), "lag-p99-ms")
		b.Logf("%d records offered in %s, %d acknowledged in %s, %d deliveries; lag p50 %s p99 %s max %s", offeredRecords, offered.Round(time.Millisecond),
			sent, acking.Round(time.Millisecond), total, p(0.5).Round(time.Millisecond), p(0.99).Round(time.Millisecond), p(1).Round(time.Millisecond))
		server := ""
		if pg {
			server = fmt.Sprintf("; PostgreSQL's processes (all: other sessions' too) %s, %s per record", pgCPU.Round(time.Millisecond),
				(pgCPU / time.Duration(max(sent, 1))).Round(time.Microsecond))
		}
		b.Logf("CPU: %s (%s per record: server, client and receiver)%s; load average %s at the start, %s at the end",
			cpu.Round(time.Millisecond), (cpu / time.Duration(max(sent, 1))).Round(time.Microsecond), server, load0, load1)
	}
	b.StopTimer()
	cancel()
	<-done
}
