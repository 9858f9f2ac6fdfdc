package grading

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/partners/risk"
	"github.com/credo-registry/credo/rulebook"
)

// PartnerFacts is what grading needs of the partners data; package
// partners/risk (risk.Facts) implements it.
type PartnerFacts interface {
	// Partners returns what code's assessment as of asOf needs of its
	// partners under set (nil: nothing).
	Partners(ctx context.Context, set *rulebook.Set, code string, asOf time.Time) (*credo.Partners, error)
	// PartnersMany is Partners for several organizations at once.
	PartnersMany(ctx context.Context, set *rulebook.Set, codes []string, asOf time.Time) (map[string]*credo.Partners, error)
	// Within returns the organizations within depth relationships of
	// code as of asOf; WithinMany of any of codes (codes included).
	Within(ctx context.Context, code string, depth int, asOf time.Time) ([]string, error)
	WithinMany(ctx context.Context, codes []string, depth int, asOf time.Time) ([]string, error)
	// AllWithin returns the partners, computed over the whole graph, of
	// every organization with a relationship in force within the
	// rulebooks' reach of codes (each in the map, with no partners when
	// it has none).
	AllWithin(ctx context.Context, set *rulebook.Set, codes []string, asOf time.Time, workers int) (map[string]*credo.Partners, *risk.Timing, error)
	// All returns the partners of every organization, computed over the
	// whole graph (every: with an entry for every organization that has a
	// relationship).
	All(ctx context.Context, set *rulebook.Set, asOf time.Time, every bool, workers int) (map[string]*credo.Partners, *risk.Timing, error)
}

// partnersOf returns what code's assessment as of asOf needs of its
// partners.
func (s *Service) partnersOf(ctx context.Context, code string, asOf time.Time) (*credo.Partners, error) {
	if s.partners == nil {
		return nil, nil
	}
	ps, err := s.partners.Partners(ctx, s.Set(), code, asOf)
	if err != nil {
		return nil, fmt.Errorf("partners of %s: %w", code, err)
	}
	return ps, nil
}

// ownStateChanged reports whether what partners read of an organization
// (its own grades) differs between two of its assessments, or the cause
// may have changed its list entries.
func (s *Service) ownStateChanged(before, after *credo.Assessment, cause credo.Cause, asOf time.Time) bool {
	switch cause.Kind {
	case credo.CauseList, credo.CauseCase:
		return true
	}
	var b map[string]string
	if before != nil {
		b = risk.OwnGrades(s.Set(), before, asOf)
	}
	return !maps.Equal(b, risk.OwnGrades(s.Set(), after, asOf))
}

// propagateDirect regrades, before a write is answered, the partners one
// relationship away of each organization whose own state changed.
func (s *Service) propagateDirect(ctx context.Context, changes []*credo.AssessmentChange, before []*credo.Assessment, now time.Time) error {
	if s.partners == nil || risk.Reach(s.Set(), now) == 0 {
		return nil
	}
	causes := map[string]credo.Cause{}
	for i, c := range changes {
		if c.Cause.Kind == credo.CausePartner || !s.ownStateChanged(before[i], c.Assessment, c.Cause, now) {
			continue
		}
		near, err := s.partners.Within(ctx, c.Subject, 1, now)
		if err != nil {
			return fmt.Errorf("partners of %s: %w", c.Subject, err)
		}
		for _, code := range near {
			if _, ok := causes[code]; !ok {
				causes[code] = credo.Cause{Kind: credo.CausePartner, Partner: c.Subject}
			}
		}
	}
	return s.Regrade(ctx, causes)
}

// PartnersCursor is the change-log consumer that regrades partners
// further than one relationship away (FollowPartners).
const PartnersCursor = "partners.propagate"

// FollowPartners reads the change log from its durable cursor and regrades
// every organization within the rulebooks' partner reach of an
// organization whose own state (grades, list entries) or relationships
// changed, as of the change and just before it (so that former partners
// are regraded when a link is dropped). Direct partners were regraded
// before the write was answered; regrading is idempotent, so this repeats
// nothing visible. It resumes where it stopped after a crash; on its
// first run it starts at the head (a rescore covers what came before).
// It returns how many changes it read.
func (s *Service) FollowPartners(ctx context.Context, log credo.ChangeLog) (int, error) {
	if s.partners == nil {
		return 0, nil
	}
	after, err := log.Cursor(ctx, PartnersCursor)
	if err != nil {
		return 0, err
	}
	head, err := log.Head(ctx)
	if err != nil {
		return 0, err
	}
	if after == 0 {
		return 0, log.SaveCursor(ctx, PartnersCursor, head)
	}
	n := 0
	types := []string{credo.ChangeGradeChanged, credo.ChangeListEntryNotified, credo.ChangeListEntryActive, credo.ChangeListEntryEnded,
		credo.ChangeRelationshipChanged}
	for after < head {
		page, err := log.Changes(ctx, credo.ChangeQuery{After: after, Upto: head, Limit: 500, Types: types})
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		causes := map[string]credo.Cause{}
		for _, c := range page {
			if !s.propagates(c) {
				continue
			}
			reach := risk.Reach(s.Set(), c.At.Time)
			for _, at := range []time.Time{c.At.Time, c.At.Add(-time.Nanosecond)} {
				near, err := s.partners.Within(ctx, c.Subject, reach, at)
				if err != nil {
					return n, err
				}
				for _, code := range near {
					if _, ok := causes[code]; !ok {
						causes[code] = credo.Cause{Kind: credo.CausePartner, Partner: c.Subject}
					}
				}
			}
			if c.Type == credo.ChangeRelationshipChanged {
				causes[c.Subject] = credo.Cause{Kind: credo.CausePartner, Partner: c.Subject}
			}
		}
		if err := s.Regrade(ctx, causes); err != nil {
			return n, err
		}
		after = page[len(page)-1].Position
		n += len(page)
		if err := log.SaveCursor(ctx, PartnersCursor, after); err != nil {
			return n, err
		}
	}
	return n, nil
}

// propagates reports whether a change may change what partners read of
// its organization: a grade of its own (not the comprehensive grade, not
// the dimension made of partners), an entry taking effect or ending, a
// relationship.
func (s *Service) propagates(c *credo.Change) bool {
	if c.Subject == "" {
		return false
	}
	if c.Type != credo.ChangeGradeChanged {
		return true
	}
	var g credo.GradeChangedChange
	if json.Unmarshal(c.Data, &g) != nil {
		return true
	}
	if g.Dimension == credo.ComprehensiveDimension {
		return false
	}
	plan, _ := s.Set().Plan(c.At.Time, "")
	pd := plan.PartnerDimension()
	return pd == nil || pd.ID != g.Dimension
}

// rescorePartners is the partner pass of a rescore: the whole graph
// propagated again from the grades the rescore stored, and the
// organizations whose partners differ from those the rescore assessed
// them with regraded and written back in one pass, a batch at a time:
// each batch's inputs in one read, its list effects (effects, nil: none)
// flushed before its assessments are stored. notify tells the list
// effects of each change. After a resumed rescore (after set) every
// organization up to after that has a relationship is regraded too: what
// the interrupted run assessed them with is not known.
func (s *Service) rescorePartners(ctx context.Context, set *rulebook.Set, first map[string]*credo.Partners, after string, now time.Time, cause credo.Cause, effects Round, notify bool) error {
	facts, _, err := s.partners.All(ctx, set, now, after != "", 0)
	if err != nil {
		return err
	}
	var codes []string
	for code, ps := range facts {
		if (after != "" && code <= after) || !samePartners(ps, first[code]) {
			codes = append(codes, code)
		}
	}
	for code := range first {
		if _, ok := facts[code]; !ok {
			codes = append(codes, code)
		}
	}
	slices.Sort(codes)
	codes = slices.Compact(codes)
	const batch = 1000
	for lo := 0; lo < len(codes); lo += batch {
		inputs, err := s.inputsOf(ctx, codes[lo:min(lo+batch, len(codes))])
		if err != nil {
			return err
		}
		changes := make([]*credo.AssessmentChange, 0, len(inputs))
		for _, in := range inputs {
			a, err := assess.AssessWithPartners(set, in.Code, in.Versions, in.Records, facts[in.Code], now)
			if err != nil {
				return err
			}
			if effects != nil {
				if err := effects.Settle(ctx, in.Code, in.Versions, in.Records, in.Entries, a, now); err != nil {
					return fmt.Errorf("grading %s: list effects: %w", in.Code, err)
				}
				if notify {
					effects.Changed(in.Code, in.Current, a)
				}
			}
			changes = append(changes, &credo.AssessmentChange{Subject: in.Code, At: credo.NewTime(now), Cause: cause, Assessment: a})
		}
		if effects != nil {
			if err := effects.Flush(ctx); err != nil {
				return err
			}
		}
		if err := s.Store.SaveAssessments(ctx, changes); err != nil {
			return err
		}
	}
	return nil
}

// samePartners reports whether two organizations' partners are the same
// facts (nil and empty alike).
func samePartners(a, b *credo.Partners) bool {
	empty := func(p *credo.Partners) bool { return p == nil || (len(p.Counted) == 0 && len(p.Direct) == 0) }
	if empty(a) || empty(b) {
		return empty(a) && empty(b)
	}
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// wholeGraphFrom is how many organizations RegradePartners regrades, or
// is given, from which it computes their partners over the whole graph
// (a variable for tests).
var wholeGraphFrom = 5000

// partnersMany returns what the assessments of codes as of asOf under
// set need of their partners (nil without partners data).
func (s *Service) partnersMany(ctx context.Context, set *rulebook.Set, codes []string, asOf time.Time) (map[string]*credo.Partners, error) {
	if s.partners == nil {
		return nil, nil
	}
	ps, err := s.partners.PartnersMany(ctx, set, codes, asOf)
	if err != nil {
		return nil, fmt.Errorf("partners: %w", err)
	}
	return ps, nil
}
