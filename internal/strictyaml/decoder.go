package strictyaml

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
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
)

// Decoder walks the nodes of one File strictly. At is what the caller
// says a problem concerns (for rulebooks, the rule and the field's name;
// for lists, the list or measure and the field's path); the decoder only
// passes it on to Report.
type Decoder[At any] struct {
	*File
	// Report records problem p, found at n (nil: the start of the file),
	// concerning at (the zero At for the file as a whole).
	Report func(n *yaml.Node, at At, p Problem)
}

// Problem is one thing wrong in a file. Message is worded with the field
// as its subject ("must be a list", "is required"), so that a caller can
// put its name for the field in front of it or beside it.
type Problem struct {
	Kind    Kind
	Key     string // the mapping key concerned, when the problem is with one of a mapping's keys
	Line    int    // for Repeated, the line of the key's first use
	Message string
}

// Kind tells the kinds of problems apart, for callers that word them
// differently.
type Kind int

const (
	Value    Kind = iota // a value is wrong: "must be a list", "is not valid UTF-8"
	Whole                // the file as a whole: empty, not YAML, two documents
	Alias                // a YAML alias, which is refused
	BadKey               // a key is not a plain name, or not a known field
	Repeated             // Key repeats the key on line Line
	Missing              // the required field Key is absent or null
)

// Root parses the file and returns its single document's top node, or nil
// after reporting why not.
func (d *Decoder[At]) Root() *yaml.Node {
	var none At
	dec := yaml.NewDecoder(bytes.NewReader(d.Src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			d.Report(nil, none, Problem{Kind: Whole, Message: "the file is empty"})
			return nil
		}
		d.syntaxError(err)
		return nil
	}
	var next yaml.Node
	if err := dec.Decode(&next); err == nil {
		d.Report(&next, none, Problem{Kind: Whole, Message: "a file holds one YAML document; this is a second one"})
		return nil
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil
	}
	if len(doc.Content) == 0 {
		d.Report(nil, none, Problem{Kind: Whole, Message: "the file is empty"})
		return nil
	}
	d.inside(doc.Content[0], 0)
	return doc.Content[0]
}

// inside moves nodes the YAML library places past the end of the file
// (the empty key and value of "?", which it puts on the line after the
// last) to the end of the file, so that every problem is at a place in
// it.
func (d *Decoder[At]) inside(n *yaml.Node, depth int) {
	if n.Line > len(d.lines) {
		n.Line, n.Column = d.lineCol(len(d.Src))
	}
	if depth < maxDepth {
		for _, c := range n.Content {
			d.inside(c, depth+1)
		}
	}
}

// maxDepth bounds the walk of inside; the YAML library refuses deeper
// nesting than this anyway.
const maxDepth = 10000

var yamlLine = regexp.MustCompile(`^yaml: line (\d+): `)

// syntaxError reports a YAML parse error. The YAML library gives a line
// but no column (so the column is 1), and for a parser error (as opposed
// to a scanner error) the line is counted from 0 and is that of the
// construct the error is in.
func (d *Decoder[At]) syntaxError(err error) {
	msg := err.Error()
	line := 1
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
		msg = msg[len(m[0]):]
		if !isScannerProblem(msg) {
			line++
		}
	} else {
		msg = strings.TrimPrefix(msg, "yaml: ")
	}
	// A construct left open at the end of the file ("[") would put the
	// error on the line after the last; it is reported on the last.
	line = min(max(line, 1), len(d.lines))
	var none At
	d.Report(&yaml.Node{Line: line, Column: 1}, none, Problem{Kind: Whole, Message: "YAML syntax error: " + msg})
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

func (d *Decoder[At]) value(n *yaml.Node, at At, format string, args ...any) {
	d.Report(n, at, Problem{Kind: Value, Message: fmt.Sprintf(format, args...)})
}

// Field is one key of a mapping with its value.
type Field struct {
	Key, Val *yaml.Node
}

// Fields are the keys of a mapping, by name.
type Fields map[string]Field

// Has reports whether the field is present and not null.
func (f Fields) Has(name string) bool {
	fl, ok := f[name]
	return ok && !IsNull(fl.Val)
}

// Val returns the field's value node, or nil.
func (f Fields) Val(name string) *yaml.Node {
	return f[name].Val
}

// Fields returns the keys of mapping n, reporting keys not in known,
// repeated keys and aliases. It returns nil (after reporting) when n is not
// a mapping.
func (d *Decoder[At]) Fields(n *yaml.Node, at At, known ...string) Fields {
	if !d.Expect(n, yaml.MappingNode, at) {
		return nil
	}
	out := make(Fields, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Report(k, at, Problem{Kind: BadKey, Message: "keys must be plain names"})
			continue
		}
		if !slices.Contains(known, k.Value) {
			d.Report(k, at, Problem{Kind: BadKey, Key: k.Value,
				Message: fmt.Sprintf("unknown field %q (known: %s)", k.Value, strings.Join(known, ", "))})
			continue
		}
		if prev, dup := out[k.Value]; dup {
			d.Report(k, at, Problem{Kind: Repeated, Key: k.Value, Line: prev.Key.Line,
				Message: fmt.Sprintf("repeats the field on line %d", prev.Key.Line)})
			continue
		}
		if v.Kind == yaml.AliasNode {
			d.Report(v, at, Problem{Kind: Alias, Key: k.Value, Message: "YAML aliases are not supported; write the value out"})
			continue
		}
		out[k.Value] = Field{k, v}
	}
	return out
}

// Expect checks that n is of kind k, reporting when it is not.
func (d *Decoder[At]) Expect(n *yaml.Node, k yaml.Kind, at At) bool {
	if n.Kind == k {
		return true
	}
	if n.Kind == yaml.AliasNode {
		d.Report(n, at, Problem{Kind: Alias, Message: "YAML aliases are not supported; write the value out"})
		return false
	}
	want := map[yaml.Kind]string{yaml.MappingNode: "a mapping", yaml.SequenceNode: "a list", yaml.ScalarNode: "a single value"}[k]
	d.value(n, at, "must be %s", want)
	return false
}

// IsNull reports whether n is absent or null.
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// Required reports the field name missing from f (or null) at the
// mapping's node, and returns whether it is present.
func (d *Decoder[At]) Required(f Fields, name string, mapping *yaml.Node, at At) bool {
	if f.Has(name) {
		return true
	}
	d.Report(mapping, at, Problem{Kind: Missing, Key: name, Message: "is required"})
	return false
}

// Str returns the text of a scalar ("" for null or absent).
func (d *Decoder[At]) Str(n *yaml.Node, at At) string {
	if IsNull(n) || !d.Expect(n, yaml.ScalarNode, at) {
		return ""
	}
	if !utf8.ValidString(n.Value) {
		d.value(n, at, "is not valid UTF-8")
		return ""
	}
	return n.Value
}

// Strs returns a list of scalars, one for each item; a single scalar is
// read as a list of one.
func (d *Decoder[At]) Strs(n *yaml.Node, at At) []string {
	if IsNull(n) {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		return []string{d.Str(n, at)}
	}
	if !d.Expect(n, yaml.SequenceNode, at) {
		return nil
	}
	out := make([]string, 0, len(n.Content))
	for _, c := range n.Content {
		out = append(out, d.Str(c, at))
	}
	return out
}

// Number returns a YAML int or float (false for absent, or after
// reporting).
func (d *Decoder[At]) Number(n *yaml.Node, at At) (float64, bool) {
	if n == nil || !d.Expect(n, yaml.ScalarNode, at) {
		return 0, false
	}
	if n.Tag != "!!int" && n.Tag != "!!float" {
		d.value(n, at, "must be a number, not %q", n.Value)
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.value(n, at, "must be a finite number, not %q", n.Value)
		return 0, false
	}
	return f, true
}

// Int returns a YAML int from lo to hi (false for absent, or after
// reporting).
func (d *Decoder[At]) Int(n *yaml.Node, at At, lo, hi int) (int, bool) {
	if n == nil || !d.Expect(n, yaml.ScalarNode, at) {
		return 0, false
	}
	var i int
	if n.Tag != "!!int" || n.Decode(&i) != nil || i < lo || i > hi {
		d.value(n, at, "must be a whole number from %d to %d, not %q", lo, hi, n.Value)
		return 0, false
	}
	return i, true
}

// Bool returns a YAML bool (false for null or absent, or after reporting).
func (d *Decoder[At]) Bool(n *yaml.Node, at At) bool {
	if IsNull(n) || !d.Expect(n, yaml.ScalarNode, at) {
		return false
	}
	var b bool
	if n.Tag != "!!bool" || n.Decode(&b) != nil {
		d.value(n, at, "must be true or false, not %q", n.Value)
		return false
	}
	return b
}

// PeekID returns the id of mapping n, for the errors about it before its
// fields are read ("" when it has none).
func PeekID(n *yaml.Node) string {
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

// Basis reads a `basis` value: a mapping with either law (document,
// number, article: the published text that sets a rule) or model (a
// sentence saying what credo assumes and why). at is where the basis is,
// atLaw where its law is. A law without a document number is refused: a
// citation must be checkable. The article may be left out where it could
// not be confirmed.
func (d *Decoder[At]) Basis(n *yaml.Node, at, atLaw At) *credo.Basis {
	f := d.Fields(n, at, "law", "model")
	if f == nil {
		return nil
	}
	var law, model *yaml.Node
	if f.Has("law") {
		law = f.Val("law")
	}
	if f.Has("model") {
		model = f.Val("model")
	}
	switch {
	case law != nil && model != nil:
		d.value(n, at, "must give law or model, not both")
	case law == nil && model == nil:
		d.value(n, at, "must give law (document, number, article: the published text that sets the rule) or model (a sentence saying what credo assumes and why)")
	case model != nil:
		s := strings.TrimSpace(d.Str(model, at))
		if s == "" {
			d.value(model, at, "model must say what credo assumes and why")
			return nil
		}
		return &credo.Basis{Model: s}
	default:
		lf := d.Fields(law, atLaw, "document", "number", "article")
		if lf == nil {
			return nil
		}
		c := &credo.Citation{
			Document: strings.TrimSpace(d.Str(lf.Val("document"), atLaw)),
			Number:   strings.TrimSpace(d.Str(lf.Val("number"), atLaw)),
			Article:  strings.TrimSpace(d.Str(lf.Val("article"), atLaw)),
		}
		ok := true
		if c.Document == "" {
			d.Report(law, atLaw, Problem{Kind: Missing, Key: "document", Message: "is required: the name of the published text"})
			ok = false
		}
		if c.Number == "" {
			d.Report(law, atLaw, Problem{Kind: Missing, Key: "number",
				Message: "is required: the document number (文号 or order number, e.g. 国家税务总局公告2014年第40号); without one the text is not law credo can cite"})
			ok = false
		}
		if ok {
			return &credo.Basis{Law: c}
		}
	}
	return nil
}
