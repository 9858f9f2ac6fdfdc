package dueprocess

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
)

// Effects is what lists do to grades, and the notices of what a regrade
// finds: grading is given it (grading.ListEffects) when it is made, and
// the Service shares it. It needs only the store and the catalogue.
type Effects struct {
	Store     Store
	Catalogue *lists.Catalogue
	Now       func() time.Time // the registry clock; time.Now when nil
	Logger    *slog.Logger

	// Working days an authority has to decide about a record: the
	// catalogue's (lists.Catalogue.Records), else the defaults; list
	// entries take theirs from their list's definition.
	RecordObjectionDays int
	RecordRepairDays    int

	failpoint func(step string) // crash tests only
}

// NewEffects returns the list effects of cat over store. failpoint, for
// crash tests only (nil otherwise), is called after a regrade stored its
// entries and notices and before its assessments ("regrade.noticed").
func NewEffects(store Store, cat *lists.Catalogue, now func() time.Time, logger *slog.Logger, failpoint func(step string)) *Effects {
	fx := &Effects{Store: store, Catalogue: cat, Now: now, Logger: logger, failpoint: failpoint,
		RecordObjectionDays: DefaultRecordObjectionDays, RecordRepairDays: DefaultRecordRepairDays}
	if cat != nil && cat.Records.ObjectionDays > 0 {
		fx.RecordObjectionDays, fx.RecordRepairDays = cat.Records.ObjectionDays, cat.Records.RepairDays
	}
	return fx
}

func (s *Effects) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Effects) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Entries returns code's list entries. It implements grading.ListEffects.
func (s *Effects) Entries(ctx context.Context, code string) ([]*credo.ListEntry, error) {
	return s.Store.SubjectListEntries(ctx, code)
}

// Amend applies the effects of code's list entries, as the registry knew
// them at asOf, to a: while an entry of a list that imposes a grade (the
// serious dishonesty list: D) is active, the comprehensive grade is that
// grade, with the entry as its reason; NextChange comes no later than the
// next step an entry takes by time (taking effect, reaching its term). It
// implements grading.ListEffects.
func (s *Effects) Amend(code string, a *credo.Assessment, entries []*credo.ListEntry, asOf time.Time) {
	applyEntries(s.Catalogue, a, entries, asOf)
}

// Round begins one regrade's effects (grading.Round): rule entries
// created and ended, their notices, the notices of the created records,
// of grades that fell and punishments that apply now, all kept until
// Flush. It implements grading.ListEffects.
func (s *Effects) Round(set *rulebook.Set, created []*credo.Record) grading.Round {
	r := &round{fx: s, set: set, known: map[string][]*credo.ListEntry{}}
	for _, rec := range created {
		if r.created == nil {
			r.created = map[string][]*credo.Record{}
		}
		r.created[rec.Subject] = append(r.created[rec.Subject], rec)
	}
	return r
}

// round is a regrade's effects, kept until Flush.
type round struct {
	fx      *Effects
	set     *rulebook.Set
	created map[string][]*credo.Record    // per organization, the records the write stored
	known   map[string][]*credo.ListEntry // per organization, its entries as settled
	entries []*credo.ListEntry            // entries rules create
	defs    []*lists.Definition           // their lists
	ends    []*credo.ListTransition       // ends rules make
	ended   []*credo.ListEntry            // the entries they end, ended
	notices []*credo.Notice
}

// Settle brings code's entries on lists defined by rule in line with a
// (see syncRules), keeps the notices of the records the write created
// (those a counts against the organization, or a publicity rule shows),
// and amends a with the entries.
func (r *round) Settle(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, entries []*credo.ListEntry, a *credo.Assessment, asOf time.Time) error {
	if known, ok := r.known[code]; ok {
		entries = known // as this round left them
	} else if entries == nil {
		var err error
		if entries, err = r.fx.Entries(ctx, code); err != nil {
			return err
		}
	}
	entries = r.fx.syncRules(r, code, versions, records, a, asOf, entries)
	r.known[code] = entries
	if created := r.created[code]; len(created) > 0 {
		r.notices = append(r.notices, r.fx.recordNotices(r.set, created, asOf, func(string) map[int64]bool {
			return countedAgainst(a, gradeRanks(r.set, code, asOf))
		})...)
	}
	applyEntries(r.fx.Catalogue, a, entries, asOf)
	return nil
}

// Changed keeps the notices of a regrade (see Effects.changedNotices).
func (r *round) Changed(code string, before, after *credo.Assessment) {
	r.notices = append(r.notices, r.fx.changedNotices(r.set, code, r.known[code], before, after)...)
}

// maxKnown bounds the entries a round keeps (a rescore's batches hold
// 1,000 organizations and follow one another).
const maxKnown = 2000

// Flush stores the entries rules created, then the ends they made, then
// every notice (the new entries' with their ids) in one write.
func (r *round) Flush(ctx context.Context) error {
	s := r.fx
	ns := r.notices
	defer func() {
		r.entries, r.defs, r.ends, r.ended, r.notices = nil, nil, nil, nil, nil
		if len(r.known) > maxKnown {
			clear(r.known)
		}
	}()
	if len(r.entries) > 0 {
		out, err := s.Store.AddListEntries(ctx, r.entries)
		if err != nil {
			return err
		}
		for i, o := range out {
			if o.Status == credo.Created {
				r.entries[i].ID = o.ID
				ns = append(ns, s.listingNotices(r.defs[i], r.entries[i])...)
			}
		}
	}
	if len(r.ends) > 0 {
		ends, ended := r.ends, r.ended
		if err := s.Store.AddListTransitions(ctx, ends); err != nil {
			if credo.ErrorCodeOf(err) != credo.ECONFLICT {
				return err
			}
			// Some ended meanwhile, on another node: store the rest one by one.
			ends, ended = nil, nil
			for i, tr := range r.ends {
				if err := s.Store.AddListTransitions(ctx, []*credo.ListTransition{tr}); err == nil {
					ends, ended = append(ends, tr), append(ended, r.ended[i])
				} else if credo.ErrorCodeOf(err) != credo.ECONFLICT {
					return err
				}
			}
		}
		for i, tr := range ends {
			if n := s.endedNotice(ended[i], tr); n != nil {
				ns = append(ns, n)
			}
		}
	}
	if err := s.notify(ctx, ns...); err != nil {
		return err
	}
	if s.failpoint != nil {
		s.failpoint("regrade.noticed")
	}
	return nil
}

// applyEntries is the pure part of Amend.
func applyEntries(cat *lists.Catalogue, a *credo.Assessment, entries []*credo.ListEntry, asOf time.Time) {
	next := a.NextChange.Time
	later := func(t time.Time) {
		if t.After(asOf) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, e := range entries {
		if !e.KnownAt(asOf) {
			continue
		}
		def := cat.List(e.List)
		if def == nil {
			continue
		}
		st := e.StateAt(asOf)
		switch st.Status {
		case credo.ListNotified:
			later(e.EffectiveAt.Time)
		case credo.ListActive:
			if !e.Until.IsZero() {
				later(e.Until.Time)
			}
			for _, tr := range e.Transitions {
				if tr.RecordedAt.After(asOf) {
					continue
				}
				later(tr.At.Time)
			}
			if def.Grade != "" {
				a.Grade = def.Grade
				until := "its end"
				if !e.Until.IsZero() {
					until = e.Until.String()
				}
				a.Reasons = append(a.Reasons, fmt.Sprintf("%s while on the %s (%s) from %s until %s: entry %d, decision %s",
					def.Grade, def.Title, def.ID, e.EffectiveAt, until, e.ID, e.DecisionNumber))
			}
		}
	}
	if !next.IsZero() {
		a.NextChange = credo.NewTime(next)
	}
}

// syncRules brings code's entries on lists defined by rule in line with
// the assessment a made at asOf (before list effects): a list whose rule
// holds and that holds no current rule entry gets one (notified now, in
// effect after the list's notice period); a rule entry whose rule no
// longer holds is revoked. An adverse list is not entered again by rule
// on the same information: after a rule entry ended (repaired, overturned,
// revoked, expired), a new one needs a record recorded since. It returns
// entries with the changes.
// What it creates and ends is kept in r until its Flush.
func (s *Effects) syncRules(r *round, code string, versions []*credo.Subject, records []*credo.Record, a *credo.Assessment, asOf time.Time, entries []*credo.ListEntry) []*credo.ListEntry {
	var facts *lists.Facts
	for _, def := range s.Catalogue.Lists {
		if def.Rule == nil {
			continue
		}
		if facts == nil {
			// Rules see the lists the organization is on (active entries),
			// so that a red list can exclude those on an adverse one.
			facts = s.facts(code, versions, records, a, entries, asOf)
			facts.Share() // every rule reads the same converted records
		}
		holds, err := def.Rule.Holds(*facts)
		if err != nil {
			s.log().Error("list rule failed", "list", def.ID, "subject", code, "err", err)
			continue
		}
		var current *credo.ListEntry
		var lastEnd time.Time
		n := 0
		for _, e := range entries {
			// Entries the annual-report deadline pass made are not the
			// list rule's to end (annual.go): only "rule:" keys are.
			if e.List != def.ID || e.Source != credo.SourceRule || !strings.HasPrefix(e.Key, "rule:") {
				continue
			}
			n++
			if st := e.StateAt(asOf); st.Status != credo.ListEnded {
				current = e
			} else if st.Since.After(lastEnd) {
				lastEnd = st.Since.Time
			}
		}
		switch {
		case holds && current == nil:
			if def.Adverse && !lastEnd.IsZero() && !slices.ContainsFunc(facts.Records, func(r *credo.Record) bool { return r.RecordedAt.After(lastEnd) }) {
				continue
			}
			e := &credo.ListEntry{
				List: def.ID, ListVersion: def.Version, Subject: code, Division: division(versions, code),
				Authority: credo.RegistryActor, Source: credo.SourceRule, LegalBasis: def.LegalBasis,
				DecisionNumber: "credo:" + def.ID + ":" + code + ":" + strconv.Itoa(n+1),
				Reasons:        []string{def.Rule.Reason}, DecidedAt: credo.NewTime(asOf),
				Key: "rule:" + def.ID + ":" + code + ":" + strconv.Itoa(n+1),
			}
			s.schedule(e, def, asOf, def.Notice, def.TermDefault)
			r.entries, r.defs = append(r.entries, e), append(r.defs, def)
			entries = append(entries, e)
		case !holds && current != nil:
			tr := &credo.ListTransition{Entry: current.ID, Status: credo.ListEnded, Reason: credo.EndRevoked,
				Note: "the list's criteria no longer hold", Actor: credo.RegistryActor,
				At: credo.NewTime(asOf), RecordedAt: credo.NewTime(asOf)}
			ended := *current
			ended.Transitions = append(append([]credo.ListTransition{}, current.Transitions...), *tr)
			for i := range entries {
				if entries[i].ID == current.ID {
					entries[i] = &ended
				}
			}
			r.ends, r.ended = append(r.ends, tr), append(r.ended, &ended)
		}
	}
	return entries
}

func division(versions []*credo.Subject, code string) string {
	for i := len(versions) - 1; i >= 0; i-- {
		if versions[i].Division != "" {
			return versions[i].Division
		}
	}
	if len(code) >= 8 {
		return code[2:8]
	}
	return ""
}
