package report_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/report"
)

func sample() *report.Report {
	issued := time.Date(2026, 7, 1, 8, 30, 0, 0, time.UTC)
	return &report.Report{
		Number:    "CR-2026-000123",
		IssuedAt:  issued,
		AsOf:      issued,
		VerifyURL: "https://credo.example/verify/CR-2026-000123",
		Subject: &credo.Subject{Code: "914403001922038216", Name: "华为技术有限公司", Division: "440300", Status: credo.StatusActive,
			Industry: "I65", Address: "深圳市龙岗区坂田华为基地", Established: credo.Date{Time: time.Date(1987, 9, 15, 0, 0, 0, 0, time.UTC)}},
		Assessment: &credo.Assessment{Subject: "914403001922038216", Grade: "B", Public: true,
			Rulebooks: []credo.RulebookRef{{ID: "national-comprehensive", Version: "2026.1"}},
			Dimensions: map[string]*credo.Dimension{
				"market": {Title: "市场监管信用", Start: 100, Score: 72, Grade: "C", Contributions: []credo.Contribution{{Rule: "market.penalty_serious", Points: -20, Reason: "严重失信：吊销、关闭或大额罚款", Basis: &credo.Basis{Law: &credo.Citation{Document: "失信行为纠正后的信用信息修复管理办法（试行）", Number: "国家发展和改革委员会令第58号"}}}}},
				"tax":    {Title: "纳税信用", Start: 100, Score: 95, Grade: "A"},
			}},
		Records: []report.Record{{Authority: "深圳市市场监督管理局", Category: "market", Kind: "penalty", DecisionNumber: "深市监罚〔2026〕9号",
			LegalBasis: "《中华人民共和国食品安全法》", Description: "食品安全", Decided: issued.AddDate(0, -3, 0), PublicFrom: issued.AddDate(0, -3, 0), PublicUntil: issued.AddDate(3, -3, 0), UnderObjection: true}},
		Entries:  []report.Entry{{List: "经营异常名录", Authority: "深圳市市场监督管理局", DecisionNumber: "深市监异〔2026〕3号", LegalBasis: "《企业经营异常名录管理暂行办法》", State: "active", Decided: issued.AddDate(0, -2, 0), Effective: issued.AddDate(0, -2, 0)}},
		Measures: []report.Measure{{Title: "不予授予荣誉称号", Effect: "prohibit", LegalBasis: "《企业信息公示暂行条例》", Why: "列入经营异常名录"}},
	}
}

func TestSameInputsSameBytes(t *testing.T) {
	a, err := report.PDF(sample())
	if err != nil {
		t.Fatal(err)
	}
	b, err := report.PDF(sample())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("the same report gave different bytes")
	}
	later := sample()
	later.IssuedAt = later.IssuedAt.Add(time.Second)
	c, err := report.PDF(later)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a, c) {
		t.Fatal("another issue time gave the same bytes")
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %.20q", a)
	}
	// The CJK font is embedded (FontFile2), subset (the whole font is
	// 3.4 MB), with a ToUnicode map so that the text can be selected.
	for _, want := range []string{"/FontFile2", "/ToUnicode"} {
		if !bytes.Contains(a, []byte(want)) {
			t.Errorf("the PDF has no %s", want)
		}
	}
	if len(a) > 300_000 {
		t.Errorf("the PDF is %d bytes: the font is not subset", len(a))
	}
}

// TestTextSelectable extracts the text with poppler's pdftotext (.ci/run
// installs it) and finds the Chinese text in it.
func TestTextSelectable(t *testing.T) {
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (.ci/run installs poppler-utils)")
		}
		t.Skip("SKIPPED: needs pdftotext (apt-get install -y poppler-utils)")
	}
	pdf, err := report.PDF(sample())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := string(out)
	for _, want := range []string{"信用报告", "华为技术有限公司", "914403001922038216", "CR-2026-000123", "2026-07-01T08:30:00Z",
		"national-comprehensive 2026.1", "深市监罚〔2026〕9号", "异议处理中", "经营异常名录", "不予授予荣誉称号", "https://credo.example/verify/CR-2026-000123",
		"信用概要", "B 信用良好 good", "存续 active", "有效 in effect"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text of the PDF lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}

func TestNoOrganization(t *testing.T) {
	if _, err := report.PDF(&report.Report{Number: "x"}); err == nil {
		t.Fatal("a report without an organization was rendered")
	}
}

// TestManyRecords: a PDF lists the newest PDFRecords records and says
// plainly how many it leaves out and where every one is.
func TestManyRecords(t *testing.T) {
	tool, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("pdftotext is not installed (.ci/run installs poppler-utils)")
		}
		t.Skip("SKIPPED: needs pdftotext (apt-get install -y poppler-utils)")
	}
	r := sample()
	rec := r.Records[0]
	r.Records = nil
	for i := range report.PDFRecords + 30 {
		rec.DecisionNumber = fmt.Sprintf("深市监罚〔2026〕%d号", 1000+i)
		r.Records = append(r.Records, rec)
	}
	r.RecordsTotal = 1930
	r.RecordsURL = "https://credo.example/v1/subjects/914403001922038216/records"
	pdf, err := report.PDF(r)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool, "-enc", "UTF-8", "-raw", path, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Join(strings.Fields(string(out)), " ")
	for _, want := range []string{"公示记录 Records 1930", "本报告列出最新的 100 条记录，其余 1830 条未列出",
		"The newest 100 of 1930 records are listed here; the other 1830 are not.", r.RecordsURL,
		fmt.Sprintf("深市监罚〔2026〕%d号", 1000+report.PDFRecords-1)} {
		if !strings.Contains(text, want) {
			t.Errorf("the text of the PDF lacks %q", want)
		}
	}
	if notListed := fmt.Sprintf("深市监罚〔2026〕%d号", 1000+report.PDFRecords); strings.Contains(text, notListed) {
		t.Errorf("the PDF lists %s, past the newest %d", notListed, report.PDFRecords)
	}
	if t.Failed() {
		t.Logf("text:\n%s", text)
	}
}
