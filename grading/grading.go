// Package grading keeps stored assessments current: it regrades an
// organization when its records change, when time alone changes its grade
// (a record stops counting), and when rulebooks change. The grade itself is
// decided by package assess, a pure function; this package only loads its
// inputs and stores its outputs.
package grading

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync/atomic"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/rulebook"
)

// Store is what grading needs of a backend.
type Store interface {
	credo.SubjectStore
	credo.GradingStore
	credo.AssessmentStore
	// ScanSubjects (of credo.CopyStore) lets a rescore read registration
	// versions in code order beside the records, not one query each.
	ScanSubjects(ctx context.Context, afterCode string, afterVersion int, limit int) ([]*credo.Subject, error)
}

// Service regrades organizations under a rulebook set.
type Service struct {
	Store    Store
	Now      func() time.Time // time.Now when nil
	Logger   *slog.Logger
	lists    ListEffects  // nil: grades without list effects
	partners PartnerFacts // nil: grades without partners
	set      atomic.Pointer[rulebook.Set]
}

// ListEffects brings lists into grades; package dueprocess implements it
// (dueprocess.Effects). It is given to New: grading calls it, nothing
// sets it later.
type ListEffects interface {
	// Entries returns code's list entries, as Amend takes them.
	Entries(ctx context.Context, code string) ([]*credo.ListEntry, error)
	// Amend applies to a, assessed at asOf, the effects of entries as the
	// registry knew them at asOf: a grade a list imposes while an entry
	// is active, and NextChange at the entries' next step by time. It
	// reads and stores nothing.
	Amend(code string, a *credo.Assessment, entries []*credo.ListEntry, asOf time.Time)
	// Round begins a regrade whose results are stored, under set.
	// created are the records the write that caused it stored (nil for
	// other regrades): their notices are written with the round's.
	Round(set *rulebook.Set, created []*credo.Record) Round
}

// Round is one regrade's list effects: what it would store is kept until
// Flush, which runs before the round's assessments are stored, so that a
// process that dies between the two leaves an assessment to redo (the
// change log's follower does it) rather than a notice lost.
type Round interface {
	// Settle brings the entries of lists defined by rule in line with a
	// (assessed from versions and records at asOf, before list effects),
	// then amends a with the entries (Amend). entries are code's, when
	// the caller read them (nil: Settle reads them).
	Settle(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, entries []*credo.ListEntry, a *credo.Assessment, asOf time.Time) error
	// Changed is told an organization's stored assessment (nil when it
	// had none) and the one about to replace it: a grade that fell, a
	// punishment that applies now, are notices.
	Changed(code string, before, after *credo.Assessment)
	// Flush stores what the round made: entries created and ended, and
	// every notice.
	Flush(ctx context.Context) error
}

// assess is assess.AssessWithPartners amended by the list effects:
// entries, when not nil, are the entries that count (a viewer's); nil
// reads code's.
func (s *Service) assess(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, entries []*credo.ListEntry, asOf time.Time) (*credo.Assessment, error) {
	ps, err := s.partnersOf(ctx, code, asOf)
	if err != nil {
		return nil, err
	}
	a, err := assess.AssessWithPartners(s.Set(), code, versions, records, ps, asOf)
	if err != nil || s.lists == nil {
		return a, err
	}
	if entries == nil {
		if entries, err = s.lists.Entries(ctx, code); err != nil {
			return nil, fmt.Errorf("list effects on %s: %w", code, err)
		}
	}
	s.lists.Amend(code, a, entries, asOf)
	return a, nil
}

// Lists reports whether grades carry list effects.
func (s *Service) Lists() bool { return s.lists != nil }

// New returns a Service grading with set, each grade amended by lists
// (nil: none) and weighing what partners says of the organization's
// partners (nil: none).
func New(store Store, set *rulebook.Set, lists ListEffects, partners PartnerFacts) *Service {
	s := &Service{Store: store, lists: lists, partners: partners}
	s.set.Store(set)
	return s
}

// Set returns the rulebook set in use.
func (s *Service) Set() *rulebook.Set { return s.set.Load() }

// SetRulebooks replaces the rulebook set (after a publication).
func (s *Service) SetRulebooks(set *rulebook.Set) { s.set.Store(set) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// inputs loads code's registration versions and records.
func (s *Service) inputs(ctx context.Context, code string) ([]*credo.Subject, []*credo.Record, error) {
	versions, err := s.Store.SubjectVersions(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, nil, err
	}
	records, err := s.Store.AllRecords(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	return versions, records, nil
}

// inputsOf reads what regrading reads of codes (credo.Inputs, in the
// order given), credo.MaxGradingInputs at a time.
func (s *Service) inputsOf(ctx context.Context, codes []string) ([]*credo.Inputs, error) {
	out := make([]*credo.Inputs, 0, len(codes))
	for lo := 0; lo < len(codes); lo += credo.MaxGradingInputs {
		in, err := s.Store.GradingInputs(ctx, codes[lo:min(lo+credo.MaxGradingInputs, len(codes))])
		if err != nil {
			return nil, fmt.Errorf("grading: reading inputs: %w", err)
		}
		out = append(out, in...)
	}
	return out, nil
}

// Assess computes code's assessment as of asOf from what the registry
// holds, without storing it.
func (s *Service) Assess(ctx context.Context, code string, asOf time.Time) (*credo.Assessment, error) {
	versions, records, err := s.inputs(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.assess(ctx, code, versions, records, nil, asOf)
}

// AssessInputs is Assess over inputs the caller has read already: code's
// registration versions and all its records, and the list entries that
// count (nil: code's, read here; a viewer who does not see every entry
// passes those it may count).
func (s *Service) AssessInputs(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, entries []*credo.ListEntry, asOf time.Time) (*credo.Assessment, error) {
	return s.assess(ctx, code, versions, records, entries, asOf)
}

// Regrade recomputes the assessments of the organizations in causes as of
// now and stores them, each with its cause. created, when given, are the
// records the write that caused it stored: their notices are written with
// the round's (ListEffects.Round). It is idempotent: regrading an
// organization whose grade did not change adds nothing to its history.
//
// A round reads each organization's inputs, assesses it, settles its
// rule lists, and stores first what the list effects made (entries,
// notices), then the assessments.
//
// Several nodes may regrade one organization at the same moment, each
// having read a different set of its records. So that the stored grade is
// never one computed from inputs that have since changed, each regrade
// re-reads the inputs after saving and goes again while they moved: the
// last save of every node is then computed from the inputs as they stood
// after it.
func (s *Service) Regrade(ctx context.Context, causes map[string]credo.Cause, created ...*credo.Record) error {
	return s.regrade(ctx, causes, regradeOptions{}, created...)
}

// regradeOptions are what a bulk regrade (Bulk) changes of Regrade.
type regradeOptions struct {
	// given, when not nil, are the partners of every organization
	// regraded, computed beforehand as of given.asOf: the first round
	// grades as of then with them (a round that goes again reads its
	// own).
	given *givenPartners
	// noDirect leaves the partners one relationship away to the caller
	// (a bulk write regrades every partner within reach after).
	noDirect bool
	// graded, when set, is told the partners each organization was
	// graded with, round by round (the last call for a code is what its
	// stored assessment was computed from).
	graded func(code string, ps *credo.Partners)
}

// givenPartners are partners computed beforehand as of asOf.
type givenPartners struct {
	asOf  time.Time
	facts map[string]*credo.Partners
}

// regrade is Regrade with options.
func (s *Service) regrade(ctx context.Context, causes map[string]credo.Cause, o regradeOptions, created ...*credo.Record) error {
	given := o.given
	if len(causes) == 0 {
		return nil
	}
	codes := make([]string, 0, len(causes))
	for c := range causes {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	pending := codes
	for round := 0; len(pending) > 0; round++ {
		if round == maxRounds {
			return fmt.Errorf("grading %s: its records kept changing while it was graded", pending[0])
		}
		now := s.now()
		if round == 0 && given != nil {
			now = given.asOf
		}
		set := s.Set()
		changes := make([]*credo.AssessmentChange, 0, len(pending))
		seen := make([]fingerprint, 0, len(pending))
		var effects Round
		if s.lists != nil {
			effects = s.lists.Round(set, created)
			created = nil // their notices are the first round's
		}
		// Every organization's inputs in one read: registration versions,
		// records, list entries and the stored assessment; and its
		// partners, read once for the round.
		inputs, err := s.inputsOf(ctx, pending)
		if err != nil {
			return err
		}
		var facts map[string]*credo.Partners
		if round == 0 && given != nil {
			facts = given.facts
		} else if facts, err = s.partnersMany(ctx, set, pending, now); err != nil {
			return err
		}
		before := make([]*credo.Assessment, 0, len(pending))
		for _, in := range inputs {
			code := in.Code
			a, err := assess.AssessWithPartners(set, code, in.Versions, in.Records, facts[code], now)
			if err != nil {
				return fmt.Errorf("grading %s: %w", code, err)
			}
			if effects != nil {
				if err := effects.Settle(ctx, code, in.Versions, in.Records, in.Entries, a, now); err != nil {
					return fmt.Errorf("grading %s: list effects: %w", code, err)
				}
				effects.Changed(code, in.Current, a)
			}
			if o.graded != nil {
				o.graded(code, facts[code])
			}
			changes = append(changes, &credo.AssessmentChange{Subject: code, At: credo.NewTime(now), Cause: causes[code], Assessment: a})
			before = append(before, in.Current)
			seen = append(seen, fingerprintOf(in.Versions, in.Records))
		}
		if effects != nil {
			if err := effects.Flush(ctx); err != nil {
				return err
			}
		}
		if err := s.Store.SaveAssessments(ctx, changes); err != nil {
			return err
		}
		var moved []string
		after, err := s.inputsOf(ctx, pending)
		if err != nil {
			return err
		}
		for i, in := range after {
			if fingerprintOf(in.Versions, in.Records) != seen[i] {
				moved = append(moved, in.Code)
			}
		}
		// Partners one relationship away whose own state changed are
		// regraded before the write is answered (the rest follow from
		// the change log: FollowPartners).
		if !o.noDirect {
			if err := s.propagateDirect(ctx, changes, before, now); err != nil {
				return err
			}
		}
		pending = moved
	}
	return nil
}

// maxRounds bounds how often Regrade goes again for inputs that moved.
const maxRounds = 20

// fingerprint identifies the inputs of an assessment: records and
// registration versions are only ever added, so counts and the largest ids
// change whenever they do.
type fingerprint struct {
	records, versions int
	maxRecord         int64
}

func fingerprintOf(versions []*credo.Subject, records []*credo.Record) fingerprint {
	f := fingerprint{records: len(records), versions: len(versions)}
	for _, r := range records {
		f.maxRecord = max(f.maxRecord, r.ID)
	}
	return f
}

// RunDue regrades every organization whose assessment changes by time
// alone at or before now, and returns how many it regraded. Several nodes
// may run it at once: regrading is idempotent, so each change is recorded
// once.
func (s *Service) RunDue(ctx context.Context) (int, error) {
	total := 0
	for {
		codes, err := s.Store.DueAssessments(ctx, s.now(), 500)
		if err != nil || len(codes) == 0 {
			return total, err
		}
		causes := make(map[string]credo.Cause, len(codes))
		for _, c := range codes {
			causes[c] = credo.Cause{Kind: credo.CauseExpiry}
		}
		if err := s.Regrade(ctx, causes); err != nil {
			return total, err
		}
		total += len(codes)
	}
}

// Loop runs RunDue every interval until ctx ends, logging failures.
func (s *Service) Loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := s.RunDue(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log().Error("regrading what time changed", "err", err)
		} else if n > 0 {
			s.log().Info("regraded what time changed", "organizations", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// Publicity returns when r is shown publicly under the rulebooks in force
// at asOf: from, repair possible from, until (zero: no end), and the
// publicity rule that says so ("" when none applies).
func (s *Service) Publicity(r *credo.Record, asOf time.Time) (from, repairFrom, until time.Time, rule string) {
	w := s.Set().Publicity(r, asOf)
	if w.Row != nil {
		rule = w.Row.ID
	}
	return w.From, w.RepairFrom, w.Until, rule
}
