package dueprocess

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/uscc"
)

// ListRequest is an authority's decision to list an organization (the
// body of POST /v1/list-entries).
type ListRequest struct {
	List           string `json:"list"`
	Subject        string `json:"subject"`
	LegalBasis     string `json:"legal_basis"`
	DecisionNumber string `json:"decision_number"`
	// Reasons the organization is told before listing: a list, or one text.
	Reasons Texts `json:"reasons"`
	// DecidedAt is the date of the decision; now when absent.
	DecidedAt credo.Time `json:"decided_at,omitzero"`
	// Term is how long the entry lasts once in effect ("3y", "18mo",
	// "90d", or a number of days), within the list's minimum and maximum;
	// the list's default when empty. Until, instead, names the end.
	Term  Period     `json:"term,omitempty"`
	Until credo.Time `json:"until,omitzero"`
}

// definition returns the list called id, or an EINVALID error on field.
func (s *Service) definition(field, id string) (*lists.Definition, error) {
	if id == "" {
		return nil, credo.FieldError(field, "required", "is required")
	}
	d := s.Catalogue.Find(id)
	if d == nil {
		ids := make([]string, len(s.Catalogue.Lists))
		for i, l := range s.Catalogue.Lists {
			ids[i] = l.ID
		}
		return nil, credo.FieldError(field, "enum", "must be one of %s", strings.Join(ids, ", "))
	}
	return d, nil
}

func text(field, v string, max int) error {
	v = strings.TrimSpace(v)
	if v == "" {
		return credo.FieldError(field, "required", "is required")
	}
	if utf8.RuneCountInString(v) > max {
		return credo.FieldError(field, "too_long", "must be at most %d characters", max)
	}
	return credo.NoIdentityNumber(field, v)
}

// List records an authority's decision to list an organization. The
// organization is notified at once; the entry takes effect after the
// list's notice period and ends at its term. created is false when the
// same decision was recorded before (the stored entry is returned).
func (s *Service) List(ctx context.Context, v credo.Viewer, req ListRequest) (e *credo.ListEntry, created bool, err error) {
	if v.Role != credo.RoleAuthority || v.Authority == nil {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "only an authority lists organizations, with its own token"}
	}
	a := v.Authority
	def, err := s.definition("list", req.List)
	if err != nil {
		return nil, false, err
	}
	if strings.TrimSpace(req.Subject) == "" {
		return nil, false, credo.FieldError("subject", "required", "is required")
	}
	code := uscc.Normalize(req.Subject)
	if err := credo.ValidateCode("subject", code); err != nil {
		return nil, false, err
	}
	if len(def.Listers) == 0 {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Field: "list", Reason: "list",
			Message: fmt.Sprintf("entries on %s are made by its rule, not by decision", def.ID)}
	}
	if !slices.ContainsFunc(a.Categories, func(c string) bool { return slices.Contains(def.Listers, c) }) {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Field: "list", Reason: "list",
			Message: fmt.Sprintf("authority %s may not list on %s: it is for authorities of %s (its categories: %s)",
				a.ID, def.ID, strings.Join(def.Listers, ", "), strings.Join(a.Categories, ", "))}
	}
	if !a.CoversDivision(code) {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Field: "subject", Reason: "division",
			Message: fmt.Sprintf("division %s is outside the jurisdiction of authority %s (its divisions: %s)", code[2:8], a.ID, strings.Join(a.Divisions, ", "))}
	}
	if err := text("legal_basis", req.LegalBasis, 1000); err != nil {
		return nil, false, err
	}
	if err := text("decision_number", req.DecisionNumber, 200); err != nil {
		return nil, false, err
	}
	if len(req.Reasons) == 0 {
		return nil, false, credo.FieldError("reasons", "required", "give the reasons the organization is told before listing")
	}
	for i, r := range req.Reasons {
		if err := text(fmt.Sprintf("reasons[%d]", i), r, 2000); err != nil {
			return nil, false, err
		}
	}
	now := s.now()
	var given struct{ decidedAt time.Time }
	given.decidedAt = req.DecidedAt.Time
	if req.DecidedAt.IsZero() {
		req.DecidedAt = credo.NewTime(now)
	}
	if req.DecidedAt.After(now.Add(credo.ClockSkew)) {
		return nil, false, credo.FieldError("decided_at", "future", "must not be in the future")
	}
	if req.DecidedAt.Before(credo.EarliestDecision) {
		return nil, false, credo.FieldError("decided_at", "range", "must be after %s", credo.EarliestDecision.Format("2006-01-02"))
	}
	term := def.TermDefault
	termField := "term"
	switch {
	case req.Term != "" && !req.Until.IsZero():
		return nil, false, credo.FieldError("until", "conflict", "give the term or its end (until), not both")
	case req.Term != "":
		if term, err = rulebook.ParsePeriod(string(req.Term)); err != nil {
			return nil, false, credo.FieldError("term", "format", "%v", err)
		}
	}
	length := term.Duration()
	if !req.Until.IsZero() {
		// The end names the term: from taking effect (after the notice) to until.
		termField = "until"
		effective := now.Add(def.Notice.Duration())
		if !req.Until.After(effective) {
			return nil, false, credo.FieldError("until", "range", "must be after the entry takes effect (%s)", credo.NewTime(effective))
		}
		length = req.Until.Sub(effective)
	}
	if length < def.TermMin.Duration() || !def.TermMax.IsZero() && length > def.TermMax.Duration() {
		return nil, false, credo.FieldError(termField, "range", "must make a term from %s to %s for %s", periodString(def.TermMin), periodString(def.TermMax), def.ID)
	}
	reasons := make([]string, len(req.Reasons))
	for i, r := range req.Reasons {
		reasons[i] = strings.TrimSpace(r)
	}
	key := "decision:" + a.ID + ":" + def.ID + ":" + strings.TrimSpace(req.DecisionNumber)
	// The same decision again is the stored entry; its number with other
	// content is a conflict. What the request left to the registry (the
	// decision date, the term) is compared only when it was given, so a
	// repeat made later is still a repeat.
	if prev, err := s.byKey(ctx, code, key); err != nil {
		return nil, false, err
	} else if prev != nil {
		same := prev.List == def.ID && prev.LegalBasis == strings.TrimSpace(req.LegalBasis) && slices.Equal(prev.Reasons, reasons) &&
			(given.decidedAt.IsZero() || prev.DecidedAt.Equal(given.decidedAt)) &&
			(req.Term == "" || prev.Until.Sub(prev.EffectiveAt.Time) == term.Duration()) &&
			(req.Until.IsZero() || prev.Until.Equal(req.Until.Time))
		if !same {
			return nil, false, &credo.Error{Code: credo.ECONFLICT, Field: "decision_number", Reason: "exists",
				Message: fmt.Sprintf("decision %s on %s was recorded before with other content (entry %d)", prev.DecisionNumber, prev.List, prev.ID)}
		}
		// What the first submission did after storing the entry is done
		// again, idempotently, in case it was interrupted.
		if err := s.settle(ctx, def, prev); err != nil {
			return nil, false, err
		}
		return prev, false, nil
	}
	e = &credo.ListEntry{
		List: def.ID, ListVersion: def.Version, Subject: code, Division: s.division(ctx, code),
		Authority: a.ID, Source: credo.SourceDecision,
		LegalBasis: strings.TrimSpace(req.LegalBasis), DecisionNumber: strings.TrimSpace(req.DecisionNumber),
		Reasons: reasons, DecidedAt: credo.NewTime(req.DecidedAt.Time),
		Key: key,
	}
	s.schedule(e, def, now, def.Notice, term)
	if !req.Until.IsZero() {
		e.Until = credo.NewTime(req.Until.Time)
	}
	return s.add(ctx, def, e)
}

// byKey returns code's entry with key, or nil.
func (s *Service) byKey(ctx context.Context, code, key string) (*credo.ListEntry, error) {
	entries, err := s.Store.SubjectListEntries(ctx, code)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.Key == key {
			return e, nil
		}
	}
	return nil, nil
}

func periodString(p rulebook.Period) string {
	if p.IsZero() {
		return "0d"
	}
	return fmt.Sprintf("%d%s", p.N, p.Unit)
}

// schedule sets e's dates from now: notified now, in effect after notice,
// repairable after the list's minimum term, ended at term (none when the
// term is zero).
func (s *Effects) schedule(e *credo.ListEntry, def *lists.Definition, now time.Time, notice, term rulebook.Period) {
	e.NotifiedAt = credo.NewTime(now)
	e.RecordedAt = credo.NewTime(now)
	eff := now.Add(notice.Duration())
	e.EffectiveAt = credo.NewTime(eff)
	e.RepairFrom = credo.NewTime(eff.Add(def.TermMin.Duration()))
	if !term.IsZero() {
		e.Until = credo.NewTime(eff.Add(term.Duration()))
	} else {
		e.Until = credo.Time{}
	}
}

// add stores a new entry, notifies the organization and regrades it.
func (s *Service) add(ctx context.Context, def *lists.Definition, e *credo.ListEntry) (*credo.ListEntry, bool, error) {
	out, err := s.Store.AddListEntries(ctx, []*credo.ListEntry{e})
	if err != nil {
		return nil, false, err
	}
	if out[0].Status == credo.Refused {
		if ce := credo.AsError(out[0].Err); ce != nil && ce.Code == credo.ECONFLICT {
			return nil, false, &credo.Error{Code: credo.ECONFLICT, Field: "decision_number", Reason: "exists",
				Message: fmt.Sprintf("decision %s on %s was recorded before with other content (entry %d)", e.DecisionNumber, e.List, out[0].ID)}
		}
		return nil, false, out[0].Err
	}
	s.fail("entry.stored")
	stored, err := s.Store.ListEntry(ctx, out[0].ID)
	if err != nil {
		return nil, false, err
	}
	if err := s.settle(ctx, def, stored); err != nil {
		return nil, false, err
	}
	return stored, out[0].Status == credo.Created, nil
}

// settle does what follows from a stored entry: the organization is told
// (each notice once, by its key) and regraded.
func (s *Service) settle(ctx context.Context, def *lists.Definition, e *credo.ListEntry) error {
	if err := s.notifyListing(ctx, def, e); err != nil {
		return err
	}
	s.fail("entry.notified")
	return s.regrade(ctx, e.Subject, credo.Cause{Kind: credo.CauseList, ListEntry: e.ID})
}

// EndRequest is the body of POST /v1/list-entries/{id}/end: an authority
// or an administrator revokes an entry.
type EndRequest struct {
	// Reason is "revoked" (the only way an authority ends an entry), or
	// the reason in words.
	Reason string `json:"reason,omitempty"`
	Note   string `json:"note,omitempty"`
}

// End revokes an entry: by the authority that listed or an
// administrator. Repairs and objections end entries through their cases.
func (s *Service) End(ctx context.Context, v credo.Viewer, id int64, req EndRequest) (*credo.ListEntry, error) {
	e, err := s.Store.ListEntry(ctx, id)
	if err != nil {
		return nil, err
	}
	switch now := s.now(); {
	case v.Role == credo.RoleAdmin:
	case v.Role == credo.RoleAuthority && v.Authority != nil && v.Authority.ID == e.Authority:
	case !s.Policy.Entry(v, e, now, now):
		return nil, credo.ErrNotFound("list entry", id) // not told that it exists
	default:
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "only the authority that listed, or an administrator, revokes an entry"}
	}
	note := strings.TrimSpace(req.Note)
	switch r := strings.TrimSpace(req.Reason); r {
	case "", credo.EndRevoked, "revoke":
	case credo.EndRepaired, credo.EndOverturned, credo.EndExpired, credo.EndEscalated:
		return nil, credo.FieldError("reason", "enum", "an authority ends an entry by revoking it; %s comes from a repair or objection decision, or by time", r)
	default:
		note = strings.TrimSpace(r + "; " + note)
		note = strings.TrimSuffix(note, ";")
	}
	if err := text("note", note, 2000); err != nil {
		return nil, credo.FieldError("note", "required", "give the reason for revoking, in words (note)")
	}
	return s.end(ctx, e, credo.EndRevoked, note, v.Actor(), 0, s.now())
}

// end ends e at now with reason, notifies the organization and regrades it.
func (s *Service) end(ctx context.Context, e *credo.ListEntry, reason, note, actor string, caseID int64, now time.Time) (*credo.ListEntry, error) {
	if st := e.StateAt(now); st.Status == credo.ListEnded {
		return nil, &credo.Error{Code: credo.ECONFLICT, Field: "entry", Reason: "ended",
			Message: fmt.Sprintf("list entry %d ended already (%s, %s)", e.ID, st.Reason, st.Since)}
	}
	tr := &credo.ListTransition{Entry: e.ID, Status: credo.ListEnded, Reason: reason, Note: note, Actor: actor,
		Case: caseID, At: credo.NewTime(now), RecordedAt: credo.NewTime(now)}
	if err := s.Store.AddListTransitions(ctx, []*credo.ListTransition{tr}); err != nil {
		return nil, err
	}
	s.fail("entry.ended")
	stored, err := s.Store.ListEntry(ctx, e.ID)
	if err != nil {
		return nil, err
	}
	if err := s.notifyEnded(ctx, stored, tr); err != nil {
		return nil, err
	}
	s.fail("entry.end_notified")
	if err := s.regrade(ctx, e.Subject, credo.Cause{Kind: credo.CauseList, ListEntry: e.ID, Case: caseID}); err != nil {
		return nil, err
	}
	return stored, nil
}
