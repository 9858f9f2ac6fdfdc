package dueprocess

import (
	"context"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
)

// What the public sees is what is published: records inside their
// publicity window, active entries of public lists, the grades the
// rulebooks mark public, and open objections as "under objection". The
// organization itself, the authorities whose jurisdiction covers it and
// administrators see everything (credo.Viewer.Sees). These functions are
// the one place that decides it.

// Published reports whether r is shown to the public at t: in force (not
// a retraction, not superseded), inside its publicity window, and not
// ended early by credit repair.
func (s *Service) Published(r *credo.Record, t time.Time) bool {
	if r.Retracted() || r.SupersededBy != 0 {
		return false
	}
	if !r.RepairedAt.IsZero() && !r.RepairedAt.After(t) {
		return false
	}
	if s.Grading == nil {
		return true
	}
	w := s.Grading.Set().Publicity(r, t)
	if w.From.After(t) {
		return false
	}
	return w.Until.IsZero() || w.Until.After(t)
}

// EntryView is a list entry as shown: its status at the time asked
// about, its timeline, and whether it is under objection.
type EntryView struct {
	*credo.ListEntry
	ListTitle string          `json:"list_title"`
	State     credo.ListState `json:"state"`
	// Status and EndReason repeat State's, for readers that look there.
	Status    string `json:"status"`
	EndReason string `json:"end_reason,omitempty"`
	// Timeline is every step so far with its actor, time and reason;
	// Transitions is the same list.
	Timeline       []credo.ListTransition `json:"timeline"`
	Transitions    []credo.ListTransition `json:"transitions"`
	UnderObjection bool                   `json:"under_objection,omitempty"`
	Objection      int64                  `json:"objection,omitempty"`
}

// EntryVisible reports whether v may see e at asOf: everything to those
// who see the organization; to the public, active entries of public lists.
func (s *Service) EntryVisible(v credo.Viewer, e *credo.ListEntry, asOf time.Time) bool {
	if !e.KnownAt(asOf) {
		return false
	}
	if v.Sees(e.Subject) {
		return true
	}
	def := s.Catalogue.List(e.List)
	return def != nil && def.Public && e.StateAt(asOf).Status == credo.ListActive
}

// View shows e at asOf with its open objection, if any (objections as
// they stand now).
func (s *Service) View(e *credo.ListEntry, asOf time.Time, open map[credo.Target]*credo.Case) EntryView {
	v := EntryView{ListEntry: e, State: e.StateAt(asOf), Timeline: e.Timeline(asOf)}
	v.Status, v.EndReason, v.Transitions = v.State.Status, v.State.Reason, v.Timeline
	if def := s.Catalogue.List(e.List); def != nil {
		v.ListTitle = def.Title
	}
	if c := open[credo.Target{Kind: credo.TargetListEntry, ID: e.ID}]; c != nil {
		v.UnderObjection, v.Objection = true, c.ID
	}
	return v
}

// OpenObjections returns code's open objections by target.
func (s *Service) OpenObjections(ctx context.Context, code string) (map[credo.Target]*credo.Case, error) {
	out := map[credo.Target]*credo.Case{}
	cursor := ""
	for {
		page, err := s.Store.Cases(ctx, credo.CaseQuery{Kind: credo.CaseObjection, Subject: code, Open: true, Cursor: cursor, Limit: credo.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, c := range page.Cases {
			out[c.Target] = c
		}
		if page.Next == "" {
			return out, nil
		}
		cursor = page.Next
	}
}

// SubjectLists returns code's entries as v may see them at asOf.
func (s *Service) SubjectLists(ctx context.Context, v credo.Viewer, code string, asOf time.Time) ([]EntryView, error) {
	entries, err := s.Store.SubjectListEntries(ctx, code)
	if err != nil {
		return nil, err
	}
	open, err := s.OpenObjections(ctx, code)
	if err != nil {
		return nil, err
	}
	out := []EntryView{}
	for i := len(entries) - 1; i >= 0; i-- {
		if s.EntryVisible(v, entries[i], asOf) {
			out = append(out, s.View(entries[i], asOf, open))
		}
	}
	return out, nil
}

// PublishedRecords returns, for each of code's records, whether the
// public sees it at now.
func (s *Service) PublishedRecords(ctx context.Context, code string, now time.Time) (map[int64]bool, error) {
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return nil, err
	}
	published := make(map[int64]bool, len(records))
	for _, r := range records {
		published[r.ID] = s.Published(r, now)
	}
	return published, nil
}

// PublicAssessment returns what the public sees of a: the comprehensive
// grade when the rulebook marks it public, the public dimensions, and of
// their contributions those from published records (PublishedRecords).
func PublicAssessment(a *credo.Assessment, published map[int64]bool) *credo.Assessment {
	out := *a
	if !a.Public {
		out.Grade, out.Score, out.Reasons = "", 0, nil
	}
	out.Dimensions = map[string]*credo.Dimension{}
	for id, d := range a.Dimensions {
		if !d.Public {
			continue
		}
		dc := *d
		dc.Contributions = []credo.Contribution{}
		for _, c := range d.Contributions {
			if c.Record == 0 || published[c.Record] {
				dc.Contributions = append(dc.Contributions, c)
			}
		}
		out.Dimensions[id] = &dc
	}
	return &out
}

// Measures answers what an agency must do before taking action about
// code, as of asOf: allowed, restricted or prohibited, with every reason.
// Without an action, it answers for all: every measure that applies.
func (s *Service) Measures(ctx context.Context, code, action string, asOf time.Time) (lists.Verdict, error) {
	if s.Grading == nil {
		return lists.Verdict{}, credo.Errorf(credo.EUNAVAILABLE, "measures need grading, which this server does not run")
	}
	// Read once: the assessment is made from the same inputs.
	ctx = withKnown(ctx)
	entries, err := s.entriesOf(ctx, code)
	if err != nil {
		return lists.Verdict{}, err
	}
	versions, err := s.Store.SubjectVersions(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return lists.Verdict{}, err
	}
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return lists.Verdict{}, err
	}
	a, err := s.Grading.AssessInputs(ctx, code, versions, records, asOf)
	if err != nil {
		return lists.Verdict{}, err
	}
	facts := s.facts(code, versions, records, a, entries, asOf)
	in := lists.CheckInput{Code: code, Entries: entries, Assessment: a, Facts: facts, AsOf: asOf}
	if action != "" {
		return s.Catalogue.Check(action, in)
	}
	// No action named: every measure that applies, and the strictest
	// decision among them.
	v := lists.Verdict{Subject: code, AsOf: credo.NewTime(asOf), Decision: lists.Allowed, Reasons: s.Catalogue.Applying(in)}
	for _, r := range v.Reasons {
		switch {
		case r.Effect == "prohibit":
			v.Decision = lists.Prohibited
		case (r.Effect == "restrict" || r.Effect == "extra_scrutiny") && v.Decision == lists.Allowed:
			v.Decision = lists.Restricted
		}
	}
	return v, nil
}
