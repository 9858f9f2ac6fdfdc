package dueprocess

import (
	"context"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/visibility"
)

// What each viewer sees is decided by package visibility (s.Policy);
// these functions shape what it lets through.

// EntryView is a list entry as shown: its state at the time asked about
// as the registry knows it now, the state it knew then when that differs
// (KnownThen: a listing since overturned was active then), its timeline,
// and whether it is under objection.
type EntryView struct {
	*credo.ListEntry
	ListTitle string           `json:"list_title"`
	State     credo.ListState  `json:"state"`
	KnownThen *credo.ListState `json:"known_then,omitempty"`
	// Timeline is every step so far with its actor, time and reason.
	Timeline       []credo.ListTransition `json:"timeline"`
	UnderObjection bool                   `json:"under_objection,omitempty"`
	Objection      int64                  `json:"objection,omitempty"`
	// LogIndex is the ledger leaf of the entry's list_entry.notified
	// change (set by the API; absent until integrated).
	LogIndex *int64 `json:"log_index,omitempty"`
}

// View shows e at asOf, as known now, with its open objection, if any
// (objections as they stand now). Whether the viewer may see e at all is
// the policy's (visibility.Policy.Entry).
func (s *Service) View(e *credo.ListEntry, asOf time.Time, open map[credo.Target]*credo.Case) EntryView {
	now := s.now()
	st, then := visibility.EntryState(e, asOf, now)
	v := EntryView{ListEntry: e, State: st, KnownThen: then, Timeline: e.Timeline(asOf)}
	if then != nil {
		v.Timeline = e.Timeline(maxTime(asOf, now))
	}
	if def := s.Catalogue.List(e.List); def != nil {
		v.ListTitle = def.Title
	}
	if c := open[credo.Target{Kind: credo.TargetListEntry, ID: e.ID}]; c != nil {
		v.UnderObjection, v.Objection = true, c.ID
	}
	return v
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
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
	return s.SubjectListsOf(ctx, v, code, entries, asOf)
}

// SubjectListsOf is SubjectLists over code's entries read already (all of
// them, by id, as credo.ListStore.SubjectListEntries gives them). Open
// objections are read only when v may see an entry.
func (s *Service) SubjectListsOf(ctx context.Context, v credo.Viewer, code string, entries []*credo.ListEntry, asOf time.Time) ([]EntryView, error) {
	now := s.now()
	var seen []*credo.ListEntry
	for i := len(entries) - 1; i >= 0; i-- {
		if s.Policy.Entry(v, entries[i], asOf, now) {
			seen = append(seen, entries[i])
		}
	}
	out := []EntryView{}
	if len(seen) == 0 {
		return out, nil
	}
	open, err := s.OpenObjections(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, e := range seen {
		out = append(out, s.View(e, asOf, open))
	}
	return out, nil
}

// Assessment computes code's assessment at asOf as v may see it. For a
// viewer who does not see everything about the organization, entries not
// yet in effect now do not count, whatever asOf says: a future as_of
// shows no listing before it takes effect.
func (s *Service) Assessment(ctx context.Context, v credo.Viewer, code string, asOf time.Time) (*credo.Assessment, error) {
	if s.Grading == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "assessments need grading, which this server does not run")
	}
	entries, err := s.Entries(ctx, code)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !visibility.Whole(v, code) {
		entries = s.inEffect(v, entries, now)
	}
	versions, err := s.Store.SubjectVersions(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, err
	}
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return nil, err
	}
	a, err := s.Grading.AssessInputs(ctx, code, versions, records, entries, asOf)
	if err != nil {
		return nil, err
	}
	return s.Policy.Assessment(v, a, s.Policy.Records(v, records, now)), nil
}

// WhatIf is grading's what-if for v: for a viewer who does not see
// everything about the organization, entries not yet in effect now do not
// count (as in Assessment). The answers are in full; the caller shows them
// through the policy.
func (s *Service) WhatIf(ctx context.Context, v credo.Viewer, code string, add []*credo.Record, leaveOut []int64, asOf time.Time) (actual, hypothetical *credo.Assessment, err error) {
	if s.Grading == nil {
		return nil, nil, credo.Errorf(credo.EUNAVAILABLE, "what-if needs grading, which this server does not run")
	}
	var entries []*credo.ListEntry // nil: all of them, read by grading
	if !visibility.Whole(v, code) {
		all, err := s.Entries(ctx, code)
		if err != nil {
			return nil, nil, err
		}
		entries = s.inEffect(v, all, s.now())
	}
	return s.Grading.WhatIf(ctx, code, add, leaveOut, entries, asOf)
}

// AssessmentView returns a, computed in full, as v may see it.
func (s *Service) AssessmentView(ctx context.Context, v credo.Viewer, a *credo.Assessment) (*credo.Assessment, error) {
	if visibility.Whole(v, a.Subject) {
		return a, nil
	}
	records, err := s.Store.AllRecords(ctx, a.Subject)
	if err != nil {
		return nil, err
	}
	return s.Policy.Assessment(v, a, s.Policy.Records(v, records, s.now())), nil
}

// RecordsSeen returns, for code's records, whether v may see each at now.
func (s *Service) RecordsSeen(ctx context.Context, v credo.Viewer, code string) (func(id int64) bool, error) {
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.Policy.Records(v, records, s.now()), nil
}

// inEffect returns the entries that count for v: those v sees whatever
// their state (visibility.Policy.EntryFull), and the others once in
// effect at now and unless overturned by now (a listing overturned on
// objection was wrong from the start: it counts at no as_of for v).
func (s *Service) inEffect(v credo.Viewer, entries []*credo.ListEntry, now time.Time) []*credo.ListEntry {
	out := make([]*credo.ListEntry, 0, len(entries))
	for _, e := range entries {
		if s.Policy.EntryFull(v, e) {
			out = append(out, e)
			continue
		}
		if st, _ := visibility.EntryState(e, e.NotifiedAt.Time, now); st.Reason == credo.EndOverturned {
			continue
		}
		if !e.EffectiveAt.After(now) {
			out = append(out, e)
		}
	}
	return out
}

// Measures answers what an agency must do before taking action about
// code, as of asOf: allowed, restricted or prohibited, with every reason.
// Without an action, it answers for all: every measure that applies.
//
// The verdict weighs only what v may see (package visibility): the
// entries v may see at asOf, the grades v may see, the records v may see.
// A reason never names what v may not see, and the decision is made from
// the same reasons, so that it does not betray a hidden one either
// (Verdict.Partial says so when v does not see everything).
func (s *Service) Measures(ctx context.Context, v credo.Viewer, code, action string, asOf time.Time) (lists.Verdict, error) {
	j, err := s.Judge(ctx, v, code, asOf)
	if err != nil {
		return lists.Verdict{}, err
	}
	return j.Measures(ctx, action)
}

// Judgement is code's assessment at asOf as v may see it (as Assessment
// computes it) and what the measures are judged from, read and computed
// once: a report shows the assessment and the verdict for every action.
type Judgement struct {
	Assessment *credo.Assessment
	// Versions are the registration versions, oldest first; Records every
	// record (as credo.Store.AllRecords gives them), and Seen whether v
	// may see each now.
	Versions []*credo.Subject
	Records  []*credo.Record
	Seen     func(id int64) bool

	s       *Service
	v       credo.Viewer
	code    string
	asOf    time.Time
	entries []*credo.ListEntry
	partial bool
	in      *lists.CheckInput // made on the first Measures
}

// Judge reads and assesses code at asOf for v, as Assessment and
// Measures do.
func (s *Service) Judge(ctx context.Context, v credo.Viewer, code string, asOf time.Time) (*Judgement, error) {
	return s.JudgeStored(ctx, v, code, asOf, nil)
}

// JudgeStored is Judge with code's stored current assessment, read
// already (nil: none), standing for the one Judge would compute while it
// holds, as in JudgeInputs: the organization page shows the stored
// assessment, and its measures are then judged from the same one,
// without the partners' reads that computing it takes.
func (s *Service) JudgeStored(ctx context.Context, v credo.Viewer, code string, asOf time.Time, current *credo.Assessment) (*Judgement, error) {
	if s.Grading == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "measures need grading, which this server does not run")
	}
	entries, err := s.Entries(ctx, code)
	if err != nil {
		return nil, err
	}
	versions, err := s.Store.SubjectVersions(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, err
	}
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.judge(ctx, v, &credo.Inputs{Code: code, Versions: versions, Records: records, Entries: entries, Current: current}, asOf)
}

// Entries are every list entry of the organization judged, by id, as
// credo.ListStore.SubjectListEntries gives them (SubjectListsOf shows
// them).
func (j *Judgement) Entries() []*credo.ListEntry { return j.entries }

// JudgeInputs is Judge over what was read already: in holds code's
// versions, records, entries and stored assessment, as
// credo.GradingStore.GradingInputs reads them for many codes at once
// (screening). The stored assessment stands for the one Judge would
// compute when it is the registry's current assessment at asOf (made no
// later than asOf, NextChange zero or after it: what GET
// /v1/subjects/{code}/assessment answers) and counts the same entries as
// Judge would (v sees them whole, or all are in effect); else the
// assessment is computed, as Judge does.
func (s *Service) JudgeInputs(ctx context.Context, v credo.Viewer, in *credo.Inputs, asOf time.Time) (*Judgement, error) {
	if s.Grading == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "measures need grading, which this server does not run")
	}
	return s.judge(ctx, v, in, asOf)
}

// judge is Judge and JudgeInputs: in.Current, when set, is used while it
// holds.
func (s *Service) judge(ctx context.Context, v credo.Viewer, in *credo.Inputs, asOf time.Time) (*Judgement, error) {
	code, versions, records, entries := in.Code, in.Versions, in.Records, in.Entries
	now := s.now()
	j := &Judgement{Versions: versions, Records: records, Seen: s.Policy.Records(v, records, now),
		s: s, v: v, code: code, asOf: asOf, entries: entries, partial: !visibility.Whole(v, code)}
	counted := entries
	if j.partial {
		counted = s.inEffect(v, entries, now)
	}
	a := in.Current
	if a == nil || a.AsOf.After(asOf) || !a.HoldsAt(asOf) || len(counted) != len(entries) {
		var err error
		if a, err = s.Grading.AssessInputs(ctx, code, versions, records, counted, asOf); err != nil {
			return nil, err
		}
	}
	j.Assessment = s.Policy.Assessment(v, a, j.Seen)
	return j, nil
}

// Measures answers for action ("": every measure that applies) as
// Service.Measures does.
func (j *Judgement) Measures(ctx context.Context, action string) (lists.Verdict, error) {
	s := j.s
	if j.in == nil {
		records, entries := j.Records, j.entries
		if j.partial {
			now := s.now()
			records = slices.DeleteFunc(slices.Clone(records), func(r *credo.Record) bool { return !j.Seen(r.ID) })
			entries = slices.DeleteFunc(slices.Clone(entries), func(e *credo.ListEntry) bool { return !s.Policy.Entry(j.v, e, j.asOf, now) })
		}
		facts := s.facts(j.code, j.Versions, records, j.Assessment, entries, j.asOf)
		flags, err := s.flagsAt(ctx, j.Versions, j.asOf)
		if err != nil {
			return lists.Verdict{}, err
		}
		if !visibility.PersonKeys(j.v) {
			for i := range flags {
				flags[i].PersonKey = ""
			}
		}
		j.in = &lists.CheckInput{Code: j.code, Entries: entries, Assessment: j.Assessment, Facts: facts, Flags: flags, AsOf: j.asOf}
	}
	in, partial := *j.in, j.partial
	if action != "" {
		verdict, err := s.Catalogue.Check(action, in)
		verdict.Partial = partial
		return verdict, err
	}
	// No action named: every measure that applies, and the strictest
	// decision among them.
	verdict := lists.Verdict{Subject: j.code, AsOf: credo.NewTime(j.asOf), Decision: lists.Allowed, Reasons: s.Catalogue.Applying(in), Partial: partial}
	for _, r := range verdict.Reasons {
		switch {
		case r.Effect == "prohibit":
			verdict.Decision = lists.Prohibited
		case (r.Effect == "restrict" || r.Effect == "extra_scrutiny") && verdict.Decision == lists.Allowed:
			verdict.Decision = lists.Restricted
		}
	}
	return verdict, nil
}

// flagsAt returns the flags standing against the registration of
// versions (one code's, oldest first) as it stood at asOf
// (credo.CurrentOfficerFlags), when the store reads relationships.
func (s *Service) flagsAt(ctx context.Context, versions []*credo.Subject, asOf time.Time) ([]credo.RegistrationFlag, error) {
	fr, ok := s.Store.(credo.FlagReader)
	if !ok {
		return nil, nil
	}
	n := 0
	for n < len(versions) && !versions[n].RecordedAt.After(asOf) {
		n++
	}
	known := versions[:n]
	all, err := credo.LoadOfficerFlags(ctx, fr, known)
	if err != nil {
		return nil, err
	}
	return credo.CurrentOfficerFlags(all, known), nil
}
