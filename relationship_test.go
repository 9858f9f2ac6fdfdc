package credo_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// Real codes from shared/data/uscc/valid-sample.txt.
const (
	codeHefei    = "91340600MA2PBM9HXD"
	codeShanghai = "91310112087994932F"
	codeLanzhou  = "91620100719023721L"
)

func TestRelationshipValidate(t *testing.T) {
	ok := func() *credo.Relationship {
		return &credo.Relationship{Kind: credo.RelationshipGuarantor, From: codeBeijing, To: codeHefei,
			Since: credo.NewDate(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)), Reference: "BJ-GUAR-2024-3"}
	}
	if err := ok().Validate(now); err != nil {
		t.Fatalf("valid relationship refused: %v", err)
	}
	cases := []struct {
		name   string
		change func(r *credo.Relationship)
		field  string
		reason string
	}{
		{"self", func(r *credo.Relationship) { r.To = r.From }, "to", "self"},
		{"invalid code", func(r *credo.Relationship) { r.To = "91340600MA2PBM9HX0" }, "to", "checksum"},
		{"person", func(r *credo.Relationship) { r.From = "11010519491231002X" }, "from", "person"},
		{"unknown kind", func(r *credo.Relationship) { r.Kind = "friend" }, "kind", "enum"},
		{"no kind", func(r *credo.Relationship) { r.Kind = "" }, "kind", "required"},
		{"until before since", func(r *credo.Relationship) { r.Until = credo.NewDate(time.Date(2024, 4, 30, 0, 0, 0, 0, time.UTC)) }, "until", "order"},
		{"no since", func(r *credo.Relationship) { r.Since = credo.Date{} }, "since", "required"},
		{"future since", func(r *credo.Relationship) { r.Since = credo.NewDate(now.AddDate(0, 1, 0)) }, "since", "future"},
		{"share on a guarantee", func(r *credo.Relationship) { r.Share = 20 }, "share", "not_allowed"},
		{"wrong source", func(r *credo.Relationship) { r.Source = credo.SourceDeclaration }, "kind", "source"},
		{"reference on a declaration", func(r *credo.Relationship) { r.Kind = credo.RelationshipSupplier }, "reference", "not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok()
			c.change(r)
			e := credo.AsError(r.Validate(now))
			if e == nil || e.Field != c.field || e.Reason != c.reason {
				t.Fatalf("got %v, want field %s reason %s", e, c.field, c.reason)
			}
		})
	}
}

func TestDeriveRelationships(t *testing.T) {
	pk := func(c byte) string { return "pk_0123456789abcdef0123456789abcde" + string(c) }
	day1 := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	s := &credo.Subject{Code: codeHefei, Name: "合肥某某科技有限公司", Version: 1, Authority: "samr-340600",
		RecordedAt: credo.NewTime(day1), Established: credo.NewDate(time.Date(2019, 6, 3, 0, 0, 0, 0, time.UTC)),
		BranchOf: codeShanghai,
		Officers: []credo.Officer{{Role: credo.RoleLegalRepresentative, Name: "张伟", PersonKey: pk('1')},
			{Role: credo.RoleDirector, Name: "张伟", PersonKey: pk('1')}},
		Shareholders: []credo.Shareholder{{Type: "organization", Code: codeBeijing, Name: "北京某某", Share: 40},
			{Type: "organization", Code: codeBeijing, Name: "北京某某", Share: 15},
			{Type: "person", Name: "李娜", PersonKey: pk('2'), Share: 45}}}
	others := []credo.PersonRole{{PersonKey: pk('1'), Code: codeLanzhou, Name: "张伟", Roles: []string{"manager"}},
		{PersonKey: pk('2'), Code: codeShanghai, Name: "李娜", Roles: []string{"shareholder"}}}
	got := credo.DeriveRelationships(s, nil, others)
	kinds := map[string]*credo.Relationship{}
	for _, r := range got {
		if r.Source != credo.SourceRegistration || r.Authority != "samr-340600" || !r.Since.Equal(s.Established.Time) {
			t.Errorf("%s: source %q authority %q since %s", r.Kind, r.Source, r.Authority, r.Since)
		}
		kinds[r.Kind+":"+r.From+">"+r.To] = r
	}
	if r := kinds["shareholder:"+codeBeijing+">"+codeHefei]; r == nil || r.Share != 55 {
		t.Errorf("shareholder (40+15) = %+v", r)
	}
	if r := kinds["subsidiary:"+codeHefei+">"+codeBeijing]; r == nil || r.Share != 55 {
		t.Errorf("subsidiary of the 55%% holder = %+v", r)
	}
	if kinds["branch:"+codeHefei+">"+codeShanghai] == nil {
		t.Error("no branch")
	}
	// A shared person's tie runs from the lower code.
	so := kinds["shared_officer:"+codeHefei+">"+codeLanzhou]
	if so == nil || so.PersonKey != pk('1') || len(so.Roles.From) != 2 || so.Roles.To[0] != "manager" {
		t.Fatalf("shared officer = %+v", so)
	}
	sh := kinds["shared_officer:"+codeShanghai+">"+codeHefei]
	if sh == nil || sh.Roles.From[0] != "shareholder" || sh.Roles.To[0] != "shareholder" {
		t.Fatalf("shared person shareholder = %+v", sh)
	}
	if len(got) != 5 {
		t.Fatalf("%d relationships, want 5", len(got))
	}

	// Version 2: the Beijing holder sells down to 30%, the branch tie
	// goes, and nothing else changes.
	for i, r := range got {
		r.ID = int64(i + 1)
	}
	day2 := time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC)
	s2 := *s
	s2.Version, s2.RecordedAt, s2.BranchOf = 2, credo.NewTime(day2), ""
	s2.Shareholders = []credo.Shareholder{{Type: "organization", Code: codeBeijing, Name: "北京某某", Share: 30},
		{Type: "person", Name: "李娜", PersonKey: pk('2'), Share: 45}}
	next := credo.DeriveRelationships(&s2, got, others)
	byKind := map[string]*credo.Relationship{}
	for _, r := range next {
		byKind[r.Kind] = r
		if r.Supersedes == 0 {
			t.Errorf("%s: a change must supersede the version it changes", r.Kind)
		}
	}
	if r := byKind["shareholder"]; r == nil || r.Share != 30 || !r.Since.Equal(s.Established.Time) || !r.Until.IsZero() {
		t.Errorf("shareholder after the sale = %+v", r)
	}
	for _, k := range []string{"subsidiary", "branch"} {
		if r := byKind[k]; r == nil || !r.Until.Equal(credo.NewDate(day2).Time) {
			t.Errorf("%s must end on %s: %+v", k, credo.NewDate(day2), r)
		}
	}
	if len(next) != 3 {
		t.Errorf("%d versions, want 3 (shared officers unchanged)", len(next))
	}
}
