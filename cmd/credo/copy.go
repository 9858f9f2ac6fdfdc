package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/storecopy"
)

// copy moves a registry from one backend to another (typically the embedded
// store into PostgreSQL), resumably, and verifies the result.
func (m *Main) copy(ctx context.Context, args []string) error {
	var from, to string
	fs := m.newFlags("copy", nil)
	fs.StringVar(&from, "from", "", "source: a data folder or a postgres:// URL")
	fs.StringVar(&to, "to", "", "target: a postgres:// URL or a data folder")
	if err := parse(fs, args); err != nil {
		return err
	}
	if from == "" || to == "" {
		return &exitError{code: 2, msg: "usage: credo copy --from DATA_DIR --to postgres://..."}
	}
	src, err := openExisting(ctx, locate(from))
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	defer src.Close()
	dst, err := m.openOrCreate(ctx, locate(to))
	if err != nil {
		return fmt.Errorf("--to: %w", err)
	}
	defer dst.Close()
	report, err := storecopy.Copy(ctx, src, dst, func(p storecopy.Progress) {
		fmt.Fprintf(m.Stderr, "\r%v", p)
	})
	fmt.Fprintln(m.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "copied and verified: %+v\n", report)
	// Assessments are not copied but recomputed on the target.
	g, err := newGrading(ctx, dst, m.Stderr)
	if err != nil {
		return err
	}
	return m.rescoreWith(ctx, dst, g, credo.Cause{Kind: credo.CauseRescore}, "", checkpointPath(locate(to)))
}

func locate(s string) storeFlags {
	if strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://") {
		return storeFlags{db: s}
	}
	return storeFlags{data: s}
}
