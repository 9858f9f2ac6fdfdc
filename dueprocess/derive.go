package dueprocess

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
)

// DeriveCursor is the durable position of Follow in the change log.
const DeriveCursor = "dueprocess.derive"

// Follow completes, from the change log, what follows from every change
// committed since it last ran: the notices of adverse records, listings,
// ended entries, filed and decided cases; the entries and records a
// decision ends; and the regrade of each organization touched (which also
// keeps rule-defined lists current). Every step is idempotent (notices
// by key, ends by entry, regrades by content), so what a request already
// did is done again harmlessly, and what a process killed between storing
// a change and finishing its consequences left undone is done now. It
// saves its position after each page and returns how many changes it
// read.
//
// The write paths still do all of this themselves before they answer (a
// write is acknowledged only after its organizations' derived state is
// current); Follow is what makes a crash at any point between two steps
// lose nothing. serve runs it before it listens and once a minute.
func (s *Service) Follow(ctx context.Context, log credo.ChangeLog) (int, error) {
	after, err := log.Cursor(ctx, DeriveCursor)
	if err != nil {
		return 0, err
	}
	head, err := log.Head(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for after < head {
		page, err := log.Changes(ctx, credo.ChangeQuery{After: after, Upto: head, Limit: 500})
		if err != nil {
			return n, err
		}
		if len(page) == 0 {
			break
		}
		if err := s.derive(ctx, page); err != nil {
			return n, err
		}
		after = page[len(page)-1].Position
		n += len(page)
		if err := log.SaveCursor(ctx, DeriveCursor, after); err != nil {
			return n, err
		}
	}
	return n, nil
}

// derive completes what follows from one page of changes, regrading each
// organization once at the end.
func (s *Service) derive(ctx context.Context, page []*credo.Change) error {
	causes := map[string]credo.Cause{}
	latest := map[string]time.Time{} // per organization, its last change's time
	var created []*credo.Record
	for _, c := range page {
		if c.Subject != "" && c.At.After(latest[c.Subject]) {
			latest[c.Subject] = c.At.Time
		}
		id, _ := strconv.ParseInt(c.Ref, 10, 64)
		switch c.Type {
		case credo.ChangeRecordAccepted:
			r, err := s.Store.Record(ctx, id)
			if err != nil {
				return err
			}
			created = append(created, r)
			causes[c.Subject] = credo.Cause{Kind: credo.CauseRecord, Record: id}
		case credo.ChangeRecordWithdrawn, credo.ChangeListEntryActive:
			if _, ok := causes[c.Subject]; !ok {
				causes[c.Subject] = credo.Cause{Kind: credo.CauseRecord}
			}
		case credo.ChangeRegistrationChanged:
			if _, ok := causes[c.Subject]; !ok {
				causes[c.Subject] = credo.Cause{Kind: credo.CauseRegistration}
			}
		case credo.ChangeListEntryNotified:
			e, err := s.Store.ListEntry(ctx, id)
			if err != nil {
				return err
			}
			if def := s.Catalogue.List(e.List); def != nil {
				if err := s.notifyListing(ctx, def, e); err != nil {
					return err
				}
			}
			causes[c.Subject] = credo.Cause{Kind: credo.CauseList, ListEntry: id}
		case credo.ChangeListEntryEnded:
			e, err := s.Store.ListEntry(ctx, id)
			if err != nil {
				return err
			}
			if len(e.Transitions) > 0 {
				if err := s.notifyEnded(ctx, e, &e.Transitions[0]); err != nil {
					return err
				}
			}
			causes[c.Subject] = credo.Cause{Kind: credo.CauseList, ListEntry: id}
		case credo.ChangeAnnualReportFiled:
			if err := s.deriveFiled(ctx, c); err != nil {
				return err
			}
		case credo.ChangeCaseFiled:
			cs, err := s.Store.Case(ctx, id)
			if err != nil {
				return err
			}
			days := 0
			if s.Calendar != nil {
				days = s.Calendar.WorkingDaysBetween(cs.FiledAt.Time, cs.DecideBy.Time)
			}
			if err := s.notifyFiled(ctx, cs, days); err != nil {
				return err
			}
		case credo.ChangeCaseDecided:
			cs, err := s.Store.Case(ctx, id)
			if err != nil {
				return err
			}
			if cs.Decision == nil {
				return fmt.Errorf("case %d is logged decided but has no decision", id)
			}
			t, err := s.resolve(ctx, cs.Target)
			if err != nil {
				return err
			}
			// An entry another decision ended since is left as it is.
			if err := s.complete(ctx, cs, cs.Decision, t); err != nil && credo.ErrorCodeOf(err) != credo.ECONFLICT {
				return err
			}
		}
	}
	if len(created) > 0 {
		if err := s.Recorded(ctx, created); err != nil {
			return err
		}
	}
	if s.Grading == nil || len(causes) == 0 {
		return nil
	}
	// An organization whose stored assessment was made after its last
	// change (by the request itself, as it should be) needs no regrade.
	for code := range causes {
		a, err := s.Store.CurrentAssessment(ctx, code)
		if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return err
		}
		if err == nil && !a.AsOf.Before(latest[code]) {
			delete(causes, code)
		}
	}
	return s.Grading.Regrade(ctx, causes)
}
