package dueprocess

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
)

// Amend applies the effects of code's list entries, as the registry knew
// them at asOf, to a: while an entry of a list that imposes a grade (the
// serious dishonesty list: D) is active, the comprehensive grade is that
// grade, with the entry as its reason; NextChange comes no later than the
// next step an entry takes by time (taking effect, reaching its term). It
// implements grading.ListEffects.
func (s *Service) Amend(ctx context.Context, code string, a *credo.Assessment, asOf time.Time) error {
	entries, err := s.entriesOf(ctx, code)
	if err != nil {
		return err
	}
	applyEntries(s.Catalogue, a, entries, asOf)
	return nil
}

// Settle is Amend after bringing the entries of lists defined by rule in
// line with a, assessed from versions and records (see syncRules): what a
// regrade whose result is stored does. It implements grading.ListEffects.
func (s *Service) Settle(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, a *credo.Assessment, asOf time.Time) error {
	entries, err := s.entriesOf(ctx, code)
	if err != nil {
		return err
	}
	if entries, err = s.syncRules(ctx, code, versions, records, a, asOf, entries); err != nil {
		return err
	}
	if known := knownOf(ctx); known != nil {
		known[code] = entries
	}
	applyEntries(s.Catalogue, a, entries, asOf)
	return nil
}

// known holds, under a context, the entries of organizations read once
// already (by Amend, for Changed in the same regrade; by Measures, for the
// assessment it makes), so that they are not read again.
type known map[string][]*credo.ListEntry

type knownKey struct{}

func knownOf(ctx context.Context) known {
	k, _ := ctx.Value(knownKey{}).(known)
	return k
}

func withKnown(ctx context.Context) context.Context {
	return context.WithValue(ctx, knownKey{}, known{})
}

// entriesOf returns code's entries, from the context's known ones when
// they were read already.
func (s *Service) entriesOf(ctx context.Context, code string) ([]*credo.ListEntry, error) {
	k := knownOf(ctx)
	if es, ok := k[code]; ok {
		return es, nil
	}
	es, err := s.Store.SubjectListEntries(ctx, code)
	if err == nil && k != nil {
		k[code] = es
	}
	return es, err
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
func (s *Service) syncRules(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, a *credo.Assessment, asOf time.Time, entries []*credo.ListEntry) ([]*credo.ListEntry, error) {
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
			if b := batchOf(ctx); b != nil {
				b.entries, b.defs = append(b.entries, e), append(b.defs, def)
				entries = append(entries, e)
				continue
			}
			out, err := s.Store.AddListEntries(ctx, []*credo.ListEntry{e})
			if err != nil {
				return nil, err
			}
			switch out[0].Status {
			case credo.Refused:
				continue // another node made it with its own times
			case credo.Exists:
				stored, err := s.Store.ListEntry(ctx, out[0].ID)
				if err != nil {
					return nil, err
				}
				entries = append(entries, stored)
				continue
			}
			e.ID = out[0].ID
			entries = append(entries, e)
			if err := s.notifyListing(ctx, def, e); err != nil {
				return nil, err
			}
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
			if b := batchOf(ctx); b != nil {
				b.ends, b.ended = append(b.ends, tr), append(b.ended, &ended)
				continue
			}
			if err := s.Store.AddListTransitions(ctx, []*credo.ListTransition{tr}); err != nil {
				if credo.ErrorCodeOf(err) == credo.ECONFLICT {
					continue // ended meanwhile, on another node
				}
				return nil, err
			}
			if err := s.notifyEnded(ctx, &ended, tr); err != nil {
				return nil, err
			}
		}
	}
	return entries, nil
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

// batch buffers what syncRules stores, for a rescore (Batch).
type batch struct {
	entries []*credo.ListEntry
	defs    []*lists.Definition
	ends    []*credo.ListTransition
	ended   []*credo.ListEntry
	notices []*credo.Notice
}

type batchKey struct{}

// maxBatch is the most organizations grading amends between two flushes
// (its rounds and rescore batches hold 1,000).
const maxBatch = 1000

func batchOf(ctx context.Context) *batch {
	b, _ := ctx.Value(batchKey{}).(*batch)
	return b
}

// Batch returns a context under which Amend buffers the entries rules
// create and end, and Changed the notices it writes, instead of storing
// each at once; and flush, which stores the buffer in one write (and the
// notices in another). It implements grading.BatchListEffects, for
// regrades and rescores.
func (s *Service) Batch(ctx context.Context) (context.Context, func(context.Context) error) {
	b := &batch{}
	k := known{}
	return context.WithValue(context.WithValue(ctx, knownKey{}, k), batchKey{}, b), func(ctx context.Context) error {
		defer func() {
			*b = batch{}
			// The entries read stay known for the batch's Changed; a
			// rescore's batches follow one another, so what is kept is
			// bounded.
			if len(k) > 2*maxBatch {
				clear(k)
			}
		}()
		ns := b.notices
		if len(b.entries) > 0 {
			out, err := s.Store.AddListEntries(ctx, b.entries)
			if err != nil {
				return err
			}
			for i, o := range out {
				if o.Status == credo.Created {
					b.entries[i].ID = o.ID
					ns = append(ns, s.listingNotices(b.defs[i], b.entries[i])...)
				}
			}
		}
		if len(b.ends) > 0 {
			if err := s.Store.AddListTransitions(ctx, b.ends); err != nil {
				if credo.ErrorCodeOf(err) != credo.ECONFLICT {
					return err
				}
				// Some ended meanwhile, on another node: store the rest one by one.
				var kept []int
				for i, tr := range b.ends {
					if err := s.Store.AddListTransitions(ctx, []*credo.ListTransition{tr}); err == nil {
						kept = append(kept, i)
					} else if credo.ErrorCodeOf(err) != credo.ECONFLICT {
						return err
					}
				}
				ends, ended := b.ends, b.ended
				b.ends, b.ended = nil, nil
				for _, i := range kept {
					b.ends, b.ended = append(b.ends, ends[i]), append(b.ended, ended[i])
				}
			}
			for i, tr := range b.ends {
				if n := s.endedNotice(b.ended[i], tr); n != nil {
					ns = append(ns, n)
				}
			}
		}
		return s.notify(ctx, ns...)
	}
}
