package api_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
)

type caseView struct {
	ID          int64              `json:"id"`
	Kind        string             `json:"kind"`
	Subject     string             `json:"subject"`
	Target      credo.Target       `json:"target"`
	Authority   string             `json:"authority"`
	Reasons     string             `json:"reasons"`
	Attachments []credo.Attachment `json:"attachments"`
	Commitment  bool               `json:"commitment"`
	FiledBy     string             `json:"filed_by"`
	FiledAt     time.Time          `json:"filed_at"`
	DecideBy    time.Time          `json:"decide_by"`
	Decision    *struct {
		Outcome string    `json:"outcome"`
		Reasons string    `json:"reasons"`
		Actor   string    `json:"actor"`
		Record  int64     `json:"record"`
		At      time.Time `json:"at"`
	} `json:"decision"`
	Status  string `json:"status"`
	Overdue bool   `json:"overdue"`
}

var evidence = []map[string]any{{"name": "缴款凭证.pdf", "media_type": "application/pdf", "data": base64.StdEncoding.EncodeToString([]byte("%PDF-1.7 paid"))}}

// caseBody is an application about target; repairs carry the commitment
// and evidence.
func caseBody(kind, targetKind string, id int64) map[string]any {
	b := map[string]any{"target": map[string]any{"kind": targetKind, "id": id}, "reasons": "处罚所依据的事实有误"}
	if kind == "repairs" {
		b["reasons"] = "已履行行政处罚决定并完成整改"
		b["commitment"] = true
		b["attachments"] = evidence
	}
	return b
}

// file files an objection or repair ("objections", "repairs").
func (e *env) file(kind, token, targetKind string, id int64) caseView {
	e.t.Helper()
	var c caseView
	e.postJSON("/v1/"+kind, token, caseBody(kind, targetKind, id)).wantStatus(http.StatusCreated).decode(&c)
	return c
}

func (e *env) decide(kind, token string, id int64, body map[string]any) caseView {
	e.t.Helper()
	var c caseView
	e.postJSON(fmt.Sprintf("/v1/%s/%d/decision", kind, id), token, body).wantStatus(http.StatusOK).decode(&c)
	return c
}

// record posts a record and returns its view.
func (e *env) record(token string, body map[string]any) map[string]any {
	e.t.Helper()
	return e.postJSON("/v1/records", token, body).wantStatus(http.StatusCreated).object()
}

func idOf(m map[string]any) int64 { return int64(m["id"].(float64)) }

// contributes reports whether record id contributes to any dimension of
// the assessment token sees.
func (e *env) contributes(token, code string, id int64) bool {
	e.t.Helper()
	a := e.do("GET", "/v1/subjects/"+code+"/assessment", token, "", nil).wantStatus(http.StatusOK).object()
	for _, d := range a["dimensions"].(map[string]any) {
		cs, _ := d.(map[string]any)["contributions"].([]any)
		for _, c := range cs {
			if r, _ := c.(map[string]any)["record"].(float64); int64(r) == id {
				return true
			}
		}
	}
	return false
}

func TestObjections(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	other := e.account("huaibei-org-2", codeHuaibei2)
	rec := e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01"))
	id := idOf(rec)
	otherRec := idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei2, "HB-2"), "occurred_at", "2026-06-01")))

	// Bad applications change nothing.
	for _, c := range []struct {
		name   string
		token  string
		body   any
		status int
		code   credo.ErrorCode
		field  string
	}{
		{"someone else's record", org, caseBody("objections", "record", otherRec), 403, credo.EFORBIDDEN, "target"},
		{"authority's token", tokenHuaibei, caseBody("objections", "record", id), 403, credo.EFORBIDDEN, ""},
		{"administrator's token", adminToken, caseBody("objections", "record", id), 403, credo.EFORBIDDEN, ""},
		{"no token", "", caseBody("objections", "record", id), 401, credo.EUNAUTHORIZED, ""},
		{"unknown record", org, caseBody("objections", "record", 999999), 404, credo.ENOTFOUND, "target.id"},
		{"no target id", org, caseBody("objections", "record", 0), 422, credo.EINVALID, "target.id"},
		{"bad target kind", org, caseBody("objections", "subject", id), 422, credo.EINVALID, "target.kind"},
		{"no reasons", org, with(caseBody("objections", "record", id), "reasons", " "), 422, credo.EINVALID, "reasons"},
		{"attachment with a checksum but no data", org, with(caseBody("objections", "record", id), "attachments", []map[string]any{{"name": "a.pdf", "media_type": "application/pdf", "sha256": "00"}}), 422, credo.EINVALID, "attachments[0].data"},
		{"attachment with no name", org, with(caseBody("objections", "record", id), "attachments", []map[string]any{{"media_type": "application/pdf", "data": "AAAA"}}), 422, credo.EINVALID, "attachments[0].name"},
		{"list_entry is no field", org, with(caseBody("objections", "record", id), "list_entry", 5), 422, credo.EINVALID, "list_entry"},
		{"no target", org, with(caseBody("objections", "record", id), "target", nil), 422, credo.EINVALID, "target"},
		{"attachment hash mismatch", org, with(caseBody("objections", "record", id), "attachments", []map[string]any{{"name": "a.pdf", "media_type": "application/pdf", "data": "AAAA", "sha256": "00"}}), 422, credo.EINVALID, "attachments[0].sha256"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON("/v1/objections", c.token, c.body).problem(c.status, c.code)
			if p.Field != c.field {
				t.Errorf("field %q, want %q (%s)", p.Field, c.field, p.Detail)
			}
		})
	}
	var page struct {
		Cases []caseView `json:"cases"`
	}
	e.do("GET", "/v1/objections", adminToken, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 0 {
		t.Fatalf("refused objections were stored: %+v", page.Cases)
	}

	// Filed, with a deadline of 10 working days by China's calendar.
	res := e.postJSON("/v1/objections", org, with(caseBody("objections", "record", id), "attachments", evidence)).wantStatus(http.StatusCreated)
	var c caseView
	res.decode(&c)
	if res.header.Get("Location") != fmt.Sprintf("/v1/objections/%d", c.ID) {
		t.Errorf("Location %q", res.header.Get("Location"))
	}
	wantBy := calendar.Default().Deadline(testNow, 10)
	// 1 July 2026 is a Wednesday: day 10 is Wednesday 15 July, and the
	// deadline the start of 16 July in Asia/Shanghai.
	if !c.DecideBy.Equal(wantBy) || !wantBy.Equal(time.Date(2026, 7, 15, 16, 0, 0, 0, time.UTC)) {
		t.Errorf("decide_by %v, want %v", c.DecideBy, wantBy)
	}
	if c.Status != "open" || c.Overdue || c.Authority != "huaibei-amr" || c.Subject != codeHuaibei || c.FiledBy != "account:huaibei-org" ||
		!c.FiledAt.Equal(testNow) || len(c.Attachments) != 1 || c.Attachments[0].Data != nil || c.Attachments[0].SHA256 == "" {
		t.Errorf("filed %+v", c)
	}
	// Its attachment, to those who see the case.
	att := e.do("GET", fmt.Sprintf("/v1/objections/%d/attachments/0", c.ID), tokenHuaibei, "", nil).wantStatus(http.StatusOK)
	if string(att.body) != "%PDF-1.7 paid" || att.header.Get("Content-Type") != "application/pdf" {
		t.Errorf("attachment %q %q", att.body, att.header.Get("Content-Type"))
	}
	e.do("GET", fmt.Sprintf("/v1/objections/%d/attachments/1", c.ID), org, "", nil).problem(404, credo.ENOTFOUND)
	// Another organization is not told the case exists (issue 9, Medium 6).
	e.do("GET", fmt.Sprintf("/v1/objections/%d", c.ID), other, "", nil).problem(404, credo.ENOTFOUND)
	e.do("GET", fmt.Sprintf("/v1/objections/%d", c.ID), "", "", nil).problem(401, credo.EUNAUTHORIZED)
	e.do("GET", fmt.Sprintf("/v1/repairs/%d", c.ID), org, "", nil).problem(404, credo.ENOTFOUND)
	// Twice while open: a conflict.
	p := e.postJSON("/v1/objections", org, caseBody("objections", "record", id)).problem(http.StatusConflict, credo.ECONFLICT)
	wantField(t, p, "target", "open")

	// Under objection, for everyone (the public too).
	for _, token := range []string{"", org, tokenHuaibei} {
		var rv struct {
			UnderObjection bool  `json:"under_objection"`
			Objection      int64 `json:"objection"`
		}
		e.do("GET", fmt.Sprintf("/v1/records/%d", id), token, "", nil).wantStatus(200).decode(&rv)
		if !rv.UnderObjection || rv.Objection != c.ID {
			t.Errorf("token %q: record %+v", token, rv)
		}
		var pg struct {
			Records []struct {
				ID             int64 `json:"id"`
				UnderObjection bool  `json:"under_objection"`
			} `json:"records"`
		}
		e.do("GET", "/v1/subjects/"+codeHuaibei+"/records", token, "", nil).wantStatus(200).decode(&pg)
		if len(pg.Records) != 1 || !pg.Records[0].UnderObjection {
			t.Errorf("token %q: records %+v", token, pg.Records)
		}
	}
	// The other organization's record is not under objection.
	var rv map[string]any
	e.do("GET", fmt.Sprintf("/v1/records/%d", otherRec), "", "", nil).wantStatus(200).decode(&rv)
	if rv["under_objection"] != nil {
		t.Errorf("other record %v", rv)
	}

	// Lists of cases: the organization's own, the authority's to decide.
	e.do("GET", "/v1/objections", org, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 1 || page.Cases[0].ID != c.ID {
		t.Errorf("the organization's objections %+v", page.Cases)
	}
	e.do("GET", "/v1/objections", other, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 0 {
		t.Errorf("the other organization sees %+v", page.Cases)
	}
	e.do("GET", "/v1/objections?status=open", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 1 {
		t.Errorf("the authority's open objections %+v", page.Cases)
	}
	e.do("GET", "/v1/objections?status=decided", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 0 {
		t.Errorf("the authority's decided objections %+v", page.Cases)
	}
	e.do("GET", "/v1/objections", tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Cases) != 0 {
		t.Errorf("another authority sees %+v", page.Cases)
	}
	e.do("GET", "/v1/objections?status=maybe", org, "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/objections?overdue=yes", org, "", nil).problem(422, credo.EINVALID)
	e.get("/v1/objections").problem(401, credo.EUNAUTHORIZED)

	// Deciding: only the responsible authority (or an administrator), once.
	path := fmt.Sprintf("/v1/objections/%d/decision", c.ID)
	upheld := map[string]any{"outcome": "upheld", "reasons": "事实清楚，证据确凿"}
	// Another authority is not told the case exists; the organization
	// sees its case but does not decide it.
	e.postJSON(path, tokenNational, upheld).problem(404, credo.ENOTFOUND)
	e.postJSON(path, org, upheld).problem(403, credo.EFORBIDDEN)
	e.postJSON(path, "", upheld).problem(401, credo.EUNAUTHORIZED)
	p = e.postJSON(path, tokenHuaibei, with(upheld, "outcome", "approved")).problem(422, credo.EINVALID)
	wantField(t, p, "outcome", "enum")
	p = e.postJSON(path, tokenHuaibei, with(upheld, "outcome", nil)).problem(422, credo.EINVALID)
	wantField(t, p, "outcome", "required")
	p = e.postJSON(path, tokenHuaibei, with(upheld, "reasons", nil)).problem(422, credo.EINVALID)
	wantField(t, p, "reasons", "required")
	p = e.postJSON(path, tokenHuaibei, with(upheld, "correction", goodRecord(codeHuaibei, "X"))).problem(422, credo.EINVALID)
	wantField(t, p, "correction", "unexpected")
	e.postJSON("/v1/objections/999999/decision", tokenHuaibei, upheld).problem(404, credo.ENOTFOUND)
	e.postJSON(fmt.Sprintf("/v1/repairs/%d/decision", c.ID), tokenHuaibei, upheld).problem(404, credo.ENOTFOUND)
	if got := e.decideGet(org, c.ID); got.Status != "open" {
		t.Fatalf("refused decisions decided: %+v", got)
	}

	d := e.decide("objections", tokenHuaibei, c.ID, upheld)
	if d.Status != "decided" || d.Decision == nil || d.Decision.Outcome != "upheld" || d.Decision.Actor != "authority:huaibei-amr" || !d.Decision.At.Equal(testNow) {
		t.Errorf("decided %+v", d)
	}
	p = e.postJSON(path, tokenHuaibei, upheld).problem(http.StatusConflict, credo.ECONFLICT)
	wantField(t, p, "case", "decided")
	e.postJSON(path, adminToken, with(upheld, "outcome", "retracted")).problem(http.StatusConflict, credo.ECONFLICT)
	// No longer under objection; the record stands.
	e.get(fmt.Sprintf("/v1/records/%d", id)).wantStatus(200).decode(&rv)
	if rv["under_objection"] != nil || rv["superseded_by"] != nil {
		t.Errorf("after upheld: %v", rv)
	}
	if !e.contributes(org, codeHuaibei, id) {
		t.Errorf("the upheld record no longer counts")
	}
}

// decideGet reads an objection.
func (e *env) decideGet(token string, id int64) caseView {
	e.t.Helper()
	var c caseView
	e.do("GET", fmt.Sprintf("/v1/objections/%d", id), token, "", nil).wantStatus(http.StatusOK).decode(&c)
	return c
}

func TestObjectionOutcomes(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	general := idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01")))
	other := idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-2"), "occurred_at", "2026-06-02", "decision_number", "淮市监罚〔2026〕13号")))
	if !e.contributes(org, codeHuaibei, general) || !e.contributes(org, codeHuaibei, other) {
		t.Fatal("the records do not count")
	}

	// Corrected: a superseding record; the grade follows it.
	c := e.file("objections", org, "record", general)
	correction := map[string]any{"category": "market", "kind": "penalty", "severity": "minor", "decision_number": "淮市监罚〔2026〕12号（更正）",
		"legal_basis": "《中华人民共和国产品质量法》第五十条", "penalty_types": []string{"warning"}, "occurred_at": "2026-06-01"}
	p := e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c.ID), tokenHuaibei, map[string]any{"outcome": "corrected", "reasons": "罚款数额有误"}).problem(422, credo.EINVALID)
	wantField(t, p, "correction", "required")
	p = e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c.ID), tokenHuaibei, map[string]any{"outcome": "corrected", "reasons": "罚款数额有误",
		"correction": with(correction, "subject", codeHuaibei2)}).problem(422, credo.EINVALID)
	if p.Field != "correction.subject" {
		t.Errorf("correction about another organization: field %q", p.Field)
	}
	p = e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c.ID), tokenHuaibei, map[string]any{"outcome": "corrected", "reasons": "罚款数额有误",
		"correction": with(correction, "occurred_at", nil)}).problem(422, credo.EINVALID)
	if p.Field != "correction.occurred_at" {
		t.Errorf("invalid correction: field %q", p.Field)
	}
	if got := e.decideGet(org, c.ID); got.Status != "open" {
		t.Fatalf("refused corrections decided the case: %+v", got)
	}
	d := e.decide("objections", tokenHuaibei, c.ID, map[string]any{"outcome": "corrected", "reasons": "罚款数额有误", "correction": correction})
	if d.Decision == nil || d.Decision.Outcome != "corrected" || d.Decision.Record == 0 {
		t.Fatalf("corrected %+v", d)
	}
	newID := d.Decision.Record
	var old map[string]any
	e.do("GET", fmt.Sprintf("/v1/records/%d", general), org, "", nil).wantStatus(200).decode(&old)
	if int64(old["superseded_by"].(float64)) != newID {
		t.Errorf("old record superseded_by %v, want %d", old["superseded_by"], newID)
	}
	var nr map[string]any
	e.do("GET", fmt.Sprintf("/v1/records/%d", newID), org, "", nil).wantStatus(200).decode(&nr)
	if nr["severity"] != "minor" || int64(nr["supersedes"].(float64)) != general || nr["authority"] != "huaibei-amr" {
		t.Errorf("correcting record %v", nr)
	}
	if e.contributes(org, codeHuaibei, general) || !e.contributes(org, codeHuaibei, newID) {
		t.Errorf("the grade did not follow the correction")
	}
	// The public no longer sees the superseded record.
	e.get(fmt.Sprintf("/v1/records/%d", general)).problem(404, credo.ENOTFOUND)

	// Retracted: the record stops counting at once.
	before := e.do("GET", "/v1/subjects/"+codeHuaibei+"/assessment", org, "", nil).wantStatus(200).object()
	c2 := e.file("objections", org, "record", other)
	d2 := e.decide("objections", tokenHuaibei, c2.ID, map[string]any{"outcome": "retracted", "reasons": "处罚决定已被撤销"})
	if d2.Decision.Record == 0 {
		t.Errorf("retraction without a record: %+v", d2)
	}
	if e.contributes(org, codeHuaibei, other) {
		t.Errorf("the retracted record still counts")
	}
	after := e.do("GET", "/v1/subjects/"+codeHuaibei+"/assessment", org, "", nil).wantStatus(200).object()
	if after["score"].(float64) <= before["score"].(float64) {
		t.Errorf("score %v after retraction, %v before", after["score"], before["score"])
	}
	e.get(fmt.Sprintf("/v1/records/%d", other)).problem(404, credo.ENOTFOUND)
	// An objection to a superseded record is refused.
	p = e.postJSON("/v1/objections", org, caseBody("objections", "record", general)).problem(422, credo.EINVALID)
	wantField(t, p, "target", "superseded")

	// An objection to a list entry, retracted: the entry ends overturned.
	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	e.setNow(en.EffectiveAt)
	if g := e.grade("", codeHuaibei); g != "D" {
		t.Fatalf("grade %q while listed", g)
	}
	c3 := e.file("objections", org, "list_entry", en.ID)
	if v := e.entry("", en.ID); !v.UnderObjection || v.Objection != c3.ID {
		t.Errorf("entry under objection: %+v", v)
	}
	e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c3.ID), tokenHuaibei, map[string]any{"outcome": "corrected", "reasons": "x", "correction": correction}).problem(422, credo.EINVALID)
	e.decide("objections", tokenHuaibei, c3.ID, map[string]any{"outcome": "retracted", "reasons": "认定事实不清"})
	v := e.entry(org, en.ID)
	last := v.Timeline[len(v.Timeline)-1]
	if v.State.Status != credo.ListEnded || v.State.Reason != credo.EndOverturned || last.Case != c3.ID || last.Actor != "authority:huaibei-amr" || v.UnderObjection {
		t.Errorf("overturned entry %+v", v)
	}
	if g := e.grade("", codeHuaibei); g == "D" {
		t.Errorf("grade still D after the listing was overturned")
	}
	// An ended entry takes no objection.
	p = e.postJSON("/v1/objections", org, caseBody("objections", "list_entry", en.ID)).problem(422, credo.EINVALID)
	wantField(t, p, "target", "ended")
}

func TestRepairs(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	rec := e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01"))
	id := idOf(rec)
	pub := rec["publicity"].(map[string]any)
	repairFrom, _ := time.Parse(time.RFC3339, pub["repair_from"].(string))
	until, _ := time.Parse(time.RFC3339, pub["until"].(string))
	if !repairFrom.After(testNow) || !until.After(repairFrom) {
		t.Fatalf("publicity %v", pub)
	}

	// Before the minimum period.
	p := e.postJSON("/v1/repairs", org, caseBody("repairs", "record", id)).problem(422, credo.EINVALID)
	wantField(t, p, "target", "too_early")
	// Without evidence.
	p = e.postJSON("/v1/repairs", org, with(caseBody("repairs", "record", id), "attachments", nil)).problem(422, credo.EINVALID)
	wantField(t, p, "attachments", "required")
	e.postJSON("/v1/repairs", tokenHuaibei, caseBody("repairs", "record", id)).problem(403, credo.EFORBIDDEN)

	// After it: rejected, then a new application, approved.
	e.setNow(repairFrom.Add(time.Hour))
	r1 := e.file("repairs", org, "record", id)
	wantBy := calendar.Default().Deadline(repairFrom.Add(time.Hour), 10)
	if r1.Kind != "repair" || !r1.Commitment || !r1.DecideBy.Equal(wantBy) {
		t.Errorf("repair %+v, decide_by want %v", r1, wantBy)
	}
	e.postJSON("/v1/repairs", org, caseBody("repairs", "record", id)).problem(http.StatusConflict, credo.ECONFLICT)
	path := fmt.Sprintf("/v1/repairs/%d/decision", r1.ID)
	p = e.postJSON(path, tokenHuaibei, map[string]any{"outcome": "upheld", "reasons": "x"}).problem(422, credo.EINVALID)
	wantField(t, p, "outcome", "enum")
	e.postJSON(path, tokenShanghai, map[string]any{"outcome": "approved", "reasons": "x"}).problem(404, credo.ENOTFOUND)
	rej := e.decide("repairs", tokenHuaibei, r1.ID, map[string]any{"outcome": "rejected", "reasons": "罚款尚未缴清"})
	if rej.Decision == nil || rej.Decision.Outcome != "rejected" || rej.Decision.Reasons != "罚款尚未缴清" {
		t.Errorf("rejected %+v", rej)
	}
	e.postJSON(path, tokenHuaibei, map[string]any{"outcome": "approved", "reasons": "x"}).problem(http.StatusConflict, credo.ECONFLICT)
	// Rejection changed nothing.
	e.get(fmt.Sprintf("/v1/records/%d", id)).wantStatus(200)
	if !e.contributes(org, codeHuaibei, id) {
		t.Errorf("a rejected repair stopped the record counting")
	}

	e.advance(24 * time.Hour)
	approvedAt := e.clock.Now()
	r2 := e.file("repairs", org, "record", id)
	e.decide("repairs", tokenHuaibei, r2.ID, map[string]any{"outcome": "approved", "reasons": "已履行处罚并完成整改"})

	// Publicity ends at once: the public no longer sees it; the
	// organization does, with publicity until the approval.
	e.get(fmt.Sprintf("/v1/records/%d", id)).problem(404, credo.ENOTFOUND)
	var pg struct {
		Records []map[string]any `json:"records"`
	}
	e.get("/v1/subjects/" + codeHuaibei + "/records").wantStatus(200).decode(&pg)
	if len(pg.Records) != 0 {
		t.Errorf("the public sees %v", pg.Records)
	}
	var mine map[string]any
	e.do("GET", fmt.Sprintf("/v1/records/%d", id), org, "", nil).wantStatus(200).decode(&mine)
	mp := mine["publicity"].(map[string]any)
	if u, _ := time.Parse(time.RFC3339Nano, mp["until"].(string)); !u.Equal(approvedAt) {
		t.Errorf("publicity until %v, want the approval %v", mp["until"], approvedAt)
	}
	if ra, _ := time.Parse(time.RFC3339Nano, mine["repaired_at"].(string)); !ra.Equal(approvedAt) {
		t.Errorf("repaired_at %v", mine["repaired_at"])
	}
	if e.contributes(org, codeHuaibei, id) {
		t.Errorf("the repaired record still counts")
	}
	// Repaired once: no further application.
	p = e.postJSON("/v1/repairs", org, caseBody("repairs", "record", id)).problem(http.StatusConflict, credo.ECONFLICT)
	wantField(t, p, "target", "repaired")

	// A list entry: after the list's minimum term, approval ends it "repaired".
	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	e.setNow(en.EffectiveAt.Add(time.Hour))
	p = e.postJSON("/v1/repairs", org, caseBody("repairs", "list_entry", en.ID)).problem(422, credo.EINVALID)
	wantField(t, p, "target", "too_early")
	e.setNow(en.RepairFrom)
	if g := e.grade("", codeHuaibei); g != "D" {
		t.Fatalf("grade %q while listed", g)
	}
	r3 := e.file("repairs", org, "list_entry", en.ID)
	e.decide("repairs", tokenHuaibei, r3.ID, map[string]any{"outcome": "approved", "reasons": "已纠正失信行为并作出信用承诺"})
	v := e.entry(org, en.ID)
	if v.State.Status != credo.ListEnded || v.State.Reason != credo.EndRepaired || !v.State.Since.Equal(en.RepairFrom) {
		t.Errorf("repaired entry %+v", v.State)
	}
	if g := e.grade("", codeHuaibei); g == "D" {
		t.Errorf("grade still D after the listing was repaired")
	}
	e.get(fmt.Sprintf("/v1/list-entries/%d", en.ID)).problem(404, credo.ENOTFOUND)
}

func TestOverdueCases(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	id := idOf(e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01")))
	c := e.file("objections", org, "record", id)
	var page struct {
		Cases []caseView `json:"cases"`
	}
	overdue := func() []caseView {
		e.do("GET", "/v1/objections?overdue=true", adminToken, "", nil).wantStatus(http.StatusOK).decode(&page)
		return page.Cases
	}
	ctx := context.Background()

	// On the deadline itself: not overdue.
	e.setNow(c.DecideBy)
	if _, n, err := e.server.Process.RunDue(ctx); err != nil || n != 0 {
		t.Fatalf("RunDue at the deadline: %d, %v", n, err)
	}
	if cs := overdue(); len(cs) != 0 {
		t.Errorf("overdue at the deadline: %+v", cs)
	}
	if ns := noticesOf(e.notices(adminToken), credo.NoticeOverdue); len(ns) != 0 {
		t.Errorf("notices at the deadline: %+v", ns)
	}

	e.setNow(c.DecideBy.Add(time.Second))
	if _, n, err := e.server.Process.RunDue(ctx); err != nil || n != 1 {
		t.Fatalf("RunDue past the deadline: %d, %v", n, err)
	}
	cs := overdue()
	if len(cs) != 1 || cs[0].ID != c.ID || !cs[0].Overdue || cs[0].Status != "open" {
		t.Errorf("overdue objections %+v", cs)
	}
	if got := e.decideGet(org, c.ID); !got.Overdue {
		t.Errorf("case %+v not shown overdue", got)
	}
	ns := noticesOf(e.notices(adminToken), credo.NoticeOverdue)
	if len(ns) != 1 || ns[0].Refs.Case != c.ID || ns[0].What == "" || len(ns[0].Options) == 0 {
		t.Errorf("case_overdue notices %+v", ns)
	}
	// Once each.
	if _, n, err := e.server.Process.RunDue(ctx); err != nil || n != 0 {
		t.Errorf("RunDue again: %d, %v", n, err)
	}
	if ns := noticesOf(e.notices(adminToken), credo.NoticeOverdue); len(ns) != 1 {
		t.Errorf("case_overdue notices after a second run: %d", len(ns))
	}
	// The organization's inbox holds no administrators' notices.
	if ns := noticesOf(e.notices(org), credo.NoticeOverdue); len(ns) != 0 {
		t.Errorf("the organization got %+v", ns)
	}
	// An administrator may decide it; then it is no longer overdue.
	e.decide("objections", adminToken, c.ID, map[string]any{"outcome": "upheld", "reasons": "逾期由管理员处理"})
	if cs := overdue(); len(cs) != 0 {
		t.Errorf("decided yet overdue: %+v", cs)
	}
}

// TestPublicViews: the public sees what is published; the organization
// everything held about itself.
func TestPublicViews(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	rec := e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "HB-1"), "occurred_at", "2026-06-01"))
	id := idOf(rec)
	until, _ := time.Parse(time.RFC3339, rec["publicity"].(map[string]any)["until"].(string))

	visible := func(token string) (one, listed bool) {
		one = e.do("GET", fmt.Sprintf("/v1/records/%d", id), token, "", nil).status == http.StatusOK
		var pg struct {
			Records []map[string]any `json:"records"`
		}
		e.do("GET", "/v1/subjects/"+codeHuaibei+"/records", token, "", nil).wantStatus(200).decode(&pg)
		return one, len(pg.Records) == 1
	}
	for _, s := range []struct {
		at     time.Time
		public bool
	}{
		{testNow, true},
		{until.Add(-time.Second), true},
		{until, false},
		{until.Add(400 * 24 * time.Hour), false},
	} {
		e.setNow(s.at)
		if one, listed := visible(""); one != s.public || listed != s.public {
			t.Errorf("at %v the public sees the record %v/%v, want %v", s.at, one, listed, s.public)
		}
		for _, token := range []string{org, tokenHuaibei, adminToken} {
			if one, listed := visible(token); !one || !listed {
				t.Errorf("at %v token %q does not see the record", s.at, token)
			}
		}
	}
	// A record not yet decided by the time asked about (a future window)
	// is not the case here; the other organization's account sees only
	// what the public does.
	other := e.account("huaibei-org-2", codeHuaibei2)
	if one, _ := visible(other); one {
		t.Errorf("another organization sees an unpublished record")
	}

	// The tax dimension is not public.
	e.setNow(testNow)
	sh := e.account("shanghai-org", codeShanghai)
	e.postJSON("/v1/records", tokenShanghai, map[string]any{"subject": codeShanghai, "category": "tax", "kind": "late_filing",
		"external_id": "SH-TAX-1", "occurred_at": "2026-06-01"}).wantStatus(http.StatusCreated)
	dims := func(token string) map[string]any {
		a := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment", token, "", nil).wantStatus(200).object()
		return a["dimensions"].(map[string]any)
	}
	// A market record makes a public dimension to compare with.
	e.postJSON("/v1/records", tokenNational, with(goodRecord(codeShanghai, "SH-MKT-1"), "occurred_at", "2026-06-01")).wantStatus(http.StatusCreated)
	if d := dims(""); d["tax"] != nil || d["market"] == nil {
		t.Errorf("the public sees dimensions %v", keys(d))
	}
	if d := dims(other); d["tax"] != nil {
		t.Errorf("another organization sees the tax dimension")
	}
	for _, token := range []string{sh, tokenShanghai, adminToken} {
		if d := dims(token); d["tax"] == nil || d["market"] == nil {
			t.Errorf("token %q does not see the tax dimension: %v", token, keys(d))
		}
	}
	var hist struct {
		Changes []struct {
			Assessment struct {
				Dimensions map[string]any `json:"dimensions"`
			} `json:"assessment"`
		} `json:"changes"`
	}
	e.get("/v1/subjects/" + codeShanghai + "/assessments").wantStatus(200).decode(&hist)
	for _, c := range hist.Changes {
		if c.Assessment.Dimensions["tax"] != nil {
			t.Errorf("the public sees the tax dimension in the history")
		}
	}
	e.do("GET", "/v1/subjects/"+codeShanghai+"/assessments", sh, "", nil).wantStatus(200).decode(&hist)
	if len(hist.Changes) == 0 || hist.Changes[0].Assessment.Dimensions["tax"] == nil {
		t.Errorf("the organization does not see its tax history")
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
