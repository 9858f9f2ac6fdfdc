package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/search"
)

// benchMatch measures the name matcher and screening: the index's build
// time and memory, name search latency (p50, p99) over a mix of exact,
// shortened and misspelled names, and screening throughput for code rows
// and name rows against an embedded store holding the same organizations.
func (m *Main) benchMatch(ctx context.Context, args []string) error {
	var n, queries, rows, stored int
	var dir, profile, keyFile string
	fs := m.newFlags("bench match", nil)
	fs.IntVar(&n, "subjects", 1_000_000, "organizations generated (the demo generator, seed 1)")
	fs.IntVar(&queries, "queries", 2000, "name searches timed")
	fs.IntVar(&rows, "rows", 10_000, "screening rows (half codes, half misspelled names); 0 skips the store")
	fs.IntVar(&stored, "stored", 50_000, "organizations loaded into the store (and a second index) for the screening part")
	fs.StringVar(&dir, "dir", "", "scratch folder (default a temporary one, removed afterwards); one that already holds the organizations is screened as it is")
	fs.StringVar(&profile, "cpuprofile", "", "write CPU profiles of the screening throughput (rows as jobs screen them) to this file name plus .code and .name")
	m.personKeyFlag(fs, &keyFile, "DIR.person-key beside --dir; give the registry's own with a --dir made by another command")
	if err := parse(fs, args); err != nil {
		return err
	}
	// A secret that cannot be read is refused now, not after the index is
	// built (a missing file is made, as by every command).
	sf := storeFlags{personKey: keyFile}
	if keyFile != "" {
		if _, err := m.readPersonKey(keyFile); err != nil {
			return err
		}
	}
	cfg := demo.Config{Seed: 1, Subjects: n, Records: 1, Now: credo.NewDate(time.Now()).Time}
	var subjects []*credo.Subject
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		// Only what names and screening need, so that a million fit.
		subjects = append(subjects, &credo.Subject{Code: s.Code, Name: s.Name, ShortName: s.ShortName, EnglishName: s.EnglishName,
			FormerNames: s.FormerNames, Division: s.Division, EntityType: s.EntityType, Status: s.Status, Authority: s.Authority})
		return nil
	}); err != nil {
		return err
	}
	// Load the conversion dictionaries and region table before measuring.
	search.Parse("北京國際（深圳）有限公司")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	ix := search.NewIndex()
	for i := 0; i < len(subjects); i += 10_000 {
		ix.Put(subjects[i:min(i+10_000, len(subjects))]...)
	}
	build := time.Since(start)
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	heap := float64(after.HeapAlloc) - float64(before.HeapAlloc)
	names := ix.Names()

	r := rand.New(rand.NewPCG(1, 2))
	qs := make([]string, queries)
	for i := range qs {
		s := subjects[r.IntN(len(subjects))]
		switch i % 3 {
		case 0:
			qs[i] = s.Name
		case 1:
			qs[i] = strings.TrimSuffix(strings.TrimSuffix(s.Name, "股份有限公司"), "有限公司")
		default:
			qs[i] = misspell(r, s.Name)
		}
	}
	lat := make([]time.Duration, len(qs))
	cpu := cputime.Self()
	for i, q := range qs {
		t := time.Now()
		ix.Find(search.Query{Q: q, Limit: 10})
		lat[i] = time.Since(t)
	}
	searchCPU := (cputime.Self() - cpu) / time.Duration(len(qs))
	slices.Sort(lat)
	tw := tabwriter.NewWriter(m.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "organizations\t%d\n", len(subjects))
	fmt.Fprintf(tw, "names indexed\t%d\n", names)
	fmt.Fprintf(tw, "index build\t%s\n", build.Round(time.Millisecond))
	fmt.Fprintf(tw, "index heap\t%.0f MiB (%.0f MiB per million names)\n", heap/(1<<20), heap/(1<<20)/float64(names)*1e6)
	fmt.Fprintf(tw, "name search p50 / p99\t%s / %s (%d queries; CPU %s per query)\n", pct(lat, 50), pct(lat, 99), len(lat), searchCPU.Round(time.Microsecond))
	if rows > 0 {
		ix, subjects := ix, subjects
		if stored < len(subjects) {
			subjects = subjects[:stored]
			ix = search.NewIndex()
			ix.Put(subjects...)
		}
		if err := m.benchScreen(ctx, tw, dir, sf, profile, subjects, ix, rows, r); err != nil {
			return err
		}
	}
	return tw.Flush()
}

func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return d[min(len(d)-1, len(d)*p/100)].Round(time.Microsecond)
}

// misspell replaces one character of a name's distinctive part.
func misspell(r *rand.Rand, name string) string {
	rs := []rune(name)
	if len(rs) < 6 {
		return name
	}
	i := 2 + r.IntN(len(rs)/2-1)
	rs[i] = []rune("华明达兴盛东新德")[r.IntN(8)]
	return string(rs)
}

// benchScreen screens against the embedded store in dir with sf's
// person-key secret (default DIR.person-key); with no dir, against a
// temporary registry that holds its data and its secret (unless given),
// so that removing it afterwards leaves nothing behind.
func (m *Main) benchScreen(ctx context.Context, tw *tabwriter.Writer, dir string, sf storeFlags, profile string, subjects []*credo.Subject, ix *search.Index, rows int, r *rand.Rand) error {
	if dir == "" {
		_, tmp, removeScratch, err := scratchRegistry(ctx, "", "", "credo-bench-")
		if err != nil {
			return err
		}
		defer removeScratch()
		dir = tmp.data
		if sf.personKey == "" {
			sf.personKey = tmp.personKey
		}
	}
	sf.data = dir
	store, err := openStore(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	// A --dir that already holds these organizations (an earlier run's, or
	// bench portal's registry of the same --subjects: both generate with
	// seed 1) is screened as it is, without loading or grading again.
	st, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	reuse := st.Organizations >= int64(len(subjects))
	if reuse {
		fmt.Fprintf(tw, "store for screening\t%d organizations, %d records (reused from %s)\n", st.Organizations, st.Records, dir)
	}
	load := time.Now()
	for i := 0; i < len(subjects) && !reuse; i += 5000 {
		batch := subjects[i:min(i+5000, len(subjects))]
		for _, s := range batch {
			s.RecordedAt = credo.NewTime(time.Now())
		}
		if _, err := store.PutSubjects(ctx, batch); err != nil {
			return err
		}
	}
	if !reuse {
		fmt.Fprintf(tw, "store for screening\t%d organizations (loaded in %s, not timed below)\n", len(subjects), time.Since(load).Round(time.Millisecond))
	}
	pl, err := m.newPipeline(ctx, store, sf)
	if err != nil {
		return err
	}
	g, proc := pl.Grading, pl.Process
	// Graded, as a registry is (every write regrades): screening reads the
	// stored assessments.
	if !reuse {
		grade := time.Now()
		touched := make(map[string]credo.Cause, len(subjects))
		for _, s := range subjects {
			touched[s.Code] = credo.Cause{Kind: "registration"}
		}
		if err := regradeAll(ctx, g, touched); err != nil {
			return err
		}
		fmt.Fprintf(tw, "graded\tin %s (not timed below)\n", time.Since(grade).Round(time.Millisecond))
	}
	// Baseline, same run: the store's substring search (what GET
	// /v1/subjects?q= answered before the matcher) and the matcher, on the
	// same organizations and queries; "found first" counts queries whose
	// organization came first.
	type timed struct {
		lat   []time.Duration
		first int
	}
	var base, match timed
	for i := 0; i < 1000; i++ {
		s := subjects[r.IntN(len(subjects))]
		q := []string{s.Name, strings.TrimSuffix(strings.TrimSuffix(s.Name, "股份有限公司"), "有限公司"), misspell(r, s.Name)}[i%3]
		t := time.Now()
		page, err := store.SearchSubjects(ctx, credo.SubjectQuery{Q: q, Limit: 10})
		if err != nil {
			return err
		}
		base.lat = append(base.lat, time.Since(t))
		if len(page.Subjects) > 0 && page.Subjects[0].Code == s.Code {
			base.first++
		}
		t = time.Now()
		found := ix.Find(search.Query{Q: q, Limit: 10})
		match.lat = append(match.lat, time.Since(t))
		if len(found) > 0 && found[0].Code == s.Code {
			match.first++
		}
	}
	for _, x := range []struct {
		label string
		t     timed
	}{{"baseline: store substring search", base}, {"name matcher, same queries", match}} {
		slices.Sort(x.t.lat)
		fmt.Fprintf(tw, "%s\tp50 %s, p99 %s, found first %d of %d\n", x.label, pct(x.t.lat, 50), pct(x.t.lat, 99), x.t.first, len(x.t.lat))
	}
	sc := screening.New(store, ix, proc, nil)
	operator := credo.Viewer{Role: credo.RoleAdmin}
	p := screening.Params{Action: "public_procurement"}
	for _, kind := range []string{"code", "name"} {
		// Per-row latency, one row at a time; then throughput as a job
		// screens (ScreenRange: a worker per processor).
		var lat []time.Duration
		var inputs []screening.Input
		for i := 0; i < rows/2; i++ {
			s := subjects[r.IntN(len(subjects))]
			in := screening.Input{Code: s.Code}
			if kind == "name" {
				in = screening.Input{Name: misspell(r, s.Name)}
			}
			inputs = append(inputs, in)
		}
		for i, in := range inputs[:min(len(inputs), 1000)] {
			t := time.Now()
			if _, err := sc.Screen(ctx, operator, p, i+1, in); err != nil {
				return err
			}
			lat = append(lat, time.Since(t))
		}
		statuses := map[string]int{}
		stop, err := startProfile(profile, kind)
		if err != nil {
			return err
		}
		start, cpu := time.Now(), cputime.Self()
		for i := 0; i < len(inputs); i += 100 {
			out, err := sc.ScreenRange(ctx, operator, p, i+1, inputs[i:min(i+100, len(inputs))])
			if err != nil {
				return err
			}
			for _, row := range out {
				statuses[row.Status]++
			}
		}
		el, used := time.Since(start), cputime.Self()-cpu
		if err := stop(); err != nil {
			return err
		}
		slices.Sort(lat)
		fmt.Fprintf(tw, "screening %s rows\t%.0f rows/s (%d rows, %v), p95 per row %s, CPU %s per row\n", kind,
			float64(len(inputs))/el.Seconds(), len(inputs), statuses, pct(lat, 95), (used / time.Duration(len(inputs))).Round(time.Microsecond))
	}
	return nil
}

// startProfile starts a CPU profile written to name.kind, when name is
// not empty; stop ends it.
func startProfile(name, kind string) (stop func() error, err error) {
	if name == "" {
		return func() error { return nil }, nil
	}
	f, err := os.Create(name + "." + kind)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() error {
		pprof.StopCPUProfile()
		return f.Close()
	}, nil
}
