package lists_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/credo-registry/credo/lists"
)

// FuzzParse: a list definition or measures file parses, or every error is
// at a place in it (file:line:col, the line one of the file's) — never a
// panic, never both a catalogue and an error. The seeds are the bundled
// lists and measures.
func FuzzParse(f *testing.F) {
	files, err := lists.BundledFiles()
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range files {
			if !yield(n) {
				return
			}
		}
	}) {
		f.Add(files[name])
	}
	f.Add([]byte("id: x\nid: y\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("id: red\ntrigger:\n  when: |\n    records.exists(r, r.kind ==\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		cat, err := lists.Parse(map[string][]byte{"f.yaml": src})
		if (cat == nil) == (err == nil) {
			t.Fatalf("Parse: catalogue %v and error %v", cat != nil, err)
		}
		lines := bytes.Count(src, []byte("\n")) + 1
		for _, e := range lists.Errors(err) {
			if e.File != "f.yaml" || e.Line < 1 || e.Col < 1 || e.Line > lines {
				t.Fatalf("error not at a place in the file (%d lines): %q", lines, e)
			}
		}
		if err != nil && len(lists.Errors(err)) == 0 {
			t.Fatalf("error without a place: %v", err)
		}
	})
}
