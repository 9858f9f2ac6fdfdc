package credo_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// The barring organization (淮北, whose business licence the market
// regulator revoked) and the organization registering the person
// (上海).
const (
	barring    = "91340600MA2PBM9HXD"
	registrant = "91310112087994932F"
	personKey  = "pk_0123456789abcdef0123456789abcdef"
)

func revocation(id int64, decided, recorded time.Time) *credo.Record {
	return &credo.Record{ID: id, Subject: barring, Category: "market", Kind: "penalty", ExternalID: "r1",
		DecisionNumber: "淮市监罚〔2023〕7号", PenaltyTypes: []string{"licence_revocation"},
		OccurredAt: credo.NewTime(decided), RecordedAt: credo.NewTime(recorded)}
}

func registration(version int, at time.Time, role credo.OfficerRole) *credo.Subject {
	return &credo.Subject{Code: registrant, Name: "上海某某实业有限公司", Version: version, RecordedAt: credo.NewTime(at),
		Officers: []credo.Officer{{Role: role, Name: "李四", PersonKey: personKey}}}
}

func sharedLink(since time.Time, rolesThere ...string) *credo.Relationship {
	return &credo.Relationship{Kind: credo.RelationshipSharedOfficer, From: registrant, To: barring, Since: credo.NewDate(since),
		Source: credo.SourceRegistration, PersonKey: personKey, Roles: &credo.SharedRoles{From: []string{"director"}, To: rolesThere}}
}

func TestOfficerFlagsThreeYears(t *testing.T) {
	decided := time.Date(2023, 3, 15, 2, 0, 0, 0, time.UTC)
	rec := revocation(11, decided, decided.Add(48*time.Hour))
	records := map[string][]*credo.Record{barring: {rec}}
	until := decided.AddDate(3, 0, 0)

	for _, c := range []struct {
		name  string
		at    time.Time
		roles []string
		want  bool
	}{
		{"within 3 years", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), []string{"legal_representative"}, true},
		{"the last instant of the 3 years", until.Add(-time.Microsecond), []string{"legal_representative"}, true},
		{"3 years to the instant", until, []string{"legal_representative"}, false},
		{"a day after", until.AddDate(0, 0, 1), []string{"legal_representative"}, false},
		{"manager there", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), []string{"manager"}, true},
		{"only a supervisor there", time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), []string{"supervisor"}, false},
		{"before the decision was recorded", decided.Add(time.Hour), []string{"legal_representative"}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := registration(1, c.at, credo.RoleDirector)
			flags := credo.OfficerFlags(s, nil, []*credo.Relationship{sharedLink(c.at, c.roles...)}, records)
			if !c.want {
				if len(flags) != 0 {
					t.Fatalf("flags %+v, want none", flags)
				}
				return
			}
			if len(flags) != 1 {
				t.Fatalf("flags %+v, want one", flags)
			}
			f := flags[0]
			if f.Kind != credo.FlagOfficerDisqualified || f.PersonKey != personKey || f.Role != "director" ||
				f.Organization != barring || f.Record != 11 || f.DecisionNumber != "淮市监罚〔2023〕7号" ||
				f.Penalty != "licence_revocation" || !f.Until.Equal(until) || f.Version != 1 {
				t.Errorf("flag %+v", f)
			}
			if f.Basis == nil || f.Basis.Law == nil || f.Basis.Law.Document != "中华人民共和国公司法" || f.Basis.Law.Article != "第一百七十八条" {
				t.Errorf("basis %+v", f.Basis)
			}
		})
	}
}

func TestOfficerFlagsOnlyTheRegistration(t *testing.T) {
	decided := time.Date(2025, 1, 10, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	link := []*credo.Relationship{sharedLink(at, "legal_representative")}
	records := map[string][]*credo.Record{barring: {revocation(5, decided, decided)}}

	v1 := registration(1, at, credo.RoleDirector)
	v2 := registration(2, at.AddDate(0, 1, 0), credo.RoleDirector)
	if f := credo.OfficerFlags(v2, v1, link, records); len(f) != 0 {
		t.Errorf("a later version that keeps the director registers no one: %+v", f)
	}
	v3 := registration(3, at.AddDate(0, 2, 0), credo.RoleLegalRepresentative)
	if f := credo.OfficerFlags(v3, v2, link, records); len(f) != 1 || f[0].Role != "legal_representative" {
		t.Errorf("registered anew as legal representative: %+v", f)
	}
	sup := registration(1, at, credo.RoleSupervisor)
	if f := credo.OfficerFlags(sup, nil, link, records); len(f) != 0 {
		t.Errorf("a supervisor is not among the roles the issue names: %+v", f)
	}

	// The standing flags of the latest version: while the person keeps the role.
	all := [][]credo.RegistrationFlag{credo.OfficerFlags(v1, nil, link, records), nil}
	if cur := credo.CurrentOfficerFlags(all, []*credo.Subject{v1, v2}); len(cur) != 1 || cur[0].Version != 1 {
		t.Errorf("standing against v2: %+v", cur)
	}
	gone := registration(2, at.AddDate(0, 1, 0), credo.RoleSupervisor)
	if cur := credo.CurrentOfficerFlags(all, []*credo.Subject{v1, gone}); len(cur) != 0 {
		t.Errorf("no longer director: %+v", cur)
	}

	// A retraction recorded before the registration withdraws the decision.
	retraction := &credo.Record{ID: 6, Subject: barring, Kind: "retraction", Supersedes: 5, RecordedAt: credo.NewTime(at.AddDate(0, 0, -1))}
	withdrawn := map[string][]*credo.Record{barring: {revocation(5, decided, decided), retraction}}
	if f := credo.OfficerFlags(v1, nil, link, withdrawn); len(f) != 0 {
		t.Errorf("a withdrawn revocation bars no one: %+v", f)
	}
	// A licence revoked by another kind of authority is not the business licence.
	other := revocation(7, decided, decided)
	other.Category = "health"
	if f := credo.OfficerFlags(v1, nil, link, map[string][]*credo.Record{barring: {other}}); len(f) != 0 {
		t.Errorf("a health permit revoked: %+v", f)
	}
	closure := revocation(8, decided, decided)
	closure.Category, closure.PenaltyTypes = "environment", []string{"closure"}
	if f := credo.OfficerFlags(v1, nil, link, map[string][]*credo.Record{barring: {closure}}); len(f) != 1 || f[0].Penalty != "closure" {
		t.Errorf("ordered closed: %+v", f)
	}
}
