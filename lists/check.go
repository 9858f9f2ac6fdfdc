package lists

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// CheckInput is what Check and Applying judge: one organization's list
// entries and grades at one time.
type CheckInput struct {
	Code string
	// Entries are all the organization's entries; those known at AsOf
	// (KnownAt) and active at AsOf (StateAt(AsOf).Status == ListActive)
	// count.
	Entries    []*credo.ListEntry
	Assessment *credo.Assessment // at AsOf; may be nil
	// Facts are for When conditions; nil: measures with When do not apply.
	Facts *Facts
	// Flags are the flags standing against the organization's
	// registration at AsOf (credo.CurrentOfficerFlags).
	Flags []credo.RegistrationFlag
	AsOf  time.Time
}

// Verdict is what an agency must do before taking Action about Subject.
type Verdict struct {
	Subject string     `json:"subject"`
	Action  string     `json:"action"`
	AsOf    credo.Time `json:"as_of"`
	// Decision is "prohibited" if any reason prohibits; else "restricted"
	// if any restricts or adds extra scrutiny; else "allowed".
	Decision string `json:"decision"`
	// Reasons are every measure that applies to the action (rewards too),
	// punishments first, then by measure id.
	Reasons []Reason `json:"reasons"`
	// Partial is set when the verdict weighs only what the asker may see
	// (the public, a client, an authority outside some field): grades and
	// entries hidden from the asker neither count nor appear.
	Partial bool `json:"partial,omitempty"`
}

// Decisions of a Verdict.
const (
	Prohibited = "prohibited"
	Restricted = "restricted"
	Allowed    = "allowed"
)

// Reason is one measure that applies, and why.
type Reason struct {
	Measure        string       `json:"measure"`
	Title          string       `json:"title"`
	Kind           string       `json:"kind"`
	Effect         string       `json:"effect"`
	LegalBasis     string       `json:"legal_basis"`
	Basis          *credo.Basis `json:"basis,omitempty"`
	List           string       `json:"list,omitempty"`
	Entry          int64        `json:"entry,omitempty"`
	DecisionNumber string       `json:"decision_number,omitempty"`
	Dimension      string       `json:"dimension,omitempty"`
	Grade          string       `json:"grade,omitempty"`
	// Until is the entry's term end (zero: while the grade or condition
	// holds, or the list sets no term).
	Until credo.Time `json:"until,omitzero"`
	// Flag is the registration flag the reason follows from (a Flag
	// trigger), with its own basis.
	Flag *credo.RegistrationFlag `json:"flag,omitempty"`
	// Why is one sentence: "on the serious dishonesty list since
	// 2026-03-01 (decision 苏市监信〔2026〕12号)".
	Why string `json:"why"`
}

// Check answers what an agency must do before taking action about one
// organization. An unknown action is an EINVALID error on field "action";
// a When condition that fails to evaluate is an error too.
func (c *Catalogue) Check(action string, in CheckInput) (Verdict, error) {
	if !slices.Contains(Actions, action) {
		return Verdict{}, credo.FieldError("action", "enum", "must be one of %s", strings.Join(Actions, ", "))
	}
	v := Verdict{Subject: in.Code, Action: action, AsOf: credo.NewTime(in.AsOf), Decision: Allowed, Reasons: []Reason{}}
	reasons, err := c.applying(in, action, true)
	if err != nil {
		return Verdict{}, err
	}
	for _, r := range reasons {
		switch {
		case r.Effect == "prohibit":
			v.Decision = Prohibited
		case (r.Effect == "restrict" || r.Effect == "extra_scrutiny") && v.Decision == Allowed:
			v.Decision = Restricted
		}
	}
	v.Reasons = reasons
	return v, nil
}

// Applying returns every measure that applies, over all actions, each
// once, in the order of Check's reasons (for notices). A measure whose
// When condition fails to evaluate is left out.
func (c *Catalogue) Applying(in CheckInput) []Reason {
	reasons, _ := c.applying(in, "", false)
	return reasons
}

// applying returns the reasons of the measures that apply to action (""
// any). With strict, a condition that fails to evaluate is an error;
// otherwise its measure does not apply.
func (c *Catalogue) applying(in CheckInput, action string, strict bool) ([]Reason, error) {
	out := []Reason{}
	if c == nil {
		return out, nil
	}
	active := activeEntries(in)
	var vars map[string]any // built once, when a condition needs them
	for _, m := range c.Measures {
		if action != "" && !slices.Contains(m.Actions, action) {
			continue
		}
		r := Reason{Measure: m.ID, Title: m.Title, Kind: m.Kind, Effect: m.Effect, LegalBasis: m.LegalBasis, Basis: m.Basis}
		var why []string
		t := &m.Trigger
		if t.List != "" {
			e := pick(active[t.List])
			if e == nil {
				continue
			}
			r.List, r.Entry, r.DecisionNumber, r.Until = t.List, e.ID, e.DecisionNumber, e.Until
			why = append(why, c.onList(e, in.AsOf))
		}
		if t.Dimension != "" {
			grade, ok := gradeOf(in.Assessment, t.Dimension)
			if !ok || !slices.Contains(t.Grades, grade) {
				continue
			}
			r.Dimension, r.Grade = t.Dimension, grade
			if t.Dimension == "comprehensive" {
				why = append(why, fmt.Sprintf("the comprehensive grade is %s", grade))
			} else {
				why = append(why, fmt.Sprintf("the %s grade is %s", t.Dimension, grade))
			}
		}
		if t.Flag != "" {
			f := pickFlag(in.Flags, t.Flag)
			if f == nil {
				continue
			}
			r.Flag = f
			why = append(why, flagWhy(f))
		}
		if t.When != "" {
			if in.Facts == nil || t.cond == nil {
				continue
			}
			if vars == nil {
				f := *in.Facts
				if f.AsOf.IsZero() {
					f.AsOf = in.AsOf
				}
				if f.Code == "" {
					f.Code = in.Code
				}
				vars = f.vars()
			}
			ok, err := t.cond.eval(vars)
			if err != nil {
				if strict {
					return nil, fmt.Errorf("measure %s: %w", m.ID, err)
				}
				continue
			}
			if !ok {
				continue
			}
			why = append(why, "its condition holds: "+t.When)
		}
		r.Why = strings.Join(why, "; and ")
		out = append(out, r)
	}
	slices.SortStableFunc(out, func(a, b Reason) int {
		return cmp.Or(cmp.Compare(kindRank(a.Kind), kindRank(b.Kind)), strings.Compare(a.Measure, b.Measure))
	})
	return out, nil
}

func kindRank(kind string) int {
	if kind == Punishment {
		return 0
	}
	return 1
}

// activeEntries returns in's entries known and active at AsOf, by list.
func activeEntries(in CheckInput) map[string][]*credo.ListEntry {
	out := map[string][]*credo.ListEntry{}
	for _, e := range in.Entries {
		if e == nil || in.Code != "" && e.Subject != "" && e.Subject != in.Code {
			continue
		}
		if e.KnownAt(in.AsOf) && e.StateAt(in.AsOf).Status == credo.ListActive {
			out[e.List] = append(out[e.List], e)
		}
	}
	return out
}

// pick chooses the entry a reason names among a list's active entries:
// the one that lasts longest (no term end is longest), then the earliest
// in effect, then the lowest id.
func pick(entries []*credo.ListEntry) *credo.ListEntry {
	var best *credo.ListEntry
	for _, e := range entries {
		if best == nil {
			best = e
			continue
		}
		c := cmp.Or(compareUntil(e.Until.Time, best.Until.Time),
			-e.EffectiveAt.Compare(best.EffectiveAt.Time), -cmp.Compare(e.ID, best.ID))
		if c > 0 {
			best = e
		}
	}
	return best
}

// compareUntil orders term ends, zero (no end) last.
func compareUntil(a, b time.Time) int {
	switch {
	case a.IsZero() && b.IsZero():
		return 0
	case a.IsZero():
		return 1
	case b.IsZero():
		return -1
	}
	return a.Compare(b)
}

// gradeOf returns the grade of a dimension ("comprehensive": the
// comprehensive grade) in a.
func gradeOf(a *credo.Assessment, dim string) (string, bool) {
	if a == nil {
		return "", false
	}
	if dim == "comprehensive" {
		return a.Grade, a.Grade != ""
	}
	d := a.Dimensions[dim]
	if d == nil || d.Grade == "" {
		return "", false
	}
	return d.Grade, true
}

// onList says why an entry counts: "on the serious dishonesty list since
// 2026-03-01 (decision 苏市监信〔2026〕12号)".
func (c *Catalogue) onList(e *credo.ListEntry, asOf time.Time) string {
	s := fmt.Sprintf("on the %s list since %s", listName(e.List), e.StateAt(asOf).Since.UTC().Format(time.DateOnly))
	var how []string
	if e.DecisionNumber != "" && e.Source != credo.SourceRule { // a rule entry's number is the registry's
		how = append(how, "decision "+e.DecisionNumber)
	}
	switch e.Source {
	case credo.SourceRule:
		if len(e.Reasons) > 0 {
			how = append(how, "by rule: "+strings.Join(e.Reasons, "; "))
		} else {
			how = append(how, "by rule")
		}
	case credo.SourceEscalation:
		if e.EscalatedFrom != 0 {
			how = append(how, fmt.Sprintf("escalated from entry %d", e.EscalatedFrom))
		} else {
			how = append(how, "by escalation")
		}
	}
	if len(how) > 0 {
		s += " (" + strings.Join(how, ", ") + ")"
	}
	return s
}

// listName is a list id in words: "serious-dishonesty" → "serious
// dishonesty"; a leading one-letter word keeps its hyphen ("A-taxpayer").
func listName(id string) string {
	words := strings.Split(id, "-")
	if len(words) > 1 && len(words[0]) == 1 {
		words = append([]string{strings.ToUpper(words[0]) + "-" + words[1]}, words[2:]...)
	}
	return strings.Join(words, " ")
}

// pickFlag returns the flag of kind among flags whose bar lasts longest
// (then the first), nil when there is none.
func pickFlag(flags []credo.RegistrationFlag, kind string) *credo.RegistrationFlag {
	var best *credo.RegistrationFlag
	for i := range flags {
		f := &flags[i]
		if f.Kind == kind && (best == nil || f.Until.After(best.Until.Time)) {
			best = f
		}
	}
	if best == nil {
		return nil
	}
	c := *best
	return &c
}

// flagWhy says why a flag counts: "person p1 was registered as director
// on 2026-03-01 while barred: legal_representative of 9132…, whose
// business licence was revoked on 2025-01-10 (decision 苏市监〔2025〕3号),
// until 2028-01-10".
func flagWhy(f *credo.RegistrationFlag) string {
	what := "business licence was revoked"
	if f.Penalty == "closure" {
		what = "closure was ordered"
	}
	s := fmt.Sprintf("person %s was registered as %s on %s while barred: %s of %s, whose %s on %s",
		f.PersonKey, f.Role, f.RegisteredAt.UTC().Format(time.DateOnly), strings.Join(f.Roles, ", "),
		f.Organization, what, f.DecidedAt.UTC().Format(time.DateOnly))
	if f.DecisionNumber != "" {
		s += " (decision " + f.DecisionNumber + ")"
	}
	return s + ", until " + f.Until.UTC().Format(time.DateOnly)
}
