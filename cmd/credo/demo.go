package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/ingest"
)

type demoFlags struct {
	seed     int64
	subjects int
	records  int
	now      string
}

func (m *Main) demoFlagSet(name string, f *demoFlags, sf *storeFlags) *flag.FlagSet {
	fs := m.newFlags(name, sf)
	fs.Int64Var(&f.seed, "seed", 1, "random seed: the same seed (and --now) gives the same data")
	fs.IntVar(&f.subjects, "subjects", 10000, "number of organizations")
	fs.IntVar(&f.records, "records", 0, "number of records (default 12 per organization)")
	fs.StringVar(&f.now, "now", "", "the day the generated history ends (default today, UTC)")
	return fs
}

func (f *demoFlags) config() (demo.Config, error) {
	now := credo.NewDate(time.Now()).Time
	if f.now != "" {
		d, err := credo.ParseDate(f.now)
		if err != nil {
			return demo.Config{}, &exitError{code: 2, msg: "--now: " + err.Error()}
		}
		now = d.Time
		if now.After(time.Now()) {
			return demo.Config{}, &exitError{code: 2, msg: "--now must not be in the future"}
		}
	}
	if f.subjects < 1 {
		return demo.Config{}, &exitError{code: 2, msg: "--subjects must be at least 1"}
	}
	if f.records < 0 {
		return demo.Config{}, &exitError{code: 2, msg: "--records must not be negative"}
	}
	return demo.Config{Seed: f.seed, Subjects: f.subjects, Records: f.records, Now: now}, nil
}

// demo fills an empty data folder with a generated registry and serves it.
func (m *Main) demo(ctx context.Context, args []string) error {
	var f serveFlags
	var df demoFlags
	fs := m.demoFlagSet("demo", &df, &f.storeFlags)
	fs.StringVar(&f.addr, "addr", m.env("CREDO_ADDR", "127.0.0.1:8080"), "address to listen on")
	m.addPublicURLFlag(fs, &f)
	m.addLedgerFlags(fs, &f.ledgerFlags)
	m.addLimitFlags(fs, &f.limitFlags)
	m.addWebhookFlags(fs, &f)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	cfg, err := df.config()
	if err != nil {
		return err
	}
	store, err := m.openOrCreate(ctx, f.storeFlags)
	if err != nil {
		return err
	}
	defer store.Close()
	keyer, err := m.personKeyer(ctx, store, f.storeFlags)
	if err != nil {
		return err
	}
	stats, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	var access *demoAccess
	if stats == (credo.Stats{}) {
		start := time.Now()
		where := f.db
		if where == "" {
			where, _ = filepath.Abs(f.data)
		}
		fmt.Fprintf(m.Stdout, "creating a demo registry in %s (seed %d) ...\n", where, cfg.Seed)
		if access, err = loadDemo(ctx, store, cfg, keyer); err != nil {
			return err
		}
		if err := markFollowed(ctx, store); err != nil {
			return err
		}
		if stats, err = store.Stats(ctx); err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "demo registry ready in %.1fs\n", time.Since(start).Seconds())
	}
	fmt.Fprintf(m.Stdout, "%d organizations, %d records, %d authorities\n", stats.Organizations, stats.Records, stats.Authorities)
	a := demoAuthority(cfg)
	token, hash := credo.NewToken()
	if err := store.AddToken(ctx, a.ID, hash); err != nil {
		return fmt.Errorf("issuing a demo token: %w", err)
	}
	return m.listenAndServe(ctx, store, f, func(url string) {
		fmt.Fprintf(m.Stdout, "demo authority %s (%s), categories %v, bearer token:\n%s\n", a.ID, a.Name, a.Categories, token)
		access.print(m)
		fmt.Fprintf(m.Stdout, "try: curl -s %s/v1/stats\n", url)
	})
}

// annualReports adapts the ingester's report loading to the demo's
// submit functions (reports name no authority).
func annualReports(in *ingest.Ingester) func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error) {
	return func(ctx context.Context, _ *credo.Authority, lines []ingest.Line) ([]ingest.Result, error) {
		return in.AnnualReports(ctx, lines)
	}
}

// demoAuthority is the nationwide authority with the most categories.
func demoAuthority(cfg demo.Config) *credo.Authority {
	var best *credo.Authority
	for _, a := range demo.Authorities(cfg) {
		if slices.Contains(a.Divisions, credo.Nationwide) && (best == nil || len(a.Categories) > len(best.Categories)) {
			best = a
		}
	}
	return best
}

// loadDemo stores the generated registry through the same path as any
// submission, so the demo holds only what the registry would accept.
func loadDemo(ctx context.Context, store credo.Store, cfg demo.Config, keyer credo.PersonKeyer) (*demoAccess, error) {
	for _, a := range demo.Authorities(cfg) {
		_, hash := credo.NewToken()
		a.CreatedAt = credo.NewTime(cfg.Now)
		if err := store.CreateAuthority(ctx, a, hash); err != nil {
			return nil, fmt.Errorf("demo authority %s: %w", a.ID, err)
		}
	}
	in := &ingest.Ingester{Store: store, Keyer: keyer}
	// The demo's history is recorded as it happened: registrations when
	// the organization was established, records three days after their
	// decision, so that as-of questions about the past have answers.
	in.Backdate = func(decided time.Time) time.Time {
		if decided.IsZero() {
			return time.Time{}
		}
		return decided.Add(72 * time.Hour)
	}
	const batch = 10000
	var lines []ingest.Line
	flush := func(submit func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error)) error {
		if len(lines) == 0 {
			return nil
		}
		results, err := submit(ctx, nil, lines)
		if err != nil {
			return err
		}
		for _, r := range results {
			if r.Error != nil {
				return fmt.Errorf("demo data refused at item %d: %v", r.Line, r.Error)
			}
		}
		lines = lines[:0]
		return nil
	}
	add := func(v any, submit func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error)) error {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		lines = append(lines, ingest.Line{Number: len(lines) + 1, Data: b})
		if len(lines) == batch {
			return flush(submit)
		}
		return nil
	}
	if err := demo.Subjects(cfg, func(s *credo.Subject) error { return add(s, in.Subjects) }); err != nil {
		return nil, err
	}
	if err := flush(in.Subjects); err != nil {
		return nil, err
	}
	// Relationships beside those the registrations made: procurement
	// hubs, guarantees, joint ventures, declared suppliers and customers.
	var rels []*credo.Relationship
	storeRels := func() error {
		out, err := store.AppendRelationships(ctx, rels)
		if err != nil {
			return err
		}
		for i, o := range out {
			if o.Status == credo.Refused {
				return fmt.Errorf("demo relationship %s %s→%s refused: %v", rels[i].Kind, rels[i].From, rels[i].To, o.Err)
			}
		}
		rels = rels[:0]
		return nil
	}
	if err := demo.Relationships(cfg, func(r *credo.Relationship) error {
		rels = append(rels, r)
		if len(rels) == batch {
			return storeRels()
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := storeRels(); err != nil {
		return nil, err
	}
	// Organizations with a serious market or quality decision are candidates for the
	// serious dishonesty list.
	var serious []*credo.Record
	if err := demo.Records(cfg, func(r *credo.Record) error {
		if (r.Category == "market" || r.Category == "quality") && r.Severity == "serious" && r.DecisionNumber != "" && len(serious) < 3 &&
			!slices.ContainsFunc(serious, func(x *credo.Record) bool { return x.Subject == r.Subject }) {
			serious = append(serious, r)
		}
		return add(r, in.Records)
	}); err != nil {
		return nil, err
	}
	if err := flush(in.Records); err != nil {
		return nil, err
	}
	// The annual reports filed for the last year whose deadline passed.
	if err := demo.AnnualReports(cfg, func(r *credo.AnnualReport) error { return add(r, annualReports(in)) }); err != nil {
		return nil, err
	}
	if err := flush(annualReports(in)); err != nil {
		return nil, err
	}
	// Grade everything once, rather than after every batch (lists defined
	// by rule follow the grades).
	g, err := newGrading(ctx, store, io.Discard)
	if err != nil {
		return nil, err
	}
	if _, err = g.Rescore(ctx, "", credo.Cause{Kind: credo.CauseRescore}, nil); err != nil {
		return nil, err
	}
	return demoDueProcess(ctx, store, cfg, g, in, serious)
}
