package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/web"
)

// benchPortal measures the portal's public pages under concurrent
// readers: the organization page and the search page, each against the
// JSON API's read of the same thing in the same run (the baseline), over
// a scratch demo registry served by credo serve in a child process.
func (m *Main) benchPortal(ctx context.Context, args []string) error {
	var (
		subjects, perSubject int
		clients, requests    int
		db, dir, profile     string
		reuse                bool
		pages                int
	)
	fs := m.newFlags("bench portal", nil)
	fs.IntVar(&subjects, "subjects", 100_000, "organizations in the scratch registry")
	fs.IntVar(&perSubject, "per-subject", demo.RecordsPerSubject, "records per organization on average (a long tail: a few organizations draw many)")
	fs.IntVar(&clients, "clients", 16, "concurrent clients, each sending its next request when the last is answered")
	fs.IntVar(&requests, "requests", 4000, "requests per kind of page")
	fs.StringVar(&db, "db", "", "serve PostgreSQL at this URL (a fresh schema is used and dropped) instead of a scratch SQLite data folder")
	fs.StringVar(&dir, "dir", "", "scratch folder, kept with the server's log (default a temporary one, removed afterwards)")
	fs.BoolVar(&reuse, "reuse", false, "the --dir holds the SQLite registry an earlier run with the same --subjects created: serve it as it is")
	fs.StringVar(&profile, "cpuprofile", "", "write CPU profiles of the grading at the end of the import to this file name plus .grade (the organizations) and .partners (their partners' pass)")
	fs.IntVar(&pages, "pages", 0, "first render this many organization pages in this process, one at a time, and print the SQLite pages each read (SQLite registries only)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if reuse && (dir == "" || db != "") {
		return &exitError{code: 2, msg: "--reuse needs --dir (and no --db)"}
	}
	if subjects < 1 || perSubject < 1 || clients < 1 || requests < 1 {
		return &exitError{code: 2, msg: "--subjects, --per-subject, --clients and --requests must be positive"}
	}
	if pages < 0 || pages > 0 && db != "" {
		return &exitError{code: 2, msg: "--pages counts the pages SQLite reads: a number of pages, not negative, and not with --db"}
	}
	dir, sf, removeScratch, err := scratchRegistry(ctx, dir, db, "credo-portal-")
	if err != nil {
		return err
	}
	defer removeScratch()
	cfg := demo.Config{Seed: 1, Subjects: subjects, Records: subjects * perSubject, Now: credo.NewDate(time.Now()).Time}
	if !reuse {
		fmt.Fprintf(m.Stderr, "creating a registry of %d organizations and %d records ...\n", subjects, cfg.Records)
		start := time.Now()
		if err := m.importScratch(ctx, sf, cfg, filepath.Join(dir, "generated"), profile); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "created in %s\n", time.Since(start).Round(time.Second))
	}
	var codes, names []string
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		codes, names = append(codes, s.Code), append(names, s.Name)
		return nil
	}); err != nil {
		return err
	}
	if pages > 0 {
		r := rand.New(rand.NewPCG(3, 4))
		paths := make([]string, pages)
		for i := range paths {
			paths[i] = "/zh/organizations/" + codes[r.IntN(len(codes))]
		}
		if err := m.pagesRead(ctx, sf, paths); err != nil {
			return err
		}
	}
	// A large registry's first start completes what the change log holds
	// (minutes for a million changes on a loaded machine).
	serverStartWait = 30 * time.Minute
	start := time.Now()
	stop, base, pid, err := m.startServerProcess(ctx, dir, sf.serveArgs(), "")
	if err != nil {
		return err
	}
	defer stop()
	fmt.Fprintf(m.Stderr, "the server listened after %s\n", time.Since(start).Round(time.Second))

	r := rand.New(rand.NewPCG(1, 2))
	pick := func(n int, f func(i int) string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = f(r.IntN(len(codes)))
		}
		return out
	}
	// A search is part of a real name, as people type it: the name
	// without its legal form, or its first four characters.
	query := func(i int) string {
		n := strings.TrimSuffix(strings.TrimSuffix(names[i], "股份有限公司"), "有限公司")
		if i%2 == 1 {
			if rs := []rune(n); len(rs) > 4 {
				n = string(rs[:4])
			}
		}
		return url.QueryEscape(n)
	}
	kinds := []struct {
		name  string
		paths []string
	}{
		{"organization page  GET /zh/organizations/{code}", pick(requests, func(i int) string { return "/zh/organizations/" + codes[i] })},
		{"baseline: API      GET /v1/subjects/{code}/report", pick(requests, func(i int) string { return "/v1/subjects/" + codes[i] + "/report" })},
		{"search page        GET /zh/search?q=", pick(requests, func(i int) string { return "/zh/search?q=" + query(i) })},
		{"baseline: API      GET /v1/subjects?q=", pick(requests, func(i int) string { return "/v1/subjects?q=" + query(i) })},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: time.Minute}
	// Warm up: each kind once per client.
	for _, k := range kinds {
		if _, err := drive(ctx, client, base, k.paths[:min(clients, len(k.paths))], clients); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "%d organizations, %d clients, %d requests each\t p50\t p95\t p99\t max\t req/s\t server CPU/req\t client CPU/req\n", subjects, clients, requests)
	for _, k := range kinds {
		start, server, cpu := time.Now(), cputime.Process(pid), cputime.Self()
		lat, err := drive(ctx, client, base, k.paths, clients)
		if err != nil {
			return fmt.Errorf("%s: %w", k.name, err)
		}
		took := time.Since(start)
		perReq := func(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6/float64(len(lat))) }
		server, cpu = cputime.Process(pid)-server, cputime.Self()-cpu
		slices.Sort(lat)
		q := func(p float64) string { return fmt.Sprintf("%.1f ms", float64(lat[int(p*float64(len(lat)-1))])/1e6) }
		fmt.Fprintf(tw, "%s\t %s\t %s\t %s\t %s\t %.0f\t %s\t %s\n", k.name, q(.50), q(.95), q(.99), q(1), float64(len(lat))/took.Seconds(), perReq(server), perReq(cpu))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "load average %s\n", cputime.LoadAverage())
	return nil
}

// importScratch creates the scratch registry as `credo import` loads a
// national dataset: the generator's files (into gen), then authorities,
// organizations and records (the store's bulk loader) imported, and every
// organization graded once at the end, lists kept current. It takes what
// it wrote as followed.
func (m *Main) importScratch(ctx context.Context, sf storeFlags, cfg demo.Config, gen, profile string) error {
	logf := func(format string, a ...any) {
		fmt.Fprintf(m.Stderr, "%s "+format+"\n", append([]any{time.Now().UTC().Format("15:04:05")}, a...)...)
	}
	if err := demo.WriteNDJSON(cfg, gen); err != nil {
		return err
	}
	defer os.RemoveAll(gen)
	store, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	pl, err := m.newPipeline(ctx, store, sf)
	if err != nil {
		return err
	}
	touched := map[string]credo.Cause{}
	for _, kind := range []string{"authorities", "subjects", "records"} {
		cpu := cputime.Self()
		imp := &importer{m: m, in: pl.Ingester, grading: pl.Grading, store: store, batch: 10_000, kind: kind,
			path: filepath.Join(gen, kind+".ndjson"), bulk: true, touched: touched}
		sum, err := imp.run(ctx)
		if err != nil {
			return fmt.Errorf("import %s: %w", kind, err)
		}
		if sum.refused > 0 {
			return fmt.Errorf("%d %s refused (see %s)", sum.refused, kind, sum.refusedFile)
		}
		logf("%s; CPU %s", sum, (cputime.Self() - cpu).Round(time.Millisecond))
	}
	// The organizations, then their partners' pass (regradeAll's two
	// steps), each timed and profiled on its own.
	bulk := pl.Grading.Bulk()
	for _, step := range []struct {
		name string
		run  func(context.Context, *grading.Bulk, map[string]credo.Cause) error
	}{{"grade", regradeTouched}, {"partners", regradePartnersOf}} {
		logf("%s: %d organizations ... (load average %s)", step.name, len(touched), cputime.LoadAverage())
		stop, err := startProfile(profile, step.name)
		if err != nil {
			return err
		}
		start, cpu := time.Now(), cputime.Self()
		err = step.run(ctx, bulk, touched)
		if serr := stop(); err == nil {
			err = serr
		}
		if err != nil {
			return err
		}
		took, used := time.Since(start), cputime.Self()-cpu
		again := ""
		if step.name == "partners" {
			again = fmt.Sprintf(", %d regraded", bulk.Regraded())
		}
		logf("%s: done in %s; CPU %s (%.0f organizations/s, %s CPU each%s); load average %s", step.name, took.Round(time.Millisecond), used.Round(time.Millisecond),
			float64(len(touched))/took.Seconds(), (used / time.Duration(max(1, len(touched)))).Round(time.Microsecond), again, cputime.LoadAverage())
	}
	// What the import wrote is taken as followed (as credo import marks
	// it): the server's first start would otherwise replay the whole
	// change log before it listens. The ledger takes it in now, so that
	// the pages are not measured while the server integrates it.
	if err := markFollowed(ctx, store); err != nil {
		return err
	}
	lg, _, err := openLedger(ctx, store, ledgerFlags{origin: "credo"})
	if err != nil {
		return err
	}
	start, cpu := time.Now(), cputime.Self()
	n, err := lg.Integrate(ctx)
	if err != nil {
		return err
	}
	logf("the ledger integrated %d changes in %s; CPU %s", n, time.Since(start).Round(time.Second), (cputime.Self() - cpu).Round(time.Millisecond))
	return nil
}

// drive sends every path with clients concurrent clients and returns each
// request's latency; any answer but 200 is an error.
func drive(ctx context.Context, c *http.Client, base string, paths []string, clients int) ([]time.Duration, error) {
	lat := make([]time.Duration, len(paths))
	next := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequestWithContext(ctx, "GET", base+paths[i], nil)
				t := time.Now()
				res, err := c.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, res.Body)
					res.Body.Close()
					if err == nil && res.StatusCode != http.StatusOK {
						err = fmt.Errorf("%s: status %d", paths[i], res.StatusCode)
					}
				}
				lat[i] = time.Since(t)
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
				}
			}
		}()
	}
	for i := range paths {
		next <- i
	}
	close(next)
	wg.Wait()
	return lat, first
}

// pagesRead renders paths in this process, one at a time, over the
// registry in sf (SQLite), after a warm-up of a tenth of them, and prints
// per page the process's CPU time and the SQLite pages the readers
// fetched and read: fetched pages cost a cache lookup each, read ones a
// copy from the map, or past its 2 GiB a pread, which is what grows with
// the file.
func (m *Main) pagesRead(ctx context.Context, sf storeFlags, paths []string) error {
	store, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	rp, ok := store.(interface {
		ReaderPages(context.Context) (int, int, error)
		ReaderMmap(context.Context, int64) error
	})
	if !ok {
		return fmt.Errorf("--pages needs the SQLite store")
	}
	cfg, err := m.pipelineConfig(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	if cfg.Keyer, err = m.personKeyer(ctx, store, sf); err != nil {
		return err
	}
	cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	pl := pipeline.New(cfg)
	portal, err := web.New(store, pl.Process, pl.Grading, nil, cfg.Logger)
	if err != nil {
		return err
	}
	render := func(paths []string) error {
		for _, p := range paths {
			w := httptest.NewRecorder()
			portal.ServeHTTP(w, httptest.NewRequest("GET", p, nil).WithContext(ctx))
			if w.Code != http.StatusOK {
				return fmt.Errorf("%s: status %d", p, w.Code)
			}
		}
		return nil
	}
	// Twice: as served (the file mapped up to 2 GiB), then with nothing
	// mapped, where every page a reader's cache lacks is a pread, as past
	// the map of a large file, and the counters see every page.
	warm, paths := paths[:len(paths)/10], paths[len(paths)/10:]
	for _, mapped := range []bool{true, false} {
		if !mapped {
			if err := rp.ReaderMmap(ctx, 0); err != nil {
				return err
			}
		}
		if err := render(warm); err != nil {
			return err
		}
		if _, _, err := rp.ReaderPages(ctx); err != nil {
			return err
		}
		start, cpu := time.Now(), cputime.Self()
		if err := render(paths); err != nil {
			return err
		}
		took, cpu := time.Since(start), cputime.Self()-cpu
		fetched, read, err := rp.ReaderPages(ctx)
		if err != nil {
			return err
		}
		n := float64(len(paths))
		how := "mapped (as served)"
		if !mapped {
			how = "not mapped"
		}
		fmt.Fprintf(m.Stdout, "organization page in process, one at a time, file %s, %d pages after %d to warm up: %.2f ms wall, %.2f ms CPU, SQLite pages fetched %.1f, read %.1f a page (load average %s)\n",
			how, len(paths), len(warm), float64(took)/1e6/n, float64(cpu)/1e6/n, float64(fetched)/n, float64(read)/n, cputime.LoadAverage())
	}
	// What the page's main reads fetch and read, each alone, the file
	// not mapped (the page reads neither Subject nor AssessmentHistory:
	// they are the baselines of the versions and GradeHistory; what is
	// left of the page's total is the rest: objections, replies,
	// authorities, officers' links).
	reads := []struct {
		name string
		read func(code string) (int, error)
	}{
		{"Subject", func(c string) (int, error) { _, err := store.Subject(ctx, c); return 1, err }},
		{"SubjectVersions", func(c string) (int, error) { v, err := store.SubjectVersions(ctx, c); return len(v), err }},
		{"AllRecords", func(c string) (int, error) { r, err := store.AllRecords(ctx, c); return len(r), err }},
		{"SubjectListEntries", func(c string) (int, error) { e, err := store.SubjectListEntries(ctx, c); return len(e), err }},
		{"CurrentAssessment", func(c string) (int, error) { _, err := store.CurrentAssessment(ctx, c); return 1, err }},
		{"AssessmentHistory", func(c string) (int, error) {
			p, err := store.AssessmentHistory(ctx, c, "", 200)
			if err != nil {
				return 0, err
			}
			return len(p.Changes), nil
		}},
		{"GradeHistory", func(c string) (int, error) { h, err := store.GradeHistory(ctx, c, 200); return len(h), err }},
		{"Relationships", func(c string) (int, error) {
			r, err := store.Relationships(ctx, credo.RelationshipQuery{Codes: []string{c}, AsOf: time.Now()})
			return len(r), err
		}},
	}
	for _, rd := range reads {
		if _, _, err := rp.ReaderPages(ctx); err != nil {
			return err
		}
		rows := 0
		cpu := cputime.Self()
		for _, p := range paths {
			k, err := rd.read(strings.TrimPrefix(p, "/zh/organizations/"))
			if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return fmt.Errorf("%s: %w", rd.name, err)
			}
			rows += k
		}
		cpu = cputime.Self() - cpu
		fetched, read, err := rp.ReaderPages(ctx)
		if err != nil {
			return err
		}
		n := float64(len(paths))
		fmt.Fprintf(m.Stdout, "  %-20s %5.1f rows, pages fetched %5.1f, read %5.1f, %.3f ms CPU a call\n", rd.name, float64(rows)/n, float64(fetched)/n, float64(read)/n, float64(cpu)/1e6/n)
	}
	return nil
}
