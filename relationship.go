package credo

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo/uscc"
)

// Relationship is one version of a tie between two organizations: From
// —Kind→ To reads "From is To's Kind" (From is To's shareholder, branch,
// subsidiary, guarantor, supplier, customer); shared_officer,
// joint_venture and contract are ties both ways, From and To only naming
// the ends.
//
// Nothing is edited: a change (a new share, different roles, the end of
// the tie) is a new version that Supersedes the current one of the same
// Key, recorded with its time, so relationships are read as of any time.
type Relationship struct {
	ID    int64  `json:"id,omitempty"`
	Kind  string `json:"kind"`
	From  string `json:"from"`
	To    string `json:"to"`
	Since Date   `json:"since"`
	// Until is the day the tie ended (zero: it holds). A version with
	// Until set ends the relationship.
	Until Date `json:"until,omitzero"`

	// Share is the percentage of To that From holds (shareholder and
	// subsidiary: To holds Share percent of From).
	Share float64 `json:"share,omitempty"`
	// PersonKey, PersonName and Roles are the person two organizations
	// share (shared_officer): its roles in From and in To, each an
	// OfficerRole or RoleShareholder.
	PersonKey  string       `json:"person_key,omitempty"`
	PersonName string       `json:"person_name,omitempty"`
	Roles      *SharedRoles `json:"roles,omitempty"`
	// Reference is the authority's number for the tie (a contract or
	// guarantee number): an authority's relationships of one kind between
	// the same two organizations are told apart by it.
	Reference string `json:"reference,omitempty"`
	// Supersedes is the id of the version this one replaces (0: a new
	// relationship).
	Supersedes int64 `json:"supersedes,omitempty"`

	// Set by the registry.
	// Source is where the relationship comes from: SourceRegistration,
	// SourceAuthority or SourceDeclaration (each kind has one source,
	// RelationshipSource).
	Source string `json:"source,omitempty"`
	// Authority is the authority that submitted it (SourceAuthority) or
	// registered the registration version it was derived from
	// (SourceRegistration).
	Authority string `json:"authority,omitempty"`
	// Declarant is the code of the organization that declared it
	// (SourceDeclaration; From or To), Account the account it used.
	Declarant    string `json:"declarant,omitempty"`
	Account      string `json:"account,omitempty"`
	RecordedAt   Time   `json:"recorded_at,omitzero"`
	SupersededBy int64  `json:"superseded_by,omitempty"`
}

// SharedRoles are a shared person's roles in each organization.
type SharedRoles struct {
	From []string `json:"from"`
	To   []string `json:"to"`
}

// Relationship kinds.
const (
	RelationshipShareholder   = "shareholder"
	RelationshipBranch        = "branch"
	RelationshipSubsidiary    = "subsidiary"
	RelationshipSharedOfficer = "shared_officer"
	RelationshipGuarantor     = "guarantor"
	RelationshipJointVenture  = "joint_venture"
	RelationshipContract      = "contract"
	RelationshipSupplier      = "supplier"
	RelationshipCustomer      = "customer"
)

// RelationshipKinds lists every kind, registration's first.
var RelationshipKinds = []string{
	RelationshipShareholder, RelationshipBranch, RelationshipSubsidiary, RelationshipSharedOfficer,
	RelationshipGuarantor, RelationshipJointVenture, RelationshipContract,
	RelationshipSupplier, RelationshipCustomer,
}

// Relationship sources.
const (
	SourceRegistration = "registration" // derived from registration data
	SourceAuthority    = "authority"    // submitted by an authority
	SourceDeclaration  = "declaration"  // declared by an organization about itself
)

// RoleShareholder is the role, in SharedRoles, of a person holding shares.
const RoleShareholder = "shareholder"

// SubsidiaryShare is the shareholding above which the held organization
// is the holder's subsidiary (a majority of the shares).
const SubsidiaryShare = 50.0

// RelationshipSource returns the one source of kind, "" for an unknown
// kind.
func RelationshipSource(kind string) string {
	switch kind {
	case RelationshipShareholder, RelationshipBranch, RelationshipSubsidiary, RelationshipSharedOfficer:
		return SourceRegistration
	case RelationshipGuarantor, RelationshipJointVenture, RelationshipContract:
		return SourceAuthority
	case RelationshipSupplier, RelationshipCustomer:
		return SourceDeclaration
	}
	return ""
}

// KindsOf returns the kinds that come from source.
func KindsOf(source string) []string {
	var out []string
	for _, k := range RelationshipKinds {
		if RelationshipSource(k) == source {
			out = append(out, k)
		}
	}
	return out
}

// Normalize fixes what people type: codes and surrounding space.
func (r *Relationship) Normalize() {
	r.Kind = strings.TrimSpace(r.Kind)
	r.From = uscc.Normalize(r.From)
	r.To = uscc.Normalize(r.To)
	r.Reference = strings.TrimSpace(r.Reference)
}

// Validate checks a relationship at time now, as submitted by an
// authority or declared by an organization, or derived from registration
// data (Source says which; "" is judged by the kind). It returns the
// first problem as an *Error naming the field. Whether the codes are
// registered, and who may submit it, the caller checks.
func (r *Relationship) Validate(now time.Time) error {
	if r.Kind == "" {
		return FieldError("kind", "required", "is required: one of %s", strings.Join(RelationshipKinds, ", "))
	}
	src := RelationshipSource(r.Kind)
	if src == "" {
		return FieldError("kind", "enum", "must be one of %s", strings.Join(RelationshipKinds, ", "))
	}
	if r.Source != "" && r.Source != src {
		return FieldError("kind", "source", "a %s relationship comes from %s, not %s", r.Kind, src, r.Source)
	}
	if err := ValidateCode("from", r.From); err != nil {
		return err
	}
	if err := ValidateCode("to", r.To); err != nil {
		return err
	}
	if r.From == r.To {
		return FieldError("to", "self", "a relationship joins two organizations; from and to are both %s", r.From)
	}
	if r.Since.IsZero() {
		return FieldError("since", "required", "is required: the day the relationship began")
	}
	if r.Since.Before(EarliestDecision) {
		return FieldError("since", "too_old", "must be %s or later", EarliestDecision.Format(time.DateOnly))
	}
	if r.Since.After(now.Add(ClockSkew)) {
		return FieldError("since", "future", "is in the future")
	}
	if !r.Until.IsZero() {
		if r.Until.Before(r.Since.Time) {
			return FieldError("until", "order", "until %s is before since %s", r.Until, r.Since)
		}
		if r.Until.After(now.Add(ClockSkew)) {
			return FieldError("until", "future", "is in the future: end a relationship once it has ended")
		}
	}
	switch r.Kind {
	case RelationshipShareholder, RelationshipSubsidiary:
		if math.IsNaN(r.Share) || r.Share <= 0 || r.Share > 100 {
			return FieldError("share", "range", "must be a percentage above 0 and at most 100")
		}
	default:
		if r.Share != 0 {
			return FieldError("share", "not_allowed", "only shareholder and subsidiary relationships have a share")
		}
	}
	if r.Kind == RelationshipSharedOfficer {
		if !isPersonKey(r.PersonKey) {
			return FieldError("person_key", "format", "must be a person key issued by this registry")
		}
		if r.Roles == nil || len(r.Roles.From) == 0 || len(r.Roles.To) == 0 {
			return FieldError("roles", "required", "name the person's roles in both organizations")
		}
		if err := optionalText("person_name", r.PersonName, 100); err != nil {
			return err
		}
	} else if r.PersonKey != "" || r.PersonName != "" || r.Roles != nil {
		return FieldError("person_key", "not_allowed", "only shared_officer relationships name a person")
	}
	if err := optionalText("reference", r.Reference, 100); err != nil {
		return err
	}
	if r.Reference != "" && src != SourceAuthority {
		return FieldError("reference", "not_allowed", "only relationships submitted by an authority carry its reference")
	}
	if r.Supersedes < 0 {
		return FieldError("supersedes", "range", "must be the id of the version this one replaces")
	}
	return nil
}

// Key identifies a relationship across its versions: its kind, its ends,
// and what tells several of one kind between the same two organizations
// apart (the shared person; the submitting authority and its reference;
// the declaring organization). A version may supersede only a version of
// the same Key. Source, Authority and Declarant must be set.
func (r *Relationship) Key() string {
	k := r.Kind + "|" + r.From + "|" + r.To + "|"
	switch RelationshipSource(r.Kind) {
	case SourceRegistration:
		return k + r.PersonKey
	case SourceAuthority:
		return k + r.Authority + "|" + r.Reference
	default:
		return k + r.Declarant
	}
}

// ContentHash identifies what a version says (not the registry's fields),
// so that the same submission repeated is recognised.
func (r *Relationship) ContentHash() string {
	c := *r
	c.ID, c.RecordedAt, c.SupersededBy, c.Account = 0, Time{}, 0, ""
	b, _ := json.Marshal(&c, json.Deterministic(true))
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// InForce reports whether the version holds at t by its dates (Since <=
// t, and t before Until). Whether it was recorded and not superseded by
// then is the store's to judge.
func (r *Relationship) InForce(t time.Time) bool {
	return !r.Since.After(t) && (r.Until.IsZero() || t.Before(r.Until.Time))
}

// Other returns the end of r that is not code.
func (r *Relationship) Other(code string) string {
	if r.From == code {
		return r.To
	}
	return r.From
}

// Edge is a relationship in force, as the whole-graph scan
// (RelationshipStore.EachRelationship) gives it: what a compact graph
// needs, nothing more.
type Edge struct {
	ID        int64
	Kind      string // one of the Relationship* kinds (the constant itself, not a copy)
	Source    string
	From, To  string
	Since     Date
	Share     float64
	Declarant string // SourceDeclaration only
}

// EdgeVersion is a version of a relationship as an Edge, with what
// decides when it is in force, as RelationshipStore.AdjacentVersions
// gives it: every version, superseded and ended ones too, so that a
// reader holding an organization's versions answers Adjacent at any time
// without the store.
type EdgeVersion struct {
	Edge
	Until      Date // zero: the tie holds
	RecordedAt Time
	// SupersededAt is when the version that supersedes this one was
	// recorded (zero: none has).
	SupersededAt Time
}

// InForce reports whether v is in force at t (zero: the latest), as
// Adjacent and Relationships judge it: recorded by t, begun by t, not
// ended by t, and not superseded by a version recorded by t.
func (v *EdgeVersion) InForce(t time.Time) bool {
	if t.IsZero() {
		return v.Until.IsZero() && v.SupersededAt.IsZero()
	}
	return !v.RecordedAt.After(t) && !v.Since.After(t) && (v.Until.IsZero() || v.Until.After(t)) &&
		(v.SupersededAt.IsZero() || v.SupersededAt.After(t))
}

// PersonRole is what a person is in one organization's latest
// registration: its roles (OfficerRole values and RoleShareholder) and
// the name registered with them.
type PersonRole struct {
	PersonKey string   `json:"person_key"`
	Code      string   `json:"code"`
	Name      string   `json:"name"`
	Roles     []string `json:"roles"`
	// Version is the registration version that states it.
	Version int `json:"version"`
}

// PersonRoles returns the people of registration s, by person key, each
// with its roles in s sorted (officers and person shareholders; people
// without a key are left out).
func PersonRoles(s *Subject) []PersonRole {
	byKey := map[string]*PersonRole{}
	var order []string
	add := func(key, name, role string) {
		if key == "" {
			return
		}
		p := byKey[key]
		if p == nil {
			p = &PersonRole{PersonKey: key, Code: s.Code, Name: name, Version: s.Version}
			byKey[key] = p
			order = append(order, key)
		}
		if !slices.Contains(p.Roles, role) {
			p.Roles = append(p.Roles, role)
		}
	}
	for _, o := range s.Officers {
		add(o.PersonKey, o.Name, string(o.Role))
	}
	for _, h := range s.Shareholders {
		if h.Type == "person" {
			add(h.PersonKey, h.Name, RoleShareholder)
		}
	}
	slices.Sort(order)
	out := make([]PersonRole, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
		slices.Sort(out[i].Roles)
	}
	return out
}

// RelationshipChange is the data of relationship.changed: a version
// stored (Ended when it ends the relationship).
type RelationshipChange struct {
	Relationship int64  `json:"relationship"`
	Kind         string `json:"kind"`
	Source       string `json:"source"`
	From         string `json:"from"`
	To           string `json:"to"`
	Since        Date   `json:"since"`
	Until        Date   `json:"until,omitzero"`
	Supersedes   int64  `json:"supersedes,omitzero"`
	Authority    string `json:"authority,omitempty"`
	Declarant    string `json:"declarant,omitempty"`
}

// RelationshipChanges are the changes a stored version makes: one
// relationship.changed for each end (Subject the end's code), so that a
// reader following either organization sees it; a declaration makes one,
// about its declarant only (no one else may see it). r has its ID and
// RecordedAt.
func RelationshipChanges(r *Relationship) []*Change {
	d := RelationshipChange{Relationship: r.ID, Kind: r.Kind, Source: r.Source, From: r.From, To: r.To,
		Since: r.Since, Until: r.Until, Supersedes: r.Supersedes, Authority: r.Authority, Declarant: r.Declarant}
	if r.Source == SourceDeclaration {
		return []*Change{newChange(ChangeRelationshipChanged, r.Declarant, id(r.ID), r.RecordedAt.Time, "", d)}
	}
	return []*Change{
		newChange(ChangeRelationshipChanged, r.From, id(r.ID), r.RecordedAt.Time, "", d),
		newChange(ChangeRelationshipChanged, r.To, id(r.ID), r.RecordedAt.Time, "", d),
	}
}

// DeriveRelationships returns the versions that bring the registration
// relationships of s's code up to date with s, a registration version
// being stored (Version, Authority and RecordedAt set):
//
//   - shareholder: each organization shareholder of s (by code) —
//     shareholder→ s, with its share (several lines of one holder added);
//   - subsidiary: s —subsidiary→ each organization holding over
//     SubsidiaryShare percent of it;
//   - branch: s —branch→ s.BranchOf;
//   - shared_officer: between s and each organization whose latest
//     registration names one of s's people (officers and person
//     shareholders, by person key), one per person, From the lower code,
//     with the person's roles in each.
//
// current are the registration relationships of s's code that are open
// (current versions without Until), others the PersonRoles of s's people
// in other organizations. A relationship s no longer states is ended
// (Until the day of s's recording), one whose share, roles or name
// changed is superseded by a version with the same Since; a new one
// begins on s's establishment date when s is the first version, else on
// the day it is recorded. The result is sorted by Key, new versions with
// Source, Authority and RecordedAt set.
func DeriveRelationships(s *Subject, current []*Relationship, others []PersonRole) []*Relationship {
	day := NewDate(s.RecordedAt.Time)
	since := day
	if s.Version <= 1 && !s.Established.IsZero() && !s.Established.After(day.Time) {
		since = s.Established
	}
	want := map[string]*Relationship{}
	put := func(r *Relationship) {
		r.Source, r.Authority, r.RecordedAt = SourceRegistration, s.Authority, s.RecordedAt
		want[r.Key()] = r
	}
	shares := map[string]float64{}
	var holders []string
	for _, h := range s.Shareholders {
		if h.Type != "organization" || h.Code == "" || h.Code == s.Code {
			continue
		}
		if _, ok := shares[h.Code]; !ok {
			holders = append(holders, h.Code)
		}
		shares[h.Code] += h.Share
	}
	for _, code := range holders {
		share := math.Min(shares[code], 100)
		if share <= 0 {
			continue
		}
		put(&Relationship{Kind: RelationshipShareholder, From: code, To: s.Code, Since: since, Share: share})
		if share > SubsidiaryShare {
			put(&Relationship{Kind: RelationshipSubsidiary, From: s.Code, To: code, Since: since, Share: share})
		}
	}
	if s.BranchOf != "" && s.BranchOf != s.Code {
		put(&Relationship{Kind: RelationshipBranch, From: s.Code, To: s.BranchOf, Since: since})
	}
	for _, p := range PersonRoles(s) {
		for _, o := range others {
			if o.PersonKey != p.PersonKey || o.Code == s.Code {
				continue
			}
			r := &Relationship{Kind: RelationshipSharedOfficer, From: s.Code, To: o.Code, Since: since,
				PersonKey: p.PersonKey, PersonName: p.Name, Roles: &SharedRoles{From: p.Roles, To: o.Roles}}
			if o.Code < s.Code {
				r.From, r.To, r.PersonName = o.Code, s.Code, o.Name
				r.Roles = &SharedRoles{From: o.Roles, To: p.Roles}
			}
			put(r)
		}
	}

	var out []*Relationship
	have := map[string]bool{}
	for _, c := range current {
		if c.Source != SourceRegistration || !c.Until.IsZero() || !ownedBy(c, s.Code) {
			continue
		}
		k := c.Key()
		have[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			end := *c
			end.ID, end.SupersededBy, end.Supersedes = 0, 0, c.ID
			end.Until = day
			if end.Until.Before(end.Since.Time) {
				end.Until = end.Since
			}
			end.Authority, end.RecordedAt = s.Authority, s.RecordedAt
			out = append(out, &end)
		case w.Share != c.Share || w.PersonName != c.PersonName || !sameRoles(w.Roles, c.Roles):
			w.Since, w.Supersedes = c.Since, c.ID
			out = append(out, w)
		}
	}
	for k, w := range want {
		if !have[k] {
			out = append(out, w)
		}
	}
	slices.SortFunc(out, func(a, b *Relationship) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

// ownedBy reports whether the registration of code states r: the
// shareholders of code, code's own subsidiary and branch ties, and the
// people code shares.
func ownedBy(r *Relationship, code string) bool {
	switch r.Kind {
	case RelationshipShareholder:
		return r.To == code
	case RelationshipSubsidiary, RelationshipBranch:
		return r.From == code
	case RelationshipSharedOfficer:
		return r.From == code || r.To == code
	}
	return false
}

func sameRoles(a, b *SharedRoles) bool {
	if a == nil || b == nil {
		return a == b
	}
	return slices.Equal(a.From, b.From) && slices.Equal(a.To, b.To)
}

// IsPersonKey reports whether k has the form of a person key this
// registry issues.
func IsPersonKey(k string) bool { return isPersonKey(k) }
