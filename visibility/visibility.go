// Package visibility is the one policy of what each viewer may see of what
// the registry holds. Every read path asks it: records, list entries,
// assessments, measures, cases and their attachments, notices, accounts.
//
// The policy fails closed. A viewer it does not know (an unknown role, an
// authority or account that was not loaded), a policy that was not wired
// (nil), rulebooks or list definitions that are missing: each answers with
// the public view or nothing, never with everything.
//
// Who sees what (docs/SECURITY.md states it for the API):
//
//   - Administrators see everything.
//   - An organization's own account sees everything held about it.
//   - An authority sees, beyond what is public, what is held about an
//     organization in its jurisdiction (the division) AND its field (the
//     record categories it may submit): a record of one of its categories,
//     an entry of a list its categories may list on, a grade of a dimension
//     that counts one of its categories; and the cases it decides.
//   - The public, client accounts and everyone else see what is published:
//     records inside their publicity window whose category a public grade
//     counts (or a publicity rule publishes), entries of public lists while
//     active and once in effect (never before, whatever as_of says), the
//     grades the rulebooks mark public, and no cases, notices or accounts.
package visibility

import (
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
)

// Rules is where publicity comes from: the rulebooks in force (package
// grading's Service implements it).
type Rules interface {
	Set() *rulebook.Set
}

// Policy decides what a viewer sees. Its methods are pure functions of the
// viewer, the item and the times given; a nil *Policy shows the public
// nothing that needs rules or definitions to be judged.
type Policy struct {
	rules Rules
	lists *lists.Catalogue
}

// New returns the policy over the rulebooks rules (nil: no record is
// published and no grade is public) and the list definitions in cat (nil:
// no list is published).
func New(rules Rules, cat *lists.Catalogue) *Policy {
	return &Policy{rules: rules, lists: cat}
}

// Whole reports whether v sees everything held about the organization
// with code, in every field: an administrator, or the organization's own
// account.
func Whole(v credo.Viewer, code string) bool {
	switch v.Role {
	case credo.RoleAdmin:
		return true
	case credo.RoleOrganization:
		return v.Account != nil && v.Account.Role == credo.RoleOrganization && code != "" && v.Account.Subject == code
	}
	return false
}

// Full reports whether v sees what is held about the organization with
// code in the field category, published or not: Whole, or an authority
// whose jurisdiction covers the organization's division and whose
// categories include category.
func Full(v credo.Viewer, code, category string) bool {
	if Whole(v, code) {
		return true
	}
	return v.Role == credo.RoleAuthority && v.Authority != nil && category != "" &&
		v.Authority.CoversDivision(code) && slices.Contains(v.Authority.Categories, category)
}

// FullAny reports whether Full holds for any of categories.
func FullAny(v credo.Viewer, code string, categories []string) bool {
	if Whole(v, code) {
		return true
	}
	for _, c := range categories {
		if Full(v, code, c) {
			return true
		}
	}
	return false
}

// Published reports whether r is shown to the public at now: in force
// (not a retraction, not superseded), not ended early by credit repair,
// inside the publicity window the rulebooks give it, and, when no
// publicity rule covers it, of a category some public grade counts (a
// record only a non-public grade counts, such as a tax grade decision,
// is not published).
func (p *Policy) Published(r *credo.Record, now time.Time) bool {
	if p == nil || p.rules == nil || r == nil {
		return false
	}
	if r.Retracted() || r.SupersededBy != 0 {
		return false
	}
	if !r.RepairedAt.IsZero() && !r.RepairedAt.After(now) {
		return false
	}
	set := p.rules.Set()
	if set == nil {
		return false
	}
	w := set.Publicity(r, now)
	if w.From.After(now) || !w.Until.IsZero() && !w.Until.After(now) {
		return false
	}
	if w.Row != nil {
		return true
	}
	plan, _ := set.Plan(now, division(r.Subject))
	if plan == nil {
		return false
	}
	dims := plan.DimensionsFor(r.Category)
	if len(dims) == 0 {
		return true // no grade counts it: its window alone decides
	}
	return slices.ContainsFunc(dims, func(d *rulebook.Dimension) bool { return d.Public })
}

// Record reports whether v may see r at now.
func (p *Policy) Record(v credo.Viewer, r *credo.Record, now time.Time) bool {
	if r == nil {
		return false
	}
	return Full(v, r.Subject, r.Category) || p.Published(r, now)
}

// EntryFull reports whether v sees e whatever its state: Whole, the
// authority that listed, or an authority whose jurisdiction and field
// (the categories that may list on e's list) cover it.
func (p *Policy) EntryFull(v credo.Viewer, e *credo.ListEntry) bool {
	if e == nil {
		return false
	}
	if Whole(v, e.Subject) {
		return true
	}
	if v.Role == credo.RoleAuthority && v.Authority != nil && e.Source == credo.SourceDecision && v.Authority.ID == e.Authority {
		return true
	}
	def := p.definition(e.List)
	return def != nil && FullAny(v, e.Subject, def.Listers)
}

// Entry reports whether v may see e at asOf, as the registry knows it at
// now: an entry the registry did not hold at asOf is no one's; those
// EntryFull sees, whatever its state; the public, an entry of a public
// list that is active at asOf and already in effect at now.
func (p *Policy) Entry(v credo.Viewer, e *credo.ListEntry, asOf, now time.Time) bool {
	if e == nil || !e.KnownAt(asOf) {
		return false
	}
	if p.EntryFull(v, e) {
		return true
	}
	def := p.definition(e.List)
	if def == nil || !def.Public || e.EffectiveAt.After(now) {
		return false
	}
	st, _ := EntryState(e, asOf, now)
	return st.Status == credo.ListActive
}

// EntryState is e's state at asOf as the registry knows it at now, and,
// when the registry knew it otherwise at asOf, the state it knew then. A
// listing overturned on objection was wrong from the start: from its
// notification on it is ended, overturned (Since: when it was overturned).
func EntryState(e *credo.ListEntry, asOf, now time.Time) (state credo.ListState, knownThen *credo.ListState) {
	then := e.StateAt(asOf)
	state = then
	for _, tr := range e.Transitions {
		if tr.Reason != credo.EndOverturned || tr.RecordedAt.After(now) || tr.At.After(now) {
			continue
		}
		if !asOf.Before(e.NotifiedAt.Time) {
			state = credo.ListState{Status: credo.ListEnded, Reason: credo.EndOverturned, Since: tr.At}
		}
		break
	}
	if state != then {
		return state, &then
	}
	return state, nil
}

// Case reports whether v may see c and its attachments: Whole (the
// organization, administrators) or the authority that decides it.
func (p *Policy) Case(v credo.Viewer, c *credo.Case) bool {
	if c == nil {
		return false
	}
	if Whole(v, c.Subject) {
		return true
	}
	// Cases about what the registry did by rule are the administrators'
	// (an authority that happens to be called "credo" decides none).
	return v.Role == credo.RoleAuthority && v.Authority != nil && c.Authority != "" && c.Authority != credo.RegistryActor &&
		v.Authority.ID == c.Authority
}

// Notice reports whether v may read n: administrators every notice, an
// organization's account the notices of its inbox, a client's those of
// its own (credo.WebhookAudience).
func (p *Policy) Notice(v credo.Viewer, n *credo.Notice) bool {
	if n == nil {
		return false
	}
	switch v.Role {
	case credo.RoleAdmin:
		return true
	case credo.RoleOrganization:
		return v.Account != nil && n.Audience != credo.AudienceAdmin && n.Audience == v.Account.Subject
	case credo.RoleClient:
		return v.Account != nil && n.Audience == credo.WebhookAudience(v.Account)
	}
	return false
}

// Account reports whether v may see a: administrators, and the account
// itself.
func (p *Policy) Account(v credo.Viewer, a *credo.Account) bool {
	if a == nil {
		return false
	}
	return v.Role == credo.RoleAdmin || v.Account != nil && v.Account.ID == a.ID && v.Account.Role == a.Role
}

// Visible is the policy for any item, for read paths that carry items of
// several kinds (a feed of events): *credo.Record and *credo.ListEntry
// (at asOf, as known at now), *credo.Case, *credo.Notice, *credo.Account,
// the public registers *credo.Subject and *credo.Authority, and
// *credo.Assessment and *credo.AssessmentChange, whose existence is public
// but whose content must be shown through Assessment. A step of an item
// (a list transition, a case decision) is visible with its item: ask for
// the entry or the case. Any other kind of item is visible to no one.
func (p *Policy) Visible(v credo.Viewer, item any, asOf, now time.Time) bool {
	switch it := item.(type) {
	case *credo.Record:
		return p.Record(v, it, now)
	case *credo.ListEntry:
		return p.Entry(v, it, asOf, now)
	case *credo.Case:
		return p.Case(v, it)
	case *credo.Notice:
		return p.Notice(v, it)
	case *credo.Account:
		return p.Account(v, it)
	case *credo.Subject:
		return it != nil && known(v)
	case *credo.AnnualReport:
		// Everyone sees that a report was filed and its public items
		// (AnnualReport shapes which items).
		return it != nil && known(v)
	case *credo.Authority:
		return it != nil && known(v)
	case *credo.Assessment:
		return it != nil && known(v)
	case *credo.AssessmentChange:
		return it != nil && it.Assessment != nil && known(v)
	}
	return false
}

// known reports whether v is a viewer the policy knows.
func known(v credo.Viewer) bool {
	switch v.Role {
	case credo.RolePublic, credo.RoleClient, credo.RoleOrganization, credo.RoleAuthority, credo.RoleAdmin:
		return true
	}
	return false
}

func (p *Policy) definition(list string) *lists.Definition {
	if p == nil || p.lists == nil {
		return nil
	}
	return p.lists.List(list)
}

// division is the division of a code (positions 3-8), "" when none.
func division(code string) string {
	if len(code) == 18 {
		return code[2:8]
	}
	return ""
}

// AnnualReportFields are the fields (record categories) of the authorities
// that oversee annual reports: the market regulators and registration
// authorities (企业信息公示暂行条例 art. 6, 14).
var AnnualReportFields = []string{"market", "registration"}

// AnnualReportFull reports whether v sees every item of code's annual
// reports, disclosed or not: Whole, or an authority over the
// organization's division in one of AnnualReportFields.
func AnnualReportFull(v credo.Viewer, code string) bool {
	return FullAny(v, code, AnnualReportFields)
}

// AnnualReport returns r as v may see it: whole for those
// AnnualReportFull admits; for everyone else the public items only, the
// optional items the organization did not disclose named in Withheld.
func (p *Policy) AnnualReport(v credo.Viewer, r *credo.AnnualReport) *credo.AnnualReport {
	if r == nil {
		return nil
	}
	if AnnualReportFull(v, r.Subject) {
		return r
	}
	return r.Public()
}
