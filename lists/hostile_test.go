package lists

import (
	"strings"
	"testing"
)

// A hostile list definition or measures file (issue 9, item 3): an
// expression whose work grows with the cube of the records, or that builds
// ever longer texts, is refused at load by its estimated cost, naming the
// file, the list or measure and the field; nothing of it ever runs.
func TestHostileExpressionsRefused(t *testing.T) {
	const ir, ms = "definitions/irregular.yaml", "measures.yaml"
	cubic := `'records.exists(r, records.exists(s, records.exists(q, q.description + s.description == r.description)))'`
	for _, c := range []struct {
		name, file, old, new, id, field string
	}{
		{"list rule, cubic", ir, `'records.exists(r, r.kind == "annual_report_missing")'`, cubic, "irregular", "rule.when"},
		{"list rule, growing texts", ir, `'records.exists(r, r.kind == "annual_report_missing")'`,
			`'records.map(r, records.map(s, r.description + s.description + r.description)).exists(l, l.exists(t, t.contains("x")))'`, "irregular", "rule.when"},
		{"measure trigger, cubic", ms, `'records.size() > 0'`, cubic, "tax-d", "trigger.when"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(files(edit(t, c.file, c.old, c.new)))
			if err == nil {
				t.Fatal("accepted")
			}
			errs := Errors(err)
			if len(errs) != 1 || errs[0].File != c.file || errs[0].ID != c.id || errs[0].Field != c.field ||
				!strings.Contains(errs[0].Message, "would run too long") {
				t.Errorf("refused with %v", err)
			}
		})
	}
}
