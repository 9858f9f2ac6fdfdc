package api

import (
	"net/http"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/visibility"
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
	// UnderObjection marks a record with an open objection (Objection).
	UnderObjection bool  `json:"under_objection,omitempty"`
	Objection      int64 `json:"objection,omitempty"`
	// LogIndex is the ledger leaf of the record's record.accepted change
	// (absent until integrated, or without a ledger).
	LogIndex *int64 `json:"log_index,omitempty"`
}

// RecordViewPage is a page of records as the API shows them.
type RecordViewPage struct {
	Records []RecordView `json:"records"`
	Next    string       `json:"next,omitempty"`
}

// view adds the publicity window to a record, when grading is wired, and
// its open objection.
func (s *Server) view(r *http.Request, rec *credo.Record, open map[credo.Target]*credo.Case) RecordView {
	return s.viewOf(rec, open, s.logIndex(r.Context(), credo.ChangeRecordAccepted, rec.ID))
}

// viewOf is view with the record's ledger leaf index given (nil: none yet).
func (s *Server) viewOf(rec *credo.Record, open map[credo.Target]*credo.Case, logIndex *int64) RecordView {
	v := RecordView{Record: masked(rec), LogIndex: logIndex}
	if c := open[credo.Target{Kind: credo.TargetRecord, ID: rec.ID}]; c != nil {
		v.UnderObjection, v.Objection = true, c.ID
	}
	if s.Grading != nil {
		from, repair, until, rule := s.Grading.Publicity(rec, s.now())
		v.Publicity = &Publicity{From: credo.NewTime(from), Rule: rule}
		if !repair.IsZero() {
			v.Publicity.RepairFrom = credo.NewTime(repair)
		}
		if !until.IsZero() {
			v.Publicity.Until = credo.NewTime(until)
		}
		if !rec.RepairedAt.IsZero() && (until.IsZero() || rec.RepairedAt.Before(until)) {
			v.Publicity.Until = rec.RepairedAt
		}
	}
	return v
}

// policy is what decides what each viewer sees: due process's, or, on a
// server without due process, a policy with nothing to judge by, which
// shows the public nothing that needs rules to be judged (fails closed).
func (s *Server) policy() *visibility.Policy {
	if s.Process != nil && s.Process.Policy != nil {
		return s.Process.Policy
	}
	return visibility.New(nil, nil)
}

// openObjections returns code's open objections (none without due
// process).
func (s *Server) openObjections(r *http.Request, code string) (map[credo.Target]*credo.Case, error) {
	if s.Process == nil {
		return nil, nil
	}
	return s.Process.OpenObjections(r.Context(), code)
}

// masked returns rec, or a copy with the resident identity numbers in its
// free text masked: a record stored before such text was refused
// (credo.NoIdentityNumber) is served without them.
func masked(rec *credo.Record) *credo.Record {
	texts := []*string{&rec.Description, &rec.LegalBasis, &rec.DecisionNumber, &rec.ExternalID}
	for _, t := range texts {
		if uscc.ContainsResidentID(*t) {
			cp := *rec
			for _, f := range []*string{&cp.Description, &cp.LegalBasis, &cp.DecisionNumber, &cp.ExternalID} {
				*f = uscc.MaskResidentIDs(*f)
			}
			return &cp
		}
	}
	return rec
}
