package lists

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo/internal/strictyaml"
	"github.com/credo-registry/credo/rulebook"
)

// decoder reads one file strictly, as package rulebook does (see
// strictyaml), reporting every problem with the list or measure it
// belongs to and the field's path.
type decoder struct {
	strictyaml.Decoder[place]
	errs *errorList
	esc  map[*Escalation]nodeRef // where each escalation was written, checked once all lists are read
}

// owner names what the errors being reported concern.
type owner struct {
	what, id string
}

// place is what a problem concerns: the list or measure and the field's
// path ("trigger.when"; "" for the list or measure itself).
type place struct {
	owner
	path string
}

func newDecoder(file string, src []byte, errs *errorList) *decoder {
	d := &decoder{errs: errs}
	d.Decoder = strictyaml.Decoder[place]{File: strictyaml.NewFile(file, src), Report: d.report}
	return d
}

// report words a problem the way lists errors read: the field's path
// (with the key concerned, if any), then what is wrong with it.
func (d *decoder) report(n *yaml.Node, at place, p strictyaml.Problem) {
	field := at.path
	if p.Key != "" {
		field = join(field, p.Key)
	}
	d.errorf(n, at.owner, field, "%s", p.Message)
}

func (d *decoder) errorf(n *yaml.Node, o owner, field, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs.add(&Error{File: d.Name, Line: line, Col: col, What: o.what, ID: o.id, Field: field, Message: fmt.Sprintf(format, args...)})
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func (d *decoder) fields(n *yaml.Node, o owner, path string, known ...string) strictyaml.Fields {
	return d.Fields(n, place{o, path}, known...)
}

func (d *decoder) kind(n *yaml.Node, k yaml.Kind, o owner, path string) bool {
	return d.Expect(n, k, place{o, path})
}

func (d *decoder) required(f strictyaml.Fields, name string, at *yaml.Node, o owner, path string) bool {
	return d.Required(f, name, at, place{o, path})
}

func (d *decoder) str(n *yaml.Node, o owner, path string) string { return d.Str(n, place{o, path}) }

func (d *decoder) boolean(n *yaml.Node, o owner, path string) bool { return d.Bool(n, place{o, path}) }

// integer returns a whole number from lo to hi.
func (d *decoder) integer(n *yaml.Node, o owner, path string, lo, hi int) int {
	i, _ := d.Int(n, place{o, path}, lo, hi)
	return i
}

// text returns a required text field, trimmed of surrounding space.
func (d *decoder) text(f strictyaml.Fields, name string, at *yaml.Node, o owner, path string) string {
	if !d.required(f, name, at, o, path) {
		return ""
	}
	n := f.Val(name)
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
	vals := d.Strs(n, place{o, path})
	if vals == nil {
		return nil
	}
	if n.Kind == yaml.ScalarNode {
		if vals[0] == "" {
			d.errorf(n, o, path, "must not be empty")
			return nil
		}
		return vals
	}
	out := make([]string, 0, len(vals))
	for i, s := range vals {
		switch c := n.Content[i]; {
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

// period returns a period ("90d", "12mo", "3y"); ok is false when the
// field is absent or wrong.
func (d *decoder) period(n *yaml.Node, o owner, path string) (rulebook.Period, bool) {
	if strictyaml.IsNull(n) || !d.kind(n, yaml.ScalarNode, o, path) {
		return rulebook.Period{}, false
	}
	p, err := rulebook.ParsePeriod(n.Value)
	if err != nil {
		d.errorf(n, o, path, "%v", err)
		return rulebook.Period{}, false
	}
	return p, true
}
