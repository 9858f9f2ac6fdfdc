package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkPostRecordsLedger measures POST /v1/records throughput from
// four concurrent clients through the whole write path on SQLite, with
// the ledger's integrator running beside it as credo serve runs it (every
// second) and without: the ledger is off the write path, so the
// difference is what integrating costs the machine.
func BenchmarkPostRecordsLedger(b *testing.B) {
	for _, arm := range []string{"off", "on"} {
		b.Run("ledger="+arm, func(b *testing.B) {
			e := benchEventsEnv(b)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if arm == "on" {
				go e.server.Ledger.Run(ctx, time.Second, nil)
			}
			const clients = 4
			b.ResetTimer()
			var wg sync.WaitGroup
			for c := range clients {
				wg.Go(func() {
					for i := c; i < b.N; i += clients {
						body := strings.NewReader(encode(b, goodRecord(codesSuixi[i%len(codesSuixi)], fmt.Sprintf("ledger-%d", i))))
						r, _ := http.NewRequest("POST", e.url+"/v1/records", body)
						r.Header.Set("Authorization", "Bearer "+tokenNational)
						r.Header.Set("Content-Type", "application/json")
						resp, err := http.DefaultClient.Do(r)
						if err != nil || resp.StatusCode != http.StatusCreated {
							b.Errorf("submission %d: %v %v", i, err, resp)
							return
						}
						resp.Body.Close()
					}
				})
			}
			wg.Wait()
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
