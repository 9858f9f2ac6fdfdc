package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

var numberPattern = regexp.MustCompile(`CR-[0-9]{8}-[0-9A-F]{10}`)

// issuedPage fetches the report page of code in lang and returns the page
// and its report number.
func (reg *registry) issuedPage(lang, code string) (page, string) {
	reg.t.Helper()
	pg := reg.get("/" + lang + "/report/" + code)
	if pg.status != http.StatusOK {
		reg.t.Fatalf("report page: status %d: %.400s", pg.status, pg.body)
	}
	n := numberPattern.FindString(pg.body)
	if n == "" {
		reg.t.Fatal("the report page shows no report number")
	}
	return pg, n
}

// TestReportPage: the report page is an issued report: numbered, stored
// with the SHA-256 of exactly the bytes sent, with the verify address and
// its QR code, the credit summary, grades with their explanation, records,
// lists and measures as the public sees them, everything escaped.
func TestReportPage(t *testing.T) {
	reg := newRegistry(t)
	reg.portal.PublicURL = "https://credo.example"
	pg, n := reg.issuedPage("zh", codeHuaibei)
	checkHTML(t, "/zh/report/"+codeHuaibei, pg.body)
	pg.has(t, `<html lang="zh-CN">`, "信用报告", "信用概要", "https://credo.example/verify/"+n, `<svg xmlns="http://www.w3.org/2000/svg" class="qr"`,
		codeHuaibei, "淮市监罚〔2026〕9号", "经营异常名录", "异议处理中", "2026-07-01 12:00:00 UTC", "national-comprehensive",
		`href="/v1/subjects/`+codeHuaibei+`/report.pdf"`)
	if strings.Contains(pg.body, "<script>alert") || strings.Contains(pg.body, "<img src=x") {
		t.Error("unescaped markup in the report page")
	}
	if got := pg.header.Get("X-Robots-Tag"); !strings.Contains(got, "noindex") {
		t.Errorf("X-Robots-Tag %q", got)
	}
	if got := pg.header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q", got)
	}
	rep, err := reg.store.IssuedReport(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(pg.body))
	if rep.SHA256 != hex.EncodeToString(sum[:]) || rep.Format != credo.ReportHTML || rep.Viewer != "public" || rep.Subject != codeHuaibei ||
		rep.Status != credo.ReportValid || !rep.IssuedAt.Equal(testNow) {
		t.Errorf("stored %+v; the page hashes to %x", rep, sum)
	}

	en, n2 := reg.issuedPage("en", codeHuaibei)
	en.has(t, `<html lang="en">`, "Credit summary", "Each grade is computed", "https://credo.example/verify/"+n2)
	checkHTML(t, "/en/report/"+codeHuaibei, en.body)
	if n2 == n {
		t.Fatal("two issues share a number")
	}
	if rep, _ := reg.store.IssuedReport(context.Background(), n); rep.Status != credo.ReportSuperseded || rep.SupersededBy != n2 {
		t.Errorf("the first page's report reads %s superseded by %q", rep.Status, rep.SupersededBy)
	}

	// The organization page links to it.
	reg.get("/zh/organizations/"+codeHuaibei).has(t, `href="/zh/report/`+codeHuaibei+`"`)
}

// TestReportPageBadInput: a malformed code is 400, an unregistered one
// 404, and neither issues anything.
func TestReportPageBadInput(t *testing.T) {
	reg := newRegistry(t)
	if pg := reg.get("/zh/report/91310112087994932X"); pg.status != http.StatusBadRequest {
		t.Errorf("a malformed code: status %d", pg.status)
	}
	if pg := reg.get("/en/report/91340603MA2UJYNU67"); pg.status != http.StatusNotFound {
		t.Errorf("an unregistered code: status %d", pg.status)
	}
	if pg := reg.get("/fr/report/" + codeHuaibei); pg.status != http.StatusNotFound {
		t.Errorf("a language not offered: status %d", pg.status)
	}
	changes, err := reg.store.Changes(context.Background(), credo.ChangeQuery{Types: []string{credo.ChangeReportIssued}})
	if err != nil || len(changes) != 0 {
		t.Fatalf("refused requests issued reports: %v, %v", changes, err)
	}
}

// TestVerifyPage: valid, superseded (with the newest), withdrawn (with the
// reason, escaped); the SHA-256 shown; an unknown number 404 and a
// malformed one 400, each said on the page; /verify/{number}, the address
// printed on reports, sends the reader to it in their language, beside
// the API too.
func TestVerifyPage(t *testing.T) {
	reg := newRegistry(t)
	_, first := reg.issuedPage("zh", codeHuawei)
	rep, err := reg.store.IssuedReport(context.Background(), first)
	if err != nil {
		t.Fatal(err)
	}
	pg := reg.get("/zh/verify/" + first)
	if pg.status != http.StatusOK {
		t.Fatalf("status %d", pg.status)
	}
	checkHTML(t, "/zh/verify/"+first, pg.body)
	pg.has(t, "状态: 有效", rep.SHA256, "华为技术有限公司", "公众", "网页（HTML）", "sha256sum")
	reg.get("/en/verify/"+strings.ToLower(first)).has(t, "Status: valid", rep.SHA256, "the public")

	reg.clock.set(testNow.Add(time.Minute))
	_, second := reg.issuedPage("en", codeHuawei)
	reg.get("/en/verify/"+first).has(t, "superseded by a newer report", `href="/en/verify/`+second+`"`)

	if _, err := reg.store.WithdrawReport(context.Background(), second, credo.ReportWithdrawal{At: credo.NewTime(testNow.Add(time.Hour)), By: "admin", Reason: "错误出具" + hostile}); err != nil {
		t.Fatal(err)
	}
	w := reg.get("/zh/verify/" + second)
	w.has(t, "状态: 已撤回", "错误出具", "撤回理由")
	checkHTML(t, "/zh/verify/"+second, w.body)
	if strings.Contains(w.body, "<script>alert") {
		t.Error("the withdrawal reason is not escaped")
	}

	nf := reg.get("/en/verify/CR-20260701-0000000000")
	if nf.status != http.StatusNotFound {
		t.Errorf("unknown number: status %d", nf.status)
	}
	nf.has(t, "No report was issued with this number")
	checkHTML(t, "/en/verify/CR-20260701-0000000000", nf.body)
	bad := reg.get("/zh/verify/" + "%3Cscript%3E")
	if bad.status != http.StatusBadRequest {
		t.Errorf("malformed number: status %d", bad.status)
	}
	bad.has(t, "报告编号的格式为")
	if strings.Contains(bad.body, "<script>") {
		t.Error("the number asked is not escaped")
	}
	checkHTML(t, "/zh/verify/bad", bad.body)
	reg.get("/zh/verify/").has(t, `<form method="get" action="/zh/verify/">`)
	if r := reg.get("/zh/verify/?number=+" + strings.ToLower(first)); r.status != http.StatusSeeOther || r.header.Get("Location") != "/zh/verify/"+strings.ToLower(first) {
		t.Errorf("the form's answer: %d %q", r.status, r.header.Get("Location"))
	}

	for _, c := range []struct{ accept, want string }{{"en-GB,en;q=0.9", "/en/verify/" + first}, {"", "/zh/verify/" + first}} {
		r := reg.get("/verify/"+first, "Accept-Language", c.accept)
		if r.status != http.StatusSeeOther || r.header.Get("Location") != c.want {
			t.Errorf("/verify/ with Accept-Language %q: %d %q, want %s", c.accept, r.status, r.header.Get("Location"), c.want)
		}
	}
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(reg.apiURL + "/verify/" + first)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("/verify/ beside the API: status %d", res.StatusCode)
	}
}
