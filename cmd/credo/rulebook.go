package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
)

const rulebookUsage = `usage:
  credo rulebook test PATH...            run the tests beside rulebooks (a rulebook.yaml or its folder)
  credo rulebook publish FILE            store a new version (its tests must pass), then regrade
  credo rulebook diff OLD NEW [--json]   how many organizations would change grade (OLD, NEW: files)
  credo rulebook list                    the published versions`

// rulebookCmd runs the rulebook subcommands.
func (m *Main) rulebookCmd(ctx context.Context, args []string) error {
	sub, args, err := requireSubcommand("rulebook", args, rulebookUsage)
	if err != nil {
		return err
	}
	switch sub {
	case "test":
		return m.rulebookTest(args)
	case "publish":
		return m.rulebookPublish(ctx, args)
	case "diff":
		return m.rulebookDiff(ctx, args)
	case "list":
		return m.rulebookList(ctx, args)
	}
	return &exitError{code: 2, msg: rulebookUsage}
}

// loadFile reads a rulebook from a file, or from the one rulebook*.yaml of
// a folder, returning it and the path of its tests beside it: tests.yaml
// for rulebook.yaml, tests-V.yaml for rulebook-V.yaml.
func loadFile(path string) (*rulebook.Rulebook, string, error) {
	books, tests, err := loadPath(path)
	if err != nil {
		return nil, "", err
	}
	if len(books) != 1 {
		return nil, "", fmt.Errorf("%s holds %d rulebook versions: name one file", path, len(books))
	}
	return books[0], tests[0], nil
}

// loadPath reads a rulebook file, or every rulebook*.yaml of a folder (the
// versions of one rulebook), with the paths of their tests; a folder's
// tests.yaml, when there is one beside versioned files, is included too
// (cases that straddle a change of regime).
func loadPath(path string) ([]*rulebook.Rulebook, []string, error) {
	files := []string{path}
	var extra []string
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		files, _ = filepath.Glob(filepath.Join(path, "rulebook*.yaml"))
		if len(files) == 0 {
			return nil, nil, fmt.Errorf("%s has no rulebook.yaml", path)
		}
		if t := filepath.Join(path, "tests.yaml"); !slices.Contains(files, filepath.Join(path, "rulebook.yaml")) {
			if _, err := os.Stat(t); err == nil {
				extra = append(extra, t)
			}
		}
	}
	var books []*rulebook.Rulebook
	var tests []string
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return nil, nil, err
		}
		rb, err := rulebook.Parse(f, src)
		if err != nil {
			return nil, nil, err
		}
		books = append(books, rb)
		tests = append(tests, filepath.Join(filepath.Dir(f), strings.Replace(filepath.Base(f), "rulebook", "tests", 1)))
	}
	return books, append(tests, extra...), nil
}

// runRulebookTests runs the tests.yaml at path against set, printing each
// failure; it returns the counts.
func (m *Main) runRulebookTests(set *rulebook.Set, path string) (passed, failed int, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, fmt.Errorf("a rulebook ships its tests: %w", err)
	}
	cases, err := rulebook.ParseTests(path, src)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range assess.RunTests(set, cases) {
		if r.Pass {
			passed++
			fmt.Fprintf(m.Stdout, "ok   %s\n", r.Case.Name)
			continue
		}
		failed++
		fmt.Fprintf(m.Stdout, "FAIL %s (%s:%d)\n%s\n", r.Case.Name, r.Case.File, r.Case.Line, indent(r.Diff))
	}
	return passed, failed, nil
}

func (m *Main) rulebookTest(args []string) error {
	fs := m.newFlags("rulebook test", nil)
	paths, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return &exitError{code: 2, msg: "usage: credo rulebook test PATH..."}
	}
	bundled, err := rulebooks.Books()
	if err != nil {
		return err
	}
	var books []*rulebook.Rulebook
	var tests []string
	for _, p := range paths {
		rbs, ts, err := loadPath(p)
		if err != nil {
			return err
		}
		books, tests = append(books, rbs...), append(tests, ts...)
	}
	set, err := rulebook.NewSet(grading.Replace(bundled, books...)...)
	if err != nil {
		return err
	}
	var passed, failed int
	for _, t := range tests {
		p, f, err := m.runRulebookTests(set, t)
		if err != nil {
			return err
		}
		passed, failed = passed+p, failed+f
	}
	fmt.Fprintf(m.Stdout, "rulebook tests: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return &exitError{code: 1}
	}
	return nil
}

func (m *Main) rulebookPublish(ctx context.Context, args []string) error {
	var sf storeFlags
	var noRescore bool
	fs := m.newFlags("rulebook publish", &sf)
	fs.BoolVar(&noRescore, "no-rescore", false, "do not regrade every organization afterwards")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		return &exitError{code: 2, msg: "usage: credo rulebook publish FILE"}
	}
	rb, tests, err := loadFile(files[0])
	if err != nil {
		return err
	}
	store, err := m.openOrCreate(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := publishedSet(ctx, store, m.Stderr); err != nil {
		return err
	}
	published, err := store.Rulebooks(ctx)
	if err != nil {
		return err
	}
	for _, p := range published {
		if p.ID == rb.ID && p.Version == rb.Version {
			return credo.Errorf(credo.ECONFLICT, "rulebook %s version %s is already published; published versions are immutable: give the new one another version", rb.ID, rb.Version)
		}
	}
	set, err := parseSet(append(usable(published, io.Discard), newPublished(rb.ID, rb.Version, rb.Source)))
	if err != nil {
		return err
	}
	passed, failed, err := m.runRulebookTests(set, tests)
	if err != nil {
		return err
	}
	if failed > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("rulebook %s %s refused: %d of its tests fail", rb.ID, rb.Version, failed)}
	}
	if err := store.PublishRulebook(ctx, newPublished(rb.ID, rb.Version, rb.Source)); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "published rulebook %s %s (its %d tests pass)\n", rb.ID, rb.Version, passed)
	if noRescore {
		return nil
	}
	ref := rb.Ref()
	g, err := withLists(store, set)
	if err != nil {
		return err
	}
	return m.rescoreWith(ctx, store, g, credo.Cause{Kind: credo.CauseRulebook, Rulebook: &ref}, "", checkpointPath(sf))
}

func (m *Main) rulebookList(ctx context.Context, args []string) error {
	var sf storeFlags
	fs := m.newFlags("rulebook list", &sf)
	if err := parse(fs, args); err != nil {
		return err
	}
	store, err := openExisting(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	if _, err := publishedSet(ctx, store, m.Stderr); err != nil {
		return err
	}
	published, err := store.Rulebooks(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tVERSION\tPUBLISHED\tSHA-256")
	for _, p := range published {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.ID, p.Version, p.PublishedAt, p.Hash[:16])
	}
	return tw.Flush()
}

func (m *Main) rulebookDiff(ctx context.Context, args []string) error {
	var sf storeFlags
	var asJSON bool
	var samples int
	fs := m.newFlags("rulebook diff", &sf)
	fs.BoolVar(&asJSON, "json", false, "answer in JSON")
	fs.IntVar(&samples, "samples", 3, "sample organizations per dimension and change")
	files, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 2 {
		return &exitError{code: 2, msg: "usage: credo rulebook diff [--data DIR] OLD NEW"}
	}
	oldRB, _, err := loadPath(files[0])
	if err != nil {
		return fmt.Errorf("OLD: %w", err)
	}
	newRB, _, err := loadPath(files[1])
	if err != nil {
		return fmt.Errorf("NEW: %w", err)
	}
	store, err := openExisting(ctx, sf)
	if err != nil {
		return err
	}
	defer store.Close()
	current, err := publishedSet(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	base := current.Rulebooks()
	oldSet, err := rulebook.NewSet(grading.Replace(base, oldRB...)...)
	if err != nil {
		return fmt.Errorf("OLD: %w", err)
	}
	newSet, err := rulebook.NewSet(grading.Replace(base, newRB...)...)
	if err != nil {
		return fmt.Errorf("NEW: %w", err)
	}
	im, err := grading.Diff(ctx, store, oldSet, newSet, time.Now(), samples)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		return enc.Encode(im)
	}
	fmt.Fprintf(m.Stdout, "%d organizations, %d would change grade (as of %s)\n", im.Organizations, im.Changed, im.AsOf.Format(time.RFC3339))
	for _, dim := range sortedKeys(im.Dimensions) {
		fmt.Fprintf(m.Stdout, "\n%s:\n", dim)
		printMatrix(m, im.Dimensions[dim], "  ")
		for _, s := range im.Dimensions[dim].Samples {
			fmt.Fprintf(m.Stdout, "  e.g. %s: %s → %s\n", s.Code, or(s.From, "(not graded)"), or(s.To, "(not graded)"))
			if s.Explanation != nil {
				for _, c := range s.Explanation.Contributions {
					fmt.Fprintf(m.Stdout, "       %-28s %+6.1f %s %s\n", c.Rule, c.Points, c.Grade, c.Reason)
				}
			}
		}
	}
	fmt.Fprintln(m.Stdout, "\nby province (changes only):")
	for _, prov := range sortedKeys(im.Provinces) {
		for _, dim := range sortedKeys(im.Provinces[prov]) {
			for from, tos := range im.Provinces[prov][dim].Counts {
				for to, n := range tos {
					if from != to {
						fmt.Fprintf(m.Stdout, "  %s %-14s %s → %s: %d\n", prov, dim, or(from, "-"), or(to, "-"), n)
					}
				}
			}
		}
	}
	return nil
}

func printMatrix(m *Main, x *grading.ImpactMatrix, pre string) {
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	for _, from := range sortedKeys(x.Counts) {
		for _, to := range sortedKeys(x.Counts[from]) {
			fmt.Fprintf(tw, "%s%s → %s\t%d\n", pre, or(from, "-"), or(to, "-"), x.Counts[from][to])
		}
	}
	tw.Flush()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func indent(s string) string {
	return "     " + strings.ReplaceAll(strings.TrimRight(s, "\n"), "\n", "\n     ")
}
