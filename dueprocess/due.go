package dueprocess

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
)

func encodeLine(r *credo.Record) ([]byte, error) { return json.Marshal(r) }

// RunDue does what falls due by time alone, as of now, and is safe to run
// on several nodes at once (each step is idempotent):
//   - entries of a list with an escalation (the abnormal operations list)
//     still active after its period (3 years) are moved to the target list
//     (the serious dishonesty list) with its notice (60 days): a new entry,
//     notified now, and the old one ending when the new one takes effect;
//   - cases still undecided after their deadline are flagged to the
//     administrators' inbox (once each);
//   - annual reports: reminders before the deadline, and after it the
//     entries of those that did not file (RunAnnualReports).
//
// Entries that take effect or reach their term need nothing stored: their
// status follows from their dates, and grades follow through next_change.
func (s *Service) RunDue(ctx context.Context) (escalated, overdue int, err error) {
	if escalated, err = s.escalate(ctx); err != nil {
		return escalated, 0, err
	}
	if overdue, err = s.flagOverdue(ctx); err != nil {
		return escalated, overdue, err
	}
	reminded, listed, err := s.RunAnnualReports(ctx)
	if reminded+listed > 0 {
		s.log().Info("annual reports by time", "reminded", reminded, "listed", listed)
	}
	return escalated, overdue, err
}

func (s *Service) escalate(ctx context.Context) (int, error) {
	n := 0
	now := s.now()
	for _, def := range s.Catalogue.Lists {
		esc := def.Escalation
		if esc == nil {
			continue
		}
		to := s.Catalogue.List(esc.To)
		cursor := ""
		for {
			page, err := s.Store.ListEntries(ctx, credo.ListQuery{List: def.ID, Status: credo.ListActive, AsOf: now,
				To: now.Add(-esc.After.Duration()).Add(time.Microsecond), Unended: true, Cursor: cursor, Limit: 500})
			if err != nil {
				return n, err
			}
			for _, old := range page.Entries {
				// An individual business is never escalated (SAIC Order 69:
				// it has an abnormal operations status, not the list).
				if old.EffectiveAt.Add(esc.After.Duration()).After(now) || credo.IndividualBusiness(old.Subject) {
					continue
				}
				if err := s.escalateEntry(ctx, old, def.Title, to, now, esc.Notice); err != nil {
					return n, fmt.Errorf("escalating list entry %d: %w", old.ID, err)
				}
				n++
			}
			if page.Next == "" {
				break
			}
			cursor = page.Next
		}
	}
	return n, nil
}

func (s *Service) escalateEntry(ctx context.Context, old *credo.ListEntry, fromTitle string, to *lists.Definition, now time.Time, notice rulebook.Period) error {
	e := &credo.ListEntry{
		List: to.ID, ListVersion: to.Version, Subject: old.Subject, Division: old.Division,
		Authority: credo.RegistryActor, Source: credo.SourceEscalation,
		LegalBasis:     to.LegalBasis,
		DecisionNumber: "credo:escalation:" + strconv.FormatInt(old.ID, 10),
		Reasons: []string{fmt.Sprintf("still on the %s after %s (entry %d, in effect since %s, decision %s)",
			fromTitle, periodString(s.Catalogue.List(old.List).Escalation.After), old.ID, old.EffectiveAt, old.DecisionNumber)},
		DecidedAt: credo.NewTime(now), EscalatedFrom: old.ID,
		Key: "escalation:" + strconv.FormatInt(old.ID, 10),
	}
	s.schedule(e, to, now, notice, to.TermDefault)
	out, err := s.Store.AddListEntries(ctx, []*credo.ListEntry{e})
	if err != nil {
		return err
	}
	if out[0].Status == credo.Refused {
		return out[0].Err
	}
	tr := &credo.ListTransition{Entry: old.ID, Status: credo.ListEnded, Reason: credo.EndEscalated,
		Note:  fmt.Sprintf("moved to the %s (entry %d) when that entry takes effect", to.Title, out[0].ID),
		Actor: credo.RegistryActor, At: e.EffectiveAt, RecordedAt: credo.NewTime(now)}
	if err := s.Store.AddListTransitions(ctx, []*credo.ListTransition{tr}); err != nil && credo.ErrorCodeOf(err) != credo.ECONFLICT {
		return err
	}
	stored, err := s.Store.ListEntry(ctx, out[0].ID)
	if err != nil {
		return err
	}
	if out[0].Status == credo.Created {
		ns := s.listingNotices(to, stored)
		if len(ns) > 0 {
			ns[0].Kind = credo.NoticeEscalation
		}
		if err := s.notify(ctx, ns...); err != nil {
			return err
		}
	}
	return s.regrade(ctx, old.Subject, credo.Cause{Kind: credo.CauseList, ListEntry: out[0].ID})
}

// flagOverdue writes, once per case, an administrators' notice of each
// case undecided past its deadline.
func (s *Service) flagOverdue(ctx context.Context) (int, error) {
	now := s.now()
	n := 0
	cursor := ""
	for {
		page, err := s.Store.Cases(ctx, credo.CaseQuery{Open: true, DueBefore: now, Cursor: cursor, Limit: 500})
		if err != nil {
			return n, err
		}
		var ns []*credo.Notice
		for _, c := range page.Cases {
			ns = append(ns, &credo.Notice{
				Audience: credo.AudienceAdmin, Subject: c.Subject, Kind: credo.NoticeOverdue, At: credo.NewTime(now),
				What:    fmt.Sprintf("%s %d of %s about %s %d is overdue: %s had to decide by %s.", c.Kind, c.ID, c.Subject, c.Target.Kind, c.Target.ID, c.Authority, c.DecideBy),
				Why:     "Deadlines are counted in working days from filing; an overdue case is escalated to the administrators.",
				Options: []string{"Decide it: POST /v1/" + c.Kind + "s/" + strconv.FormatInt(c.ID, 10) + "/decision", "Or chase " + c.Authority + "."},
				Refs:    credo.Refs{Case: c.ID},
				Key:     "overdue:" + strconv.FormatInt(c.ID, 10),
			})
		}
		if err := s.notify(ctx, ns...); err != nil {
			return n, err
		}
		for _, x := range ns {
			if x.ID != 0 {
				n++
			}
		}
		if page.Next == "" {
			return n, nil
		}
		cursor = page.Next
	}
}

// Loop runs RunDue every interval until ctx ends, logging failures.
func (s *Service) Loop(ctx context.Context, every time.Duration) {
	periodic.NowAndEvery(ctx, every, func() {
		if e, o, err := s.RunDue(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log().Error("due process by time", "err", err)
		} else if e+o > 0 {
			s.log().Info("due process by time", "escalated", e, "overdue", o)
		}
	})
}
