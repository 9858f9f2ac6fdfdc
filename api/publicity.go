package api

import (
	"net/http"

	"github.com/credo-registry/credo"
)

// Publicity is when a record is shown publicly under the rulebooks'
// publicity rules (DOMAIN section 4): from its decision, with credit repair
// possible from RepairFrom, until Until (absent: no end).
type Publicity struct {
	From       credo.Time `json:"from"`
	RepairFrom credo.Time `json:"repair_from,omitzero"`
	Until      credo.Time `json:"until,omitzero"`
	Rule       string     `json:"rule,omitempty"`
}

// RecordView is a record as the API shows it: with its publicity window.
type RecordView struct {
	*credo.Record
	Publicity *Publicity `json:"publicity,omitempty"`
}

// RecordViewPage is a page of records as the API shows them.
type RecordViewPage struct {
	Records []RecordView `json:"records"`
	Next    string       `json:"next,omitempty"`
}

// view adds the publicity window to a record, when grading is wired.
func (s *Server) view(r *http.Request, rec *credo.Record) RecordView {
	v := RecordView{Record: rec}
	if s.Grading != nil {
		from, repair, until, rule := s.Grading.Publicity(rec, s.now())
		v.Publicity = &Publicity{From: credo.NewTime(from), Rule: rule}
		if !repair.IsZero() {
			v.Publicity.RepairFrom = credo.NewTime(repair)
		}
		if !until.IsZero() {
			v.Publicity.Until = credo.NewTime(until)
		}
	}
	return v
}
