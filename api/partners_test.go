package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// Resident identity numbers of three people (GB 11643 check digits).
const (
	personX = "11010519491231002X"
	personY = "110101199003077777"
	personZ = "440308198001010012"
)

func officer(role, name, id string) map[string]any {
	return map[string]any{"role": role, "name": name, "id_number": id}
}

type partnersPage struct {
	Subject  string `json:"subject"`
	Total    int    `json:"total"`
	Partners []struct {
		Code     string            `json:"code"`
		Name     string            `json:"name"`
		Distance int               `json:"distance"`
		Grade    string            `json:"grade"`
		Grades   map[string]string `json:"grades"`
		Path     []struct {
			From, Kind, To string
			Since          string
		} `json:"path"`
		Adverse []struct {
			List string `json:"list"`
		} `json:"adverse"`
	} `json:"partners"`
	Next string `json:"next"`
}

// partnersFixture registers, in 3406 and 3101:
//
//	A (codeHuaibei)  —shareholder 80%→ B (codeHuaibei2), so B —subsidiary→ A
//	B and C (codeShanghai) share person Y (B's director, C's legal representative)
//	D (codeHuawei) is a branch of C
//
// so that from A, B is at distance 1, C at 2 and D at 3.
func partnersFixture(t *testing.T) *env {
	t.Helper()
	e := newProcessEnv(t)
	for _, s := range []map[string]any{
		with(goodSubject(codeHuaibei, "淮北市某某商贸有限公司"), "officers", []map[string]any{officer("legal_representative", "张三", personX)}),
		with(goodSubject(codeHuaibei2, "淮北市某某科技有限公司"), "officers", []map[string]any{officer("director", "李四", personY)},
			"shareholders", []map[string]any{{"type": "organization", "code": codeHuaibei, "name": "淮北市某某商贸有限公司", "share": 80}}),
		with(goodSubject(codeShanghai, "上海某某实业有限公司"), "officers", []map[string]any{officer("legal_representative", "李四", personY)}),
		with(goodSubject(codeHuawei, "深圳某某分公司"), "officers", []map[string]any{officer("manager", "王五", personZ)}, "branch_of", codeShanghai),
	} {
		e.postJSON("/v1/subjects", tokenNational, s).wantStatus(http.StatusCreated)
	}
	return e
}

func (e *env) partners(token, code, query string) partnersPage {
	e.t.Helper()
	var p partnersPage
	e.do("GET", "/v1/subjects/"+code+"/partners"+query, token, "", nil).wantStatus(http.StatusOK).decode(&p)
	return p
}

func TestPartnersFromRegistration(t *testing.T) {
	e := partnersFixture(t)
	p := e.partners("", codeHuaibei, "?depth=3")
	if p.Total != 3 || len(p.Partners) != 3 {
		t.Fatalf("partners of A within 3: %+v", p)
	}
	want := []struct {
		code string
		dist int
		hops []string
	}{
		{codeHuaibei2, 1, []string{"shareholder"}},
		{codeShanghai, 2, []string{"shareholder", "shared_officer"}},
		{codeHuawei, 3, []string{"shareholder", "shared_officer", "branch"}},
	}
	for i, w := range want {
		got := p.Partners[i]
		if got.Code != w.code || got.Distance != w.dist || len(got.Path) != len(w.hops) {
			t.Fatalf("partner %d: %+v, want %s at %d", i, got, w.code, w.dist)
		}
		for j, k := range w.hops {
			if got.Path[j].Kind != k || got.Path[j].Since == "" {
				t.Errorf("%s hop %d: %+v, want %s", w.code, j, got.Path[j], k)
			}
		}
	}
	if h := p.Partners[0].Path[0]; h.From != codeHuaibei || h.To != codeHuaibei2 {
		t.Errorf("the hop keeps the relationship's direction (A is B's shareholder): %+v", h)
	}
	if p.Partners[0].Name != "淮北市某某科技有限公司" {
		t.Errorf("name %q", p.Partners[0].Name)
	}
	if one := e.partners("", codeHuaibei, ""); one.Total != 1 {
		t.Errorf("depth defaults to 1: %+v", one)
	}
	if only := e.partners("", codeHuaibei, "?depth=3&kind=subsidiary"); only.Total != 1 || only.Partners[0].Path[0].Kind != "subsidiary" {
		t.Errorf("only subsidiaries: %+v", only)
	}
	page := e.partners("", codeHuaibei, "?depth=3&limit=2")
	if len(page.Partners) != 2 || page.Next == "" {
		t.Fatalf("first page of 2: %+v", page)
	}
	rest := e.partners("", codeHuaibei, "?depth=3&limit=2&cursor="+page.Next)
	if len(rest.Partners) != 1 || rest.Partners[0].Code != codeHuawei || rest.Next != "" {
		t.Fatalf("second page: %+v", rest)
	}

	// The network: A, B, C, D and the relationships among them.
	var n struct {
		Nodes []struct {
			Code     string `json:"code"`
			Distance int    `json:"distance"`
		} `json:"nodes"`
		Edges []struct {
			Kind       string `json:"kind"`
			PersonKey  string `json:"person_key"`
			PersonName string `json:"person_name"`
			Roles      *struct{ From, To []string }
		} `json:"edges"`
	}
	e.get("/v1/subjects/" + codeHuaibei + "/network?depth=3").wantStatus(http.StatusOK).decode(&n)
	if len(n.Nodes) != 4 || n.Nodes[0].Code != codeHuaibei || n.Nodes[0].Distance != 0 || len(n.Edges) != 4 {
		t.Fatalf("network: %+v", n)
	}
	for _, ed := range n.Edges {
		if ed.Kind == "shared_officer" && (ed.PersonKey != "" || ed.PersonName != "李四" || ed.Roles == nil) {
			t.Errorf("the public sees a shared person by name and roles, never the key: %+v", ed)
		}
	}

	// The registration changes: A sells down to 30%, B is no longer its
	// subsidiary; as of before, it was.
	before := e.clock.Now()
	e.advance(24 * time.Hour)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeHuaibei2, "淮北市某某科技有限公司"),
		"officers", []map[string]any{officer("director", "李四", personY)},
		"shareholders", []map[string]any{{"type": "organization", "code": codeHuaibei, "name": "淮北市某某商贸有限公司", "share": 30}})).
		wantStatus(http.StatusCreated)
	if now := e.partners("", codeHuaibei, "?kind=subsidiary"); now.Total != 0 {
		t.Errorf("after the sale, subsidiaries: %+v", now)
	}
	if then := e.partners("", codeHuaibei, "?kind=subsidiary&as_of="+before.Format(time.RFC3339)); then.Total != 1 {
		t.Errorf("as of before the sale, subsidiaries: %+v", then)
	}
}

func TestPartnersGradesAndAdverseEntries(t *testing.T) {
	e := partnersFixture(t)
	entry := e.list(tokenHuaibei, listing(codeHuaibei2, "淮市监信〔2026〕9号"))
	if got := e.partners("", codeHuaibei, ""); len(got.Partners[0].Adverse) != 0 {
		t.Errorf("an entry not in effect is not shown to the public: %+v", got.Partners[0])
	}
	e.setNow(entry.EffectiveAt.Add(time.Hour))
	got := e.partners("", codeHuaibei, "")
	b := got.Partners[0]
	if len(b.Adverse) != 1 || b.Adverse[0].List != "serious-dishonesty" || b.Grade != "D" {
		t.Fatalf("B once listed: %+v", b)
	}
}

func TestPostRelationship(t *testing.T) {
	e := partnersFixture(t)
	ctx := context.Background()
	jv := map[string]any{"kind": "joint_venture", "from": codeHuaibei, "to": codeHuawei, "since": "2025-09-01", "reference": "淮市监合〔2025〕3号"}
	var stored credo.Relationship
	e.postJSON("/v1/relationships", tokenHuaibei, jv).wantStatus(http.StatusCreated).decode(&stored)
	if stored.ID == 0 || stored.Source != credo.SourceAuthority || stored.Authority != "huaibei-amr" {
		t.Fatalf("stored %+v", stored)
	}
	var again credo.Relationship
	e.postJSON("/v1/relationships", tokenHuaibei, jv).wantStatus(http.StatusOK).decode(&again)
	if again.ID != stored.ID {
		t.Errorf("the same again: id %d, want %d", again.ID, stored.ID)
	}
	if p := e.partners("", codeHuaibei, "?kind=joint_venture"); p.Total != 1 || p.Partners[0].Code != codeHuawei {
		t.Errorf("the joint venture as a partner: %+v", p)
	}
	// Ended by a version that supersedes it.
	e.advance(time.Hour)
	e.postJSON("/v1/relationships", tokenHuaibei, with(jv, "until", "2026-06-30", "supersedes", stored.ID)).wantStatus(http.StatusCreated)
	if p := e.partners("", codeHuaibei, "?kind=joint_venture"); p.Total != 0 {
		t.Errorf("after its end: %+v", p)
	}

	// A declaration: A says C is its supplier. Only A, the authorities
	// over A and administrators see it.
	own := e.account("huaibei-org", codeHuaibei)
	other := e.account("shanghai-org", codeShanghai)
	supplier := map[string]any{"kind": "supplier", "from": codeShanghai, "to": codeHuaibei, "since": "2024-01-01"}
	var decl credo.Relationship
	e.postJSON("/v1/relationships", own, supplier).wantStatus(http.StatusCreated).decode(&decl)
	if decl.Declarant != codeHuaibei || decl.Source != credo.SourceDeclaration {
		t.Fatalf("declaration %+v", decl)
	}
	for _, c := range []struct {
		who   string
		token string
		sees  bool
	}{{"the public", "", false}, {"the declarant", own, true}, {"the supplier itself", other, false},
		{"an authority over A", tokenHuaibei, true}, {"an authority elsewhere", tokenShanghai, false}, {"an administrator", adminToken, true}} {
		p := e.partners(c.token, codeHuaibei, "?kind=supplier")
		if (p.Total == 1) != c.sees {
			t.Errorf("%s sees %d suppliers of A, want seen=%v", c.who, p.Total, c.sees)
		}
	}

	// People: authorities and administrators look up a person's roles.
	var sub credo.Subject
	e.get("/v1/subjects/" + codeShanghai).wantStatus(http.StatusOK).decode(&sub)
	key := sub.Officers[0].PersonKey
	var roles struct {
		Roles []struct {
			Code         string   `json:"code"`
			Roles        []string `json:"roles"`
			Organization string   `json:"organization"`
		} `json:"roles"`
	}
	e.do("GET", "/v1/people/"+key+"/roles", tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&roles)
	if len(roles.Roles) != 2 || roles.Roles[0].Code != codeShanghai || roles.Roles[1].Roles[0] != "director" {
		t.Errorf("roles of Y: %+v", roles)
	}
	e.do("GET", "/v1/people/"+key+"/roles", "", "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/people/"+key+"/roles", own, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	wantField(t, e.do("GET", "/v1/people/"+personY+"/roles", adminToken, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID), "person_key", "format")

	// Bad input: each names the field and stores nothing.
	count := func() int {
		n := 0
		for _, c := range []string{codeHuaibei, codeHuaibei2, codeShanghai, codeHuawei} {
			h, err := e.store.RelationshipHistory(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			n += len(h)
		}
		return n
	}
	before := count()
	for _, c := range []struct {
		name   string
		token  string
		body   map[string]any
		status int
		field  string
		reason string
	}{
		{"to itself", tokenHuaibei, with(jv, "to", codeHuaibei), 422, "to", "self"},
		{"an unknown code", tokenHuaibei, with(jv, "to", codePublicIns), 422, "to", "unknown"},
		{"an invalid code", tokenHuaibei, with(jv, "to", badChecksum), 422, "to", "checksum"},
		{"a personal identity number", tokenHuaibei, with(jv, "from", residentID), 422, "from", "person"},
		{"until before since", tokenHuaibei, with(jv, "reference", "X-1", "until", "2025-08-31"), 422, "until", "order"},
		{"an unknown kind", tokenHuaibei, with(jv, "kind", "friend"), 422, "kind", "enum"},
		{"a declaration about two others", own, with(supplier, "to", codeHuaibei2), 403, "from", "not_declarant"},
		{"another organization's token", other, with(supplier, "from", codeHuaibei2), 403, "from", "not_declarant"},
		{"a declaration by an authority", tokenHuaibei, supplier, 403, "kind", "source"},
		{"a guarantee by an organization", own, with(jv, "kind", "guarantor"), 403, "kind", "source"},
		{"a registration kind", tokenNational, with(jv, "kind", "shareholder", "share", 20.0, "reference", nil), 403, "kind", "source"},
		{"outside the jurisdiction", tokenShanghai, jv, 403, "kind", "category"},
		{"another organization's declaration superseded", other, with(supplier, "from", codeShanghai, "to", codeHuaibei2, "supersedes", decl.ID), 422, "supersedes", "unknown"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code := map[int]credo.ErrorCode{422: credo.EINVALID, 403: credo.EFORBIDDEN}[c.status]
			wantField(t, e.postJSON("/v1/relationships", c.token, c.body).problem(c.status, code), c.field, c.reason)
		})
	}
	e.postJSON("/v1/relationships", "", supplier).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	if after := count(); after != before {
		t.Errorf("refused submissions stored something: %d versions, were %d", after, before)
	}
}

func TestPartnersBadInput(t *testing.T) {
	e := partnersFixture(t)
	for _, c := range []struct {
		query, field, reason string
	}{
		{"?depth=0", "depth", "range"}, {"?depth=4", "depth", "range"}, {"?depth=two", "depth", "format"},
		{"?kind=friend", "kind", "enum"}, {"?as_of=yesterday", "as_of", ""},
	} {
		for _, route := range []string{"/partners", "/network"} {
			p := e.get("/v1/subjects/"+codeHuaibei+route+c.query).problem(http.StatusUnprocessableEntity, credo.EINVALID)
			if p.Field != c.field {
				t.Errorf("%s%s: field %q, want %q", route, c.query, p.Field, c.field)
			}
		}
	}
	e.get("/v1/subjects/"+codePublicIns+"/partners").problem(http.StatusNotFound, credo.ENOTFOUND)
	wantField(t, e.get("/v1/subjects/"+badChecksum+"/partners").problem(http.StatusUnprocessableEntity, credo.EINVALID), "code", "checksum")
}

// TestShareholderCycle: two organizations holding each other's shares
// are each reached once, whatever the depth.
func TestShareholderCycle(t *testing.T) {
	e := newProcessEnv(t)
	a, b := codesSuixi[0], codesSuixi[1]
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(a, "濉溪县甲有限公司"), "officers", []map[string]any{officer("manager", "甲", personX)})).wantStatus(http.StatusCreated)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(b, "濉溪县乙有限公司"), "officers", []map[string]any{officer("manager", "乙", personY)},
		"shareholders", []map[string]any{{"type": "organization", "code": a, "name": "濉溪县甲有限公司", "share": 60}})).wantStatus(http.StatusCreated)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(a, "濉溪县甲有限公司"), "officers", []map[string]any{officer("manager", "甲", personX)},
		"shareholders", []map[string]any{{"type": "organization", "code": b, "name": "濉溪县乙有限公司", "share": 60}})).wantStatus(http.StatusCreated)
	p := e.partners("", a, "?depth=3")
	if p.Total != 1 || p.Partners[0].Code != b {
		t.Fatalf("partners of a in a cycle: %+v", p)
	}
}
