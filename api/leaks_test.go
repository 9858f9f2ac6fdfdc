package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/lists"
)

// Issue 9's findings about what a viewer sees or is told, each a test
// that failed before the visibility policy and passes with it.

// recordIDs returns the ids of the records role sees of code.
func (f *authzFixture) recordIDs(role, code string) []int64 {
	f.e.t.Helper()
	var page struct {
		Records []struct {
			ID int64 `json:"id"`
		} `json:"records"`
	}
	f.do(role, "GET", "/v1/subjects/"+code+"/records", nil).wantStatus(http.StatusOK).decode(&page)
	var ids []int64
	for _, r := range page.Records {
		ids = append(ids, r.ID)
	}
	return ids
}

// High 3: a record carrying a non-public grade (a tax grade decision) is
// served to no one but the organization, administrators and authorities
// over it in its field; by id (the matrix) and in the organization's
// records.
func TestTaxGradeRecordNotPublished(t *testing.T) {
	f := newAuthzFixture(t)
	for _, role := range matrixRoles {
		ids := f.recordIDs(role, codeHuaibei)
		sees := slices.Contains(ids, f.taxRec)
		want := role == "own-org" || role == "authority-tax" || role == "admin"
		if sees != want {
			t.Errorf("%s sees the tax grade record: %v, want %v (ids %v)", role, sees, want, ids)
		}
		if !slices.Contains(ids, f.record) {
			t.Errorf("%s does not see the published penalty (ids %v)", role, ids)
		}
	}
}

// Medium 10: for reads, an authority needs the region and the field: a
// tax authority of the region does not read a market record past its
// publicity window (nor, in the matrix, a market objection's attachment).
func TestReadsNeedRegionAndField(t *testing.T) {
	f := newAuthzFixture(t)
	old := idOf(f.e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "AUTHZ-OLD"), "occurred_at", "2024-01-10", "severity", "minor",
		"decision_number", "淮市监罚〔2024〕3号")))
	path := "/v1/records/" + strconv.FormatInt(old, 10)
	f.do("public", "GET", path, nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	f.do("authority-tax", "GET", path, nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	f.do("authority-out", "GET", path, nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	f.do("authority-in", "GET", path, nil).wantStatus(http.StatusOK)
	f.do("own-org", "GET", path, nil).wantStatus(http.StatusOK)
	if slices.Contains(f.recordIDs("authority-tax", codeHuaibei), old) {
		t.Error("the tax authority lists the market record past its window")
	}
}

// High 1: a future as_of shows the public no entry before it takes
// effect: by id, on the list, among the organization's lists, in the
// measures and in the assessment. The organization sees its future.
func TestFutureAsOfShowsNoEntryBeforeItTakesEffect(t *testing.T) {
	f := newAuthzFixture(t)
	var en entryView
	f.do("own-org", "GET", fmt.Sprintf("/v1/list-entries/%d", f.entry), nil).wantStatus(http.StatusOK).decode(&en)
	future := url.QueryEscape(en.EffectiveAt.Add(time.Hour).Format(time.RFC3339))
	for _, role := range []string{"public", "client", "other-org", "authority-out"} {
		f.do(role, "GET", fmt.Sprintf("/v1/list-entries/%d?as_of=%s", f.entry, future), nil).problem(http.StatusNotFound, credo.ENOTFOUND)
		var page listsPage
		f.do(role, "GET", "/v1/lists/serious-dishonesty?as_of="+future, nil).wantStatus(http.StatusOK).decode(&page)
		if slices.ContainsFunc(page.Entries, func(e entryView) bool { return e.ID == f.entry }) {
			t.Errorf("%s: the list at a future as_of shows %+v", role, page.Entries)
		}
		var sl struct {
			Entries []entryView `json:"entries"`
		}
		f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/lists?as_of="+future, nil).wantStatus(http.StatusOK).decode(&sl)
		if slices.ContainsFunc(sl.Entries, func(e entryView) bool { return e.ID == f.entry }) {
			t.Errorf("%s: the organization's lists at a future as_of show %+v", role, sl.Entries)
		}
		var v lists.Verdict
		f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=public_procurement&as_of="+future, nil).wantStatus(http.StatusOK).decode(&v)
		if v.Decision != lists.Allowed || len(v.Reasons) != 0 || !v.Partial {
			t.Errorf("%s: measures at a future as_of: %+v", role, v)
		}
		var res api.MeasuresResults
		f.do(role, "POST", "/v1/measures/check", map[string]any{"codes": []string{codeHuaibei}, "action": "public_procurement", "as_of": en.EffectiveAt.Add(time.Hour)}).
			wantStatus(http.StatusOK).decode(&res)
		if len(res.Results) != 1 || res.Results[0].Decision != lists.Allowed {
			t.Errorf("%s: batch check at a future as_of: %+v", role, res)
		}
		a := f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/assessment?as_of="+future, nil).wantStatus(http.StatusOK)
		if strings.Contains(string(a.body), "淮市监信〔2026〕7号") || strings.Contains(string(a.body), `"grade":"D"`) {
			t.Errorf("%s: the assessment at a future as_of names the entry: %s", role, truncate(a.body))
		}
	}
	// Those who see the organization see what will hold.
	for _, role := range []string{"own-org", "authority-in", "admin"} {
		var v lists.Verdict
		f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=public_procurement&as_of="+future, nil).wantStatus(http.StatusOK).decode(&v)
		if v.Decision != lists.Prohibited {
			t.Errorf("%s: measures at a future as_of: %+v", role, v)
		}
	}
	// Once in effect, the public sees it.
	f.e.setNow(en.EffectiveAt.Add(time.Minute))
	f.do("public", "GET", fmt.Sprintf("/v1/list-entries/%d", f.entry), nil).wantStatus(http.StatusOK)
}

// High 2: measures name to a viewer only what it may see: the public's
// verdict neither names the tax grade nor is restricted by it; the
// organization's is.
func TestMeasuresDoNotRevealTheTaxGrade(t *testing.T) {
	f := newAuthzFixture(t)
	f.e.record(tokenHuaibeiTax, map[string]any{"subject": codeHuaibei, "category": "tax", "kind": "false_vat_invoice",
		"external_id": "AUTHZ-TAX-2", "decision_number": "淮税稽罚〔2026〕5号", "legal_basis": "《中华人民共和国发票管理办法》第二十一条",
		// About last year: it makes the tax grade in force (the 2025 evaluation) D.
		"occurred_at": "2025-05-20"})
	var own lists.Verdict
	f.do("own-org", "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=subsidies", nil).wantStatus(http.StatusOK).decode(&own)
	if own.Decision != lists.Restricted || own.Partial || !slices.ContainsFunc(own.Reasons, func(r lists.Reason) bool { return r.Dimension == "tax" }) {
		t.Fatalf("the organization's verdict: %+v", own)
	}
	for _, role := range []string{"public", "client", "other-org", "authority-in", "authority-out"} {
		res := f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=subsidies", nil).wantStatus(http.StatusOK)
		var v lists.Verdict
		res.decode(&v)
		if v.Decision != lists.Allowed || !v.Partial || strings.Contains(string(res.body), "tax") {
			t.Errorf("%s: measures reveal the tax grade: %s", role, res.body)
		}
		all := f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/measures", nil).wantStatus(http.StatusOK)
		if strings.Contains(string(all.body), "tax") {
			t.Errorf("%s: every measure reveals the tax grade: %s", role, all.body)
		}
		batch := f.do(role, "POST", "/v1/measures/check", map[string]any{"codes": []string{codeHuaibei}, "action": "subsidies"}).wantStatus(http.StatusOK)
		if strings.Contains(string(batch.body), "tax") || !strings.Contains(string(batch.body), `"decision":"allowed"`) {
			t.Errorf("%s: the batch check reveals the tax grade: %s", role, batch.body)
		}
	}
	// The tax authority over the organization sees it.
	var tax lists.Verdict
	f.do("authority-tax", "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=subsidies", nil).wantStatus(http.StatusOK).decode(&tax)
	if tax.Decision != lists.Restricted {
		t.Errorf("the tax authority's verdict: %+v", tax)
	}
}

// Assessments show a viewer the grades it may see; the comprehensive score
// and reasons, derived from the hidden tax grade, are withheld.
func TestAssessmentHidesTaxGrade(t *testing.T) {
	f := newAuthzFixture(t)
	for _, role := range matrixRoles {
		var a credo.Assessment
		f.do(role, "GET", "/v1/subjects/"+codeHuaibei+"/assessment", nil).wantStatus(http.StatusOK).decode(&a)
		sees := a.Dimensions["tax"] != nil
		want := role == "own-org" || role == "authority-tax" || role == "admin"
		if sees != want || a.ScoreWithheld == want || (a.Score != 0) != want {
			t.Errorf("%s: tax dimension %v (want %v), score %v withheld %v", role, sees, want, a.Score, a.ScoreWithheld)
		}
		if a.Grade == "" {
			t.Errorf("%s: the published comprehensive grade is not shown", role)
		}
	}
}

// Low: what-if lets no one infer a hidden grade: the comprehensive grade
// and score are withheld, and a hypothetical tax record changes nothing
// the public sees.
func TestWhatIfRevealsNoHiddenGrade(t *testing.T) {
	f := newAuthzFixture(t)
	add := map[string]any{"add": []any{map[string]any{"category": "tax", "kind": "false_vat_invoice", "external_id": "W-1",
		"decision_number": "x", "legal_basis": "y", "occurred_at": "2026-06-20"}}}
	var w api.WhatIfAnswer
	f.do("public", "POST", "/v1/subjects/"+codeHuaibei+"/what-if", add).wantStatus(http.StatusOK).decode(&w)
	if w.Actual.Grade != "" || w.Hypothetical.Grade != "" || w.Actual.Score != 0 || !w.Hypothetical.ScoreWithheld ||
		w.Actual.Dimensions["tax"] != nil || len(w.Changes) != 0 {
		t.Errorf("public what-if: %+v %+v %+v", w.Actual, w.Hypothetical, w.Changes)
	}
	f.do("own-org", "POST", "/v1/subjects/"+codeHuaibei+"/what-if", add).wantStatus(http.StatusOK).decode(&w)
	if w.Hypothetical.Dimensions["tax"] == nil || len(w.Changes) == 0 {
		t.Errorf("the organization's what-if: %+v", w.Changes)
	}
	// A record the public does not see cannot be left out by it.
	p := f.do("public", "POST", "/v1/subjects/"+codeHuaibei+"/what-if", map[string]any{"leave_out": []int64{f.taxRec}}).problem(422, credo.EINVALID)
	wantField(t, p, "leave_out[0]", "unknown")
}

// Medium 6: an organization is told nothing of a record or entry it may
// not see: the same answer as for one that does not exist.
func TestErrorsDoNotTellWhoseItIs(t *testing.T) {
	f := newAuthzFixture(t)
	missing := f.do("other-org", "POST", "/v1/objections", caseBody("objections", "record", 999999)).problem(http.StatusNotFound, credo.ENOTFOUND)
	for _, target := range []struct {
		kind string
		id   int64
	}{{"record", f.taxRec}, {"list_entry", f.entry}} {
		p := f.do("other-org", "POST", "/v1/objections", caseBody("objections", target.kind, target.id)).problem(http.StatusNotFound, credo.ENOTFOUND)
		if p.Field != missing.Field || p.Reason != missing.Reason || strings.Contains(p.Detail, codeHuaibei) {
			t.Errorf("%s %d: %+v, like a missing one: %+v", target.kind, target.id, p, missing)
		}
		for _, role := range []string{"other-org", "public"} {
			if p := f.do(role, "GET", fmt.Sprintf("/v1/objections/%d", f.caseID), nil); strings.Contains(string(p.body), codeHuaibei) {
				t.Errorf("%s is told whose case %d is: %s", role, f.caseID, p.body)
			}
		}
	}
	// A published record: the organization may know it is another's.
	p := f.do("other-org", "POST", "/v1/objections", caseBody("objections", "record", f.record)).problem(http.StatusForbidden, credo.EFORBIDDEN)
	if strings.Contains(p.Detail, codeHuaibei) {
		t.Errorf("detail names the organization: %q", p.Detail)
	}
}

// Low: an overturned listing is answered as the registry knows it now,
// for a past as_of too, with what it knew then.
func TestOverturnedListingAsKnownNow(t *testing.T) {
	f := newAuthzFixture(t)
	var en entryView
	f.do("own-org", "GET", fmt.Sprintf("/v1/list-entries/%d", f.entry), nil).wantStatus(http.StatusOK).decode(&en)
	active := en.EffectiveAt.Add(time.Hour)
	f.e.setNow(active.Add(time.Hour))
	var c caseView
	f.do("own-org", "POST", "/v1/objections", caseBody("objections", "list_entry", f.entry)).wantStatus(http.StatusCreated).decode(&c)
	f.e.decide("objections", tokenHuaibei, c.ID, map[string]any{"outcome": "retracted", "reasons": "事实不清"})
	then := url.QueryEscape(active.Format(time.RFC3339))
	f.do("public", "GET", fmt.Sprintf("/v1/list-entries/%d?as_of=%s", f.entry, then), nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	var page listsPage
	f.do("public", "GET", "/v1/lists/serious-dishonesty?as_of="+then, nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 0 {
		t.Errorf("public list as of then: %+v", page.Entries)
	}
	var v struct {
		State     credo.ListState  `json:"state"`
		KnownThen *credo.ListState `json:"known_then"`
	}
	f.do("own-org", "GET", fmt.Sprintf("/v1/list-entries/%d?as_of=%s", f.entry, then), nil).wantStatus(http.StatusOK).decode(&v)
	if v.State.Status != credo.ListEnded || v.State.Reason != credo.EndOverturned || v.KnownThen == nil || v.KnownThen.Status != credo.ListActive {
		t.Errorf("as of then, as known now: %+v known then %+v", v.State, v.KnownThen)
	}
	// Nor do the public's measures or grade as of then follow it.
	var verdict lists.Verdict
	f.do("public", "GET", "/v1/subjects/"+codeHuaibei+"/measures?action=public_procurement&as_of="+then, nil).wantStatus(http.StatusOK).decode(&verdict)
	if verdict.Decision != lists.Allowed {
		t.Errorf("public measures as of then: %+v", verdict)
	}
	if a := f.do("public", "GET", "/v1/subjects/"+codeHuaibei+"/assessment?as_of="+then, nil).wantStatus(http.StatusOK); strings.Contains(string(a.body), "淮市监信〔2026〕7号") {
		t.Errorf("public assessment as of then names the overturned entry: %s", truncate(a.body))
	}
}

// Low: an as_of out of range is refused, naming as_of, not taken as now.
func TestAsOfOutOfRange(t *testing.T) {
	f := newAuthzFixture(t)
	for _, path := range []string{
		"/v1/subjects/" + codeHuaibei + "/assessment", "/v1/subjects/" + codeHuaibei + "/lists",
		"/v1/subjects/" + codeHuaibei + "/measures", "/v1/lists", "/v1/lists/red",
		fmt.Sprintf("/v1/list-entries/%d", f.entry),
	} {
		for _, asOf := range []string{"0001-01-01", "1979-12-31", "2200-01-01", "9999-12-31T23:59:59Z"} {
			p := f.do("admin", "GET", path+"?as_of="+asOf, nil).problem(422, credo.EINVALID)
			wantField(t, p, "as_of", "range")
		}
	}
	p := f.do("public", "POST", "/v1/subjects/"+codeHuaibei+"/what-if", map[string]any{"as_of": "0001-01-01"}).problem(422, credo.EINVALID)
	wantField(t, p, "as_of", "range")
}

// The policy fails closed: without rulebooks nothing that needs them is
// shown to the public, and a token of a role it does not know is refused.
func TestVisibilityFailsClosed(t *testing.T) {
	e := newEnv(t, nil) // due process without grading: no publicity rules
	id := idOf(e.record(tokenHuaibei, goodRecord(codeHuaibei, "FC-1")))
	path := "/v1/records/" + strconv.FormatInt(id, 10)
	e.get(path).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", path, tokenHuaibei, "", nil).wantStatus(http.StatusOK)

	unknown := &credo.Account{ID: "root-1", Role: "root"}
	if err := e.store.CreateAccount(context.Background(), unknown, credo.HashToken("credo_test_root")); err != nil {
		t.Skipf("the store refuses an account of an unknown role: %v", err)
	}
	for _, p := range []string{path, "/v1/subjects/" + codeHuaibei, "/v1/stats"} {
		e.do("GET", p, "credo_test_root", "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	}
}

// Low (decided): a record about a valid code with no registration data is
// accepted and shown as any other; the code is no registered organization
// until its registration data arrives.
func TestRecordForUnregisteredCode(t *testing.T) {
	e := newProcessEnv(t)
	rec := e.record(tokenNational, goodRecord(codeHuawei, "UNREG-1"))
	e.get("/v1/subjects/"+codeHuawei).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/records/" + strconv.FormatInt(idOf(rec), 10)).wantStatus(http.StatusOK)
}

// A page of records never names, in its next cursor, a record the viewer
// may not see, and holds limit records while there are more to show.
func TestRecordCursorsNameOnlyWhatIsShown(t *testing.T) {
	f := newAuthzFixture(t)
	newer := idOf(f.e.record(tokenHuaibeiTax, map[string]any{
		"subject": codeHuaibei, "category": "tax", "kind": "tax_grade", "external_id": "AUTHZ-TAX-3",
		"description": "B: 2026年度纳税信用评价结果为B级", "occurred_at": "2026-06-20",
	}))
	hidden := []int64{f.taxRec, newer}
	var shown []int64
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		var page struct {
			Records []struct {
				ID int64 `json:"id"`
			} `json:"records"`
			Next string `json:"next"`
		}
		f.do("public", "GET", "/v1/subjects/"+codeHuaibei+"/records?limit=1&cursor="+cursor, nil).wantStatus(http.StatusOK).decode(&page)
		for _, r := range page.Records {
			shown = append(shown, r.ID)
		}
		if page.Next == "" {
			break
		}
		if len(page.Records) != 1 {
			t.Errorf("a page of %d records with more to come", len(page.Records))
		}
		pos, err := base64.RawURLEncoding.DecodeString(page.Next)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range hidden {
			if strings.HasSuffix(string(pos), ","+strconv.FormatInt(id, 10)) {
				t.Errorf("cursor %q names hidden record %d", pos, id)
			}
		}
		cursor = page.Next
	}
	if !slices.Equal(shown, []int64{f.record}) {
		t.Errorf("shown %v, want [%d]", shown, f.record)
	}
}
