package rulebook_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/credo-registry/credo/rulebook"
)

// base is a valid rulebook; the tests replace or insert lines by number,
// so that every expected position can be read off it.
var base = []string{
	"apiVersion: credo/v1",         // 1
	"id: t",                        // 2
	`version: "1"`,                 // 3
	"effective_from: 2025-01-01",   // 4
	"dimensions:",                  // 5
	"  - id: tax",                  // 6
	"    categories: [tax]",        // 7
	"    grades: [A, B, C, D]",     // 8
	"    start: 100",               // 9
	"    rules:",                   // 10
	"      - id: r1",               // 11
	"        basis: {model: test}", // 12
	"        kinds: [late_filing]", // 13
	"        when: 'true'",         // 14
	"        points: -5",           // 15
	"        counts_for: 12mo",     // 16
	"    bands:",                   // 17
	"      - {grade: A, min: 90}",  // 18
	"      - {grade: B, min: 70}",  // 19
	"      - {grade: C, min: 40}",  // 20
	"      - {grade: D}",           // 21
}

// edit returns base with lines replaced (line number → text; "" deletes)
// and lines appended.
func edit(replace map[int]string, appended ...string) []byte {
	var out []string
	for i, l := range base {
		if r, ok := replace[i+1]; ok {
			if r == "" {
				continue
			}
			l = r
		}
		out = append(out, l)
	}
	out = append(out, appended...)
	return []byte(strings.Join(out, "\n") + "\n")
}

func mustParse(tb testing.TB, name string, src []byte) *rulebook.Rulebook {
	tb.Helper()
	rb, err := rulebook.Parse(name, src)
	if err != nil {
		tb.Fatalf("Parse(%s): %v", name, err)
	}
	return rb
}

type wantErr struct {
	line, col int
	rule      string
	msg       string // a part of the message
}

func checkErrors(t *testing.T, err error, want []wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %v", want)
	}
	got := rulebook.Errors(err)
	if len(got) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(got), len(want), err)
	}
	for i, w := range want {
		g := got[i]
		if g.Line != w.line || g.Col != w.col || g.Rule != w.rule || !strings.Contains(g.Message, w.msg) {
			t.Errorf("error %d = %s\n   want %d:%d rule %q containing %q", i, g, w.line, w.col, w.rule, w.msg)
		}
	}
}

func TestParseValid(t *testing.T) {
	rb := mustParse(t, "t.yaml", edit(nil))
	if rb.ID != "t" || rb.Version != "1" || rb.Jurisdiction != nil || rb.EffectiveFrom.Format("2006-01-02") != "2025-01-01" {
		t.Errorf("parsed %+v", rb)
	}
	d := rb.Dimensions[0]
	if d.ID != "tax" || len(d.Rules) != 1 || d.Rules[0].CountsFor.String() != "12mo" || len(d.Bands) != 4 {
		t.Errorf("dimension %+v", d)
	}
	if rb.Ref().ID != "t" || rb.Ref().Version != "1" || string(rb.Source) != string(edit(nil)) {
		t.Errorf("Ref %v / Source", rb.Ref())
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		src  []byte
		want []wantErr
	}{
		{"YAML syntax: an unclosed flow sequence", edit(map[int]string{9: "    start: [100"}),
			[]wantErr{{9, 1, "", "YAML syntax error: did not find expected ',' or ']'"}}},
		{"YAML syntax: a tab in the indentation", edit(map[int]string{9: "\tstart: 100"}),
			[]wantErr{{9, 1, "", "YAML syntax error: found character that cannot start any token"}}},
		{"YAML syntax: a mapping value in a plain scalar", edit(map[int]string{3: "version: a: b"}),
			[]wantErr{{3, 1, "", "YAML syntax error: mapping values are not allowed"}}},
		// A parser error is reported at the start of the construct it is in.
		{"YAML syntax: bad indentation", edit(map[int]string{13: "      kinds: [late_filing]"}),
			[]wantErr{{11, 1, "", "YAML syntax error: did not find expected '-' indicator"}}},
		{"empty file", []byte(""), []wantErr{{1, 1, "", "empty"}}},
		{"two documents", append(edit(nil), "---\nid: x\n"...), []wantErr{{22, 1, "", "one YAML document"}}},
		{"wrong apiVersion", edit(map[int]string{1: "apiVersion: credo/v2"}),
			[]wantErr{{1, 13, "", `apiVersion must be "credo/v1"`}}},
		{"unknown top-level field", edit(map[int]string{5: "colour: red\ndimensions:"}),
			[]wantErr{{5, 1, "", `unknown field "colour"`}}},
		{"unknown field in a rule", edit(map[int]string{14: "        wehn: 'true'"}),
			[]wantErr{{14, 9, "r1", `unknown field "wehn"`}}},
		{"repeated field", edit(map[int]string{15: "        points: -5\n        points: -6"}),
			[]wantErr{{16, 9, "r1", `field "points" repeats the one on line 15`}}},
		{"missing id", edit(map[int]string{2: ""}),
			[]wantErr{{1, 1, "", "id is required"}}},
		{"bad rulebook id", edit(map[int]string{2: "id: Tax_Rules"}),
			[]wantErr{{2, 5, "", "lower-case letters"}}},
		{"CEL syntax error", edit(map[int]string{14: "        when: 'record.kind =='"}),
			[]wantErr{{14, 30, "r1", "Syntax error"}}},
		{"CEL undeclared reference", edit(map[int]string{14: `        when: 'recrd.kind == "x"'`}),
			[]wantErr{{14, 16, "r1", "undeclared reference to 'recrd'"}}},
		{"record has no such field", edit(map[int]string{14: `        when: 'record.knd == "x"'`}),
			[]wantErr{{14, 23, "r1", `a record has no field "knd"`}}},
		{"org has no such field", edit(map[int]string{14: `        when: 'has(org.founded)'`}),
			[]wantErr{{14, 24, "r1", `org has no field "founded"`}}},
		{"record is not in scope of start", edit(map[int]string{9: `    start: 'record.kind == "x" ? 1.0 : 2.0'`}),
			[]wantErr{{9, 13, "", "undeclared reference to 'record'"}}},
		{"when is not a bool", edit(map[int]string{14: "        when: '1 + 2'"}),
			[]wantErr{{14, 15, "r1", "must be a bool expression, but `1 + 2` is of type int"}}},
		{"points is not a number", edit(map[int]string{15: `        points: '"five"'`}),
			[]wantErr{{15, 17, "r1", "must be a number"}}},
		{"points is not a number (YAML)", edit(map[int]string{15: `        points: true`}),
			[]wantErr{{15, 17, "r1", "must be a number (double or int) expression, but `true` is of type bool"}}},
		{"an expression that would run too long", edit(map[int]string{14: "        when: 'records.exists(r, records.exists(s, s.id != r.id && s.kind == r.kind))'"}),
			[]wantErr{{14, 15, "r1", "would run too long"}}},
		{"duplicate rule id", edit(map[int]string{16: "        counts_for: 12mo\n      - id: r1\n        kinds: [late_payment]\n        points: -5\n        counts_for: 12mo\n        basis: {model: test}"}),
			[]wantErr{{17, 13, "r1", "duplicate rule id (first used on line 11)"}}},
		{"kinds missing", edit(map[int]string{13: ""}),
			[]wantErr{{11, 9, "r1", "kinds is required"}}},
		{"kinds empty", edit(map[int]string{13: "        kinds: []"}),
			[]wantErr{{13, 16, "r1", "at least one record kind"}}},
		{"counts_for missing", edit(map[int]string{16: ""}),
			[]wantErr{{11, 9, "r1", "counts_for is required"}}},
		{"duration in months written m", edit(map[int]string{16: "        counts_for: 12m"}),
			[]wantErr{{16, 21, "r1", `"12m" is not a period`}}},
		{"duration in weeks", edit(map[int]string{16: "        counts_for: 2w"}),
			[]wantErr{{16, 21, "r1", `"2w" is not a period`}}},
		{"fractional duration", edit(map[int]string{16: "        counts_for: 1.5y"}),
			[]wantErr{{16, 21, "r1", `"1.5y" is not a period`}}},
		{"zero duration", edit(map[int]string{16: "        counts_for: 0d"}),
			[]wantErr{{16, 21, "r1", "longer than 0"}}},
		{"bands not in order", edit(map[int]string{19: "      - {grade: B, min: 95}"}),
			[]wantErr{{19, 9, "", "bands are not in order"}}},
		{"a band before the last without min", edit(map[int]string{19: "      - {grade: B}"}),
			[]wantErr{{19, 9, "", "only the last band may omit min"}}},
		{"the last band with a min", edit(map[int]string{21: "      - {grade: D, min: 0}"}),
			[]wantErr{{21, 9, "", "the last band must have no min"}}},
		{"band grade not in grades", edit(map[int]string{19: "      - {grade: E, min: 70}"}),
			[]wantErr{{19, 9, "", `grade "E" is not one of the grades`}}},
		{"cap grade not in grades", edit(nil, "    caps:", "      - id: cap1", "        when: 'true'", "        max_grade: AA", "        basis: {model: test}"),
			[]wantErr{{23, 9, "cap1", `max_grade "AA" is not one of the grades`}}},
		{"special grade not in grades", edit(nil, "    special:", "      - id: m1", "        when: 'true'", "        grade: M", "        basis: {model: test}"),
			[]wantErr{{23, 9, "m1", `grade "M" is not one of the grades`}}},
		{"direct grade not in grades", edit(nil, "    direct:", "      - id: d1", "        kinds: [fraud]", "        grade: X", "        for: 2y", "        basis: {model: test}"),
			[]wantErr{{23, 9, "d1", `grade "X" is not one of the grades`}}},
		{"unknown category", edit(map[int]string{7: "    categories: [taxes]"}),
			[]wantErr{{7, 17, "", `unknown record category "taxes"`}}},
		{"overlay without extends", edit(nil, "overlay:", "  - dimension: tax", "    disable: [r1]"),
			[]wantErr{{22, 1, "", "overlay needs extends"}}},
		{"YAML alias", edit(map[int]string{8: "    grades: &g [A, B, C, D]\n    title: *g"}),
			[]wantErr{{9, 12, "", "aliases are not supported"}}},
		{"CEL error in a block scalar", edit(map[int]string{14: "        when: |\n          record.kind == \"x\" &&\n            recrd.kind == \"y\""}),
			[]wantErr{{16, 13, "r1", "undeclared reference to 'recrd'"}}},
		{"CEL error in a folded scalar", edit(map[int]string{14: "        when: >-\n          record.kind == \"x\" &&\n          recrd.kind == \"y\""}),
			[]wantErr{{16, 11, "r1", "undeclared reference to 'recrd'"}}},
		{"CEL error in a double-quoted scalar", edit(map[int]string{14: `        when: "record.kind == \"x\" && recrd.kind == \"y\""`}),
			[]wantErr{{14, 40, "r1", "undeclared reference to 'recrd'"}}},
		{"CEL error in a single-quoted scalar with quotes", edit(map[int]string{14: `        when: 'record.kind == ''x'' && recrd.kind == ''y'''`}),
			[]wantErr{{14, 40, "r1", "undeclared reference to 'recrd'"}}},
		{"several errors, in order", edit(map[int]string{14: "        when: '1'", 16: "        counts_for: 1"}),
			[]wantErr{{14, 15, "r1", "must be a bool"}, {16, 21, "r1", "not a period"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.Parse("rb.yaml", c.src)
			checkErrors(t, err, c.want)
			for _, e := range rulebook.Errors(err) {
				if e.File != "rb.yaml" {
					t.Errorf("file %q", e.File)
				}
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	e := &rulebook.Error{File: "a.yaml", Line: 3, Col: 7, Rule: "tax.x", Message: "boom"}
	if got := e.Error(); got != "a.yaml:3:7: rule tax.x: boom" {
		t.Errorf("Error() = %q", got)
	}
	e.Rule = ""
	if got := e.Error(); got != "a.yaml:3:7: boom" {
		t.Errorf("Error() = %q", got)
	}
	_, err := rulebook.Parse("rb.yaml", edit(map[int]string{14: "        when: '1'", 16: "        counts_for: 1"}))
	if !strings.Contains(err.Error(), "rb.yaml:14:15: rule r1:") || !strings.Contains(err.Error(), "\nrb.yaml:16:21: rule r1:") {
		t.Errorf("joined errors: %v", err)
	}
	var one *rulebook.Error
	if !errors.As(err, &one) {
		t.Errorf("errors.As(*Error) fails on %T", err)
	}
}

// TestParseBasis: every rule states its basis, law with a document number
// or credo's model.
func TestParseBasis(t *testing.T) {
	for _, c := range []struct {
		name string
		src  []byte
		want []wantErr
	}{
		{"a rule with neither basis", edit(map[int]string{12: ""}),
			[]wantErr{{11, 9, "r1", "basis is required: law (document, number, article"}}},
		{"a law basis without a document number", edit(map[int]string{12: "        basis: {law: {document: 纳税信用管理办法（试行）, article: 第二十条}}"}),
			[]wantErr{{12, 22, "r1", "basis: law: number is required: the document number"}}},
		{"law and model at once", edit(map[int]string{12: "        basis: {law: {document: a, number: b}, model: c}"}),
			[]wantErr{{12, 16, "r1", "basis must give law or model, not both"}}},
		{"an empty model", edit(map[int]string{12: "        basis: {model: ''}"}),
			[]wantErr{{12, 24, "r1", "model must say what credo assumes and why"}}},
		{"a cap with neither basis", edit(nil, "    caps:", "      - id: cap1", "        when: 'true'", "        max_grade: B"),
			[]wantErr{{23, 9, "cap1", "basis is required"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.Parse("rb.yaml", c.src)
			checkErrors(t, err, c.want)
		})
	}
	rb := mustParse(t, "rb.yaml", edit(map[int]string{12: "        basis: {law: {document: 纳税信用管理办法（试行）, number: 国家税务总局公告2014年第40号, article: 第二十条}}"}))
	if b := rb.Dimensions[0].Rules[0].Basis; b == nil || b.Law == nil || b.Law.Number != "国家税务总局公告2014年第40号" || b.Law.Article != "第二十条" {
		t.Errorf("law basis: %+v", b)
	}
}

// TestParseEvaluation: a dimension is continuous or annual, and an annual
// one names its publication day.
func TestParseEvaluation(t *testing.T) {
	rb := mustParse(t, "rb.yaml", edit(map[int]string{7: "    evaluation: annual\n    publication: 04-30\n    categories: [tax]", 16: "        counts_for: 1y"}))
	if d := rb.Dimensions[0]; !d.Annual() || d.Publication.String() != "04-30" || !d.Publication.In(2026).Equal(at("2026-04-30")) {
		t.Errorf("annual: %+v", d)
	}
	if d := mustParse(t, "rb.yaml", edit(nil)).Dimensions[0]; d.Evaluation != "continuous" || d.Annual() {
		t.Errorf("default: %q", d.Evaluation)
	}
	for _, c := range []struct {
		name string
		src  []byte
		want []wantErr
	}{
		{"an annual dimension without a publication day", edit(map[int]string{7: "    evaluation: annual\n    categories: [tax]", 16: "        counts_for: 1y"}),
			[]wantErr{{7, 17, "", "an annual evaluation needs publication"}}},
		{"a publication day that is not one", edit(map[int]string{7: "    evaluation: annual\n    publication: 02-30\n    categories: [tax]", 16: "        counts_for: 1y"}),
			[]wantErr{{8, 18, "", `publication "02-30" is not a day of the year`}}},
		{"publication on a continuous dimension", edit(map[int]string{7: "    publication: 04-30\n    categories: [tax]"}),
			[]wantErr{{7, 18, "", "publication is only for an annual evaluation"}}},
		{"an unknown evaluation", edit(map[int]string{7: "    evaluation: monthly\n    categories: [tax]"}),
			[]wantErr{{7, 17, "", "evaluation must be continuous or annual"}}},
		{"months in an annual dimension", edit(map[int]string{7: "    evaluation: annual\n    publication: 04-30\n    categories: [tax]"}),
			[]wantErr{{13, 9, "r1", "in an annual dimension periods count evaluation years"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.Parse("rb.yaml", c.src)
			checkErrors(t, err, c.want)
		})
	}
}
