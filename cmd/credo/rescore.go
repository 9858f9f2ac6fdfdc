package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
)

// rescore regrades every organization under the published rulebooks. It
// keeps a checkpoint (the last organization stored) so that --resume
// continues an interrupted run.
func (m *Main) rescore(ctx context.Context, args []string) error {
	var sf storeFlags
	var resume bool
	fs := m.newFlags("rescore", &sf)
	fs.BoolVar(&resume, "resume", false, "continue after the last organization an interrupted rescore stored")
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openExisting(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	g, err := newGrading(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	after := ""
	if resume {
		if b, err := os.ReadFile(checkpointPath(sf)); err == nil {
			after = strings.TrimSpace(string(b))
		}
	}
	return m.rescoreWith(ctx, store, g, credo.Cause{Kind: credo.CauseRescore}, after, checkpointPath(sf))
}

func checkpointPath(sf storeFlags) string {
	if sf.db != "" {
		return "credo-rescore.checkpoint"
	}
	return filepath.Join(sf.data, "rescore.checkpoint")
}

// rescoreWith regrades every organization after the code after with
// cause, keeping the last code stored in the file checkpoint.
func (m *Main) rescoreWith(ctx context.Context, store credo.Store, g *grading.Service, cause credo.Cause, after, checkpoint string) error {
	st, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	var bar *progressbar.ProgressBar
	if tty, ok := m.Stderr.(*os.File); ok && term.IsTerminal(int(tty.Fd())) {
		bar = progressbar.NewOptions64(st.Organizations, progressbar.OptionSetWriter(tty),
			progressbar.OptionSetDescription("regrading"), progressbar.OptionShowCount(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	start := time.Now()
	last := 0
	n, err := g.Rescore(ctx, after, cause, func(code string, done int) {
		os.WriteFile(checkpoint, []byte(code+"\n"), 0o644)
		if bar != nil {
			bar.Add(done - last)
		}
		last = done
	})
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return fmt.Errorf("rescore stopped after %d organizations (run again with --resume): %w", n, err)
	}
	os.Remove(checkpoint)
	el := time.Since(start)
	fmt.Fprintf(m.Stdout, "regraded %d organizations in %.1fs (%.0f/s)\n", n, el.Seconds(), float64(n)/max(el.Seconds(), 1e-9))
	return nil
}
