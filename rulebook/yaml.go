package rulebook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
)

// decoder walks a YAML document strictly: every mapping key must be known,
// no key may repeat, and every problem is reported with its position.
type decoder struct {
	file  string
	src   []byte
	lines []int // byte offset of the start of each line
	errs  errorList
}

func newDecoder(file string, src []byte) *decoder {
	d := &decoder{file: file, src: src, lines: []int{0}}
	for i, c := range src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	return d
}

// root parses src and returns its single document's top node, or nil after
// reporting a syntax error.
func (d *decoder) root() *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(d.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errs.add(&Error{File: d.file, Line: 1, Col: 1, Message: "the file is empty"})
			return nil
		}
		d.syntaxError(err)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.errorf(&next, "", "a file holds one YAML document; this is a second one")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.errs.add(&Error{File: d.file, Line: 1, Col: 1, Message: "the file is empty"})
		return nil
	}
	return doc.Content[0]
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError reports a YAML parse error. The YAML library gives a line
// but no column (so the column is 1), and for a parser error (as opposed
// to a scanner error) the line is counted from 0 and is that of the
// construct the error is in.
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if !isScannerProblem(msg) {
			line++
		}
	} else if len(msg) > 6 && msg[:6] == "yaml: " {
		msg = msg[6:]
	}
	d.errs.add(&Error{File: d.file, Line: line, Col: 1, Message: "YAML syntax error: " + msg})
}

// isScannerProblem reports whether a YAML error message is the scanner's.
func isScannerProblem(msg string) bool {
	for _, p := range []string{"block sequence entries are not allowed", "could not find expected", "did not find URI",
		"did not find expected '!'", "did not find expected alphabetic", "did not find expected comment",
		"did not find expected digit", "did not find expected hexdecimal", "did not find expected tag URI",
		"did not find expected version", "did not find expected whitespace", "did not find the expected '>'",
		"exceeded max depth", "found a tab character", "found an incorrect", "found an indentation indicator",
		"found character that cannot start", "found extremely long", "found invalid Unicode", "found unexpected",
		"found unknown", "mapping keys are not allowed", "mapping values are not allowed", "invalid leading UTF-8",
		"invalid trailing UTF-8", "control characters are not allowed", "incomplete UTF-8", "invalid Unicode"} {
		if strings.HasPrefix(msg, p) {
			return true
		}
	}
	return false
}

// peekID returns the id of a rule-like mapping, for the errors about it.
func peekID(n *yaml.Node) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k, v := n.Content[i], n.Content[i+1]; k.Value == "id" && v.Kind == yaml.ScalarNode {
			return v.Value
		}
	}
	return ""
}

func (d *decoder) errorf(n *yaml.Node, rule, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs.add(&Error{File: d.file, Line: line, Col: col, Rule: rule, Message: fmt.Sprintf(format, args...)})
}

// field is one key of a mapping with its value.
type field struct {
	key, val *yaml.Node
}

// fields returns the keys of mapping n, reporting keys not in known,
// repeated keys and aliases. It returns nil (after reporting) when n is not
// a mapping.
func (d *decoder) fields(n *yaml.Node, rule, what string, known ...string) map[string]field {
	if !d.kind(n, yaml.MappingNode, rule, what) {
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, rule, "%s: keys must be plain names", what)
			continue
		}
		if !slices.Contains(known, k.Value) {
			d.errorf(k, rule, "%s: unknown field %q (known: %s)", what, k.Value, strings.Join(known, ", "))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			d.errorf(k, rule, "%s: field %q repeats the one on line %d", what, k.Value, prev.key.Line)
			continue
		}
		if v.Kind == yaml.AliasNode {
			d.errorf(v, rule, "YAML aliases are not supported; write the value out")
			continue
		}
		out[k.Value] = field{k, v}
	}
	return out
}

// kind checks that n is of kind k.
func (d *decoder) kind(n *yaml.Node, k yaml.Kind, rule, what string) bool {
	if n.Kind == k {
		return true
	}
	if n.Kind == yaml.AliasNode {
		d.errorf(n, rule, "YAML aliases are not supported; write the value out")
		return false
	}
	want := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}[k]
	d.errorf(n, rule, "%s must be %s", what, want)
	return false
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// required reports a missing field at the mapping's position and returns
// whether it is present.
func (d *decoder) required(f map[string]field, name string, at *yaml.Node, rule, what string) bool {
	if fl, ok := f[name]; ok && !isNull(fl.val) {
		return true
	}
	d.errorf(at, rule, "%s: %s is required", what, name)
	return false
}

// str returns the text of a scalar ("" for null).
func (d *decoder) str(n *yaml.Node, rule, what string) string {
	if n == nil || isNull(n) || !d.kind(n, yaml.ScalarNode, rule, what) {
		return ""
	}
	if !utf8.ValidString(n.Value) {
		d.errorf(n, rule, "%s is not valid UTF-8", what)
		return ""
	}
	return n.Value
}

// strs returns a list of scalars; a single scalar is read as a list of one.
func (d *decoder) strs(n *yaml.Node, rule, what string) []string {
	if n == nil || isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{d.str(n, rule, what)}
	}
	if !d.kind(n, yaml.SequenceNode, rule, what) {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, d.str(c, rule, what))
	}
	return out
}

// number returns a YAML int or float.
func (d *decoder) number(n *yaml.Node, rule, what string) (float64, bool) {
	if n == nil || !d.kind(n, yaml.ScalarNode, rule, what) {
		return 0, false
	}
	if n.Tag != "!!int" && n.Tag != "!!float" {
		d.errorf(n, rule, "%s must be a number, not %q", what, n.Value)
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, rule, "%s must be a finite number, not %q", what, n.Value)
		return 0, false
	}
	return f, true
}

// integer returns a non-negative YAML int.
func (d *decoder) integer(n *yaml.Node, rule, what string) (int, bool) {
	if n == nil || !d.kind(n, yaml.ScalarNode, rule, what) {
		return 0, false
	}
	var i int
	if n.Tag != "!!int" || n.Decode(&i) != nil || i < 0 || i > 1_000_000 {
		d.errorf(n, rule, "%s must be a whole number from 0 to 1000000, not %q", what, n.Value)
		return 0, false
	}
	return i, true
}

func (d *decoder) boolean(n *yaml.Node, rule, what string) bool {
	if n == nil || isNull(n) || !d.kind(n, yaml.ScalarNode, rule, what) {
		return false
	}
	if n.Tag != "!!bool" {
		d.errorf(n, rule, "%s must be true or false, not %q", what, n.Value)
		return false
	}
	var b bool
	_ = n.Decode(&b)
	return b
}

// instant parses a date ("2025-04-01", midnight UTC) or an RFC 3339 time.
func (d *decoder) instant(n *yaml.Node, rule, what string) time.Time {
	s := d.str(n, rule, what)
	if s == "" {
		return time.Time{}
	}
	t, err := credo.ParseTime(s)
	if err != nil {
		d.errorf(n, rule, "%s: %v", what, err)
		return time.Time{}
	}
	return t.Time
}

func (d *decoder) period(n *yaml.Node, rule, what string) Period {
	s := d.str(n, rule, what)
	if s == "" {
		return Period{}
	}
	p, err := ParsePeriod(s)
	if err != nil {
		d.errorf(n, rule, "%s: %v", what, err)
	}
	return p
}

// position returns the file position of the character at (line, col) of a
// scalar's value (line 1-based, col 0-based, in characters, as CEL reports
// them). Quoted, folded and block scalars are mapped by aligning the value
// with the text in the file; for escapes and folded line breaks the result
// is close rather than exact.
func (d *decoder) position(n *yaml.Node, line, col int) (int, int) {
	// Offset of the character within the value, in characters.
	target := 0
	for l, rest := 1, n.Value; l < line; l++ {
		i := strings.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		target += utf8.RuneCountInString(rest[:i+1])
		rest = rest[i+1:]
	}
	target += col

	start := d.offset(n.Line, n.Column)
	if start < 0 {
		return n.Line, n.Column
	}
	switch n.Style {
	case yaml.SingleQuotedStyle, yaml.DoubleQuotedStyle:
		start += 1
	case yaml.LiteralStyle, yaml.FoldedStyle:
		// The value starts on the line after the indicator.
		if i := bytes.IndexByte(d.src[start:], '\n'); i >= 0 {
			start += i + 1
		}
		for start < len(d.src) && (d.src[start] == ' ' || d.src[start] == '\t') {
			start++
		}
	}
	raw := d.src[start:]
	ri := 0 // byte index in raw
	vi := 0 // character index in value
	last := 0
	for _, c := range n.Value {
		if vi > target {
			break
		}
		// Find c in raw, passing over white space (indentation) freely and
		// over a few other characters (quotes, escapes); a line break in
		// raw matches a space or a line break in the value (folding).
		found := -1
		for j, steps := ri, 0; j < len(raw) && steps < 4; {
			r, w := utf8.DecodeRune(raw[j:])
			if r == c || r == '\n' && (c == ' ' || c == '\n') {
				found = j
				break
			}
			if r != ' ' && r != '\t' && r != '\n' && r != '\r' {
				steps++
			}
			j += w
		}
		if found >= 0 {
			last = found
			_, w := utf8.DecodeRune(raw[found:])
			ri = found + w
		}
		if vi == target {
			return d.lineCol(start + last)
		}
		vi++
	}
	// Past the end of the value: just after its last character.
	return d.lineCol(start + ri)
}

// offset converts a 1-based line and character column to a byte offset.
func (d *decoder) offset(line, col int) int {
	if line < 1 || line > len(d.lines) {
		return -1
	}
	off := d.lines[line-1]
	for c := 1; c < col && off < len(d.src) && d.src[off] != '\n'; c++ {
		_, w := utf8.DecodeRune(d.src[off:])
		off += w
	}
	return off
}

// lineCol converts a byte offset to a 1-based line and character column.
func (d *decoder) lineCol(off int) (int, int) {
	off = min(off, len(d.src))
	l := 0
	lo, hi := 0, len(d.lines)-1
	for lo <= hi {
		m := (lo + hi) / 2
		if d.lines[m] <= off {
			l, lo = m, m+1
		} else {
			hi = m - 1
		}
	}
	return l + 1, utf8.RuneCount(d.src[d.lines[l]:off]) + 1
}
