package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/store/sqlite"
)

// benchRescore loads generated records into an empty embedded store and
// times, in the same run, reading every organization's records from the
// store alone, and the full rescore (read, assess under all bundled
// rulebooks, store the assessments).
func (m *Main) benchRescore(ctx context.Context, args []string) error {
	var subjects, perSubject int
	var dir string
	fs := m.newFlags("bench rescore", nil)
	fs.IntVar(&subjects, "subjects", 100_000, "organizations")
	fs.IntVar(&perSubject, "per-subject", 10, "records per organization")
	fs.StringVar(&dir, "dir", "", "scratch folder (default a temporary one, removed afterwards)")
	var profile string
	fs.StringVar(&profile, "cpuprofile", "", "write a CPU profile of the rescore to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, removeScratch, err := scratch(dir)
	if err != nil {
		return err
	}
	defer removeScratch()
	store, err := sqlite.Open(ctx, filepath.Join(dir, "sqlite"))
	if err != nil {
		return err
	}
	defer store.Close()
	cfg := demo.Config{Seed: 1, Subjects: subjects, Records: subjects * perSubject, Now: credo.NewDate(time.Now()).Time}
	fmt.Fprintf(m.Stderr, "loading %d records of %d organizations ...\n", cfg.Records, subjects)
	now := credo.NewTime(time.Now())
	if err := loadDemoRecords(ctx, store, cfg, now); err != nil {
		return err
	}
	g, err := newGrading(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stderr, "reading every organization's records ...")
	start := time.Now()
	orgs := 0
	if err := store.EachSubject(ctx, "", func(string, []*credo.Record) error { orgs++; return nil }); err != nil {
		return err
	}
	read := time.Since(start)
	fmt.Fprintln(m.Stderr, "rescoring ...")
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	// Three rescores in a row: grades alone (no list effects), then with
	// the bundled lists while their rule entries are first made, then
	// again with them in place (the steady state).
	type run struct {
		what string
		n    int
		took time.Duration
	}
	var runs []run
	bare := grading.New(store, g.Set(), nil, nil)
	for i, what := range []string{
		"rescore: read, assess (all bundled rulebooks), store",
		"rescore with lists, making the rule entries",
		"rescore with lists in place",
	} {
		rescore := bare
		if i > 0 {
			rescore = g
		}
		start = time.Now()
		n, err := rescore.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil)
		if err != nil {
			return err
		}
		runs = append(runs, run{what, n, time.Since(start)})
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\torganizations\tseconds\torganizations/s\t")
	fmt.Fprintf(tw, "read records from the store only\t%d\t%.2f\t%.0f\t\n", orgs, read.Seconds(), float64(orgs)/read.Seconds())
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t\n", r.what, r.n, r.took.Seconds(), float64(r.n)/r.took.Seconds())
	}
	return tw.Flush()
}
