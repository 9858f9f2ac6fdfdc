package dueprocess

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/credo-registry/credo"
)

// Requests accept the forms people write: reasons as one text or a list,
// a term as a period ("3y") or a number of days, an attachment as a
// document or only its name. What they mean is checked as strictly as ever.

// Texts is a list of texts, given as a JSON array or one string.
type Texts []string

// UnmarshalJSON accepts "text" or ["text", ...].
func (t *Texts) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*t = Texts{s}
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return fmt.Errorf("want a text or a list of texts")
	}
	*t = list
	return nil
}

// Join is the texts as one, separated by "; ".
func (t Texts) Join() string { return strings.Join(t, "; ") }

// Period is a length of time: "3y", "18mo", "90d", or a number of days.
type Period string

// UnmarshalJSON accepts "3y" or 1095 (days).
func (p *Period) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*p = Period(strings.TrimSpace(s))
		return nil
	}
	var days int
	if err := json.Unmarshal(b, &days); err != nil {
		return fmt.Errorf("want a period such as \"3y\", \"18mo\", \"90d\", or a whole number of days")
	}
	*p = Period(fmt.Sprintf("%dd", days))
	return nil
}

// Attachments are documents, each given in full or by its name alone.
type Attachments []credo.Attachment

// UnmarshalJSON accepts a list whose items are attachment objects or
// names, or one such item.
func (a *Attachments) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] != '[' {
		b = append(append([]byte{'['}, b...), ']')
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("want a list of documents")
	}
	out := make(Attachments, 0, len(raw))
	for _, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) > 0 && r[0] == '"' {
			var name string
			if err := json.Unmarshal(r, &name); err != nil {
				return err
			}
			out = append(out, credo.Attachment{Name: name})
			continue
		}
		var at credo.Attachment
		if err := credo.Decode(r, &at); err != nil {
			return err
		}
		out = append(out, at)
	}
	*a = out
	return nil
}

// outcome returns the outcome a decision names, one of credo's words for
// its kind of case (upheld, corrected, retracted; approved, rejected), or
// "" for any other: one name per outcome.
func outcome(kind, word string) string {
	outcomes := []string{credo.OutcomeUpheld, credo.OutcomeCorrected, credo.OutcomeRetracted}
	if kind == credo.CaseRepair {
		outcomes = []string{credo.OutcomeApproved, credo.OutcomeRejected}
	}
	if slices.Contains(outcomes, word) {
		return word
	}
	return ""
}
