package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
)

// Requests in the other forms people write values: a list by a common
// name, reasons as one text, a term in days or as its end, documents named
// only. Each means the same as the canonical form. Names are not aliased: one route per action, one field
// per value (STYLE.md).
func TestRequestForms(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)

	body := map[string]any{
		"list": "serious_dishonesty", "subject": codeHuaibei, "legal_basis": "《市场监督管理严重违法失信名单管理办法》第十条",
		"decision_number": "淮市监信〔2026〕31号", "reasons": "提交虚假材料", "term": 730,
	}
	en := e.list(tokenHuaibei, body)
	if en.List != "serious-dishonesty" || len(en.Reasons) != 1 || !en.Until.Equal(en.EffectiveAt.Add(730*24*time.Hour)) {
		t.Fatalf("entry: %+v", en)
	}
	until := testNow.Add(10*24*time.Hour + 500*24*time.Hour).Format(time.RFC3339)
	en2 := e.list(tokenHuaibei, map[string]any{
		"list": "blacklist", "subject": codeHuaibei, "legal_basis": "同上", "decision_number": "淮市监信〔2026〕32号",
		"reasons": []string{"a", "b"}, "until": until,
	})
	if en2.List != "serious-dishonesty" || en2.Until.Format(time.RFC3339) != until {
		t.Fatalf("entry by its end: %+v", en2)
	}
	e.do("GET", "/v1/lists/blacklist", "", "", nil).wantStatus(http.StatusOK)

	// An objection with its reasons as a list, a document by name.
	var c caseView
	e.postJSON("/v1/objections", org, map[string]any{"target": map[string]any{"kind": "list_entry", "id": en.ID}, "reasons": []string{"事实不清", "程序违法"},
		"attachments": []any{"听证笔录.pdf"}}).wantStatus(http.StatusCreated).decode(&c)
	if c.Target.Kind != credo.TargetListEntry || c.Target.ID != en.ID {
		t.Fatalf("case: %+v", c)
	}
	// Decided retracted; "overturn" is no outcome (one name per outcome).
	e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c.ID), tokenHuaibei, map[string]any{"outcome": "overturn"}).problem(422, credo.EINVALID)
	e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c.ID), tokenHuaibei, map[string]any{"outcome": "retracted"}).wantStatus(http.StatusOK)
	if got := e.entry(tokenHuaibei, en.ID); got.State.Status != credo.ListEnded || got.State.Reason != credo.EndOverturned {
		t.Fatalf("entry after the objection: %+v", got.State)
	}
	// Revoked with the reason in words.
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/end", en2.ID), tokenHuaibei, map[string]any{"reason": "原决定已被行政复议撤销"}).wantStatus(http.StatusOK)
	if got := e.entry(tokenHuaibei, en2.ID); got.State.Reason != credo.EndRevoked {
		t.Fatalf("entry after revocation: %+v", got.State)
	}
	// A revocation gives a reason.
	en3 := e.list(tokenHuaibei, with(listing(codeHuaibei, "淮市监信〔2026〕33号")))
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/end", en3.ID), tokenHuaibei, map[string]any{}).problem(422, credo.EINVALID)
	// A decision keeping the item gives reasons; an unknown word is refused.
	var c2 caseView
	e.postJSON("/v1/objections", org, map[string]any{"target": map[string]any{"kind": "list_entry", "id": en3.ID}, "reasons": "x"}).wantStatus(http.StatusCreated).decode(&c2)
	p := e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c2.ID), tokenHuaibei, map[string]any{"outcome": "upheld"}).problem(422, credo.EINVALID)
	if p.Field != "reasons" {
		t.Fatalf("kept without reasons: %+v", p)
	}
	p = e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c2.ID), tokenHuaibei, map[string]any{"outcome": "maybe", "reasons": "x"}).problem(422, credo.EINVALID)
	if p.Field != "outcome" {
		t.Fatalf("unknown outcome: %+v", p)
	}
	// One name per thing: the batch check is POST /v1/measures/check only,
	// cases are decided at .../decision and entries ended at .../end.
	e.do("GET", "/v1/measures/check?action=public_procurement&codes="+codeHuaibei, "", "", nil).problem(http.StatusMethodNotAllowed, "method_not_allowed")
	e.postJSON("/v1/measures", "", map[string]any{"codes": []string{codeHuaibei}, "action": "subsidies"}).problem(http.StatusMethodNotAllowed, "method_not_allowed")
	e.postJSON(fmt.Sprintf("/v1/objections/%d/decide", c2.ID), tokenHuaibei, map[string]any{"outcome": "upheld", "reasons": "x"}).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/revoke", en3.ID), tokenHuaibei, map[string]any{"note": "x"}).problem(http.StatusNotFound, credo.ENOTFOUND)
	// One field per value: list_entry, record and evidence are not fields
	// of a case, nor decision of a decision.
	for _, body := range []map[string]any{
		{"list_entry": en3.ID, "reasons": "x"},
		{"record": 1, "reasons": "x"},
		{"target": map[string]any{"kind": "list_entry", "id": en3.ID}, "reasons": "x", "evidence": []any{"a.pdf"}},
	} {
		e.postJSON("/v1/objections", org, body).problem(422, credo.EINVALID)
	}
	e.postJSON(fmt.Sprintf("/v1/objections/%d/decision", c2.ID), tokenHuaibei, map[string]any{"decision": "upheld", "reasons": "x"}).problem(422, credo.EINVALID)
}

// An administrator checks a list definition before it ships: one whose
// criteria do not compile is refused with file:line:col and the field.
func TestListCheck(t *testing.T) {
	e := newProcessEnv(t)
	files, err := lists.BundledFiles()
	if err != nil {
		t.Fatal(err)
	}
	good := string(files["lists/definitions/abnormal-operations.yaml"])
	res := e.postJSON("/v1/admin/lists/check", adminToken, map[string]any{"name": "abnormal-operations.yaml", "source": good}).wantStatus(http.StatusOK).object()
	if res["valid"] != true || res["lists"] != 6.0 {
		t.Fatalf("a good definition: %v", res)
	}
	bad := strings.Replace(good, "records.exists(r,", "records.exists(r, no_such_variable &&", 1)
	p := e.postJSON("/v1/admin/lists/check", adminToken, map[string]any{"name": "abnormal-operations.yaml", "source": bad}).problem(422, credo.EINVALID)
	if p.Field != "source" || !strings.Contains(p.Detail, "abnormal-operations.yaml:") || !strings.Contains(p.Detail, "rule.when") {
		t.Fatalf("criteria that do not compile: %+v", p)
	}
	e.postJSON("/v1/admin/lists/check", tokenHuaibei, map[string]any{"source": good}).problem(403, credo.EFORBIDDEN)
	e.postJSON("/v1/admin/lists/check", "", map[string]any{"source": good}).problem(401, credo.EUNAUTHORIZED)
	e.postJSON("/v1/admin/lists/check", adminToken, map[string]any{"source": " "}).problem(422, credo.EINVALID)
}

// An authority of one region sees every entry of its region without
// naming it; outside its region, what the public sees.
func TestListsOfOneRegion(t *testing.T) {
	e := newProcessEnv(t)
	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕41号"))
	var page listsPage
	e.do("GET", "/v1/lists/serious-dishonesty?status=notified", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 1 || page.Entries[0].ID != en.ID {
		t.Fatalf("the authority's region: %+v", page.Entries)
	}
	e.do("GET", "/v1/lists/serious-dishonesty?status=notified&division=31", tokenHuaibei, "", nil).problem(403, credo.EFORBIDDEN)
	e.get("/v1/lists/serious-dishonesty?status=notified").problem(403, credo.EFORBIDDEN)
}

// A list read by how its entries ended, and with from for the date range.
func TestListsByEnding(t *testing.T) {
	e := newProcessEnv(t)
	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕51号"))
	en2 := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕52号"))
	e.postJSON(fmt.Sprintf("/v1/list-entries/%d/end", en.ID), tokenHuaibei, map[string]any{"reason": "revoked", "note": "复议撤销"}).wantStatus(http.StatusOK)
	var page listsPage
	e.do("GET", "/v1/lists/serious-dishonesty?status=revoked", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 1 || page.Entries[0].ID != en.ID {
		t.Fatalf("revoked: %+v", page.Entries)
	}
	e.do("GET", "/v1/lists/serious-dishonesty?status=expired", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 0 {
		t.Fatalf("expired: %+v", page.Entries)
	}
	future := en2.Until.Format(time.RFC3339)
	e.do("GET", "/v1/lists/serious-dishonesty?status=expired&as_of="+future, tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 1 || page.Entries[0].ID != en2.ID {
		t.Fatalf("expired at the term: %+v", page.Entries)
	}
	since := en2.EffectiveAt.Add(time.Second).Format(time.RFC3339)
	e.do("GET", "/v1/lists/serious-dishonesty?from="+since, tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Entries) != 0 {
		t.Fatalf("from after both took effect: %+v", page.Entries)
	}
	e.do("GET", "/v1/lists/serious-dishonesty?status=gone", tokenHuaibei, "", nil).problem(422, credo.EINVALID)
}
