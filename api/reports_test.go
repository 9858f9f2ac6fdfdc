package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// reportNumber is the number of the report a report.pdf response carries
// (its file name).
func reportNumber(t testing.TB, res *response) string {
	t.Helper()
	_, params, err := mime.ParseMediaType(res.header.Get("Content-Disposition"))
	if err != nil {
		t.Fatalf("Content-Disposition %q: %v", res.header.Get("Content-Disposition"), err)
	}
	n, ok := strings.CutSuffix(params["filename"], ".pdf")
	if !ok {
		t.Fatalf("file name %q is no PDF's", params["filename"])
	}
	if _, err := credo.CheckReportNumber(n); err != nil {
		t.Fatalf("file name %q: %v", params["filename"], err)
	}
	return n
}

// issuedReport is GET /v1/reports/{number}'s body.
type issuedReport struct {
	Number       string              `json:"number"`
	Subject      string              `json:"subject"`
	Viewer       string              `json:"viewer"`
	Format       string              `json:"format"`
	IssuedAt     time.Time           `json:"issued_at"`
	AsOf         time.Time           `json:"as_of"`
	Rulebooks    []credo.RulebookRef `json:"rulebooks"`
	SHA256       string              `json:"sha256"`
	Status       string              `json:"status"`
	SupersededBy string              `json:"superseded_by"`
	Withdrawal   *struct {
		By     string `json:"by"`
		Reason string `json:"reason"`
	} `json:"withdrawal"`
	Verify string `json:"verify"`
}

func (e *env) issued(number string) issuedReport {
	e.t.Helper()
	var r issuedReport
	e.do("GET", "/v1/reports/"+number, "", "", nil).wantStatus(http.StatusOK).decode(&r)
	return r
}

// reportEnv is a registry with one organization in Huaibei: a published
// market penalty and a tax grade decision (not public).
func reportEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	opts = append([]envOption{withGrading(t), func(s *api.Server) {
		s.AdminToken = adminToken
		s.PublicURL = "https://credo.example"
		if err := s.Store.CreateAuthority(context.Background(), &credo.Authority{ID: "huaibei-tax", Name: "国家税务总局淮北市税务局",
			Divisions: []string{"3406"}, Categories: []string{"tax"}}, credo.HashToken(tokenHuaibeiTax)); err != nil {
			t.Fatal(err)
		}
	}}, opts...)
	e := newEnv(t, nil, opts...)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市某某商贸有限公司")).wantStatus(http.StatusCreated)
	e.record(tokenHuaibei, with(goodRecord(codeHuaibei, "RPT-1"), "occurred_at", "2026-06-01"))
	e.record(tokenHuaibeiTax, map[string]any{
		"subject": codeHuaibei, "category": "tax", "kind": "tax_grade", "external_id": "RPT-TAX-1",
		"description": "D: 2025年度纳税信用评价结果为D级", "occurred_at": "2026-04-15",
	})
	return e
}

// TestIssuedReportPDF: a PDF report is issued and stored with the SHA-256
// of the bytes sent; its status is valid, then superseded by a newer one
// for the same viewer class (not by another class's), then withdrawn by
// an administrator with a reason, once.
func TestIssuedReportPDF(t *testing.T) {
	e := reportEnv(t)
	res := e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK)
	if ct := res.header.Get("Content-Type"); ct != "application/pdf" || !bytes.HasPrefix(res.body, []byte("%PDF-")) {
		t.Fatalf("Content-Type %q, body %.10q", ct, res.body)
	}
	first := reportNumber(t, res)
	sum := sha256.Sum256(res.body)
	got := e.issued(first)
	if got.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("stored SHA-256 %s, the bytes sent hash to %x", got.SHA256, sum)
	}
	if got.Status != credo.ReportValid || got.Subject != codeHuaibei || got.Viewer != "public" || got.Format != "pdf" ||
		!got.IssuedAt.Equal(testNow) || !got.AsOf.Equal(testNow) || len(got.Rulebooks) == 0 ||
		got.Verify != "https://credo.example/verify/"+first || !strings.HasPrefix(first, "CR-20260701-") {
		t.Errorf("issued report %+v", got)
	}
	// The change log holds the issue.
	changes, err := e.store.Changes(context.Background(), credo.ChangeQuery{Types: []string{credo.ChangeReportIssued}})
	if err != nil || len(changes) != 1 || changes[0].Ref != first || changes[0].Subject != codeHuaibei {
		t.Fatalf("report.issued changes %v, %v", changes, err)
	}
	text := pdfText(t, res.body)
	if text != "" {
		for _, want := range []string{first, "淮北市某某商贸有限公司", codeHuaibei, "https://credo.example/verify/" + first, "淮市监罚〔2026〕12号", "信用概要"} {
			if !strings.Contains(text, want) {
				t.Errorf("the public report's text lacks %q", want)
			}
		}
		if strings.Contains(text, "纳税信用评价结果为D级") {
			t.Error("the public report shows the tax grade decision, which is not public")
		}
	}

	// The tax authority over Huaibei sees the tax decision; its report is
	// of its own class and supersedes no public one.
	res = e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", tokenHuaibeiTax, "", nil).wantStatus(http.StatusOK)
	taxReport := reportNumber(t, res)
	if text := pdfText(t, res.body); text != "" && !strings.Contains(text, "纳税信用评价结果为D级") {
		t.Error("the tax authority's report lacks the tax grade decision")
	}
	if got := e.issued(taxReport); got.Viewer != "authority:huaibei-tax" {
		t.Errorf("the tax authority's report has viewer class %q", got.Viewer)
	}
	if got := e.issued(first); got.Status != credo.ReportValid {
		t.Errorf("after another class's report, the first reads %s", got.Status)
	}

	e.advance(time.Minute)
	second := reportNumber(t, e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK))
	if second == first {
		t.Fatal("two reports share a number")
	}
	if got := e.issued(first); got.Status != credo.ReportSuperseded || got.SupersededBy != second {
		t.Errorf("the first reads %s superseded by %q, want superseded by %s", got.Status, got.SupersededBy, second)
	}

	// Withdrawal: a reason is required and bounded; once only.
	path := "/v1/reports/" + second + "/withdrawal"
	problemField(t, e.postJSON(path, adminToken, map[string]any{"reason": "  "}).problem(http.StatusUnprocessableEntity, "invalid"), "reason")
	problemField(t, e.postJSON(path, adminToken, map[string]any{"reason": strings.Repeat("错", credo.MaxWithdrawalReason+1)}).problem(http.StatusUnprocessableEntity, "invalid"), "reason")
	problemField(t, e.postJSON(path, adminToken, map[string]any{"reason": "x", "note": "y"}).problem(http.StatusUnprocessableEntity, "invalid"), "note")
	e.postJSON(path, tokenHuaibei, map[string]any{"reason": "x"}).wantStatus(http.StatusForbidden)
	if got := e.issued(second); got.Status != credo.ReportValid {
		t.Fatalf("refused withdrawals changed the report to %s", got.Status)
	}
	reason := "issued from a penalty later found to be recorded against the wrong code"
	var w issuedReport
	e.postJSON(path, adminToken, map[string]any{"reason": reason}).wantStatus(http.StatusOK).decode(&w)
	if w.Status != credo.ReportWithdrawn || w.Withdrawal == nil || w.Withdrawal.Reason != reason || w.Withdrawal.By != "admin" {
		t.Errorf("withdrawal answered %+v", w)
	}
	if got := e.issued(second); got.Status != credo.ReportWithdrawn || got.Withdrawal == nil || got.Withdrawal.Reason != reason {
		t.Errorf("a withdrawn report reads %+v", got)
	}
	problemField(t, e.postJSON(path, adminToken, map[string]any{"reason": "again"}).problem(http.StatusConflict, "conflict"), "number")
	if got := e.issued(second); got.Withdrawal.Reason != reason {
		t.Errorf("a second withdrawal changed the reason to %q", got.Withdrawal.Reason)
	}

	// Numbers: unknown is 404, malformed 422 naming the field; lower case
	// is forgiven.
	e.do("GET", "/v1/reports/CR-20260701-0000000000", "", "", nil).problem(http.StatusNotFound, "not_found")
	e.postJSON("/v1/reports/CR-20260701-0000000000/withdrawal", adminToken, map[string]any{"reason": "x"}).problem(http.StatusNotFound, "not_found")
	problemField(t, e.do("GET", "/v1/reports/not-a-number", "", "", nil).problem(http.StatusUnprocessableEntity, "invalid"), "number")
	problemField(t, e.do("GET", "/v1/reports/CR-20260701-0000000000ABC", "", "", nil).problem(http.StatusUnprocessableEntity, "invalid"), "number")
	if got := e.issued(strings.ToLower(first)); got.Number != first {
		t.Errorf("lower case number read %q", got.Number)
	}
}

// TestIssuedReportBadInput: bad codes and times are refused with the
// field named, and nothing is issued.
func TestIssuedReportBadInput(t *testing.T) {
	e := reportEnv(t)
	for _, c := range []struct {
		path   string
		status int
		code   credo.ErrorCode
		field  string
	}{
		{"/v1/subjects/91310112087994932X/report.pdf", http.StatusUnprocessableEntity, "invalid", "code"},
		{"/v1/subjects/" + codeShanghai + "/report.pdf", http.StatusNotFound, "not_found", ""},
		{"/v1/subjects/" + codeHuaibei + "/report.pdf?as_of=2000-01-01", http.StatusNotFound, "not_found", ""},
		{"/v1/subjects/" + codeHuaibei + "/report.pdf?as_of=yesterday", http.StatusUnprocessableEntity, "invalid", "as_of"},
		{"/v1/subjects/" + codeHuaibei + "/report.pdf?as_of=2026-07-02", http.StatusUnprocessableEntity, "invalid", "as_of"},
	} {
		p := e.do("GET", c.path, "", "", nil).problem(c.status, c.code)
		if c.field != "" {
			problemField(t, p, c.field)
		}
	}
	changes, err := e.store.Changes(context.Background(), credo.ChangeQuery{Types: []string{credo.ChangeReportIssued}})
	if err != nil || len(changes) != 0 {
		t.Fatalf("refused requests issued reports: %v, %v", changes, err)
	}
	// A past as_of is printed as such and stored.
	e.advance(48 * time.Hour)
	n := reportNumber(t, e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf?as_of=2026-07-02", "", "", nil).wantStatus(http.StatusOK))
	if got := e.issued(n); !got.AsOf.Equal(time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)) || !got.IssuedAt.Equal(testNow.Add(48*time.Hour)) {
		t.Errorf("as_of %v issued %v", got.AsOf, got.IssuedAt)
	}
}

// TestIssuedReportSameBytes: two registries holding the same inputs,
// issuing the same number at the same time, give the same bytes; another
// number gives other bytes.
func TestIssuedReportSameBytes(t *testing.T) {
	number := func(n string) envOption {
		return func(s *api.Server) { s.ReportNumber = func(time.Time) string { return n } }
	}
	a := reportEnv(t, number("CR-20260701-00000000AA"))
	b := reportEnv(t, number("CR-20260701-00000000AA"))
	c := reportEnv(t, number("CR-20260701-00000000BB"))
	pa := a.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK).body
	pb := b.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK).body
	pc := c.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK).body
	if !bytes.Equal(pa, pb) {
		t.Error("the same inputs gave different bytes")
	}
	if bytes.Equal(pa, pc) {
		t.Error("another report number gave the same bytes")
	}
	if a.issued("CR-20260701-00000000AA").SHA256 != b.issued("CR-20260701-00000000AA").SHA256 {
		t.Error("the same bytes were stored with different hashes")
	}
	// The same number again is refused, and its first issue stands.
	a.advance(time.Second)
	a.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).problem(http.StatusConflict, "conflict")
}

// problemField checks the field a problem names.
func problemField(t *testing.T, p api.Problem, field string) {
	t.Helper()
	if p.Field != field {
		t.Errorf("problem names field %q, want %q (detail %q)", p.Field, field, p.Detail)
	}
}

// pdfText is the text of a PDF by poppler's pdftotext, "" (and a log
// line) where it is not installed; .ci/run installs it.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (.ci/run installs poppler-utils)")
		}
		t.Log("SKIPPED text checks: needs pdftotext (apt-get install -y poppler-utils)")
		return ""
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

// TestIssuedReportNumberDrawnTwice: a number drawn again is refused by the
// store and the report is numbered anew; the first report stands.
func TestIssuedReportNumberDrawnTwice(t *testing.T) {
	numbers := []string{"CR-20260701-00000000AA", "CR-20260701-00000000AA", "CR-20260701-00000000BB"}
	e := reportEnv(t, func(s *api.Server) {
		s.ReportNumber = func(time.Time) string { n := numbers[0]; numbers = numbers[1:]; return n }
	})
	first := e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK)
	e.advance(time.Second)
	second := e.do("GET", "/v1/subjects/"+codeHuaibei+"/report.pdf", "", "", nil).wantStatus(http.StatusOK)
	if a, b := reportNumber(t, first), reportNumber(t, second); a != "CR-20260701-00000000AA" || b != "CR-20260701-00000000BB" {
		t.Fatalf("numbers %s, %s", a, b)
	}
	sum := sha256.Sum256(first.body)
	if got := e.issued("CR-20260701-00000000AA"); got.SHA256 != hex.EncodeToString(sum[:]) || got.SupersededBy != "CR-20260701-00000000BB" {
		t.Errorf("the first report reads %+v", got)
	}
	if text := pdfText(t, second.body); text != "" && (!strings.Contains(text, "CR-20260701-00000000BB") || strings.Contains(text, "00000000AA")) {
		t.Error("the renumbered report does not print its own number only")
	}
}
