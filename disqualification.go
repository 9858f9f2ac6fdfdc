package credo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// RegistrationFlag is something the law says about a registration,
// derived from the registration and the records as they stood when it was
// recorded: never stored, a pure function of what is.
type RegistrationFlag struct {
	// Kind is FlagOfficerDisqualified.
	Kind string `json:"kind"`
	// PersonKey, Name and Role are the person registered and the role it
	// was registered in (legal_representative, director or manager). The
	// key is shown only to those who may follow a person from organization
	// to organization (authorities and administrators: visibility.PersonKeys).
	PersonKey string `json:"person_key,omitempty"`
	Name      string `json:"name,omitempty"`
	Role      string `json:"role"`
	// Version is the registration version that registered the person in
	// Role, RegisteredAt when it was recorded.
	Version      int  `json:"version"`
	RegisteredAt Time `json:"registered_at"`
	// Organization is the organization whose fate bars the person, Roles
	// the person's roles there, Record the authority's decision (its
	// Penalty: licence_revocation or closure), DecisionNumber and
	// DecidedAt.
	Organization   string   `json:"organization"`
	Roles          []string `json:"roles"`
	Record         int64    `json:"record"`
	DecisionNumber string   `json:"decision_number,omitempty"`
	Penalty        string   `json:"penalty"`
	DecidedAt      Time     `json:"decided_at"`
	// Until is when the bar ends: 3 years after the decision.
	Until Time   `json:"until"`
	Basis *Basis `json:"basis"`
}

// FlagOfficerDisqualified is the flag of a person registered as legal
// representative, director or manager while barred.
const FlagOfficerDisqualified = "officer_disqualified"

// DisqualificationBasis is what bars a person: the Company Law (2023
// revision), article 178 (item 4: the legal representative of a company
// whose business licence was revoked, or that was ordered closed, for
// breaking the law, for 3 years from that day).
var DisqualificationBasis = &Basis{Law: &Citation{Document: "中华人民共和国公司法", Number: "2023年修订", Article: "第一百七十八条"}}

// DisqualificationYears is how long the bar lasts after the decision.
const DisqualificationYears = 3

// barredRoles are the roles a registration may not give a barred person
// and, read as the person responsible, the roles in the organization
// whose licence was revoked that bar it.
var barredRoles = []string{string(RoleLegalRepresentative), string(RoleDirector), string(RoleManager)}

// barringPenalty returns what in record r bars the people responsible
// for its organization ("" nothing): its business licence revoked
// (licence_revocation by a registration or market regulator) or the
// organization ordered closed (closure).
func barringPenalty(r *Record) string {
	if slices.Contains(r.PenaltyTypes, "closure") {
		return "closure"
	}
	if slices.Contains(r.PenaltyTypes, "licence_revocation") && (r.Category == "registration" || r.Category == "market") {
		return "licence_revocation"
	}
	return ""
}

// OfficerFlags returns the flags of registration version s: each person s
// registers as legal representative, director or manager (holding that
// role in s but not in prev, the version before s, nil for the first)
// while barred at s.RecordedAt. links are the shared_officer
// relationships of s's code in force at s.RecordedAt (each names the
// person's roles in the other organization), records the records of the
// organizations at their other ends, by code. Only what was recorded by
// s.RecordedAt counts. The flags are sorted by person key, role, then
// organization.
func OfficerFlags(s, prev *Subject, links []*Relationship, records map[string][]*Record) []RegistrationFlag {
	t := s.RecordedAt.Time
	var out []RegistrationFlag
	for _, p := range PersonRoles(s) {
		for _, role := range p.Roles {
			if !slices.Contains(barredRoles, role) || prev != nil && holds(prev, p.PersonKey, role) {
				continue
			}
			for _, l := range links {
				if l.Kind != RelationshipSharedOfficer || l.PersonKey != p.PersonKey || l.Roles == nil || !l.InForce(t) {
					continue
				}
				other, roles := l.To, l.Roles.To
				if l.To == s.Code {
					other, roles = l.From, l.Roles.From
				}
				if other == s.Code || !slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(barredRoles, r) }) {
					continue
				}
				if f, ok := barredBy(records[other], t); ok {
					f.Kind, f.PersonKey, f.Name, f.Role = FlagOfficerDisqualified, p.PersonKey, p.Name, role
					f.Version, f.RegisteredAt = s.Version, s.RecordedAt
					f.Organization, f.Roles = other, slices.Clone(roles)
					out = append(out, f)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b RegistrationFlag) int {
		return strings.Compare(a.PersonKey+"|"+a.Role+"|"+a.Organization, b.PersonKey+"|"+b.Role+"|"+b.Organization)
	})
	return out
}

// barredBy returns the decision among records (one organization's) that
// bars its responsible people at t, the one whose bar lasts longest: a
// barring penalty recorded by t, not superseded by a record recorded by
// t, decided at most 3 years before t.
func barredBy(records []*Record, t time.Time) (RegistrationFlag, bool) {
	supersededAt := map[int64]bool{}
	for _, r := range records {
		if r.Supersedes != 0 && !r.RecordedAt.After(t) {
			supersededAt[r.Supersedes] = true
		}
	}
	var best RegistrationFlag
	found := false
	for _, r := range records {
		pen := barringPenalty(r)
		if pen == "" || r.RecordedAt.After(t) || supersededAt[r.ID] || r.OccurredAt.After(t) {
			continue
		}
		until := r.OccurredAt.AddDate(DisqualificationYears, 0, 0)
		if !t.Before(until) {
			continue
		}
		if !found || until.After(best.Until.Time) || until.Equal(best.Until.Time) && r.ID < best.Record {
			best = RegistrationFlag{Record: r.ID, DecisionNumber: r.DecisionNumber, Penalty: pen,
				DecidedAt: r.OccurredAt, Until: NewTime(until), Basis: DisqualificationBasis}
			found = true
		}
	}
	return best, found
}

// holds reports whether s names personKey in role.
func holds(s *Subject, personKey, role string) bool {
	for _, o := range s.Officers {
		if o.PersonKey == personKey && string(o.Role) == role {
			return true
		}
	}
	return false
}

// FlagReader is what LoadOfficerFlags reads.
type FlagReader interface {
	Relationships(ctx context.Context, q RelationshipQuery) ([]*Relationship, error)
	AllRecords(ctx context.Context, code string) ([]*Record, error)
}

// LoadOfficerFlags returns the flags of each of versions (one code's,
// oldest first), in order: OfficerFlags with what the store held when
// each was recorded.
func LoadOfficerFlags(ctx context.Context, st FlagReader, versions []*Subject) ([][]RegistrationFlag, error) {
	out := make([][]RegistrationFlag, len(versions))
	records := map[string][]*Record{}
	for i, s := range versions {
		if !hasBarredRole(s) {
			continue
		}
		links, err := st.Relationships(ctx, RelationshipQuery{Codes: []string{s.Code}, Kinds: []string{RelationshipSharedOfficer}, AsOf: s.RecordedAt.Time})
		if err != nil {
			return nil, fmt.Errorf("officer flags of %s: %w", s.Code, err)
		}
		for _, l := range links {
			other := l.Other(s.Code)
			if _, ok := records[other]; ok {
				continue
			}
			rs, err := st.AllRecords(ctx, other)
			if err != nil {
				return nil, fmt.Errorf("officer flags of %s: %w", s.Code, err)
			}
			records[other] = rs
		}
		var prev *Subject
		if i > 0 {
			prev = versions[i-1]
		}
		out[i] = OfficerFlags(s, prev, links, records)
	}
	return out, nil
}

// CurrentOfficerFlags returns the flags that stand against the latest of
// versions (one code's, oldest first): for each person it names in a
// barred role, the flag of the version that registered it there, when
// the person has held the role in every version since.
func CurrentOfficerFlags(all [][]RegistrationFlag, versions []*Subject) []RegistrationFlag {
	if len(versions) == 0 {
		return nil
	}
	last := versions[len(versions)-1]
	var out []RegistrationFlag
	for i, flags := range all {
		for _, f := range flags {
			standing := true
			for _, s := range versions[i:] {
				if !holds(s, f.PersonKey, f.Role) {
					standing = false
					break
				}
			}
			if standing && holds(last, f.PersonKey, f.Role) {
				out = append(out, f)
			}
		}
	}
	return out
}

func hasBarredRole(s *Subject) bool {
	for _, o := range s.Officers {
		if o.PersonKey != "" && slices.Contains(barredRoles, string(o.Role)) {
			return true
		}
	}
	return false
}
