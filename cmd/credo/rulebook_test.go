package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// stricterTax writes a copy of the bundled national tax rulebook (the 2025
// measures), with its tests, in which a late filing costs 25 points, under
// version v.
func stricterTax(t *testing.T, v, effective, expectScore string) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.ReadFile("../../rulebooks/national-tax/rulebook-2025.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(src), `version: "2025.12"`, `version: "`+v+`"`, 1)
	s = strings.Replace(s, "points: -5", "points: -25", 1)
	s = strings.Replace(s, "effective_from: 2025-07-01", "effective_from: "+effective, 1)
	os.WriteFile(filepath.Join(dir, "rulebook.yaml"), []byte(s), 0o644)
	tests := `tests:
  - name: a late filing costs 25
    org: {code: 91110000600037341L, established: 2000-01-01}
    as_of: 2028-05-01T00:00:00Z
    records:
      - {id: 1, category: tax, kind: late_filing, occurred_at: 2027-01-10T00:00:00Z, recorded_at: 2027-01-11T00:00:00Z}
    expect:
      dimensions:
        tax: {score: ` + expectScore + `}
`
	os.WriteFile(filepath.Join(dir, "tests.yaml"), []byte(tests), 0o644)
	return dir
}

func TestRulebookTestCommand(t *testing.T) {
	out, _, err := run(t, "", "rulebook", "test", "../../rulebooks/national-tax", "../../rulebooks/jiangsu-environment/rulebook.yaml")
	if err != nil || !strings.Contains(out, " passed, 0 failed") {
		t.Fatalf("bundled rulebooks: %v\n%s", err, out)
	}
	out, _, err = run(t, "", "rulebook", "test", stricterTax(t, "2026.9", "2026-07-01", "80"))
	if exitCode(err) != 1 || !strings.Contains(out, "FAIL a late filing costs 25") || !strings.Contains(out, "0 passed, 1 failed") {
		t.Fatalf("a failing test must fail the command: %v\n%s", err, out)
	}
	broken := filepath.Join(t.TempDir(), "rulebook.yaml")
	os.WriteFile(broken, []byte("apiVersion: credo/v1\nid: broken\nversion: \"1\"\njurisdiction: national\neffective_from: 2026-01-01\nlegal_basis: x\nmodelled_on: x\ndimensions:\n  - id: tax\n    categories: [tax]\n    grades: [A, D]\n    start: '100.0 +'\n    bands: [{grade: A, min: 90}, {grade: D}]\n"), 0o644)
	_, _, err = run(t, "", "rulebook", "test", broken)
	if err == nil || !strings.Contains(err.Error(), broken+":12:") {
		t.Fatalf("a broken rulebook must be refused with file:line:col: %v", err)
	}
}

func TestRulebookPublishAndDiff(t *testing.T) {
	dir := t.TempDir()
	gen := t.TempDir()
	if _, _, err := run(t, "", "generate", "--subjects", "300", "--records", "4000", "--now", "2026-06-30", "--out", gen); err != nil {
		t.Fatal(err)
	}
	if out, _, err := run(t, "", "import", "--data", dir, gen+"/authorities.ndjson", gen+"/subjects.ndjson", gen+"/records.ndjson"); err != nil {
		t.Fatalf("import: %v %s", err, out)
	}
	stricter := stricterTax(t, "2026.9", "2026-07-01", "75")
	out, _, err := run(t, "", "rulebook", "diff", "--data", dir, "../../rulebooks/national-tax", stricter)
	if err != nil || !strings.Contains(out, "300 organizations") || !strings.Contains(out, "tax:") {
		t.Fatalf("diff: %v\n%s", err, out)
	}
	out, _, err = run(t, "", "rulebook", "publish", "--data", dir, stricter)
	if err != nil || !strings.Contains(out, "published rulebook national-tax 2026.9") || !strings.Contains(out, "regraded 300 organizations") {
		t.Fatalf("publish: %v\n%s", err, out)
	}
	_, _, err = run(t, "", "rulebook", "publish", "--data", dir, stricter)
	if err == nil || !strings.Contains(err.Error(), "already published") {
		t.Fatalf("publishing a version twice must be refused: %v", err)
	}
	out, _, err = run(t, "", "rulebook", "list", "--data", dir)
	if err != nil || !strings.Contains(out, "2026.9") || !strings.Contains(out, "2025.1") {
		t.Fatalf("list: %v\n%s", err, out)
	}
	failing := stricterTax(t, "2026.10", "2026-08-01", "80")
	if out, _, err := run(t, "", "rulebook", "publish", "--data", dir, failing); err == nil || !strings.Contains(err.Error(), "refused") || !strings.Contains(out, "FAIL") {
		t.Fatalf("a rulebook whose tests fail must be refused: %v %s", err, out)
	}
	out, _, _ = run(t, "", "rulebook", "list", "--data", dir)
	if strings.Contains(out, "2026.10") {
		t.Fatal("a refused rulebook was published")
	}
	if out, _, err := run(t, "", "rescore", "--data", dir); err != nil || !strings.Contains(out, "regraded 300 organizations") {
		t.Fatalf("rescore: %v %s", err, out)
	}
}

// A rulebook published before rules had to state their basis no longer
// parses: it stays stored, is named on stderr, and is left out of grading,
// where the bundled versions that replaced it apply.
func TestLegacyPublishedRulebookLeftOut(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store, err := openStore(ctx, storeFlags{data: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	legacy := []byte("apiVersion: credo/v1\nid: national-tax\nversion: \"2025.1\"\neffective_from: 2023-05-01\n" +
		"dimensions:\n  - id: tax\n    categories: [tax]\n    grades: [A, D]\n    start: 100\n    rules:\n" +
		"      - {id: tax.late_filing, legal_basis: x, kinds: [late_filing], points: -5, counts_for: 1y}\n" +
		"    bands: [{grade: A, min: 90}, {grade: D}]\n")
	if err := store.PublishRulebook(ctx, newPublished("national-tax", "2025.1", legacy)); err != nil {
		t.Fatal(err)
	}
	var warn strings.Builder
	set, err := publishedSet(ctx, store, &warn)
	if err != nil {
		t.Fatalf("a legacy version must not stop the server: %v", err)
	}
	if !strings.Contains(warn.String(), "national-tax 2025.1 does not parse") {
		t.Errorf("warning: %q", warn.String())
	}
	for _, rb := range set.Rulebooks() {
		if rb.ID == "national-tax" && rb.Version == "2025.1" {
			t.Error("the legacy version is in the set")
		}
	}
	if _, err := store.Rulebook(ctx, "national-tax", "2025.1"); err != nil {
		t.Errorf("the legacy version is no longer stored: %v", err)
	}
}
