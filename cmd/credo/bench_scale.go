package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/bench"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/pipeline"
)

// scalePropagation, when set, propagates grades along the registry's
// relationships (the partners work) over the whole store and returns how
// many organizations it visited; bench scale times it beside a bare CSR
// loop over the same edges (scaleCSRBaseline). Until partners land both
// are nil and the table says that propagation was not run.
var (
	scalePropagation func(ctx context.Context, store credo.Store) (int, error)
	scaleCSRBaseline func(ctx context.Context, store credo.Store) (int, time.Duration, error)
)

// benchScale generates a national-shaped registry of N organizations,
// loads it through `credo import` (stored and graded), regrades everyone,
// serves it, and measures each step beside its baseline in the same run:
// the bare SQLite driver for the load, a bare read of every
// organization's records for the regrade, a fixed-response HTTP server
// for lookups and searches. It prints a Markdown table (appended to
// --doc when given) with a projection to 33M and 188M organizations from
// the measured cost per organization.
func (m *Main) benchScale(ctx context.Context, args []string) error {
	var subjects, perSubject, conns, queries, bareRows int
	var dir, doc, profiles string
	var duration time.Duration
	var keep, reports, integrate bool
	fs := m.newFlags("bench scale", nil)
	fs.IntVar(&subjects, "subjects", 1_000_000, "organizations generated (the demo generator, seed 1)")
	fs.IntVar(&perSubject, "per-subject", demo.RecordsPerSubject, "records per organization on average (a long tail: a few organizations draw many)")
	fs.IntVar(&conns, "conns", 64, "concurrent connections of the lookup benchmarks")
	fs.DurationVar(&duration, "duration", 20*time.Second, "how long each lookup benchmark runs")
	fs.IntVar(&queries, "queries", 2000, "name searches timed")
	fs.IntVar(&bareRows, "bare-rows", 500_000, "records inserted by the bare driver baseline (0 skips it)")
	fs.StringVar(&dir, "dir", "", "scratch folder (default a temporary one, removed afterwards)")
	fs.BoolVar(&keep, "keep", false, "keep the scratch folder")
	fs.BoolVar(&integrate, "ledger", true, "integrate the load's changes into the ledger before serving (else the server's integrator catches up while lookups are measured)")
	fs.BoolVar(&reports, "reports", true, "also import the annual reports (one durable write each)")
	fs.StringVar(&doc, "doc", "", "append the Markdown table to this file (docs/PERFORMANCE.md)")
	fs.StringVar(&profiles, "profiles", "", "write CPU profiles of the import, regrade and lookups into this folder")
	if err := parse(fs, args); err != nil {
		return err
	}
	if subjects < 1 {
		return &exitError{code: 2, msg: "bench scale: --subjects must be at least 1"}
	}
	if perSubject < 1 {
		return &exitError{code: 2, msg: "bench scale: --per-subject must be at least 1"}
	}
	if conns < 1 {
		return &exitError{code: 2, msg: "bench scale: --conns must be at least 1"}
	}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "credo-scale-")
		if err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(tmp)
		}
		dir = tmp
	}
	if profiles != "" {
		if err := os.MkdirAll(profiles, 0o755); err != nil {
			return err
		}
	}
	profile := func(name string) func() {
		if profiles == "" {
			return func() {}
		}
		f, err := os.Create(filepath.Join(profiles, name+".pprof"))
		if err != nil {
			fmt.Fprintln(m.Stderr, "profile:", err)
			return func() {}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			fmt.Fprintln(m.Stderr, "profile:", err)
			return func() {}
		}
		return func() { pprof.StopCPUProfile(); f.Close() }
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(m.Stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, a...)...)
	}
	res := &scaleResult{subjects: subjects, conns: conns, started: time.Now().UTC()}
	res.load1 = cputime.LoadAverage()

	// 1. Generate.
	cfg := demo.Config{Seed: 1, Subjects: subjects, Records: subjects * perSubject, Now: credo.NewDate(time.Now()).Time}
	res.records = cfg.Records
	gen := filepath.Join(dir, "data")
	logf("generating %d organizations and %d records into %s ...", subjects, cfg.Records, gen)
	start := time.Now()
	if err := demo.WriteNDJSON(cfg, gen); err != nil {
		return err
	}
	res.generate = time.Since(start)
	sample, err := sampleSubjects(filepath.Join(gen, "subjects.ndjson"), subjects, 10_000)
	if err != nil {
		return err
	}

	// 2. Load through credo import: stored and graded.
	sf := storeFlags{data: filepath.Join(dir, "sqlite")}
	store, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	// A throwaway person-key secret: the benchmark's store is scratch.
	secret := make([]byte, 32)
	rand.Read(secret)
	pc, err := m.pipelineConfig(ctx, store, m.Stderr)
	if err != nil {
		store.Close()
		return err
	}
	pc.Keyer = credo.HMACKeyer{Secret: secret}
	pl := pipeline.New(pc)
	in, g := pl.Ingester, pl.Grading
	for _, kind := range []string{"authorities", "subjects", "records", "annual-reports"} {
		logf("importing %s ...", kind)
		if kind == "annual-reports" && !reports {
			continue
		}
		stop := func() {}
		if kind == "records" || kind == "subjects" {
			stop = profile("import-" + kind)
		}
		imp := &importer{m: m, in: in, grading: g, store: store, batch: 10_000, kind: kind, path: filepath.Join(gen, kind+".ndjson"), bulk: true}
		cpu := cputime.Self()
		sum, err := imp.run(ctx)
		used := cputime.Self() - cpu
		stop()
		if err != nil {
			store.Close()
			return fmt.Errorf("import %s: %w", kind, err)
		}
		if sum.refused > 0 {
			store.Close()
			return fmt.Errorf("%d %s refused (see %s)", sum.refused, kind, sum.refusedFile)
		}
		logf("%s; CPU %s", sum, used.Round(time.Millisecond))
		switch kind {
		case "subjects":
			res.subjectsLoad, res.subjectsCPU = sum.elapsed, used
		case "records":
			res.recordsLoad, res.recordsCPU = sum.elapsed, used
		case "annual-reports":
			res.reports, res.reportsLoad = sum.lines, sum.elapsed
		}
	}

	// What the import wrote is followed already (as credo import marks it).
	if err := markFollowed(ctx, store); err != nil {
		store.Close()
		return err
	}

	// 3. Regrade everyone (lists in place), beside reading every
	// organization's records alone.
	logf("reading every organization's records ...")
	start, cpu := time.Now(), cputime.Self()
	orgs := 0
	if err := store.EachSubject(ctx, "", func(string, []*credo.Record) error { orgs++; return nil }); err != nil {
		store.Close()
		return err
	}
	res.readAll, res.readAllCPU, res.graded = time.Since(start), cputime.Self()-cpu, orgs
	logf("read %d organizations in %s (CPU %s)", orgs, res.readAll.Round(time.Millisecond), res.readAllCPU.Round(time.Millisecond))
	logf("regrading everyone ...")
	stop := profile("regrade")
	cpu = cputime.Self()
	start = time.Now()
	n, err := g.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil)
	res.regrade, res.regradeCPU = time.Since(start), cputime.Self()-cpu
	stop()
	if err != nil {
		store.Close()
		return err
	}
	res.regraded = n
	logf("regraded %d organizations in %s (CPU %s)", n, res.regrade.Round(time.Millisecond), res.regradeCPU.Round(time.Millisecond))
	if scalePropagation != nil {
		logf("propagating ...")
		start = time.Now()
		if res.propagated, err = scalePropagation(ctx, store); err != nil {
			store.Close()
			return err
		}
		res.propagate = time.Since(start)
		if scaleCSRBaseline != nil {
			if res.csrEdges, res.csr, err = scaleCSRBaseline(ctx, store); err != nil {
				store.Close()
				return err
			}
		}
	}
	// The ledger takes in what the load changed (credo serve would do it
	// in the background, a batch a second, and lookups measured while it
	// catches up would measure it too).
	if integrate {
		logf("integrating the ledger ...")
		lg, _, err := openLedger(ctx, store, ledgerFlags{origin: "credo"})
		if err != nil {
			store.Close()
			return err
		}
		start, cpu = time.Now(), cputime.Self()
		if res.leaves, err = lg.Integrate(ctx); err != nil {
			store.Close()
			return err
		}
		res.ledger, res.ledgerCPU = time.Since(start), cputime.Self()-cpu
		logf("integrated %d changes in %s (CPU %s)", res.leaves, res.ledger.Round(time.Millisecond), res.ledgerCPU.Round(time.Millisecond))
	}
	if err := store.Close(); err != nil {
		return err
	}
	res.diskBytes = dirSize(sf.data)

	// 4. Serve it, as credo serve does, and look up.
	logf("starting the server (loading the name index) ...")
	start = time.Now()
	url, stopServer, err := m.serveInProcess(ctx, sf)
	if err != nil {
		return err
	}
	res.serveStart = time.Since(start)
	fixed, stopFixed, err := fixedResponseServer()
	if err != nil {
		stopServer()
		return err
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: conns * 2, MaxIdleConnsPerHost: conns * 2, MaxConnsPerHost: conns}, Timeout: time.Minute}
	codes := make([]string, len(sample))
	for i, s := range sample {
		codes[i] = s.Code
	}
	runs := []struct {
		dst  *lookupResult
		name string
		path func(r *mrand.Rand) string
		base string
	}{
		{&res.fixed, "fixed-response server", func(*mrand.Rand) string { return "/v1/subjects/x" }, fixed},
		{&res.subject, "GET /v1/subjects/{code}", func(r *mrand.Rand) string { return "/v1/subjects/" + codes[r.IntN(len(codes))] }, url},
		{&res.assessment, "GET /v1/subjects/{code}/assessment", func(r *mrand.Rand) string { return "/v1/subjects/" + codes[r.IntN(len(codes))] + "/assessment" }, url},
	}
	for _, r := range runs {
		logf("%s, %d connections for %s ...", r.name, conns, duration)
		stop := func() {}
		if r.dst == &res.subject {
			stop = profile("lookup")
		}
		cpu := cputime.Self()
		*r.dst = closedLoop(ctx, client, r.base, r.path, conns, duration)
		r.dst.cpu = cputime.Self() - cpu
		stop()
		logf("%s: %.0f requests/s, p50 %s, p99 %s, CPU %.0f µs per request (client included)", r.name, r.dst.rate(), msec(r.dst.p50), msec(r.dst.p99), r.dst.cpuPer())
		if r.dst.errors > 0 {
			logf("%s: %d errors (%s)", r.name, r.dst.errors, r.dst.firstError)
		}
	}
	logf("name searches ...")
	qs := searchQueries(sample, queries)
	res.search = sequential(ctx, client, url, qs)
	res.searchFixed = sequential(ctx, client, fixed, qs)
	logf("name search p50 %s, p99 %s (%d errors)", msec(res.search.p50), msec(res.search.p99), res.search.errors)
	stopServer()
	stopFixed()
	res.peakRSS = peakRSS()

	// 5. The bare driver's load, last, so that its rows in memory do not
	// count in the peak.
	if bareRows > 0 {
		logf("bare SQLite driver, %d records ...", min(bareRows, cfg.Records))
		bcfg := cfg
		bcfg.Records = min(bareRows, cfg.Records)
		recs, err := benchRecords(bcfg)
		if err != nil {
			return err
		}
		rows, err := bench.Rows(recs)
		if err != nil {
			return err
		}
		recs = nil
		if err := os.MkdirAll(filepath.Join(dir, "bare"), 0o755); err != nil {
			return err
		}
		d, err := bench.BareSQLite(ctx, filepath.Join(dir, "bare"), rows, 10_000, false)
		if err != nil {
			return fmt.Errorf("bare SQLite: %w", err)
		}
		res.bareRows, res.bare = len(rows), d
	}
	res.load2 = cputime.LoadAverage()
	table := res.markdown()
	fmt.Fprint(m.Stdout, table)
	if doc != "" {
		f, err := os.OpenFile(doc, os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(f, "\n"+table); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	return nil
}

// serveInProcess runs credo serve on the store in this process (so that
// its memory counts in the peak), on a free port, its output discarded,
// rate limits off (every request comes from one address).
func (m *Main) serveInProcess(ctx context.Context, sf storeFlags) (string, func(), error) {
	ctx, cancel := context.WithCancel(ctx)
	urls := make(chan string, 1)
	sm := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Now: m.Now,
		Getenv: func(k string) string {
			switch k {
			case "CREDO_RATE_TOKEN", "CREDO_RATE_ADDRESS":
				return "0"
			case "CREDO_ADDR":
				return "127.0.0.1:0"
			}
			return m.Getenv(k)
		},
		Ready: func(u string) { urls <- u }}
	done := make(chan error, 1)
	go func() { done <- sm.serve(ctx, []string{"--data", sf.data, "--addr", "127.0.0.1:0"}) }()
	stop := func() { cancel(); <-done }
	select {
	case u := <-urls:
		return u, stop, nil
	case err := <-done:
		cancel()
		if err == nil {
			err = errors.New("the server ended before listening")
		}
		return "", func() {}, err
	}
}

// fixedResponseServer answers every request with the same small JSON
// body: the baseline of what Go's HTTP stack serves on this machine.
func fixedResponseServer() (string, func(), error) {
	body := []byte(`{"code":"91440300192203821T","name":"华为技术有限公司","division":"440307","status":"active"}`)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return "http://" + ln.Addr().String(), func() { srv.Close() }, nil
}

type lookupResult struct {
	requests, errors int
	took, cpu        time.Duration
	p50, p99         time.Duration
	firstError       string
}

func (r lookupResult) rate() float64 { return float64(r.requests) / r.took.Seconds() }

// cpuPer is the process's CPU time per request in µs: server and client
// share the process, so this is both sides.
func (r lookupResult) cpuPer() float64 {
	return float64(r.cpu.Microseconds()) / float64(max(1, r.requests))
}

// closedLoop sends requests from conns workers, each waiting for its
// answer before the next, for d, and returns the rate and latencies.
func closedLoop(ctx context.Context, client *http.Client, base string, path func(*mrand.Rand) string, conns int, d time.Duration) lookupResult {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var mu sync.Mutex
	var res lookupResult
	var lat []time.Duration
	var wg sync.WaitGroup
	start := time.Now()
	for w := range conns {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			errs, first := 0, ""
			for ctx.Err() == nil {
				t := time.Now()
				err := fetch(ctx, client, base+path(r))
				if ctx.Err() != nil {
					break
				}
				if err != nil {
					errs++
					if first == "" {
						first = err.Error()
					}
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat = append(lat, mine...)
			res.errors += errs
			if res.firstError == "" {
				res.firstError = first
			}
			mu.Unlock()
		})
	}
	wg.Wait()
	res.took = time.Since(start)
	slices.Sort(lat)
	res.requests = len(lat)
	res.p50, res.p99 = quantileOf(lat, 0.50), quantileOf(lat, 0.99)
	return res
}

// sequential sends the paths one at a time and returns their latencies.
func sequential(ctx context.Context, client *http.Client, base string, paths []string) lookupResult {
	var res lookupResult
	lat := make([]time.Duration, 0, len(paths))
	start := time.Now()
	for _, p := range paths {
		t := time.Now()
		if err := fetch(ctx, client, base+p); err != nil {
			res.errors++
			if res.firstError == "" {
				res.firstError = err.Error()
			}
			continue
		}
		lat = append(lat, time.Since(t))
	}
	res.took = time.Since(start)
	slices.Sort(lat)
	res.requests = len(lat)
	res.p50, res.p99 = quantileOf(lat, 0.50), quantileOf(lat, 0.99)
	return res
}

func fetch(ctx context.Context, client *http.Client, u string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", req.URL.Path, resp.Status)
	}
	return nil
}

func quantileOf(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

// sampleSubjects reads about n evenly spaced lines of a subjects file
// (code and name only), in file order.
func sampleSubjects(path string, total, n int) ([]credo.Subject, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	step := max(1, total/n)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), ingest.MaxLine)
	var out []credo.Subject
	for i := 0; sc.Scan(); i++ {
		if i%step != 0 {
			continue
		}
		var s struct{ Code, Name string }
		if err := json.Unmarshal(sc.Bytes(), &s); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, i+1, err)
		}
		out = append(out, credo.Subject{Code: s.Code, Name: s.Name})
	}
	return out, sc.Err()
}

// searchQueries are name searches over the sample: a third exact names, a
// third with the legal form dropped, a third with one character of the
// name replaced (as bench match makes them).
func searchQueries(sample []credo.Subject, n int) []string {
	r := mrand.New(mrand.NewPCG(1, 2))
	out := make([]string, n)
	for i := range out {
		name := sample[r.IntN(len(sample))].Name
		switch i % 3 {
		case 1:
			name = strings.TrimSuffix(strings.TrimSuffix(name, "股份有限公司"), "有限公司")
		case 2:
			name = misspell(r, name)
		}
		out[i] = "/v1/subjects?" + url.Values{"q": {name}}.Encode()
	}
	return out
}

func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

type scaleResult struct {
	subjects, records, reports, graded, regraded int
	conns                                        int
	started                                      time.Time
	load1, load2                                 string
	generate, subjectsLoad, recordsLoad          time.Duration
	reportsLoad, readAll, regrade, regradeCPU    time.Duration
	subjectsCPU, recordsCPU, readAllCPU          time.Duration
	leaves                                       int
	ledger, ledgerCPU                            time.Duration
	propagated, csrEdges                         int
	propagate, csr                               time.Duration
	bareRows                                     int
	bare                                         time.Duration
	serveStart                                   time.Duration
	fixed, subject, assessment                   lookupResult
	search, searchFixed                          lookupResult
	diskBytes, peakRSS                           int64
}

func msec(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/1e6) }

func perSecond(n int, d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	return commas(float64(n) / d.Seconds())
}

func commas(v float64) string {
	s := fmt.Sprintf("%.0f", v)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (r *scaleResult) markdown() string {
	var b strings.Builder
	gib := func(n int64) string { return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30)) }
	fmt.Fprintf(&b, "### bench scale, %s organizations (%s)\n\n", commas(float64(r.subjects)), r.started.Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "```sh\ngo run ./cmd/credo bench scale --subjects %d\n```\n\n", r.subjects)
	fmt.Fprintf(&b, "Embedded SQLite; %s records, %s annual reports; load average %s at the start, %s at the end (2 cores, shared).\n\n",
		commas(float64(r.records)), commas(float64(r.reports)), r.load1, r.load2)
	b.WriteString("| what | credo | baseline (same run) | ratio |\n|---|---|---|---|\n")
	bareRate := 0.0
	if r.bare > 0 {
		bareRate = float64(r.bareRows) / r.bare.Seconds()
	}
	recRate := float64(r.records) / r.recordsLoad.Seconds()
	ratio := func(a, b float64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.2f×", a/b)
	}
	fmt.Fprintf(&b, "| generate (organizations/s) | %s | | |\n", perSecond(r.subjects, r.generate))
	cpuPer := func(d time.Duration, n int) float64 { return float64(d.Microseconds()) / float64(max(1, n)) }
	fmt.Fprintf(&b, "| load organizations, stored and graded (organizations/s) | %s (CPU %.0f µs each) | | |\n", perSecond(r.subjects, r.subjectsLoad), cpuPer(r.subjectsCPU, r.subjects))
	fmt.Fprintf(&b, "| load records, stored and graded (records/s) | %s (CPU %.0f µs each) | bare SQLite driver, index maintained, %s rows: %s | %s |\n",
		commas(recRate), cpuPer(r.recordsCPU, r.records), commas(float64(r.bareRows)), commas(bareRate), ratio(recRate, bareRate))
	fmt.Fprintf(&b, "| load annual reports (reports/s) | %s | | |\n", perSecond(r.reports, r.reportsLoad))
	regRate := float64(r.regraded) / r.regrade.Seconds()
	readRate := float64(r.graded) / r.readAll.Seconds()
	fmt.Fprintf(&b, "| full regrade with lists (organizations/s) | %s (CPU %.0f µs each) | read every organization's records only: %s (CPU %.0f µs each) | %s |\n",
		commas(regRate), cpuPer(r.regradeCPU, r.regraded), commas(readRate), cpuPer(r.readAllCPU, r.graded), ratio(regRate, readRate))
	if r.propagate > 0 {
		fmt.Fprintf(&b, "| propagation (organizations/s) | %s | bare CSR loop, %s edges: %s | |\n", perSecond(r.propagated, r.propagate), commas(float64(r.csrEdges)), r.csr)
	} else {
		b.WriteString("| propagation | not run: relationships land with the partners work | | |\n")
	}
	if r.ledger > 0 {
		fmt.Fprintf(&b, "| ledger: integrate the load's changes (changes/s) | %s (CPU %.0f µs each; %s changes) | | |\n", perSecond(r.leaves, r.ledger), cpuPer(r.ledgerCPU, r.leaves), commas(float64(r.leaves)))
	} else {
		b.WriteString("| ledger | not integrated before serving (--ledger=false): the server's integrator was catching up on the load's changes while lookups ran | | |\n")
	}
	fmt.Fprintf(&b, "| name search p50 / p99 (one connection, %d queries) | %s / %s%s | fixed-response server: %s / %s | |\n",
		r.search.requests, msec(r.search.p50), msec(r.search.p99), scaleFailed(r.search), msec(r.searchFixed.p50), msec(r.searchFixed.p99))
	for _, l := range []struct {
		what string
		lr   lookupResult
	}{{"subject lookup", r.subject}, {"assessment lookup", r.assessment}} {
		fmt.Fprintf(&b, "| %s, %d connections: requests/s, p99 (CPU per request, client included) | %s, %s (%.0f µs)%s | fixed-response server: %s, %s (%.0f µs) | %s |\n",
			l.what, r.conns, commas(l.lr.rate()), msec(l.lr.p99), l.lr.cpuPer(), scaleFailed(l.lr), commas(r.fixed.rate()), msec(r.fixed.p99), r.fixed.cpuPer(), ratio(l.lr.rate(), r.fixed.rate()))
	}
	fmt.Fprintf(&b, "| server start (name index loaded) | %.1f s | | |\n", r.serveStart.Seconds())
	fmt.Fprintf(&b, "| store on disk | %s (%s bytes per organization) | | |\n", gib(r.diskBytes), commas(float64(r.diskBytes)/float64(r.subjects)))
	fmt.Fprintf(&b, "| peak memory (the whole run: generate, import, regrade, serve) | %s | | |\n", gib(r.peakRSS))
	b.WriteString("\nProjected from the cost per organization measured here (linear; one machine, embedded store):\n\n")
	b.WriteString("| organizations | load (organizations and records) | full regrade | store on disk |\n|---|---|---|---|\n")
	perOrgLoad := (r.subjectsLoad + r.recordsLoad).Seconds() / float64(r.subjects)
	perOrgRegrade := r.regrade.Seconds() / float64(max(1, r.regraded))
	perOrgDisk := float64(r.diskBytes) / float64(r.subjects)
	for _, n := range []float64{33e6, 188e6} {
		fmt.Fprintf(&b, "| %s | %s | %s | %.0f GiB |\n", commas(n), hours(perOrgLoad*n), hours(perOrgRegrade*n), perOrgDisk*n/(1<<30))
	}
	return b.String()
}

// scaleFailed says how many requests failed, if any did.
func scaleFailed(r lookupResult) string {
	if r.errors == 0 {
		return ""
	}
	return fmt.Sprintf(" **%d failed** (%s)", r.errors, r.firstError)
}

func hours(sec float64) string {
	if math.IsNaN(sec) || math.IsInf(sec, 0) {
		return "–"
	}
	if sec < 3600 {
		return fmt.Sprintf("%.0f min", sec/60)
	}
	return fmt.Sprintf("%.1f h", sec/3600)
}
