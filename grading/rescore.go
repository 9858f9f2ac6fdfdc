package grading

import (
	"context"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
)

// Rescore regrades every organization, in code order starting after the
// code after (so an interrupted rescore resumes where it stopped), storing
// assessments in batches. progress, when set, is told the last code stored
// and how many were done. A rescore for a new rulebook version (cause kind
// rulebook) tells the list effects of each change (ListEffects.Changed),
// so that organizations whose grade fell are notified; other rescores
// (a copy, a demo, an operator's rescore) change no grade by themselves.
func (s *Service) Rescore(ctx context.Context, after string, cause credo.Cause, progress func(last string, done int)) (int, error) {
	now := s.now()
	set := s.Set()
	const batch = 1000
	var changes []*credo.AssessmentChange
	var before []*credo.Assessment
	notify := s.lists != nil && cause.Kind == credo.CauseRulebook
	done := 0
	// List entries that rules create or end, and the notices, are stored
	// a batch at a time, before the batch's assessments.
	var effects Round
	if s.lists != nil {
		effects = s.lists.Round(set, nil)
	}
	flush := func() error {
		if effects != nil {
			if notify {
				for i, c := range changes {
					effects.Changed(c.Subject, before[i], c.Assessment)
				}
				before = before[:0]
			}
			if err := effects.Flush(ctx); err != nil {
				return err
			}
		}
		if len(changes) == 0 {
			return nil
		}
		if err := s.Store.SaveAssessments(ctx, changes); err != nil {
			return err
		}
		done += len(changes)
		if progress != nil {
			progress(changes[len(changes)-1].Subject, done)
		}
		changes = changes[:0]
		return nil
	}
	// Partners: propagated over the whole graph from the grades stored
	// before, for the pass below; then again from the grades it stored
	// (rescorePartners).
	var first map[string]*credo.Partners
	if s.partners != nil {
		var err error
		if first, _, err = s.partners.All(ctx, set, now, false, 0); err != nil {
			return 0, err
		}
	}
	regs := &versionScan{store: s.Store, after: after}
	err := s.Store.EachSubject(ctx, after, func(code string, records []*credo.Record) error {
		versions, err := regs.of(ctx, code)
		if err != nil {
			return err
		}
		a, err := assess.AssessWithPartners(set, code, versions, records, first[code], now)
		if err != nil {
			return err
		}
		if notify {
			old, err := s.Store.CurrentAssessment(ctx, code)
			if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return err
			}
			before = append(before, old)
		}
		if effects != nil {
			if err := effects.Settle(ctx, code, versions, records, nil, a, now); err != nil {
				return err
			}
		}
		changes = append(changes, &credo.AssessmentChange{Subject: code, At: credo.NewTime(now), Cause: cause, Assessment: a})
		if len(changes) == batch {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil && s.partners != nil {
		err = s.rescorePartners(ctx, set, first, after, now, cause, effects, notify)
	}
	return done, err
}

// WhatIf answers the assessment code would have as of asOf if the records
// in add were submitted and the records with ids in leaveOut did not exist,
// beside the actual one. entries are the list entries that count (nil:
// code's, read here). Nothing is stored.
func (s *Service) WhatIf(ctx context.Context, code string, add []*credo.Record, leaveOut []int64, entries []*credo.ListEntry, asOf time.Time) (actual, hypothetical *credo.Assessment, err error) {
	versions, records, err := s.inputs(ctx, code)
	if err != nil {
		return nil, nil, err
	}
	if actual, err = s.assess(ctx, code, versions, records, entries, asOf); err != nil {
		return nil, nil, err
	}
	known := make(map[int64]bool, len(records))
	var next int64 = -1
	for _, r := range records {
		known[r.ID] = true
	}
	out := map[int64]bool{}
	for i, id := range leaveOut {
		if !known[id] {
			return nil, nil, credo.FieldError("leave_out["+strconv.Itoa(i)+"]", "unknown", "record %d is not a record of %s", id, code)
		}
		out[id] = true
	}
	var kept []*credo.Record
	for _, r := range records {
		if !out[r.ID] {
			kept = append(kept, r)
		}
	}
	for _, r := range add {
		c := *r
		c.ID, next = next, next-1 // hypothetical ids never clash with stored ones
		if c.RecordedAt.IsZero() || c.RecordedAt.After(asOf) {
			c.RecordedAt = credo.NewTime(asOf)
		}
		kept = append(kept, &c)
	}
	hypothetical, err = s.assess(ctx, code, versions, kept, entries, asOf)
	return actual, hypothetical, err
}

// versionScan reads registration versions in code order, a page at a
// time, for a walk over organizations in the same order.
type versionScan struct {
	store   Store
	after   string // scan position: the last code and version read
	version int
	buf     []*credo.Subject
	done    bool
}

const scanPage = 2000

// of returns code's versions; codes must come in increasing order.
func (v *versionScan) of(ctx context.Context, code string) ([]*credo.Subject, error) {
	for {
		for len(v.buf) > 0 && v.buf[0].Code < code {
			v.buf = v.buf[1:]
		}
		// Enough is buffered once a later code (or the end) is in view.
		if v.done || (len(v.buf) > 0 && v.buf[len(v.buf)-1].Code > code) {
			break
		}
		page, err := v.store.ScanSubjects(ctx, v.after, v.version, scanPage)
		if err != nil {
			return nil, err
		}
		if len(page) < scanPage {
			v.done = true
		}
		if len(page) > 0 {
			last := page[len(page)-1]
			v.after, v.version = last.Code, last.Version
		}
		v.buf = append(v.buf, page...)
	}
	n := 0
	for n < len(v.buf) && v.buf[n].Code == code {
		n++
	}
	versions := v.buf[:n:n]
	v.buf = v.buf[n:]
	return versions, nil
}
