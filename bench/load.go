package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
)

// Load describes a load run against a served registry: a fixed rate of
// requests, in a realistic mix of routes, for a fixed time. The run stops
// by itself when Duration has passed (or its context ends).
type Load struct {
	URL      string        // the registry's base URL, http://127.0.0.1:PORT
	Token    string        // an authority's bearer token: submissions are made with it
	Rate     float64       // requests per second, all routes together
	Duration time.Duration // how long requests are started
	Workers  int           // requests in flight at most; a tick finding all busy is counted as dropped
	Sample   time.Duration // how often the server's /metrics are read
	Seed     uint64

	Codes   []string        // registered organizations' codes
	Names   []string        // search terms (organizations' names)
	Lists   []string        // list ids
	Records []*credo.Record // templates of submissions: each is sent once, with a fresh external id
	// Log receives one line per sample as it is taken (nil: none).
	Log io.Writer
}

// LoadResult is what a run measured.
type LoadResult struct {
	Elapsed  time.Duration
	Started  int // requests started
	Dropped  int // ticks when every worker was busy
	Routes   []*RouteResult
	Samples  []ServerSample
	Warnings []string
}

// RouteResult is one route's latencies and errors.
type RouteResult struct {
	Route     string
	Latencies []time.Duration
	Errors    int
	FirstErr  string
}

// ServerSample is the server's state at one moment, from its /metrics.
type ServerSample struct {
	At         time.Duration // since the start of the run
	RSS        float64       // process_resident_memory_bytes
	HeapInuse  float64       // go_memstats_heap_inuse_bytes
	Goroutines float64       // go_goroutines
	OpenFDs    float64       // process_open_fds
}

// the mix: route name, weight (of 100), and the request it makes.
type loadOp struct {
	route  string
	weight int
	build  func(l *loadState) (*http.Request, error)
}

type loadState struct {
	*Load
	mu      sync.Mutex
	rng     *rand.Rand
	next    int     // next submission template
	ids     []int64 // records this run submitted
	runID   string
	results map[string]*RouteResult
}

func (l *loadState) intn(n int) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.rng.IntN(n)
}

func (l *loadState) code() string { return l.Codes[l.intn(len(l.Codes))] }

func (l *loadState) get(path string, q url.Values) (*http.Request, error) {
	u := l.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	return http.NewRequest(http.MethodGet, u, nil)
}

var loadMix = []loadOp{
	{"POST /v1/records", 5, func(l *loadState) (*http.Request, error) {
		l.mu.Lock()
		tpl := *l.Records[l.next%len(l.Records)]
		n := l.next
		l.next++
		l.mu.Unlock()
		tpl.ID, tpl.Authority, tpl.RecordedAt = 0, "", credo.Time{}
		tpl.ExternalID = fmt.Sprintf("LOAD-%s-%d", l.runID, n)
		body, err := json.Marshal(&tpl)
		if err != nil {
			return nil, err
		}
		r, err := http.NewRequest(http.MethodPost, l.URL+"/v1/records", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+l.Token)
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	}},
	{"GET /v1/subjects/{code}", 18, func(l *loadState) (*http.Request, error) {
		return l.get("/v1/subjects/"+l.code(), nil)
	}},
	{"GET /v1/subjects/{code}/assessment", 20, func(l *loadState) (*http.Request, error) {
		return l.get("/v1/subjects/"+l.code()+"/assessment", nil)
	}},
	{"GET /v1/subjects/{code}/records", 10, func(l *loadState) (*http.Request, error) {
		return l.get("/v1/subjects/"+l.code()+"/records", url.Values{"limit": {"20"}})
	}},
	{"GET /v1/records/{id}", 5, func(l *loadState) (*http.Request, error) {
		// A record this run submitted, read by its authority (the public
		// sees a record only inside its publicity window).
		l.mu.Lock()
		id := l.ids[l.rng.IntN(len(l.ids))]
		l.mu.Unlock()
		r, err := l.get("/v1/records/"+strconv.FormatInt(id, 10), nil)
		if err == nil {
			r.Header.Set("Authorization", "Bearer "+l.Token)
		}
		return r, err
	}},
	{"GET /v1/subjects?q=", 15, func(l *loadState) (*http.Request, error) {
		name := []rune(l.Names[l.intn(len(l.Names))])
		// People search with a part of the name.
		if len(name) > 4 {
			name = name[:2+l.intn(len(name)-3)]
		}
		return l.get("/v1/subjects", url.Values{"q": {string(name)}, "limit": {"10"}})
	}},
	{"GET /v1/lists/{list}", 10, func(l *loadState) (*http.Request, error) {
		return l.get("/v1/lists/"+l.Lists[l.intn(len(l.Lists))], url.Values{"limit": {"20"}})
	}},
	{"GET /v1/subjects/{code}/measures", 12, func(l *loadState) (*http.Request, error) {
		return l.get("/v1/subjects/"+l.code()+"/measures", url.Values{"action": {"public_procurement"}})
	}},
	{"POST /v1/measures/check", 5, func(l *loadState) (*http.Request, error) {
		codes := make([]string, 20)
		for i := range codes {
			codes[i] = l.code()
		}
		body, err := json.Marshal(map[string]any{"codes": codes, "action": "public_procurement"})
		if err != nil {
			return nil, err
		}
		r, err := http.NewRequest(http.MethodPost, l.URL+"/v1/measures/check", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		r.Header.Set("Content-Type", "application/json")
		return r, nil
	}},
}

// Run drives the registry at l.URL until l.Duration has passed. The
// registry must answer GET /metrics.
func (l *Load) Run(ctx context.Context) (*LoadResult, error) {
	if l.Rate <= 0 || l.Duration <= 0 || l.Workers < 1 || len(l.Codes) == 0 || len(l.Names) == 0 || len(l.Lists) == 0 || len(l.Records) == 0 {
		return nil, errors.New("load: rate, duration, workers, codes, names, lists and records are required")
	}
	if l.Sample <= 0 {
		l.Sample = 30 * time.Second
	}
	client := &http.Client{Timeout: time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: l.Workers}}
	st := &loadState{Load: l, rng: rand.New(rand.NewPCG(l.Seed, 1)),
		runID: strconv.FormatInt(time.Now().Unix(), 36), results: map[string]*RouteResult{}}
	var weights []int
	for _, op := range loadMix {
		weights = append(weights, op.weight)
		st.results[op.route] = &RouteResult{Route: op.route}
	}
	// One submission before the clock starts, so that there is a record
	// to read; it must succeed.
	st.do(ctx, client, &loadMix[0])
	if r := st.results[loadMix[0].route]; len(st.ids) == 0 {
		return nil, fmt.Errorf("load: the first submission failed: %s", r.FirstErr)
	}
	st.results[loadMix[0].route] = &RouteResult{Route: loadMix[0].route}
	total := 0
	for _, w := range weights {
		total += w
	}
	pick := func() *loadOp {
		n := st.intn(total)
		for i := range loadMix {
			if n < loadMix[i].weight {
				return &loadMix[i]
			}
			n -= loadMix[i].weight
		}
		panic("unreachable")
	}

	res := &LoadResult{}
	start := time.Now()
	runCtx, cancel := context.WithTimeout(ctx, l.Duration)
	defer cancel()

	// The sampler reads /metrics until the run ends, then once more after
	// the last request has been answered.
	var sampled sync.WaitGroup
	var smu sync.Mutex
	sample := func() {
		s, err := sampleMetrics(ctx, client, l.URL)
		if err != nil {
			smu.Lock()
			res.Warnings = append(res.Warnings, "sample: "+err.Error())
			smu.Unlock()
			return
		}
		s.At = time.Since(start)
		smu.Lock()
		res.Samples = append(res.Samples, s)
		smu.Unlock()
		if l.Log != nil {
			fmt.Fprintf(l.Log, "%8s  rss %6.1f MiB  heap %6.1f MiB  goroutines %5.0f  fds %4.0f\n",
				s.At.Round(time.Second), s.RSS/(1<<20), s.HeapInuse/(1<<20), s.Goroutines, s.OpenFDs)
		}
	}
	sampled.Add(1)
	go func() {
		defer sampled.Done()
		periodic.NowAndEvery(runCtx, l.Sample, sample)
	}()

	jobs := make(chan *loadOp)
	var workers sync.WaitGroup
	for range l.Workers {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for op := range jobs {
				st.do(ctx, client, op)
			}
		}()
	}
	tick := time.NewTicker(time.Duration(float64(time.Second) / l.Rate))
	defer tick.Stop()
loop:
	for {
		select {
		case <-runCtx.Done():
			break loop
		case <-tick.C:
			op := pick()
			select {
			case jobs <- op:
				res.Started++
			default:
				res.Dropped++
			}
		}
	}
	close(jobs)
	workers.Wait()
	res.Elapsed = time.Since(start)
	sampled.Wait()
	sample()
	for _, op := range loadMix {
		r := st.results[op.route]
		slices.Sort(r.Latencies)
		res.Routes = append(res.Routes, r)
	}
	return res, ctx.Err()
}

// do makes one request and records its latency, or its error: a transport
// error or any status of 400 or more.
func (l *loadState) do(ctx context.Context, client *http.Client, op *loadOp) {
	req, err := op.build(l)
	if err != nil {
		l.fail(op.route, err.Error())
		return
	}
	start := time.Now()
	resp, err := client.Do(req.WithContext(ctx))
	if err != nil {
		l.fail(op.route, err.Error())
		return
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	d := time.Since(start)
	if err != nil {
		l.fail(op.route, err.Error())
		return
	}
	if resp.StatusCode >= 400 {
		l.fail(op.route, fmt.Sprintf("%d %s", resp.StatusCode, bytes.TrimSpace(body[:min(len(body), 300)])))
		return
	}
	if op.route == "POST /v1/records" {
		var rec struct {
			ID int64 `json:"id"`
		}
		if json.Unmarshal(body, &rec, json.RejectUnknownMembers(false)) == nil && rec.ID > 0 {
			l.mu.Lock()
			l.ids = append(l.ids, rec.ID)
			l.mu.Unlock()
		}
	}
	l.mu.Lock()
	r := l.results[op.route]
	r.Latencies = append(r.Latencies, d)
	l.mu.Unlock()
}

func (l *loadState) fail(route, msg string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	r := l.results[route]
	r.Errors++
	if r.FirstErr == "" {
		r.FirstErr = msg
	}
}

// sampleMetrics reads the process and Go runtime gauges from the server's
// Prometheus exposition.
func sampleMetrics(ctx context.Context, client *http.Client, base string) (ServerSample, error) {
	var s ServerSample
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return s, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	want := map[string]*float64{
		"process_resident_memory_bytes": &s.RSS,
		"go_memstats_heap_inuse_bytes":  &s.HeapInuse,
		"go_goroutines":                 &s.Goroutines,
		"process_open_fds":              &s.OpenFDs,
	}
	found := 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if p := want[name]; ok && p != nil {
			if *p, err = strconv.ParseFloat(strings.TrimSpace(value), 64); err != nil {
				return s, fmt.Errorf("/metrics %s: %w", name, err)
			}
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if found != len(want) {
		return s, fmt.Errorf("/metrics: %d of the %d gauges found", found, len(want))
	}
	return s, nil
}

// quantile of sorted latencies (nearest rank).
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// Write prints the result: per route, then the server's state over time.
func (r *LoadResult) Write(w io.Writer) {
	fmt.Fprintf(w, "%d requests started in %s (%.1f/s), %d ticks dropped (every worker busy)\n",
		r.Started, r.Elapsed.Round(time.Second), float64(r.Started)/r.Elapsed.Seconds(), r.Dropped)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "route\tok\terrors\tp50\tp99\tmax\t")
	var all []time.Duration
	errs := 0
	for _, rr := range r.Routes {
		all = append(all, rr.Latencies...)
		errs += rr.Errors
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t\n", rr.Route, len(rr.Latencies), rr.Errors,
			ms(quantile(rr.Latencies, .5)), ms(quantile(rr.Latencies, .99)), ms(quantile(rr.Latencies, 1)))
	}
	slices.Sort(all)
	fmt.Fprintf(tw, "all\t%d\t%d\t%s\t%s\t%s\t\n", len(all), errs, ms(quantile(all, .5)), ms(quantile(all, .99)), ms(quantile(all, 1)))
	tw.Flush()
	for _, rr := range r.Routes {
		if rr.FirstErr != "" {
			fmt.Fprintf(w, "first error of %s: %s\n", rr.Route, rr.FirstErr)
		}
	}
	if len(r.Samples) > 0 {
		first, last := r.Samples[0], r.Samples[len(r.Samples)-1]
		lo, hi := first, first
		for _, s := range r.Samples {
			lo.RSS, hi.RSS = min(lo.RSS, s.RSS), max(hi.RSS, s.RSS)
			lo.HeapInuse, hi.HeapInuse = min(lo.HeapInuse, s.HeapInuse), max(hi.HeapInuse, s.HeapInuse)
			lo.Goroutines, hi.Goroutines = min(lo.Goroutines, s.Goroutines), max(hi.Goroutines, s.Goroutines)
			lo.OpenFDs, hi.OpenFDs = min(lo.OpenFDs, s.OpenFDs), max(hi.OpenFDs, s.OpenFDs)
		}
		// The second half against the first (after warm-up) says whether
		// anything grows.
		half := r.Samples[len(r.Samples)/2]
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "server (%d samples)\tfirst\tmiddle\tlast\tmin\tmax\t\n", len(r.Samples))
		mib := func(v float64) string { return fmt.Sprintf("%.1f MiB", v/(1<<20)) }
		n := func(v float64) string { return fmt.Sprintf("%.0f", v) }
		fmt.Fprintf(tw, "RSS\t%s\t%s\t%s\t%s\t%s\t\n", mib(first.RSS), mib(half.RSS), mib(last.RSS), mib(lo.RSS), mib(hi.RSS))
		fmt.Fprintf(tw, "heap in use\t%s\t%s\t%s\t%s\t%s\t\n", mib(first.HeapInuse), mib(half.HeapInuse), mib(last.HeapInuse), mib(lo.HeapInuse), mib(hi.HeapInuse))
		fmt.Fprintf(tw, "goroutines\t%s\t%s\t%s\t%s\t%s\t\n", n(first.Goroutines), n(half.Goroutines), n(last.Goroutines), n(lo.Goroutines), n(hi.Goroutines))
		fmt.Fprintf(tw, "open files\t%s\t%s\t%s\t%s\t%s\t\n", n(first.OpenFDs), n(half.OpenFDs), n(last.OpenFDs), n(lo.OpenFDs), n(hi.OpenFDs))
		tw.Flush()
	}
	for _, s := range r.Warnings {
		fmt.Fprintln(w, "warning:", s)
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }
