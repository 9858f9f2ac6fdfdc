package api_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// Resident identity numbers used below (GB 11643 check digits valid).
const (
	idInText  = "310115198001010016"
	idSpaced  = "440305 20000229 1232"
	idInPath  = "11010519491231002X"
	idOfficer = residentID
)

// Finding (issue 9, Medium 7): an identity number typed into a free-text
// field or a path was stored, served and logged. Free text holding one is
// refused, naming the field (reason "person"); a path holding one is
// logged masked; an officer's number is kept only as a person key. And
// tokens are stored hashed and never logged. The request log and every
// file of the store are searched for them afterwards.
func TestNoIdentityNumbersOrTokensKept(t *testing.T) {
	e := newProcessEnv(t)
	org := e.account("huaibei-org", codeHuaibei)
	const garbage = "credo_garbage_0123456789abcdef"

	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市示例商贸有限公司")).wantStatus(http.StatusCreated)
	good := goodRecord(codeHuaibei, "HB-PII-1")
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"description", with(good, "description", "法定代表人张三（身份证号"+idInText+"）拒不配合检查"), "description"},
		{"description, grouped digits", with(good, "description", "当事人证件号码 "+idSpaced+" 已核实"), "description"},
		{"legal basis", with(good, "legal_basis", "《产品质量法》第五十条 "+idInText), "legal_basis"},
		{"decision number", with(good, "decision_number", idInText), "decision_number"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON("/v1/records", tokenHuaibei, c.body).problem(http.StatusUnprocessableEntity, credo.EINVALID)
			wantField(t, p, c.field, "person")
			if strings.Contains(p.Detail, idInText) {
				t.Errorf("the refusal repeats the number: %s", p.Detail)
			}
		})
	}
	var rep struct {
		Refused int `json:"refused"`
		Results []struct {
			Error *lineError `json:"error"`
		} `json:"results"`
	}
	e.postNDJSON("/v1/records", tokenHuaibei, with(good, "description", "身份证"+idInText)).wantStatus(http.StatusOK).decode(&rep)
	if rep.Refused != 1 || rep.Results[0].Error == nil || rep.Results[0].Error.Field != "description" || rep.Results[0].Error.Reason != "person" {
		t.Errorf("NDJSON line with a number: %+v", rep)
	}
	id := idOf(e.record(tokenHuaibei, with(good, "description", "罚款200000元，没收违法所得31011519800101元")))
	p := e.postJSON("/v1/objections", org, map[string]any{"target": map[string]any{"kind": "record", "id": id},
		"reasons": "经办人身份证号" + idInText + "，处罚事实有误"}).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	wantField(t, p, "reasons", "person")

	// Paths: refused where a code is expected, and never logged.
	e.get("/v1/subjects/"+idInPath+"/records").problem(http.StatusUnprocessableEntity, credo.EINVALID)
	e.get("/v1/records/" + idInText).wantStatus(http.StatusNotFound)
	if p := e.get("/v2/people/"+idInPath).problem(http.StatusNotFound, credo.ENOTFOUND); strings.Contains(p.Detail, idInPath) {
		t.Errorf("404 detail repeats the number: %s", p.Detail)
	}
	e.get("/v1/uscc/" + idInPath).wantStatus(http.StatusOK)
	if res := e.do("GET", "/v1/stats", "", "", nil, "X-Request-Id", idInText); res.header.Get("X-Request-Id") == idInText {
		t.Error("a request id holding an identity number was kept")
	}

	// Tokens: valid ones of every kind, and one that is no one's.
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/records", tokenHuaibei, "", nil).wantStatus(http.StatusOK)
	e.do("GET", "/v1/me", org, "", nil).wantStatus(http.StatusOK)
	e.do("GET", "/v1/admin/accounts", adminToken, "", nil).wantStatus(http.StatusOK)
	e.do("GET", "/v1/me", garbage, "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)
	e.do("GET", "/v1/records/"+idInText, garbage, "", nil).problem(http.StatusUnauthorized, credo.EUNAUTHORIZED)

	secrets := []string{idInText, idInPath, idOfficer, "4403052000022912", tokenHuaibei, org, adminToken, garbage}
	logs := e.logs.String()
	if !strings.Contains(logs, "[resident-id]") {
		t.Errorf("no masked path in the log:\n%s", logs)
	}
	for _, s := range append(secrets, credo.HashToken(tokenHuaibei), credo.HashToken(org), credo.HashToken(garbage)) {
		if strings.Contains(logs, s) {
			t.Errorf("the request log holds %q", s)
		}
	}
	dir := filepath.Dir(e.store.(interface{ Path() string }).Path())
	entries, _ := os.ReadDir(dir)
	if len(entries) == 0 {
		t.Fatal("no store files")
	}
	for _, de := range entries {
		b, err := os.ReadFile(filepath.Join(dir, de.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range append(secrets, "440305200002291232") {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("store file %s holds %q", de.Name(), s)
			}
		}
	}
	// Tokens are found by their hash.
	if a, err := e.store.AuthorityByToken(t.Context(), credo.HashToken(tokenHuaibei)); err != nil || a.ID != "huaibei-amr" {
		t.Errorf("authority by token hash: %v, %v", a, err)
	}
}

// lineError is an NDJSON line's error as the report shows it.
type lineError struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// A record stored before such text was refused is served with the number
// masked.
func TestStoredIdentityNumbersAreMasked(t *testing.T) {
	e := newEnv(t, nil)
	rec := &credo.Record{Subject: codeHuaibei, Authority: "huaibei-amr", Category: "market", Kind: "inspection",
		ExternalID: "OLD-1", Description: "旧数据：负责人身份证" + idInText, OccurredAt: credo.NewTime(testNow.AddDate(0, -1, 0))}
	if _, err := e.store.AppendRecords(t.Context(), []*credo.Record{rec}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/v1/records/1", "/v1/subjects/" + codeHuaibei + "/records"} {
		res := e.do("GET", path, tokenHuaibei, "", nil).wantStatus(http.StatusOK)
		if strings.Contains(string(res.body), idInText) || !strings.Contains(string(res.body), "旧数据：负责人身份证[resident-id]") {
			t.Errorf("%s: %s", path, res.body)
		}
	}
}
