package web

import (
	"html/template"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/division"
)

// funcs are the templates' helpers; none of them returns unescaped HTML
// except svg, which returns markup the portal drew itself, and field and
// group, whose attributes name ids the templates give.
var funcs = template.FuncMap{
	"date": func(t any) string {
		switch v := t.(type) {
		case credo.Time:
			return dateOf(v.Time)
		case credo.Date:
			return dateOf(v.Time)
		case time.Time:
			return dateOf(v)
		}
		return ""
	},
	// field is the attributes a form field takes from the form's state:
	// aria-describedby naming its help (ids) and, when the error names
	// the field, the error too, with aria-invalid.
	"field": func(f formState, name string, help ...string) template.HTMLAttr {
		ids := slices.Clone(help)
		invalid := f.Invalid(name)
		if invalid {
			ids = append(ids, "form-error")
		}
		out := ""
		if len(ids) > 0 {
			out = ` aria-describedby="` + template.HTMLEscapeString(strings.Join(ids, " ")) + `"`
		}
		if invalid {
			out += ` aria-invalid="true"`
		}
		return template.HTMLAttr(out)
	},
	// group is field's aria-describedby for a fieldset (a group of
	// checkboxes or radio buttons, which takes no aria-invalid).
	"group": func(f formState, name string) template.HTMLAttr {
		if !f.Invalid(name) {
			return ""
		}
		return template.HTMLAttr(` aria-describedby="form-error"`)
	},
	"t": func(l *lang, key string) string {
		if w, ok := l.T[key]; ok {
			return w
		}
		return key
	},
	// word is the translation of a domain value (a status, an effect):
	// its words for key prefix+value, or the value itself.
	"word": func(l *lang, prefix, value string) string {
		if w, ok := l.T[prefix+value]; ok {
			return w
		}
		return value
	},
	"query":  url.QueryEscape,
	"path":   url.PathEscape,
	"itoa":   strconv.Itoa,
	"others": func(l *lang) []*lang { return offered },
	"add":    func(a, b int) int { return a + b },
	"badge":  badge,
	"divisionName": func(code string) string {
		if d, ok := division.Lookup(code); ok {
			return d.FullName
		}
		return ""
	},
	"paragraphs": func(s string) []string { return strings.Split(s, "\n") },
	"casesView":  func(l *lang, area string, cases []caseRow) casesView { return casesView{l, area, cases} },
	"replyView":  func(l *lang, r *credo.Reply) replyView { return replyView{l, r} },
}

func dateOf(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// gradeBadge is a grade as a badge: the letter, its words, and a class
// that colours it (a second cue only).
type gradeBadge struct{ Grade, Words, Class string }

func badge(l *lang, grade string) gradeBadge {
	b := gradeBadge{Grade: grade, Words: grade, Class: "grade-other"}
	if w, ok := l.T["grade."+grade]; ok {
		b.Words = w
		b.Class = "grade-" + strings.ToLower(grade)
	}
	return b
}

// replyView is what the reply template shows: a published reply in a
// language.
type replyView struct {
	L     *lang
	Reply *credo.Reply
}

// casesView is what the cases template shows: cases, linked into area
// (my or console).
type casesView struct {
	L     *lang
	Area  string
	Cases []caseRow
}
