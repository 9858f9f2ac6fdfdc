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
	"maps"
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
	Store  Store
	Now    func() time.Time // time.Now when nil
	Logger *slog.Logger
	// Lists, when set, brings list membership into grades (package
	// dueprocess): every assessment computed here is amended with it.
	Lists ListEffects
	// Partners, when set, brings partners into grades (package
	// partners/risk): what each assessment needs of the organization's
	// partners, and which organizations a change reaches (partners.go).
	Partners PartnerFacts
	set      atomic.Pointer[rulebook.Set]
}

// ListEffects brings lists into grades; package dueprocess implements it.
type ListEffects interface {
	// Amend applies to a, assessed at asOf, the effects of code's list
	// entries as the registry knew them at asOf: a grade a list imposes
	// while an entry is active, and NextChange at the entries' next step by
	// time. It stores nothing.
	Amend(ctx context.Context, code string, a *credo.Assessment, asOf time.Time) error
	// Settle is Amend for a regrade at now whose result is stored: it
	// first creates and ends the entries of lists defined by rule, from a
	// (assessed from versions and records).
	Settle(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, a *credo.Assessment, asOf time.Time) error
	// Changed is told, after a regrade stored it, an organization's
	// assessment before (nil when it had none) and after.
	Changed(ctx context.Context, code string, before, after *credo.Assessment) error
}

// BatchListEffects is ListEffects that can defer what Amend stores to one
// write for many organizations (a rescore): Batch returns a context under
// which Amend only buffers, and flush, which stores the buffer.
type BatchListEffects interface {
	ListEffects
	Batch(ctx context.Context) (batchCtx context.Context, flush func(ctx context.Context) error)
}

// assess is assess.Assess amended by the list effects.
func (s *Service) assess(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, asOf time.Time) (*credo.Assessment, error) {
	ps, err := s.partnersOf(ctx, code, asOf)
	if err != nil {
		return nil, err
	}
	a, err := assess.AssessWithPartners(s.Set(), code, versions, records, ps, asOf)
	if err != nil || s.Lists == nil {
		return a, err
	}
	if err := s.Lists.Amend(ctx, code, a, asOf); err != nil {
		return nil, fmt.Errorf("list effects on %s: %w", code, err)
	}
	return a, nil
}

// settle is assess for a regrade whose result is stored: the list effects
// first bring rule-defined lists in line (ListEffects.Settle).
func (s *Service) settle(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, asOf time.Time) (*credo.Assessment, error) {
	ps, err := s.partnersOf(ctx, code, asOf)
	if err != nil {
		return nil, err
	}
	return s.settleWith(ctx, code, versions, records, ps, asOf)
}

// settleWith is settle with the partners given.
func (s *Service) settleWith(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, ps *credo.Partners, asOf time.Time) (*credo.Assessment, error) {
	a, err := assess.AssessWithPartners(s.Set(), code, versions, records, ps, asOf)
	if err != nil || s.Lists == nil {
		return a, err
	}
	if err := s.Lists.Settle(ctx, code, versions, records, a, asOf); err != nil {
		return nil, fmt.Errorf("list effects on %s: %w", code, err)
	}
	return a, nil
}

// New returns a Service grading with set.
func New(store Store, set *rulebook.Set) *Service {
	s := &Service{Store: store}
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

// gradingInputs are several organizations' registration versions and
// records, by code.
type gradingInputs struct {
	versions map[string][]*credo.Subject
	records  map[string][]*credo.Record
}

// inputsOf reads the inputs of codes, credo.MaxGradingInputs at a time
// (two queries each, where reading them one organization at a time took
// two per organization).
func (s *Service) inputsOf(ctx context.Context, codes []string) (gradingInputs, error) {
	in := gradingInputs{map[string][]*credo.Subject{}, map[string][]*credo.Record{}}
	for lo := 0; lo < len(codes); lo += credo.MaxGradingInputs {
		v, r, err := s.Store.GradingInputs(ctx, codes[lo:min(lo+credo.MaxGradingInputs, len(codes))])
		if err != nil {
			return in, fmt.Errorf("grading: reading inputs: %w", err)
		}
		maps.Copy(in.versions, v)
		maps.Copy(in.records, r)
	}
	return in, nil
}

// Assess computes code's assessment as of asOf from what the registry
// holds, without storing it.
func (s *Service) Assess(ctx context.Context, code string, asOf time.Time) (*credo.Assessment, error) {
	versions, records, err := s.inputs(ctx, code)
	if err != nil {
		return nil, err
	}
	return s.assess(ctx, code, versions, records, asOf)
}

// AssessInputs is Assess over inputs the caller has read already: code's
// registration versions and all its records.
func (s *Service) AssessInputs(ctx context.Context, code string, versions []*credo.Subject, records []*credo.Record, asOf time.Time) (*credo.Assessment, error) {
	return s.assess(ctx, code, versions, records, asOf)
}

// Regrade recomputes the assessments of the organizations in causes as of
// now and stores them, each with its cause. It is idempotent: regrading an
// organization whose grade did not change adds nothing to its history.
//
// Several nodes may regrade one organization at the same moment, each
// having read a different set of its records. So that the stored grade is
// never one computed from inputs that have since changed, each regrade
// re-reads the inputs after saving and goes again while they moved: the
// last save of every node is then computed from the inputs as they stood
// after it.
func (s *Service) Regrade(ctx context.Context, causes map[string]credo.Cause) error {
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
		changes := make([]*credo.AssessmentChange, 0, len(pending))
		seen := make([]fingerprint, 0, len(pending))
		var before []*credo.Assessment
		// What the list effects store (rule entries, notices) is written
		// once for the round: before the assessments, and after Changed.
		bctx, flush := ctx, func(context.Context) error { return nil }
		if b, ok := s.Lists.(BatchListEffects); ok {
			bctx, flush = b.Batch(ctx)
		}
		if s.Partners != nil {
			bctx = s.Partners.Batch(bctx)
		}
		facts, err := s.partnersMany(bctx, pending, now)
		if err != nil {
			return err
		}
		inputs, err := s.inputsOf(ctx, pending)
		if err != nil {
			return err
		}
		for _, code := range pending {
			versions, records := inputs.versions[code], inputs.records[code]
			if records == nil {
				records = []*credo.Record{}
			}
			if s.Lists != nil || s.Partners != nil {
				old, err := s.Store.CurrentAssessment(ctx, code)
				if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
					return fmt.Errorf("grading %s: %w", code, err)
				}
				before = append(before, old)
			}
			a, err := s.settleWith(bctx, code, versions, records, facts[code], now)
			if err != nil {
				return fmt.Errorf("grading %s: %w", code, err)
			}
			changes = append(changes, &credo.AssessmentChange{Subject: code, At: credo.NewTime(now), Cause: causes[code], Assessment: a})
			seen = append(seen, fingerprintOf(versions, records))
		}
		if err := flush(ctx); err != nil {
			return err
		}
		if err := s.Store.SaveAssessments(ctx, changes); err != nil {
			return err
		}
		for i, c := range changes {
			if s.Lists != nil {
				if err := s.Lists.Changed(bctx, c.Subject, before[i], c.Assessment); err != nil {
					return fmt.Errorf("grading %s: %w", c.Subject, err)
				}
			}
		}
		if err := flush(ctx); err != nil {
			return err
		}
		var moved []string
		if inputs, err = s.inputsOf(ctx, pending); err != nil {
			return err
		}
		for i, code := range pending {
			if fingerprintOf(inputs.versions[code], inputs.records[code]) != seen[i] {
				moved = append(moved, code)
			}
		}
		// Partners one relationship away whose own state changed are
		// regraded before the write is answered (the rest follow from
		// the change log: FollowPartners).
		if err := s.propagateDirect(ctx, changes, before, now); err != nil {
			return err
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
