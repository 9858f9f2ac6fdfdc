package api_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// goodReport is a complete annual report body for year: revenue and
// profit disclosed, the other optional items not.
func goodReport(year int) map[string]any {
	return map[string]any{
		"year":             year,
		"contact":          map[string]any{"address": "安徽省淮北市相山区人民路1号", "postal_code": "235000", "phone": "0561-3000000", "email": "office@example.cn"},
		"operating_status": "operating",
		"websites":         []map[string]any{{"name": "官网", "url": "https://www.example.cn"}},
		"investments":      []map[string]any{{"code": codeHuawei, "name": "华为技术有限公司"}},
		"shareholders": []map[string]any{
			{"name": "淮北市某某投资有限公司", "code": codeHuaibei2, "subscribed": 600000.0, "subscribed_on": "2015-04-20", "paid_in": 600000.0, "paid_in_on": "2016-01-10", "share": 60},
			{"name": "张三", "subscribed": 400000.0, "subscribed_on": "2015-04-20", "paid_in": 100000.0, "paid_in_on": "2016-01-10", "share": 40},
		},
		"employees":                  86,
		"social_insurance_headcount": 80,
		"total_assets":               12500000.0,
		"liabilities":                4300000.0,
		"revenue":                    31000000.0,
		"profit":                     -250000.0,
		"tax_paid":                   910000.0,
		"disclosed":                  []string{"revenue", "profit"},
	}
}

type reportHistory struct {
	Report           map[string]any   `json:"report"`
	Versions         []map[string]any `json:"versions"`
	FalseDisclosures []map[string]any `json:"false_disclosures"`
}

func (e *env) reportHistory(token, code string, year int, asOf string) reportHistory {
	e.t.Helper()
	path := "/v1/subjects/" + code + "/annual-reports/" + strconv.Itoa(year)
	if asOf != "" {
		path += "?as_of=" + url.QueryEscape(asOf)
	}
	var h reportHistory
	e.do("GET", path, token, "", nil).wantStatus(http.StatusOK).decode(&h)
	return h
}

// Filing, correcting and reading: the public sees the public items and
// the disclosed optional ones; the organization and the regulator over it
// everything; as_of shows what was filed by then.
func TestAnnualReports(t *testing.T) {
	e := newProcessEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市某某商贸有限公司")).wantStatus(http.StatusCreated)
	own := e.account("huaibei-org", codeHuaibei)

	res := e.postJSON("/v1/subjects/"+codeHuaibei+"/annual-reports", own, goodReport(2025)).wantStatus(http.StatusCreated)
	if loc := res.header.Get("Location"); loc != "/v1/subjects/"+codeHuaibei+"/annual-reports/2025" {
		t.Errorf("Location %q", loc)
	}
	first := res.object()
	if first["version"] != 1.0 || first["filed_by"] != "account:huaibei-org" || first["subject"] != codeHuaibei {
		t.Errorf("filed: %v", first)
	}
	firstAt := first["filed_at"].(string)
	e.advance(time.Hour)
	fix := with(goodReport(2025), "corrects", 1, "employees", 88)
	if got := e.postJSON("/v1/subjects/"+codeHuaibei+"/annual-reports", own, fix).wantStatus(http.StatusCreated).object(); got["version"] != 2.0 {
		t.Errorf("correction: %v", got)
	}

	pub := e.reportHistory("", codeHuaibei, 2025, "")
	if len(pub.Versions) != 2 || pub.Report["version"] != 2.0 {
		t.Fatalf("the public sees %d versions, current %v", len(pub.Versions), pub.Report["version"])
	}
	for _, item := range []string{"employees", "total_assets", "liabilities", "tax_paid"} {
		if _, shown := pub.Report[item]; shown {
			t.Errorf("the public sees the undisclosed %s", item)
		}
	}
	if pub.Report["revenue"] != 31000000.0 || pub.Report["profit"] != -250000.0 || pub.Report["social_insurance_headcount"] != 80.0 {
		t.Errorf("the public misses a public or disclosed item: %v", pub.Report)
	}
	if w := pub.Report["withheld"].([]any); len(w) != 4 {
		t.Errorf("withheld %v", w)
	}
	for _, tok := range []string{own, tokenHuaibei, adminToken} {
		full := e.reportHistory(tok, codeHuaibei, 2025, "")
		if full.Report["employees"] != 88.0 || full.Report["tax_paid"] != 910000.0 || full.Report["withheld"] != nil {
			t.Errorf("%s sees %v", tok, full.Report)
		}
	}
	// The tax authority of Shanghai is neither the region nor the field.
	if got := e.reportHistory(tokenShanghai, codeHuaibei, 2025, ""); got.Report["employees"] != nil {
		t.Errorf("another region's tax authority sees employees")
	}
	// as_of: what was filed by then.
	then := e.reportHistory("", codeHuaibei, 2025, firstAt)
	if len(then.Versions) != 1 || then.Report["version"] != 1.0 {
		t.Errorf("as of the first filing: %v", then.Report)
	}
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/annual-reports/2025?as_of=2026-01-01", "", "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/annual-reports/2024", "", "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	var list struct {
		Reports []map[string]any `json:"reports"`
	}
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/annual-reports", "", "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Reports) != 1 || list.Reports[0]["version"] != 2.0 || list.Reports[0]["employees"] != nil {
		t.Errorf("the list: %v", list.Reports)
	}
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/annual-reports?as_of=0001-01-01", "", "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)

	// Each filing is in the change log, and the public's events feed shows
	// that it happened (not its items).
	var feed struct {
		Events []struct {
			Type    string         `json:"type"`
			Subject string         `json:"subject"`
			Data    map[string]any `json:"data"`
		} `json:"events"`
	}
	e.do("GET", "/v1/events?types=credo.annual_report.filed", "", "", nil).wantStatus(http.StatusOK).decode(&feed)
	if len(feed.Events) != 2 || feed.Events[1].Subject != codeHuaibei || feed.Events[1].Data["version"] != 2.0 ||
		feed.Events[1].Data["year"] != 2025.0 || feed.Events[1].Data["employees"] != nil {
		t.Errorf("events %+v", feed.Events)
	}
}

// Bad input: each refused with the field and the reason, and nothing
// stored.
func TestAnnualReportBadInput(t *testing.T) {
	e := newProcessEnv(t)
	e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(codeHuaibei, "淮北市某某商贸有限公司")).wantStatus(http.StatusCreated)
	own := e.account("huaibei-org", codeHuaibei)
	other := e.account("shanghai-org", codeShanghai)
	path := "/v1/subjects/" + codeHuaibei + "/annual-reports"
	shareholders := func(paidIn, share float64) []map[string]any {
		return []map[string]any{
			{"name": "淮北市某某投资有限公司", "subscribed": 600000.0, "paid_in": paidIn, "paid_in_on": "2016-01-10", "share": share},
			{"name": "张三", "subscribed": 400000.0, "paid_in": 0.0, "share": 40},
		}
	}
	for _, c := range []struct {
		name          string
		body          map[string]any
		field, reason string
	}{
		{"a year that has not ended", with(goodReport(2026), "year", 2026), "year", "not_ended"},
		{"a year before the organization existed", goodReport(2014), "year", "before_established"},
		{"negative employees", with(goodReport(2025), "employees", -1), "employees", "negative"},
		{"a negative social insurance headcount", with(goodReport(2025), "social_insurance_headcount", -3), "social_insurance_headcount", "negative"},
		{"paid-in above subscribed", with(goodReport(2025), "shareholders", shareholders(700000, 60)), "shareholders[0].paid_in", "above_subscribed"},
		{"a share total over 100%", with(goodReport(2025), "shareholders", shareholders(600000, 61)), "shareholders", "share_total"},
		{"an investment in an invalid code", with(goodReport(2025), "investments", []map[string]any{{"code": badChecksum}}), "investments[0].code", "checksum"},
		{"an optional item the law makes public", with(goodReport(2025), "disclosed", []string{"contact"}), "disclosed[0]", "enum"},
		{"an unknown operating status", with(goodReport(2025), "operating_status", "open"), "operating_status", "enum"},
		{"a correction of nothing", with(goodReport(2025), "corrects", 1), "corrects", "none"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := e.postJSON(path, own, c.body).problem(http.StatusUnprocessableEntity, credo.EINVALID)
			wantField(t, p, c.field, c.reason)
		})
	}
	t.Run("another organization's token", func(t *testing.T) {
		p := e.postJSON(path, other, goodReport(2025)).problem(http.StatusForbidden, credo.EFORBIDDEN)
		if !strings.Contains(p.Detail, "own") {
			t.Errorf("detail %q", p.Detail)
		}
		e.postJSON(path, tokenHuaibei, goodReport(2025)).problem(http.StatusForbidden, credo.EFORBIDDEN)
	})
	var list struct {
		Reports []map[string]any `json:"reports"`
	}
	e.do("GET", path, own, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Reports) != 0 {
		t.Fatalf("refused filings stored %v", list.Reports)
	}

	t.Run("the same year's filing sent twice at once", func(t *testing.T) {
		var wg sync.WaitGroup
		statuses := make([]int, 2)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = e.postJSON(path, own, goodReport(2025)).status
			}()
		}
		wg.Wait()
		slices.Sort(statuses)
		if !slices.Equal(statuses, []int{http.StatusCreated, http.StatusConflict}) {
			t.Fatalf("statuses %v, want one 201 and one 409", statuses)
		}
		p := e.postJSON(path, own, goodReport(2025)).problem(http.StatusConflict, credo.ECONFLICT)
		wantField(t, p, "year", "filed")
		if h := e.reportHistory(own, codeHuaibei, 2025, ""); len(h.Versions) != 1 {
			t.Fatalf("%d versions stored, want 1", len(h.Versions))
		}
	})
}

// After 30 June the organization that did not file is on the abnormal
// operations list by rule; the overdue list names it; its obligations say
// so; a report found false lists by the list's rule.
func TestAnnualReportDeadlineAndChecks(t *testing.T) {
	e := newProcessEnv(t)
	e.setNow(time.Date(2026, 5, 20, 2, 0, 0, 0, time.UTC))
	for _, code := range []string{codeHuaibei, codeHuaibei2} {
		e.postJSON("/v1/subjects", tokenHuaibei, goodSubject(code, "淮北市某某商贸有限公司"+code[14:])).wantStatus(http.StatusCreated)
	}
	own := e.account("huaibei-org", codeHuaibei)
	other := e.account("huaibei2-org", codeHuaibei2)
	var obl struct {
		Obligations []map[string]any `json:"obligations"`
	}
	e.do("GET", "/v1/me/obligations", own, "", nil).wantStatus(http.StatusOK).decode(&obl)
	if len(obl.Obligations) != 1 || obl.Obligations[0]["year"] != 2025.0 || obl.Obligations[0]["status"] != "due" ||
		obl.Obligations[0]["due_by"] != "2026-06-30T16:00:00Z" || !strings.Contains(obl.Obligations[0]["consequence"].(string), "abnormal-operations") {
		t.Fatalf("obligations before filing: %v", obl.Obligations)
	}
	e.postJSON("/v1/subjects/"+codeHuaibei2+"/annual-reports", other, goodReport(2025)).wantStatus(http.StatusCreated)
	run := func() {
		t.Helper()
		if _, _, err := e.server.Process.RunDue(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e.setNow(time.Date(2026, 6, 1, 1, 0, 0, 0, time.UTC))
	run()
	e.setNow(time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC)) // 1 July, 00:00 Shanghai
	run()
	run()
	var inbox struct {
		Notices []credo.Notice `json:"notices"`
	}
	e.do("GET", "/v1/me/notices", own, "", nil).wantStatus(http.StatusOK).decode(&inbox)
	kinds := map[string]int{}
	for _, n := range inbox.Notices {
		kinds[n.Kind]++
	}
	if kinds[credo.NoticeAnnualReport] != 1 || kinds[credo.NoticeListing] != 1 {
		t.Errorf("inbox kinds %v, want one reminder and one listing", kinds)
	}
	var lists struct {
		Entries []entryView `json:"entries"`
	}
	e.do("GET", "/v1/subjects/"+codeHuaibei+"/lists", "", "", nil).wantStatus(http.StatusOK).decode(&lists)
	if len(lists.Entries) != 1 || lists.Entries[0].List != "abnormal-operations" || lists.Entries[0].Source != "rule" {
		t.Fatalf("the public sees %+v", lists.Entries)
	}
	listed := lists.Entries[0].ID
	e.do("GET", "/v1/subjects/"+codeHuaibei2+"/lists", "", "", nil).wantStatus(http.StatusOK).decode(&lists)
	if len(lists.Entries) != 0 {
		t.Fatalf("the organization that filed is listed: %+v", lists.Entries)
	}

	var overdue struct {
		Year          int              `json:"year"`
		Overdue       bool             `json:"overdue"`
		Organizations []map[string]any `json:"organizations"`
	}
	e.do("GET", "/v1/annual-reports/overdue?division=3406&year=2025", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&overdue)
	if !overdue.Overdue || len(overdue.Organizations) != 1 || overdue.Organizations[0]["code"] != codeHuaibei {
		t.Fatalf("overdue: %+v", overdue)
	}
	e.do("GET", "/v1/annual-reports/overdue?division=3205&year=2025", tokenHuaibei, "", nil).problem(http.StatusForbidden, credo.EFORBIDDEN)
	wantField(t, e.do("GET", "/v1/annual-reports/overdue?division=34x&year=2025", adminToken, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID), "division", "format")
	wantField(t, e.do("GET", "/v1/annual-reports/overdue?year=2026", adminToken, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID), "year", "not_ended")

	e.do("GET", "/v1/me/obligations", own, "", nil).wantStatus(http.StatusOK).decode(&obl)
	if len(obl.Obligations) != 1 || obl.Obligations[0]["status"] != "overdue" || obl.Obligations[0]["list_entry"] != float64(listed) {
		t.Fatalf("obligations after the deadline: %v", obl.Obligations)
	}

	// A spot check finds the other's report false: the list's rule lists it.
	body := map[string]any{"decision_number": "淮市监抽〔2026〕3号", "legal_basis": "《企业信息公示暂行条例》第十四条、第十八条", "findings": "从业人数与社保参保人数不符"}
	wantField(t, e.postJSON("/v1/subjects/"+codeHuaibei2+"/annual-reports/2025/false-disclosures", tokenHuaibei, with(body, "findings", nil)).
		problem(http.StatusUnprocessableEntity, credo.EINVALID), "findings", "required")
	rec := e.postJSON("/v1/subjects/"+codeHuaibei2+"/annual-reports/2025/false-disclosures", tokenHuaibei, body).wantStatus(http.StatusCreated).object()
	if rec["kind"] != "false_disclosure" || rec["decision_number"] != "淮市监抽〔2026〕3号" {
		t.Fatalf("the finding: %v", rec)
	}
	e.postJSON("/v1/subjects/"+codeHuaibei2+"/annual-reports/2025/false-disclosures", tokenHuaibei, body).wantStatus(http.StatusOK)
	e.postJSON("/v1/subjects/"+codeHuaibei2+"/annual-reports/2024/false-disclosures", tokenHuaibei, body).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/subjects/"+codeHuaibei2+"/lists", tokenHuaibei, "", nil).wantStatus(http.StatusOK).decode(&lists)
	if len(lists.Entries) != 1 || lists.Entries[0].List != "abnormal-operations" || lists.Entries[0].Source != "rule" {
		t.Fatalf("after the finding: %+v", lists.Entries)
	}
	if h := e.reportHistory(tokenHuaibei, codeHuaibei2, 2025, ""); len(h.FalseDisclosures) != 1 {
		t.Fatalf("the report shows %d findings", len(h.FalseDisclosures))
	}
}
