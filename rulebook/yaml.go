package rulebook

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/strictyaml"
)

// decoder reads one rulebook or tests file strictly (see strictyaml),
// wording each problem with the rule it concerns and the field's name.
type decoder struct {
	strictyaml.Decoder[about]
	errs errorList
}

// about is what a problem concerns: the rule's id ("" when none) and the
// field's name as the message begins with it ("rule", "dimension tax: bands").
type about struct {
	rule, what string
}

func newDecoder(file string, src []byte) *decoder {
	d := &decoder{}
	d.Decoder = strictyaml.Decoder[about]{File: strictyaml.NewFile(file, src), Report: d.report}
	return d
}

// report words a problem the way rulebook errors read: "when: ...",
// "points must be a number, ...".
func (d *decoder) report(n *yaml.Node, at about, p strictyaml.Problem) {
	switch p.Kind {
	case strictyaml.Whole, strictyaml.Alias:
		d.errorf(n, at.rule, "%s", p.Message)
	case strictyaml.Value:
		d.errorf(n, at.rule, "%s %s", at.what, p.Message)
	case strictyaml.Repeated:
		d.errorf(n, at.rule, "%s: field %q repeats the one on line %d", at.what, p.Key, p.Line)
	case strictyaml.Missing:
		d.errorf(n, at.rule, "%s: %s %s", at.what, p.Key, p.Message)
	default:
		d.errorf(n, at.rule, "%s: %s", at.what, p.Message)
	}
}

func (d *decoder) errorf(n *yaml.Node, rule, format string, args ...any) {
	line, col := 1, 1
	if n != nil && n.Line > 0 {
		line, col = n.Line, n.Column
	}
	d.errs.add(&Error{File: d.Name, Line: line, Col: col, Rule: rule, Message: sprintf(format, args...)})
}

func isNull(n *yaml.Node) bool { return strictyaml.IsNull(n) }

func (d *decoder) fields(n *yaml.Node, rule, what string, known ...string) strictyaml.Fields {
	return d.Fields(n, about{rule, what}, known...)
}

func (d *decoder) kind(n *yaml.Node, k yaml.Kind, rule, what string) bool {
	return d.Expect(n, k, about{rule, what})
}

func (d *decoder) required(f strictyaml.Fields, name string, at *yaml.Node, rule, what string) bool {
	return d.Required(f, name, at, about{rule, what})
}

func (d *decoder) str(n *yaml.Node, rule, what string) string { return d.Str(n, about{rule, what}) }

func (d *decoder) strs(n *yaml.Node, rule, what string) []string { return d.Strs(n, about{rule, what}) }

func (d *decoder) number(n *yaml.Node, rule, what string) (float64, bool) {
	return d.Number(n, about{rule, what})
}

// integer returns a whole number from 0 to 1000000.
func (d *decoder) integer(n *yaml.Node, rule, what string) (int, bool) {
	return d.Int(n, about{rule, what}, 0, 1_000_000)
}

func (d *decoder) boolean(n *yaml.Node, rule, what string) bool { return d.Bool(n, about{rule, what}) }

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
