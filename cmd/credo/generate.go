package main

import (
	"context"
	"fmt"
	"os"

	"github.com/credo-registry/credo/demo"
)

// generate writes the demo generator's registry as NDJSON files that
// `credo import` loads: authorities.ndjson, subjects.ndjson, records.ndjson,
// annual-reports.ndjson.
func (m *Main) generate(_ context.Context, args []string) error {
	var df demoFlags
	var out string
	fs := m.demoFlagSet("generate", &df, nil)
	fs.StringVar(&out, "out", "", "output folder")
	if err := parse(fs, args); err != nil {
		return err
	}
	if out == "" {
		return &exitError{code: 2, msg: "usage: credo generate --subjects N --out DIR [--records N] [--seed S]"}
	}
	cfg, err := df.config()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if err := demo.WriteNDJSON(cfg, out); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote %s/authorities.ndjson, subjects.ndjson, records.ndjson and annual-reports.ndjson (seed %d, %d organizations)\n", out, cfg.Seed, cfg.Subjects)
	return nil
}
