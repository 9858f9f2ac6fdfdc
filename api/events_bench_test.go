package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// BenchmarkEventLag measures the lag from a record's acknowledgement
// (POST /v1/records answered) to its event on an open SSE stream, under
// a load of submissions from four concurrent clients, through the whole
// write path (grading, lists, notices), on SQLite and on PostgreSQL
// (where a change is readable once a reader, here the stream's tail,
// has numbered it). It reports p50 and p99.
func BenchmarkEventLag(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchEventLag(b, benchEventsEnv(b)) })
	b.Run("postgres", func(b *testing.B) {
		pg := pgtest.Open(b)
		benchEventLag(b, newEnv(b, func(credo.Store) credo.Store {
			for _, ta := range testAuthorities {
				a := ta.a
				if err := pg.CreateAuthority(context.Background(), &a, credo.HashToken(ta.token)); err != nil {
					b.Fatal(err)
				}
			}
			return pg
		}, withGrading(b), func(s *api.Server) {
			s.AdminToken = adminToken
			s.EventTail = events.NewTail(s.Store, 0)
		}))
	})
}

func benchEventLag(b *testing.B, e *env) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+"/v1/events/stream?types=credo.record.accepted", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer res.Body.Close()
	var mu sync.Mutex
	acked, seen := map[string]time.Time{}, map[string]time.Time{}
	go func() {
		sc := bufio.NewScanner(res.Body)
		for sc.Scan() {
			line, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok {
				continue
			}
			var ev struct {
				Data struct {
					ExternalID string `json:"external_id"`
				} `json:"data"`
			}
			if json.Unmarshal([]byte(line), &ev) == nil {
				mu.Lock()
				seen[ev.Data.ExternalID] = time.Now()
				mu.Unlock()
			}
		}
	}()
	const clients = 4
	b.ResetTimer()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for i := c; i < b.N; i += clients {
				ext := fmt.Sprintf("lag-%d", i)
				body := strings.NewReader(encode(b, goodRecord(codesSuixi[i%len(codesSuixi)], ext)))
				r, _ := http.NewRequest("POST", e.url+"/v1/records", body)
				r.Header.Set("Authorization", "Bearer "+tokenNational)
				r.Header.Set("Content-Type", "application/json")
				resp, err := http.DefaultClient.Do(r)
				if err != nil || resp.StatusCode != http.StatusCreated {
					b.Errorf("submission %d: %v %v", i, err, resp)
					return
				}
				resp.Body.Close()
				mu.Lock()
				acked[ext] = time.Now()
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		n := len(seen)
		mu.Unlock()
		if n >= b.N || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	var lags []time.Duration
	for ext, at := range acked {
		s, ok := seen[ext]
		if !ok {
			b.Fatalf("no event for %s", ext)
		}
		lags = append(lags, max(s.Sub(at), 0))
	}
	slices.Sort(lags)
	b.ReportMetric(float64(lags[len(lags)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds())/1000, "p99-ms")
}

func benchEventsEnv(b *testing.B) *env {
	return newEnv(b, nil, withGrading(b), func(s *api.Server) {
		s.AdminToken = adminToken
		s.EventTail = events.NewTail(s.Store, 0) // the default interval, as serve has it
	})
}
