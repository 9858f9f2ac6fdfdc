package strictyaml_test

import (
	"bytes"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo/internal/strictyaml"
)

// FuzzDecoder walks any YAML with every reader the decoder has: problems
// are reported at nodes of the file, and Position maps every character of
// every scalar (as CEL reports a place: line from 1, column from 0) to a
// place inside the file.
func FuzzDecoder(f *testing.F) {
	for _, s := range []string{"a: 3\nb: x\n", "c: 1\nb: x\nb: y\n", "b: &x y\na: *x\n", "a: 1\n---\na: 2\n",
		"a: 1\nwhen: >\n  records.size() >\n  2\n", "a: \"x\\ty\\u00e9\"\nb: |\n  one\n  two\n", "a: 'it''s'\nb: [x, y, {c: d}]\n", "a: ~\nb: [1, 2.5, true]\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		file := strictyaml.NewFile("f.yaml", src)
		// YAML's line breaks: LF, CR LF and a CR alone.
		lines := bytes.Count(bytes.ReplaceAll(bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n")), []byte("\r"), []byte("\n")), []byte("\n")) + 1
		d := &strictyaml.Decoder[string]{File: file}
		d.Report = func(n *yaml.Node, at string, p strictyaml.Problem) {
			if n != nil && (n.Line < 1 || n.Line > lines || n.Column < 1) {
				t.Fatalf("problem at %d:%d of a %d-line file: %s", n.Line, n.Column, lines, p.Message)
			}
			if p.Message == "" {
				t.Fatalf("problem without a message: %+v", p)
			}
		}
		root := d.Root()
		if root == nil {
			return
		}
		var walk func(n *yaml.Node, depth int)
		walk = func(n *yaml.Node, depth int) {
			if depth > 50 {
				return
			}
			switch n.Kind {
			case yaml.MappingNode:
				fields := d.Fields(n, "m")
				_ = fields
			case yaml.SequenceNode:
				d.Strs(n, "s")
			case yaml.ScalarNode:
				d.Str(n, "v")
				d.Number(n, "v")
				d.Int(n, "v", -5, 5)
				d.Bool(n, "v")
				vl := bytes.Count([]byte(n.Value), []byte("\n")) + 1
				for l := 1; l <= min(vl, 4); l++ {
					for col := 0; col <= 6; col += 3 {
						line, c := file.Position(n, l, col)
						if line < 1 || line > lines || c < 1 {
							t.Fatalf("Position(%d, %d) of %q at %d:%d = %d:%d in a %d-line file", l, col, n.Value, n.Line, n.Column, line, c, lines)
						}
					}
				}
			}
			for _, c := range n.Content {
				walk(c, depth+1)
			}
		}
		walk(root, 0)
		strictyaml.PeekID(root)
	})
}
