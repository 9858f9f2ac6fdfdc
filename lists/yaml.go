package lists

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo/rulebook"
)

// decoder walks one YAML file strictly, as package rulebook does: every
// mapping key must be known, none may repeat, aliases are refused, and
// every problem is reported with its position, the list or measure it
// belongs to and the field.
type decoder struct {
	file  string
	src   []byte
	lines []int // byte offset of the start of each line
	errs  *errorList
	esc   map[*Escalation]nodeRef // where each escalation was written, checked once all lists are read
}

// owner names what the errors being reported concern.
type owner struct {
	what, id string
}

func newDecoder(file string, src []byte, errs *errorList) *decoder {
	d := &decoder{file: file, src: src, lines: []int{0}, errs: errs}
	for i, c := range src {
		if c == '\n' {
			d.lines = append(d.lines, i+1)
		}
	}
	return d
}

func (d *decoder) errorf(n *yaml.Node, o owner, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs.add(&Error{File: d.file, Line: line, Col: col, What: o.what, ID: o.id, Field: field, Message: fmt.Sprintf(format, args...)})
}

// root parses the file and returns its single document's top node, or nil
// after reporting why not.
func (d *decoder) root() *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(d.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.errorf(nil, owner{}, "", "the file is empty")
			return nil
		}
		d.syntaxError(err)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.errorf(&next, owner{}, "", "a file holds one YAML document; this is a second one")
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.errorf(nil, owner{}, "", "the file is empty")
		return nil
	}
	return doc.Content[0]
}

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError reports a YAML parse error at the line the library gives
// (it gives no column).
func (d *decoder) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	d.errs.add(&Error{File: d.file, Line: max(line, 1), Col: 1, Message: "YAML syntax error: " + msg})
}

// field is one key of a mapping with its value.
type field struct {
	key, val *yaml.Node
}

// fields returns the keys of mapping n, reporting unknown and repeated
// keys and aliases; nil (after reporting) when n is not a mapping.
func (d *decoder) fields(n *yaml.Node, o owner, path string, known ...string) map[string]field {
	if !d.kind(n, yaml.MappingNode, o, path) {
		return nil
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(path, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, o, path, "keys must be plain names")
			continue
		}
		if !slices.Contains(known, k.Value) {
			d.errorf(k, o, name, "unknown field %q (known: %s)", k.Value, strings.Join(known, ", "))
			continue
		}
		if prev, dup := out[k.Value]; dup {
			d.errorf(k, o, name, "repeats the field on line %d", prev.key.Line)
			continue
		}
		if v.Kind == yaml.AliasNode {
			d.errorf(v, o, name, "YAML aliases are not supported; write the value out")
			continue
		}
		out[k.Value] = field{k, v}
	}
	return out
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// kind checks that n is of kind k.
func (d *decoder) kind(n *yaml.Node, k yaml.Kind, o owner, path string) bool {
	if n.Kind == k {
		return true
	}
	if n.Kind == yaml.AliasNode {
		d.errorf(n, o, path, "YAML aliases are not supported; write the value out")
		return false
	}
	want := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}[k]
	d.errorf(n, o, path, "must be %s", want)
	return false
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// has reports whether the field is present and not null.
func has(f map[string]field, name string) bool {
	fl, ok := f[name]
	return ok && !isNull(fl.val)
}

// val returns a field's value node, or nil.
func val(f map[string]field, name string) *yaml.Node {
	if fl, ok := f[name]; ok {
		return fl.val
	}
	return nil
}

// required reports a missing field at the mapping's position.
func (d *decoder) required(f map[string]field, name string, at *yaml.Node, o owner, path string) bool {
	if has(f, name) {
		return true
	}
	d.errorf(at, o, join(path, name), "is required")
	return false
}

// str returns the text of a scalar ("" for null or absent).
func (d *decoder) str(n *yaml.Node, o owner, path string) string {
	if isNull(n) || !d.kind(n, yaml.ScalarNode, o, path) {
		return ""
	}
	if !utf8.ValidString(n.Value) {
		d.errorf(n, o, path, "is not valid UTF-8")
		return ""
	}
	return n.Value
}

// text returns a required text field, trimmed of surrounding space.
func (d *decoder) text(f map[string]field, name string, at *yaml.Node, o owner, path string) string {
	if !d.required(f, name, at, o, path) {
		return ""
	}
	n := val(f, name)
	s := strings.TrimSpace(d.str(n, o, join(path, name)))
	if s == "" {
		d.errorf(n, o, join(path, name), "must not be empty")
	}
	if n.Style == yaml.FoldedStyle {
		s = unfold(s)
	}
	return s
}

// unfold removes the spaces a folded scalar puts where its Chinese text
// was broken across lines: a space between two characters that are not
// ASCII.
func unfold(s string) string {
	r := []rune(s)
	out := r[:0:0]
	for i, c := range r {
		if c == ' ' && i > 0 && i+1 < len(r) && r[i-1] > 0x7f && r[i+1] > 0x7f {
			continue
		}
		out = append(out, c)
	}
	return string(out)
}

// strs returns a list of scalars (a single scalar is a list of one),
// refusing empty and repeated items.
func (d *decoder) strs(n *yaml.Node, o owner, path string) []string {
	if isNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if s := d.str(n, o, path); s != "" {
			return []string{s}
		}
		d.errorf(n, o, path, "must not be empty")
		return nil
	}
	if !d.kind(n, yaml.SequenceNode, o, path) {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		s := d.str(c, o, path)
		switch {
		case s == "":
			d.errorf(c, o, path, "an item is empty")
		case slices.Contains(out, s):
			d.errorf(c, o, path, "%q is listed twice", s)
		default:
			out = append(out, s)
		}
	}
	return out
}

// oneOf checks that every value of a list field is in a closed set.
func (d *decoder) oneOf(n *yaml.Node, o owner, path string, vals, allowed []string) {
	for i, v := range vals {
		if !slices.Contains(allowed, v) {
			at := n
			if n.Kind == yaml.SequenceNode && i < len(n.Content) {
				at = n.Content[i]
			}
			d.errorf(at, o, path, "unknown value %q (known: %s)", v, strings.Join(allowed, ", "))
		}
	}
}

func (d *decoder) boolean(n *yaml.Node, o owner, path string) bool {
	if isNull(n) || !d.kind(n, yaml.ScalarNode, o, path) {
		return false
	}
	var b bool
	if n.Tag != "!!bool" || n.Decode(&b) != nil {
		d.errorf(n, o, path, "must be true or false, not %q", n.Value)
		return false
	}
	return b
}

// integer returns a whole number from lo to hi.
func (d *decoder) integer(n *yaml.Node, o owner, path string, lo, hi int) int {
	if isNull(n) || !d.kind(n, yaml.ScalarNode, o, path) {
		return 0
	}
	var i int
	if n.Tag != "!!int" || n.Decode(&i) != nil || i < lo || i > hi {
		d.errorf(n, o, path, "must be a whole number from %d to %d, not %q", lo, hi, n.Value)
		return 0
	}
	return i
}

// period returns a period ("90d", "12mo", "3y"); ok is false when the
// field is absent or wrong.
func (d *decoder) period(n *yaml.Node, o owner, path string) (rulebook.Period, bool) {
	if isNull(n) || !d.kind(n, yaml.ScalarNode, o, path) {
		return rulebook.Period{}, false
	}
	p, err := rulebook.ParsePeriod(n.Value)
	if err != nil {
		d.errorf(n, o, path, "%v", err)
		return rulebook.Period{}, false
	}
	return p, true
}

// position returns the file position of the character at (line, col) of a
// scalar's value (line 1-based, col 0-based, in characters, as CEL reports
// them). Quoted and block scalars are mapped by aligning the value with
// the text in the file; for escapes and folded line breaks the result is
// close rather than exact.
func (d *decoder) position(n *yaml.Node, line, col int) (int, int) {
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
		start++
	case yaml.LiteralStyle, yaml.FoldedStyle:
		if i := bytes.IndexByte(d.src[start:], '\n'); i >= 0 {
			start += i + 1
		}
		for start < len(d.src) && (d.src[start] == ' ' || d.src[start] == '\t') {
			start++
		}
	}
	raw := d.src[start:]
	ri, vi, last := 0, 0, 0
	for _, c := range n.Value {
		if vi > target {
			break
		}
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
	l, _ := slices.BinarySearch(d.lines, off+1)
	l-- // the last line starting at or before off
	return l + 1, utf8.RuneCount(d.src[d.lines[l]:off]) + 1
}
