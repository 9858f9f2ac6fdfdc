package main

import (
	"context"
	"fmt"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/store/sqlite"
)

// benchAnnual loads generated organizations, their records and the annual
// reports of the demo's report year into an empty embedded store, and
// times in the same run: the rescore of every organization (the baseline),
// the 1 July pass (find who did not file by the deadline, list each on the
// abnormal operations list or mark it, notify and regrade it), and the
// pass again when every entry exists (what a second node, or the next
// day's scan, costs).
func (m *Main) benchAnnual(ctx context.Context, args []string) error {
	var subjects, perSubject int
	var dir string
	fs := m.newFlags("bench annual", nil)
	fs.IntVar(&subjects, "subjects", 1_000_000, "organizations")
	fs.IntVar(&perSubject, "per-subject", 2, "records per organization")
	fs.StringVar(&dir, "dir", "", "scratch folder (default a temporary one, removed afterwards)")
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
	// Today is after the demo's report year's deadline: the pass runs at it.
	cfg := demo.Config{Seed: 1, Subjects: subjects, Records: subjects * perSubject, Now: credo.NewDate(time.Now()).Time}
	year := demo.ReportYear(cfg.Now)
	fmt.Fprintf(m.Stderr, "loading %d organizations, %d records and the %d annual reports ...\n", subjects, cfg.Records, year)
	now := credo.NewTime(time.Now())
	var batch []*credo.Subject
	putSubjects := func() error {
		_, err := store.PutSubjects(ctx, batch)
		batch = batch[:0]
		return err
	}
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		s.Normalize()
		for i := range s.Officers {
			s.Officers[i].IDNumber = "" // no person keys needed here
		}
		for i := range s.Shareholders {
			s.Shareholders[i].IDNumber = ""
		}
		s.RecordedAt = now
		if batch = append(batch, s); len(batch) == 10_000 {
			return putSubjects()
		}
		return nil
	}); err != nil {
		return err
	}
	if err := putSubjects(); err != nil {
		return err
	}
	if err := loadDemoRecords(ctx, store, cfg, now); err != nil {
		return err
	}
	reports := 0
	if err := demo.AnnualReports(cfg, func(r *credo.AnnualReport) error {
		if r.Version == 0 {
			r.Version = 1
		}
		r.FiledBy = "import"
		reports++
		return store.FileAnnualReport(ctx, r)
	}); err != nil {
		return err
	}
	pc, err := m.pipelineConfig(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	pl := pipeline.New(pc)
	g, p := pl.Grading, pl.Process
	type run struct {
		what    string
		n, made int
		took    time.Duration
	}
	var runs []run
	fmt.Fprintln(m.Stderr, "rescoring (grades and list rules) ...")
	start := time.Now()
	n, err := g.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil)
	if err != nil {
		return err
	}
	runs = append(runs, run{what: "rescore (baseline): read, assess, lists by rule, store", n: n, took: time.Since(start)})
	pass := credo.AnnualReportDeadline(year).Add(time.Second)
	p.Now = func() time.Time { return pass }
	for _, what := range []string{"1 July pass: find who did not file, list, notify, regrade", "the pass again, every entry made"} {
		fmt.Fprintln(m.Stderr, what, "...")
		start = time.Now()
		made, err := p.ListUnfiled(ctx, year)
		if err != nil {
			return err
		}
		runs = append(runs, run{what: what, n: subjects, made: made, took: time.Since(start)})
	}
	fmt.Fprintf(m.Stdout, "%d organizations, %d records, %d annual reports for %d\n", subjects, cfg.Records, reports, year)
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\torganizations\tentries made\tseconds\torganizations/s\t")
	for _, r := range runs {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%.2f\t%.0f\t\n", r.what, r.n, r.made, r.took.Seconds(), float64(r.n)/r.took.Seconds())
	}
	return tw.Flush()
}
