package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
)

// benchLedger measures what the ledger costs and gives, on the embedded
// store: import throughput with the integrator running beside it and
// without, in the same run; the time from a commit to a checkpoint that
// includes it; and inclusion proofs answered per second.
func (m *Main) benchLedger(ctx context.Context, args []string) error {
	var n, batch, samples int
	var proofTime time.Duration
	fs := m.newFlags("bench ledger", nil)
	fs.IntVar(&n, "records", 200_000, "records to import in each arm")
	fs.IntVar(&batch, "batch", 10_000, "records per durable write")
	fs.IntVar(&samples, "samples", 40, "commits timed to their checkpoint")
	fs.DurationVar(&proofTime, "proof-time", 3*time.Second, "how long to ask for inclusion proofs")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "credo-bench-ledger-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	cfg := demo.Config{Seed: 1, Subjects: max(1, n/12), Records: n, Now: credo.NewDate(time.Now()).Time}
	fmt.Fprintf(m.Stderr, "generating %d records ...\n", n)
	gen := filepath.Join(dir, "data")
	if err := demo.WriteNDJSON(cfg, gen); err != nil {
		return err
	}
	lf := ledgerFlags{origin: "bench.credo"}
	integrate := func(ctx context.Context, store credo.Store) {
		l, _, err := openLedger(ctx, store, lf)
		if err != nil {
			fmt.Fprintln(m.Stderr, "ledger:", err)
			return
		}
		l.Run(ctx, IntegrateInterval, func(err error) { fmt.Fprintln(m.Stderr, "integrating:", err) })
	}
	fmt.Fprintln(m.Stderr, "importing, ledger off ...")
	off, err := m.timedImport(ctx, storeFlags{data: filepath.Join(dir, "off")}, gen, batch, nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stderr, "importing, ledger on ...")
	onDir := filepath.Join(dir, "on")
	on, err := m.timedImport(ctx, storeFlags{data: onDir}, gen, batch, integrate)
	if err != nil {
		return err
	}

	store, err := openStore(ctx, storeFlags{data: onDir})
	if err != nil {
		return err
	}
	defer store.Close()
	l, _, err := openLedger(ctx, store, lf)
	if err != nil {
		return err
	}
	start := time.Now()
	leaves, err := l.Integrate(ctx) // what the import left for the last tick
	if err != nil {
		return err
	}
	catchUp := time.Since(start)

	// Commit → checkpoint, with the integrator as credo serve runs it.
	fmt.Fprintf(m.Stderr, "timing %d commits to their checkpoint ...\n", samples)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.Run(rctx, IntegrateInterval, nil); close(done) }()
	var lat []time.Duration
	for i := range samples {
		time.Sleep(time.Duration(rand.IntN(500)) * time.Millisecond) // commits at no phase of the tick
		t0 := time.Now()
		if _, err := store.AppendChanges(ctx, []*credo.Change{{Type: "bench", Ref: fmt.Sprint(i), At: credo.NewTime(t0), Data: []byte(`{}`)}}); err != nil {
			cancel()
			return err
		}
		size, _, err := store.LedgerSize(ctx)
		if err != nil {
			cancel()
			return err
		}
		for {
			cur, _, err := store.LedgerSize(ctx)
			if err != nil {
				cancel()
				return err
			}
			if cur > size {
				break
			}
			time.Sleep(2 * time.Millisecond)
		}
		lat = append(lat, time.Since(t0))
	}
	cancel()
	<-done
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }

	// Inclusion proofs for random leaves of the whole tree.
	size, _, err := store.LedgerSize(ctx)
	if err != nil {
		return err
	}
	proofs := 0
	for start := time.Now(); time.Since(start) < proofTime; proofs++ {
		if _, err := l.InclusionProof(ctx, uint64(rand.Int64N(size)), uint64(size)); err != nil {
			return err
		}
	}

	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "what\tvalue\t")
	fmt.Fprintf(tw, "import, ledger off (records/s)\t%.0f\t\n", float64(n)/off.Seconds())
	fmt.Fprintf(tw, "import, ledger on (records/s)\t%.0f\t\n", float64(n)/on.Seconds())
	fmt.Fprintf(tw, "on / off\t%.2f\t\n", off.Seconds()/on.Seconds())
	fmt.Fprintf(tw, "leaves left after the import, integrated in\t%d in %s\t\n", leaves, catchUp.Round(time.Millisecond))
	fmt.Fprintf(tw, "commit to checkpoint p50\t%s\t\n", pct(0.5).Round(time.Millisecond))
	fmt.Fprintf(tw, "commit to checkpoint p99\t%s\t\n", pct(0.99).Round(time.Millisecond))
	fmt.Fprintf(tw, "inclusion proofs/s (tree of %d)\t%.0f\t\n", size, float64(proofs)/proofTime.Seconds())
	return tw.Flush()
}
