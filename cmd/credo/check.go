package main

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/credo-registry/credo/store/storecheck"
)

// check verifies the registry's consistency (package storecheck) and
// prints every problem, one a line; exit status 1 when there is one.
func (m *Main) check(ctx context.Context, args []string) error {
	var sf storeFlags
	var sample int
	var asJSON bool
	fs := m.newFlags("check", &sf)
	fs.IntVar(&sample, "sample", 0, "recompute the grades of about N organizations, spread over the registry (0: every organization)")
	fs.BoolVar(&asJSON, "json", false, "print the report as JSON")
	if err := parse(fs, args); err != nil {
		return err
	}
	if sample < 0 {
		return &exitError{code: 2, msg: "check: --sample must not be negative"}
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
	rep, err := storecheck.Check(ctx, store, g, storecheck.Options{Sample: sample})
	if err != nil {
		return fmt.Errorf("check stopped (the store could not be read): %w", err)
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		for _, p := range rep.Problems {
			fmt.Fprintln(m.Stdout, p)
		}
		kinds := make([]string, 0, len(rep.Omitted))
		for k := range rep.Omitted {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			fmt.Fprintf(m.Stdout, "%s: %d more problems not shown\n", k, rep.Omitted[k])
		}
		verdict := "ok"
		if !rep.OK() {
			verdict = fmt.Sprintf("%d problems", len(rep.Problems)+sum(rep.Omitted))
		}
		fmt.Fprintf(m.Stdout, "%s: %d records, %d organizations (%d subject versions), %d list entries, %d cases, %d assessments, %d grades recomputed, %d due by time\n",
			verdict, rep.Records, rep.Organizations, rep.Subjects, rep.Entries, rep.Cases, rep.Assessments, rep.Recomputed, rep.Due)
	}
	if !rep.OK() {
		return &exitError{code: 1}
	}
	return nil
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
