package strictyaml_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo/internal/strictyaml"
)

// read decodes src's top mapping with fields a and b, and returns the
// problems as "line:col kind key: message".
func read(src string) []string {
	var got []string
	d := &strictyaml.Decoder[string]{File: strictyaml.NewFile("f.yaml", []byte(src))}
	d.Report = func(n *yaml.Node, at string, p strictyaml.Problem) {
		line, col := 1, 1
		if n != nil {
			line, col = n.Line, n.Column
		}
		got = append(got, fmt.Sprintf("%d:%d %d %s: %s", line, col, p.Kind, p.Key, p.Message))
	}
	if root := d.Root(); root != nil {
		f := d.Fields(root, "top", "a", "b")
		if f != nil && d.Required(f, "a", root, "top") {
			d.Int(f.Val("a"), "a", 1, 9)
		}
	}
	return got
}

func TestDecoder(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []string
	}{
		{"good", "a: 3\nb: x\n", nil},
		{"empty", "", []string{"1:1 1 : the file is empty"}},
		{"two documents", "a: 1\n---\na: 2\n", []string{"2:1 1 : a file holds one YAML document; this is a second one"}},
		{"parser error on its line", "a: 1\nb: [x\n", []string{"2:1 1 : YAML syntax error: did not find expected ',' or ']'"}},
		{"unknown, repeated, missing", "c: 1\nb: x\nb: y\n", []string{
			"1:1 3 c: unknown field \"c\" (known: a, b)",
			"3:1 4 b: repeats the field on line 2",
			"1:1 5 a: is required"}},
		{"alias", "b: &x y\na: *x\n", []string{"2:4 2 a: YAML aliases are not supported; write the value out", "1:1 5 a: is required"}},
		{"out of range", "a: 10\n", []string{"1:4 0 : must be a whole number from 1 to 9, not \"10\""}},
		{"not a mapping", "[a]\n", []string{"1:1 0 : must be a mapping"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := read(c.src); !slices.Equal(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}

func TestPosition(t *testing.T) {
	src := "a: 1\nwhen: >\n  records.size() >\n  2\n"
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		t.Fatal(err)
	}
	n := root.Content[0].Content[3] // the folded value "records.size() > 2\n"
	f := strictyaml.NewFile("f.yaml", []byte(src))
	for _, c := range []struct{ col, wantLine, wantCol int }{{0, 3, 3}, {8, 3, 11}, {17, 4, 3}} {
		if l, col := f.Position(n, 1, c.col); l != c.wantLine || col != c.wantCol {
			t.Errorf("Position(1, %d) = %d:%d, want %d:%d", c.col, l, col, c.wantLine, c.wantCol)
		}
	}
}

// Found by FuzzDecoder: a construct left open at the end of the file was
// reported on a line after the last.
func TestSyntaxErrorAtEnd(t *testing.T) {
	for src, want := range map[string]string{
		"[":          "1:1 1 : YAML syntax error: did not find expected node content",
		"a: 1\nb: [": "2:1 1 : YAML syntax error: did not find expected node content",
	} {
		if got := read(src); len(got) != 1 || got[0] != want {
			t.Errorf("%q: got %q, want %q", src, got, want)
		}
	}
}

// Found by FuzzDecoder: the YAML library puts the empty key and value of
// "?" on the line after the last; problems with them are at the end of
// the file.
func TestNodesPastTheEnd(t *testing.T) {
	got := read("?")
	if len(got) == 0 {
		t.Fatal("no problem reported")
	}
	for _, p := range got {
		if !strings.HasPrefix(p, "1:") {
			t.Errorf("%q is not on the file's one line", p)
		}
	}
}

// Found by FuzzDecoder: a file whose lines end in a CR alone (old Mac
// line ends), which YAML counts as line breaks, had its positions past
// the end of the file, and Position sliced past it.
func TestCarriageReturnLines(t *testing.T) {
	for _, src := range []string{"a: 1\rb: x\r", "a: 1\r\nb: x\r\n"} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(src), &root); err != nil {
			t.Fatal(err)
		}
		n := root.Content[0].Content[3] // x
		f := strictyaml.NewFile("f.yaml", []byte(src))
		if l, col := f.Position(n, 1, 0); l != 2 || col != 4 {
			t.Errorf("%q: Position(1, 0) = %d:%d, want 2:4", src, l, col)
		}
	}
	// A node placed at the end of its line (as the parser places the
	// quoted empty value of "\r\"\"" when it reads the CR as a space):
	// Position stays inside the file.
	src := "\r\"\""
	n := &yaml.Node{Kind: yaml.ScalarNode, Style: yaml.DoubleQuotedStyle, Line: 1, Column: 4}
	f := strictyaml.NewFile("f.yaml", []byte(src))
	for _, col := range []int{0, 3} {
		if l, c := f.Position(n, 1, col); l < 1 || l > 2 || c < 1 {
			t.Errorf("%q: Position(1, %d) = %d:%d, outside the file", src, col, l, c)
		}
	}
}
