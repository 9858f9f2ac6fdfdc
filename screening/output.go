package screening

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/credo-registry/credo/partners"
)

// CSVHeader is the header of screening results as CSV.
var CSVHeader = []string{"line", "code", "name", "action", "note", "status", "match_code", "match_name", "score", "how",
	"candidates", "grades", "lists", "measures", "decisions", "error", "partners", "via"}

// CSVWriter writes result rows as CSV, the header first.
type CSVWriter struct {
	w      *csv.Writer
	header bool
}

// NewCSVWriter returns a CSVWriter on w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one row.
func (c *CSVWriter) Write(r Row) error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	rec := []string{strconv.Itoa(r.Line), r.Input.Code, r.Input.Name, r.Input.Action, r.Input.Note, r.Status}
	if m := r.Match; m != nil {
		rec = append(rec, m.Code, m.Name, strconv.FormatFloat(m.Score, 'f', 3, 64), m.How)
	} else {
		rec = append(rec, "", "", "", "")
	}
	var cands []string
	for _, c := range r.Candidates {
		cands = append(cands, fmt.Sprintf("%s %s (%.3f)", c.Code, c.Name, c.Score))
	}
	var grades []string
	for k, g := range r.Grades {
		grades = append(grades, k+"="+g)
	}
	slices.Sort(grades)
	var entries []string
	for _, e := range r.Lists {
		entries = append(entries, e.ListTitle+" ("+e.List+", "+e.DecisionNumber+")")
	}
	measures := ""
	if r.Measures != nil {
		measures = r.Measures.Decision
	}
	var decisions []string
	for _, d := range r.Decisions {
		decisions = append(decisions, fmt.Sprintf("%s %s by %s at %s: %s", d.Code, d.Verdict, d.By, d.At.Format("2006-01-02T15:04:05Z07:00"), d.Note))
	}
	errText := ""
	if r.Error != nil {
		errText = r.Error.Field + ": " + r.Error.Message
	}
	var ps []string
	for _, p := range r.Partners {
		var ls []string
		for _, e := range p.Lists {
			ls = append(ls, e.List)
		}
		ps = append(ps, fmt.Sprintf("%s %s (%s) via %s", p.Code, p.Name, strings.Join(ls, ", "), pathText(p.Path)))
	}
	via := ""
	if r.Via != nil {
		via = fmt.Sprintf("line %d, tier %d, declared by %s: %s", r.Via.Line, r.Via.Tier, r.Via.DeclaredBy, pathText(r.Via.Path))
	}
	rec = append(rec, strings.Join(cands, "; "), strings.Join(grades, " "), strings.Join(entries, "; "), measures,
		strings.Join(decisions, "; "), errText, strings.Join(ps, "; "), via)
	return c.w.Write(rec)
}

// Flush writes what is buffered and returns the first error.
func (c *CSVWriter) Flush() error {
	if !c.header {
		c.header = true
		if err := c.w.Write(CSVHeader); err != nil {
			return err
		}
	}
	c.w.Flush()
	return c.w.Error()
}

// pathText writes a path as "A -kind-> B, B -kind-> C".
func pathText(path []partners.Hop) string {
	hops := make([]string, len(path))
	for i, h := range path {
		hops[i] = h.From + " -" + h.Kind + "-> " + h.To
	}
	return strings.Join(hops, ", ")
}
