package rulebook_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/credo-registry/credo/rulebook"
)

// FuzzParse checks that no input makes Parse or ParseTests panic, and that
// every error they return is positioned.
func FuzzParse(f *testing.F) {
	f.Add(edit(nil))
	f.Add(env(`"1"`, "2024-01-01"))
	f.Add(overlay("js", "env", `["32"]`, "    disable: [env.penalty]"))
	f.Add([]byte(publicitySrc))
	f.Add([]byte(testsSrc))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("when: |\n  x\n"))
	// Small files only: a large seed makes each run and the minimization
	// of what it finds slow.
	files, _ := filepath.Glob("../assess/testdata/*.yaml")
	for _, name := range files {
		if src, err := os.ReadFile(name); err == nil && len(src) < 2000 {
			f.Add(src)
		}
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		rb, err := rulebook.Parse("f.yaml", src)
		if (rb == nil) == (err == nil) {
			t.Fatalf("Parse: rulebook %v and error %v", rb != nil, err)
		}
		for _, e := range rulebook.Errors(err) {
			if e.File != "f.yaml" || e.Line < 1 || e.Col < 1 {
				t.Fatalf("unpositioned error %q", e)
			}
		}
		if rb != nil {
			_, _ = rulebook.NewSet(rb)
		}
		_, err = rulebook.ParseTests("f.yaml", src)
		for _, e := range rulebook.Errors(err) {
			if e.Line < 1 || e.Col < 1 {
				t.Fatalf("unpositioned error %q", e)
			}
		}
	})
}
