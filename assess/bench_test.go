package assess_test

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/rulebook"
	"github.com/credo-registry/credo/rulebooks"
)

// benchOrg is a realistic organization: registered in Shanghai in 2013,
// eleven records over five years in six categories (a correction among
// them), assessed in November 2026.
func benchOrg() (string, []*credo.Subject, []*credo.Record, time.Time) {
	const code = "91310112087994932F"
	t := func(s string) credo.Time { return credo.NewTime(mustTime(s)) }
	f := func(x float64) *float64 { return &x }
	versions := []*credo.Subject{{Code: code, Name: "上海浦江精密机械有限公司", Division: "310112", Established: credo.NewDate(mustTime("2013-12-20")),
		Status: credo.StatusActive, Industry: "C34", Version: 1, RecordedAt: t("2013-12-21")}}
	records := []*credo.Record{
		{ID: 101, Category: "tax", Kind: "tax_grade", Description: "A: 2025年度纳税信用评价结果为A级", OccurredAt: t("2026-04-15"), RecordedAt: t("2026-04-16")},
		{ID: 102, Category: "tax", Kind: "late_filing", Description: "未按照规定期限办理增值税纳税申报", OccurredAt: t("2026-09-16"), RecordedAt: t("2026-09-17")},
		{ID: 103, Category: "tax", Kind: "late_payment", Amount: f(18650.4), OccurredAt: t("2026-06-30"), RecordedAt: t("2026-07-01")},
		{ID: 104, Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, Amount: f(3000),
			DecisionNumber: "沪市监罚〔2026〕88号", LegalBasis: "《中华人民共和国广告法》第五十五条", OccurredAt: t("2026-05-20"), RecordedAt: t("2026-05-21")},
		{ID: 105, Category: "market", Kind: "licence", Description: "食品经营许可证", OccurredAt: t("2024-06-10"), ValidUntil: t("2029-06-09"), RecordedAt: t("2024-06-11")},
		{ID: 106, Category: "market", Kind: "inspection", Description: "pass: 产品质量监督抽查合格", OccurredAt: t("2025-11-01"), RecordedAt: t("2025-11-02")},
		{ID: 107, Category: "environment", Kind: "environmental_credit", Description: "blue: 2025年度环境信用评价为蓝牌", OccurredAt: t("2026-03-01"), ValidUntil: t("2027-03-01"), RecordedAt: t("2026-03-02")},
		{ID: 108, Category: "environment", Kind: "penalty", Severity: "general", PenaltyTypes: []string{"fine"}, Amount: f(50000),
			DecisionNumber: "沪环罚〔2026〕12号", LegalBasis: "《中华人民共和国大气污染防治法》第九十九条", OccurredAt: t("2026-02-10"), RecordedAt: t("2026-02-11")},
		{ID: 109, Category: "customs", Kind: "customs_certification", Description: "certified: 海关认证企业", OccurredAt: t("2025-06-01"), ValidUntil: t("2030-06-01"), RecordedAt: t("2025-06-02")},
		{ID: 110, Category: "honour", Kind: "honour", Description: "上海市守合同重信用企业", OccurredAt: t("2025-12-01"), RecordedAt: t("2025-12-02")},
		{ID: 111, Category: "safety", Kind: "inspection", Description: "fail: 消防监督检查发现隐患", OccurredAt: t("2026-08-01"), RecordedAt: t("2026-08-02")},
		{ID: 112, Category: "environment", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"warning"}, Supersedes: 108,
			DecisionNumber: "沪环罚〔2026〕12号（更正）", LegalBasis: "《中华人民共和国大气污染防治法》第九十九条", OccurredAt: t("2026-02-10"), RecordedAt: t("2026-03-11")},
	}
	return code, versions, records, mustTime("2026-11-20")
}

func mustTime(s string) time.Time {
	t, err := credo.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t.Time
}

// bundled returns the bundled rulebooks; with only, just those ids.
func bundled(tb testing.TB, only ...string) *rulebook.Set {
	tb.Helper()
	books, err := rulebooks.Books()
	if err != nil {
		tb.Fatal(err)
	}
	if len(only) > 0 {
		books = slices.DeleteFunc(books, func(rb *rulebook.Rulebook) bool { return !slices.Contains(only, rb.ID) })
	}
	s, err := rulebook.NewSet(books...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkAssess assesses the realistic organization under all the
// bundled rulebooks.
func BenchmarkAssess(b *testing.B) {
	set := bundled(b)
	code, versions, records, asOf := benchOrg()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := assess.Assess(set, code, versions, records, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssessParallel is BenchmarkAssess on all cores, as a regrade runs.
func BenchmarkAssessParallel(b *testing.B) {
	set := bundled(b)
	code, versions, records, asOf := benchOrg()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := assess.Assess(set, code, versions, records, asOf); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAssessTax assesses the same organization under the bundled
// national-tax rulebook alone: the CEL side of the comparison with
// BenchmarkTaxHandwritten.
func BenchmarkAssessTax(b *testing.B) {
	set := newSet(b, parseFile(b, "continuous-tax.yaml"))
	code, versions, records, asOf := benchOrg()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := assess.Assess(set, code, versions, records, asOf); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTaxHandwritten is the national tax dimension written in Go, on
// the same inputs.
func BenchmarkTaxHandwritten(b *testing.B) {
	_, versions, records, asOf := benchOrg()
	var h handwritten
	b.ReportAllocs()
	for b.Loop() {
		if d := h.tax(versions, records, asOf); d == nil {
			b.Fatal("no tax dimension")
		}
	}
}

// BenchmarkTaxRatio runs BenchmarkAssessTax's and BenchmarkTaxHandwritten's
// work in alternating rounds, so that both see the same machine load, and
// reports their times and ratio.
func BenchmarkTaxRatio(b *testing.B) {
	set := newSet(b, parseFile(b, "continuous-tax.yaml"))
	code, versions, records, asOf := benchOrg()
	var h handwritten
	var celTime, goTime time.Duration
	const round = 256
	n := 0
	for b.Loop() {
		start := time.Now()
		for range round {
			if _, err := assess.Assess(set, code, versions, records, asOf); err != nil {
				b.Fatal(err)
			}
		}
		mid := time.Now()
		for range round {
			h.tax(versions, records, asOf)
		}
		celTime += mid.Sub(start)
		goTime += time.Since(mid)
		n += round
	}
	b.ReportMetric(float64(celTime.Nanoseconds())/float64(n), "cel-ns/assessment")
	b.ReportMetric(float64(goTime.Nanoseconds())/float64(n), "go-ns/assessment")
	b.ReportMetric(float64(celTime)/float64(goTime), "ratio")
}
