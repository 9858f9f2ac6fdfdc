package dueprocess

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/visibility"
)

// Reply publishes the organization's reply to an adverse item about
// itself (a record, or an entry of an adverse list), by its own account.
// The reply is appended; a later one to the same item is the one shown.
func (s *Service) Reply(ctx context.Context, v credo.Viewer, code string, req credo.Reply) (*credo.Reply, error) {
	if v.Role != credo.RoleOrganization || v.Account == nil {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "only an organization's own account publishes replies"}
	}
	if v.Account.Subject != code {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "code", Reason: "subject", Message: "an organization replies only about itself"}
	}
	r := &credo.Reply{Subject: code, Target: req.Target, Text: req.Text}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	t, err := s.resolve(ctx, r.Target)
	if err != nil {
		return nil, err
	}
	now := s.now()
	if t.subject() != code {
		// Another organization's item is answered as missing unless the
		// organization may see it.
		if t.record != nil && !s.Policy.Record(v, t.record, now) || t.entry != nil && !s.Policy.Entry(v, t.entry, now, now) {
			return nil, &credo.Error{Code: credo.ENOTFOUND, Field: "target.id", Reason: "unknown", Message: fmt.Sprintf("there is no %s %d", strings.ReplaceAll(r.Target.Kind, "_", " "), r.Target.ID)}
		}
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "target", Reason: "subject",
			Message: fmt.Sprintf("%s %d is about another organization: an organization replies only about itself", r.Target.Kind, r.Target.ID)}
	}
	adverse, err := s.adverse(ctx, t, now)
	if err != nil {
		return nil, err
	}
	if !adverse {
		return nil, credo.FieldError("target", "not_adverse", "%s %d is not adverse information; a reply is attached to an adverse item", strings.ReplaceAll(r.Target.Kind, "_", " "), r.Target.ID)
	}
	if err := credo.NoIdentityNumber("text", r.Text); err != nil {
		return nil, err
	}
	r.By, r.At = v.Actor(), credo.NewTime(now)
	if err := s.Store.AddReply(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// adverse reports whether t is adverse information: a record in force
// that a publicity rule shows as dishonesty information or that the
// rulebooks count against the organization, or an entry of an adverse
// list.
func (s *Service) adverse(ctx context.Context, t target, now time.Time) (bool, error) {
	if e := t.entry; e != nil {
		def := s.Catalogue.List(e.List)
		return def != nil && def.Adverse, nil
	}
	r := t.record
	if r.Retracted() || r.SupersededBy != 0 {
		return false, nil
	}
	if s.Grading == nil {
		return false, nil
	}
	set := s.Grading.Set()
	if set.Publicity(r, now).Row != nil {
		return true, nil
	}
	if !mayCount(set, r, now) {
		return false, nil
	}
	a, err := s.Grading.Assess(ctx, r.Subject, now)
	if err != nil {
		return false, err
	}
	return countedAgainst(a, gradeRanks(set, r.Subject, now))[r.ID], nil
}

// Replies returns the replies about code that v may see: those to items v
// sees now (all, for the organization itself and those who see it
// whole), oldest first. Which account published a reply is shown only to
// those who see the organization whole.
func (s *Service) Replies(ctx context.Context, v credo.Viewer, code string) ([]*credo.Reply, error) {
	all, err := s.Store.Replies(ctx, code)
	if err != nil {
		return nil, err
	}
	now := s.now()
	whole := visibility.Whole(v, code)
	out := make([]*credo.Reply, 0, len(all))
	seen := map[credo.Target]bool{}
	for _, r := range all {
		ok, known := seen[r.Target]
		if !known {
			t, err := s.resolve(ctx, r.Target)
			switch {
			case credo.ErrorCodeOf(err) == credo.ENOTFOUND:
			case err != nil:
				return nil, err
			case t.record != nil:
				ok = s.Policy.Record(v, t.record, now)
			default:
				ok = s.Policy.Entry(v, t.entry, now, now)
			}
			seen[r.Target] = ok
		}
		if ok {
			if !whole {
				cp := *r
				cp.By = ""
				r = &cp
			}
			out = append(out, r)
		}
	}
	return out, nil
}
