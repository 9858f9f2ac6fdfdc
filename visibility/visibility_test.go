package visibility_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/visibility"
)

const (
	code  = "91340600MA2PBM9HXD" // division 340600
	other = "91310112087994932F"
)

var now = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

type rules struct{ set *rulebook.Set }

func (r rules) Set() *rulebook.Set { return r.set }

func policy(t *testing.T) *visibility.Policy {
	t.Helper()
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := lists.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	return visibility.New(rules{set}, cat)
}

func authority(divisions []string, categories ...string) credo.Viewer {
	return credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "a", Divisions: divisions, Categories: categories}}
}

func org(c string) credo.Viewer {
	return credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "org-" + c, Role: credo.RoleOrganization, Subject: c}}
}

var (
	admin  = credo.Viewer{Role: credo.RoleAdmin}
	client = credo.Viewer{Role: credo.RoleClient, Account: &credo.Account{ID: "c", Role: credo.RoleClient}}
)

func record(category, kind string, occurred time.Time) *credo.Record {
	return &credo.Record{ID: 1, Subject: code, Category: category, Kind: kind, OccurredAt: credo.NewTime(occurred)}
}

// Who sees a record: published ones everyone; the others the
// organization, administrators and authorities of its region and field.
func TestRecord(t *testing.T) {
	p := policy(t)
	taxGrade := record("tax", "tax_grade", now.AddDate(0, -2, 0))
	penalty := &credo.Record{ID: 2, Subject: code, Category: "market", Kind: "penalty", Severity: "general",
		PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(now.AddDate(0, -2, 0))}
	past := &credo.Record{ID: 3, Subject: code, Category: "market", Kind: "penalty", Severity: "minor",
		PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(now.AddDate(-2, 0, 0))}
	cases := []struct {
		name string
		v    credo.Viewer
		r    *credo.Record
		want bool
	}{
		{"public, penalty", credo.Public, penalty, true},
		{"public, tax grade", credo.Public, taxGrade, false},
		{"client, tax grade", client, taxGrade, false},
		{"public, past its window", credo.Public, past, false},
		{"organization, tax grade", org(code), taxGrade, true},
		{"another organization, tax grade", org(other), taxGrade, false},
		{"tax authority of the region", authority([]string{"3406"}, "tax"), taxGrade, true},
		{"tax authority elsewhere", authority([]string{"31"}, "tax"), taxGrade, false},
		{"market authority of the region, tax grade", authority([]string{"3406"}, "market"), taxGrade, false},
		{"tax authority of the region, market record past its window", authority([]string{"3406"}, "tax"), past, false},
		{"market authority nationwide, past its window", authority([]string{credo.Nationwide}, "market"), past, true},
		{"administrator", admin, taxGrade, true},
		{"unknown role", credo.Viewer{Role: "root"}, taxGrade, false},
		{"authority not loaded", credo.Viewer{Role: credo.RoleAuthority}, taxGrade, false},
		{"organization account not loaded", credo.Viewer{Role: credo.RoleOrganization}, taxGrade, false},
		{"a client account bound to the code", credo.Viewer{Role: credo.RoleClient, Account: &credo.Account{Role: credo.RoleClient, Subject: code}}, taxGrade, false},
	}
	for _, c := range cases {
		if got := p.Record(c.v, c.r, now); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
		if got := p.Visible(c.v, c.r, now, now); got != c.want {
			t.Errorf("%s (Visible): %v, want %v", c.name, got, c.want)
		}
	}
}

// A policy without rules or definitions shows the public nothing that
// needs them; a nil policy likewise.
func TestFailsClosed(t *testing.T) {
	penalty := &credo.Record{ID: 2, Subject: code, Category: "market", Kind: "penalty", OccurredAt: credo.NewTime(now.AddDate(0, -1, 0))}
	entry := &credo.ListEntry{ID: 1, List: "serious-dishonesty", Subject: code, Source: credo.SourceDecision, Authority: "x",
		NotifiedAt: credo.NewTime(now.AddDate(0, -1, 0)), EffectiveAt: credo.NewTime(now.AddDate(0, -1, 0))}
	for name, p := range map[string]*visibility.Policy{"empty": visibility.New(nil, nil), "nil": nil} {
		if p.Record(credo.Public, penalty, now) || p.Entry(credo.Public, entry, now, now) {
			t.Errorf("%s policy shows the public a record or entry", name)
		}
		if !p.Record(org(code), penalty, now) || !p.Entry(admin, entry, now, now) {
			t.Errorf("%s policy hides from the organization or an administrator", name)
		}
		a := &credo.Assessment{Subject: code, Grade: "B", Score: 80, Public: true, Dimensions: map[string]*credo.Dimension{
			"tax": {Grade: "D"}, "market": {Grade: "A", Public: true, Contributions: []credo.Contribution{{Record: 2}}},
		}}
		got := p.Assessment(authority([]string{"3406"}, "tax"), a, nil)
		if got.Dimensions["tax"] != nil || len(got.Dimensions["market"].Contributions) != 0 || !got.ScoreWithheld || got.Score != 0 || got.Grade != "B" {
			t.Errorf("%s policy: %+v", name, got)
		}
	}
	if visibility.New(nil, nil).Visible(admin, struct{}{}, now, now) {
		t.Error("an item of unknown kind is visible")
	}
}

// Entries: the public sees active entries of public lists once in
// effect, whatever as_of says; authorities those of lists their field may
// list on in their region; the listing authority its own.
func TestEntry(t *testing.T) {
	p := policy(t)
	e := &credo.ListEntry{ID: 1, List: "abnormal-operations", Subject: code, Source: credo.SourceDecision, Authority: "hb",
		NotifiedAt: credo.NewTime(now), EffectiveAt: credo.NewTime(now.Add(10 * 24 * time.Hour)), RecordedAt: credo.NewTime(now)}
	later := now.Add(20 * 24 * time.Hour)
	for _, c := range []struct {
		name     string
		v        credo.Viewer
		asOf, at time.Time
		want     bool
	}{
		{"public, future as_of", credo.Public, later, now, false},
		{"public, once in effect", credo.Public, later, later, true},
		{"public, notified", credo.Public, now, now, false},
		{"organization, notified", org(code), now, now, true},
		{"market authority of the region", authority([]string{"34"}, "market"), now, now, true},
		{"tax authority of the region", authority([]string{"34"}, "tax"), now, now, false},
		{"market authority elsewhere", authority([]string{"32"}, "market"), now, now, false},
		{"the listing authority", credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "hb", Divisions: []string{"32"}, Categories: []string{"tax"}}}, now, now, true},
		{"before it was recorded", admin, now.Add(-time.Hour), now, false},
	} {
		if got := p.Entry(c.v, e, c.asOf, c.at); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
	// Overturned: ended as known now, active as known then.
	e.Transitions = []credo.ListTransition{{Status: credo.ListEnded, Reason: credo.EndOverturned, At: credo.NewTime(later), RecordedAt: credo.NewTime(later)}}
	st, then := visibility.EntryState(e, later.Add(-time.Hour), later.Add(time.Hour))
	if st.Status != credo.ListEnded || st.Reason != credo.EndOverturned || then == nil || then.Status != credo.ListActive {
		t.Errorf("overturned: %+v then %+v", st, then)
	}
	if p.Entry(credo.Public, e, later.Add(-time.Hour), later.Add(time.Hour)) {
		t.Error("the public sees an overturned entry as of before the overturn")
	}
	if st, then := visibility.EntryState(e, later.Add(-time.Hour), later.Add(-time.Minute)); st.Status != credo.ListActive || then != nil {
		t.Errorf("before the overturn was known: %+v %+v", st, then)
	}
}

// Cases, notices and accounts are never the public's.
func TestCasesNoticesAccounts(t *testing.T) {
	p := policy(t)
	c := &credo.Case{ID: 1, Subject: code, Authority: "hb"}
	n := &credo.Notice{Audience: code, Subject: code}
	acc := &credo.Account{ID: "org-" + code, Role: credo.RoleOrganization, Subject: code}
	hb := credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "hb", Divisions: []string{"3406"}, Categories: []string{"market"}}}
	for _, x := range []struct {
		name            string
		v               credo.Viewer
		cs, nt, account bool
	}{
		{"public", credo.Public, false, false, false},
		{"client", client, false, false, false},
		{"organization", org(code), true, true, true},
		{"another organization", org(other), false, false, false},
		{"deciding authority", hb, true, false, false},
		{"another authority of the region and field", authority([]string{"3406"}, "market"), false, false, false},
		{"administrator", admin, true, true, true},
	} {
		if got := p.Case(x.v, c); got != x.cs {
			t.Errorf("%s sees the case: %v", x.name, got)
		}
		if got := p.Notice(x.v, n); got != x.nt {
			t.Errorf("%s reads the notice: %v", x.name, got)
		}
		if got := p.Account(x.v, acc); got != x.account {
			t.Errorf("%s sees the account: %v", x.name, got)
		}
	}
	ruleCase := &credo.Case{ID: 2, Subject: code, Authority: credo.RegistryActor}
	named := credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: credo.RegistryActor, Divisions: []string{credo.Nationwide}, Categories: []string{"market"}}}
	if p.Case(named, ruleCase) || !p.Case(admin, ruleCase) {
		t.Error("a case about a rule entry is not the administrators' alone")
	}
}

// An annual dimension's running figure shows only the records the viewer
// may see, like the grade in force.
func TestAssessmentProvisional(t *testing.T) {
	p := policy(t)
	a := &credo.Assessment{Subject: code, AsOf: credo.NewTime(now), Dimensions: map[string]*credo.Dimension{
		"environment": {Grade: "blue", Public: true, Contributions: []credo.Contribution{{Record: 7, Rule: "env.penalty"}},
			Provisional: &credo.Dimension{Grade: "yellow", Contributions: []credo.Contribution{{Record: 8, Rule: "env.penalty"}, {Rule: "env.cap"}}}},
	}}
	got := p.Assessment(credo.Viewer{Role: credo.RolePublic}, a, func(id int64) bool { return id == 7 })
	d := got.Dimensions["environment"]
	if len(d.Contributions) != 1 || d.Provisional == nil || len(d.Provisional.Contributions) != 1 || d.Provisional.Contributions[0].Rule != "env.cap" {
		t.Fatalf("public view: %+v provisional %+v", d, d.Provisional)
	}
	if len(a.Dimensions["environment"].Provisional.Contributions) != 2 {
		t.Fatal("the view changed the assessment")
	}
}

func TestRelationship(t *testing.T) {
	const declarant, other = "91340600MA2PBM9HXD", "91110000600037341L"
	decl := &credo.Relationship{Kind: credo.RelationshipSupplier, From: other, To: declarant, Source: credo.SourceDeclaration,
		Declarant: declarant, Account: "org-hefei", PersonKey: ""}
	reg := &credo.Relationship{Kind: credo.RelationshipSharedOfficer, From: other, To: declarant, Source: credo.SourceRegistration,
		PersonKey: "pk_00112233445566778899aabbccddeeff", PersonName: "张伟"}
	own := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "org-hefei", Role: credo.RoleOrganization, Subject: declarant}}
	otherOrg := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "org-bj", Role: credo.RoleOrganization, Subject: other}}
	over := credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "samr-340600", Divisions: []string{"3406"}, Categories: []string{"tax"}}}
	elsewhere := credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "samr-110000", Divisions: []string{"11"}, Categories: []string{"market"}}}
	admin := credo.Viewer{Role: credo.RoleAdmin}
	for _, c := range []struct {
		name string
		v    credo.Viewer
		want bool
	}{
		{"public", credo.Public, false}, {"the declarant", own, true}, {"the other end", otherOrg, false},
		{"an authority over it", over, true}, {"an authority elsewhere", elsewhere, false}, {"an administrator", admin, true},
		{"no role", credo.Viewer{}, false},
	} {
		if got := visibility.Relationship(c.v, decl); got != c.want {
			t.Errorf("%s sees the declaration: %v, want %v", c.name, got, c.want)
		}
		if !visibility.Relationship(c.v, reg) {
			t.Errorf("%s must see registration relationships", c.name)
		}
	}
	if s := visibility.ShownRelationship(credo.Public, reg); s.PersonKey != "" || s.PersonName != "张伟" {
		t.Errorf("the public sees %+v: the name and roles, never the key", s)
	}
	if s := visibility.ShownRelationship(over, reg); s.PersonKey == "" {
		t.Error("an authority sees the person key")
	}
	if s := visibility.ShownRelationship(over, decl); s.Account != "" {
		t.Error("the declaring account is the declarant's to see")
	}
}
