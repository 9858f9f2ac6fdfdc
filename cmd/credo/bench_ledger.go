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
	"github.com/credo-registry/credo/internal/cputime"
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
	rounds := 3
	fs.IntVar(&rounds, "rounds", rounds, "import rounds; each imports once with the ledger and once without, alternating which goes first")
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
	// The arms alternate (off, on, then on, off, ...) so that a change of
	// the machine's load during the run weighs on both; each arm's CPU
	// time (the process's, the integrator's included) is measured beside
	// its wall time, which a shared machine's load distorts.
	var offWall, onWall, offCPU, onCPU []time.Duration
	var onDir string
	for round := range rounds {
		arms := []bool{false, true}
		if round%2 == 1 {
			arms = []bool{true, false}
		}
		for _, on := range arms {
			dir := filepath.Join(dir, fmt.Sprintf("arm-%d-%v", round, on))
			var alongside func(context.Context, credo.Store)
			if on {
				alongside, onDir = integrate, dir
			}
			fmt.Fprintf(m.Stderr, "round %d: importing, ledger %s ...\n", round+1, map[bool]string{false: "off", true: "on"}[on])
			cpu0 := cputime.Self()
			wall, err := m.timedImport(ctx, storeFlags{data: dir}, gen, batch, alongside)
			if err != nil {
				return err
			}
			cpu := cputime.Self() - cpu0
			if on {
				onWall, onCPU = append(onWall, wall), append(onCPU, cpu)
			} else {
				offWall, offCPU = append(offWall, wall), append(offCPU, cpu)
			}
		}
	}
	off, on := median(offWall), median(onWall)

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
	fmt.Fprintf(tw, "on / off (median wall time of %d rounds)\t%.2f\t\n", rounds, off.Seconds()/on.Seconds())
	fmt.Fprintf(tw, "import CPU per record, ledger off\t%s\t\n", (median(offCPU) / time.Duration(n)).Round(10*time.Nanosecond))
	fmt.Fprintf(tw, "import CPU per record, ledger on\t%s\t\n", (median(onCPU) / time.Duration(n)).Round(10*time.Nanosecond))
	fmt.Fprintf(tw, "on / off (CPU time)\t%.2f\t\n", median(offCPU).Seconds()/median(onCPU).Seconds())
	fmt.Fprintf(tw, "leaves left after the import, integrated in\t%d in %s\t\n", leaves, catchUp.Round(time.Millisecond))
	fmt.Fprintf(tw, "commit to checkpoint p50\t%s\t\n", pct(0.5).Round(time.Millisecond))
	fmt.Fprintf(tw, "commit to checkpoint p99\t%s\t\n", pct(0.99).Round(time.Millisecond))
	fmt.Fprintf(tw, "inclusion proofs/s (tree of %d)\t%.0f\t\n", size, float64(proofs)/proofTime.Seconds())
	return tw.Flush()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
