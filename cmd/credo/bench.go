package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/bench"
	"github.com/credo-registry/credo/demo"
)

// bench runs a named benchmark. Timings are printed, never asserted.
func (m *Main) bench(ctx context.Context, args []string) error {
	const use = "usage: credo bench import [--records N] [--db postgres://...] | bench rescore [--subjects N] [--per-subject N] | bench annual [--subjects N] [--per-subject N] | bench load [--duration D] [--rate N] [--db postgres://...] | bench match [--subjects N] [--rows N] [--dir DIR] [--person-key-file FILE] | bench ledger [--records N] | bench portal [--subjects N] [--clients N] [--requests N] | bench scale [--subjects N] [--per-subject N] [--doc FILE] [--profiles DIR]"
	sub, args, err := requireSubcommand("bench", args, use)
	if err != nil {
		return err
	}
	switch sub {
	case "import":
		return m.benchImport(ctx, args)
	case "rescore":
		return m.benchRescore(ctx, args)
	case "annual":
		return m.benchAnnual(ctx, args)
	case "load":
		return m.benchLoad(ctx, args)
	case "match":
		return m.benchMatch(ctx, args)
	case "ledger":
		return m.benchLedger(ctx, args)
	case "portal":
		return m.benchPortal(ctx, args)
	case "scale":
		return m.benchScale(ctx, args)
	}
	return &exitError{code: 2, msg: use}
}

// benchImport loads generated records into an empty store through the
// import path (validation and durability included) and, in the same run,
// inserts the same rows with the bare drivers.
func (m *Main) benchImport(ctx context.Context, args []string) error {
	var n, batch int
	var db, dir string
	var bare bool
	fs := m.newFlags("bench import", nil)
	fs.IntVar(&n, "records", 2_000_000, "records to load")
	fs.IntVar(&batch, "batch", 10_000, "records per durable write")
	fs.StringVar(&db, "db", "", "also measure PostgreSQL at this URL (a fresh schema is used and dropped)")
	fs.StringVar(&dir, "dir", "", "scratch folder (default a temporary one, removed afterwards)")
	fs.BoolVar(&bare, "bare", true, "also measure the bare drivers")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, removeScratch, err := scratch(dir)
	if err != nil {
		return err
	}
	defer removeScratch()
	cfg := demo.Config{Seed: 1, Subjects: max(1, n/12), Records: n, Now: credo.NewDate(time.Now()).Time}
	fmt.Fprintf(m.Stderr, "generating %d records ...\n", n)
	gen := filepath.Join(dir, "data")
	if err := demo.WriteNDJSON(cfg, gen); err != nil {
		return err
	}
	var results []benchResult

	run := func(name string, sf storeFlags) error {
		fmt.Fprintf(m.Stderr, "importing into %s ...\n", name)
		elapsed, err := m.timedImport(ctx, sf, gen, batch, nil)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		results = append(results, benchResult{name, n, elapsed})
		return nil
	}
	if err := run("credo import, embedded SQLite", storeFlags{data: filepath.Join(dir, "sqlite")}); err != nil {
		return err
	}
	if db != "" {
		scratch, drop, err := bench.ScratchSchema(ctx, db)
		if err != nil {
			return err
		}
		defer drop()
		if err := run("credo import, PostgreSQL", storeFlags{db: scratch}); err != nil {
			return err
		}
	}
	if bare {
		recs, err := benchRecords(cfg)
		if err != nil {
			return err
		}
		rows, err := bench.Rows(recs)
		if err != nil {
			return err
		}
		recs = nil
		for _, after := range []bool{false, true} {
			name := "bare SQLite driver, index maintained"
			if after {
				name = "bare SQLite driver, index built after"
			}
			fmt.Fprintf(m.Stderr, "%s ...\n", name)
			d, err := bench.BareSQLite(ctx, dir, rows, batch, after)
			if err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			results = append(results, benchResult{name, n, d})
		}
		if db != "" {
			fmt.Fprintln(m.Stderr, "bare PostgreSQL COPY ...")
			d, err := bench.BarePostgres(ctx, db, rows, batch)
			if err != nil {
				return fmt.Errorf("bare COPY: %w", err)
			}
			results = append(results, benchResult{"bare PostgreSQL COPY, index maintained", n, d})
		}
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\trecords\tseconds\trecords/s\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%d\t%.2f\t%.0f\t\n", r.name, r.n, r.d.Seconds(), float64(r.n)/r.d.Seconds())
	}
	return tw.Flush()
}

type benchResult struct {
	name string
	n    int
	d    time.Duration
}

// timedImport imports the generated folder into an empty store, timing
// only the records file (authorities and subjects are loaded first).
// alongside, when set, runs beside the import until it ends (the ledger's
// integrator, for bench ledger).
func (m *Main) timedImport(ctx context.Context, sf storeFlags, gen string, batch int, alongside func(context.Context, credo.Store)) (time.Duration, error) {
	store, err := openStore(ctx, sf)
	if err != nil {
		return 0, err
	}
	defer store.Close()
	if alongside != nil {
		actx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { alongside(actx, store); close(done) }()
		defer func() { cancel(); <-done }()
	}
	if st, err := store.Stats(ctx); err != nil {
		return 0, err
	} else if st.Records != 0 {
		return 0, fmt.Errorf("the store is not empty (%d records)", st.Records)
	}
	// The write path as credo import builds it: the import regrades what
	// it stored, so the time includes grading.
	pl, err := m.newPipeline(ctx, store, sf)
	if err != nil {
		return 0, err
	}
	var elapsed time.Duration
	for _, name := range []string{"authorities", "subjects", "records"} {
		imp := &importer{m: m, in: pl.Ingester, grading: pl.Grading, store: store, batch: batch, kind: name, path: filepath.Join(gen, name+".ndjson"), bulk: true}
		sum, err := imp.run(ctx)
		if err != nil {
			return 0, err
		}
		if sum.refused > 0 {
			return 0, fmt.Errorf("%d %s refused (see %s)", sum.refused, name, sum.refusedFile)
		}
		elapsed = sum.elapsed
	}
	return elapsed, nil
}

// benchRecords are the generated records as the store receives them.
func benchRecords(cfg demo.Config) ([]*credo.Record, error) {
	now := credo.NewTime(time.Now())
	var recs []*credo.Record
	err := demo.Records(cfg, func(r *credo.Record) error {
		r.Normalize()
		r.RecordedAt = now
		recs = append(recs, r)
		return nil
	})
	return recs, err
}

// scratch returns dir, or a new temporary folder when dir is empty, and
// what removes the folder it made (nothing when dir was given).
func scratch(dir string) (string, func(), error) {
	return scratchNamed(dir, "credo-bench-")
}

// scratchNamed is scratch, a temporary folder's name starting with prefix.
func scratchNamed(dir, prefix string) (string, func(), error) {
	if dir != "" {
		return dir, func() {}, nil
	}
	tmp, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", nil, err
	}
	return tmp, func() { os.RemoveAll(tmp) }, nil
}

// scratchRegistry is where a benchmark's server (bench load, bench
// portal) keeps its registry: in dir (a temporary folder named prefix...
// when empty), the data in dir/data or, with db, in a fresh schema of
// that PostgreSQL; the person-key secret in dir/person-key, whichever the
// backend. remove drops the schema, then a temporary folder.
func scratchRegistry(ctx context.Context, dir, db, prefix string) (_ string, sf storeFlags, remove func(), err error) {
	dir, removeDir, err := scratchNamed(dir, prefix)
	if err != nil {
		return "", storeFlags{}, nil, err
	}
	sf = storeFlags{data: filepath.Join(dir, "data"), personKey: filepath.Join(dir, "person-key")}
	if db == "" {
		return dir, sf, removeDir, nil
	}
	schema, drop, err := bench.ScratchSchema(ctx, db)
	if err != nil {
		removeDir()
		return "", storeFlags{}, nil, err
	}
	sf.db = schema
	return dir, sf, func() { drop(); removeDir() }, nil
}

// serveArgs are the arguments of `credo serve` on a free local port over
// sf's registry.
func (sf storeFlags) serveArgs() []string {
	args := []string{"serve", "--addr", "127.0.0.1:0", "--person-key-file", sf.personKey}
	if sf.db != "" {
		return append(args, "--db", sf.db)
	}
	return append(args, "--data", sf.data)
}

// loadDemoRecords bulk loads cfg's generated records into store, normalized
// and recorded at now, 10,000 a batch.
func loadDemoRecords(ctx context.Context, store credo.BulkLoader, cfg demo.Config, now credo.Time) error {
	return store.BulkLoad(ctx, func(appendRecords func([]*credo.Record) ([]credo.Outcome, error)) error {
		var batch []*credo.Record
		err := demo.Records(cfg, func(r *credo.Record) error {
			r.Normalize()
			r.RecordedAt = now
			if batch = append(batch, r); len(batch) == 10_000 {
				_, err := appendRecords(batch)
				batch = batch[:0]
				return err
			}
			return nil
		})
		if err == nil && len(batch) > 0 {
			_, err = appendRecords(batch)
		}
		return err
	})
}
