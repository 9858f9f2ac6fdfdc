package assess_test

import (
	"cmp"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
)

// The national tax dimension written directly in Go: the yardstick for the
// CEL evaluation (BenchmarkTaxHandwritten) and, by TestHandwrittenAgrees, a
// second reading of the rules that the rulebooks must agree with. Texts
// are those of testdata/continuous-tax.yaml, the tax rulebook bundled before issue 13 (TestHandwrittenAgrees
// compares everything but the texts, which the rulebook may reword).

const (
	day  = 24 * time.Hour
	year = 365 * day
)

var directDKinds = []string{"arrears_escape", "export_rebate_fraud", "false_vat_invoice", "refund_fraud",
	"police_referral", "assessed_not_paid", "violent_refusal", "absconded"}

// directGround reports whether r is a direct-D act: one of the grave kinds,
// or evasion of at least 100,000 that is at least 10% of the tax due.
func directGround(r *credo.Record) bool {
	if slices.Contains(directDKinds, r.Kind) {
		return true
	}
	return r.Kind == "evasion" && r.Amount != nil && r.TaxDue != nil && *r.Amount >= 100000 && *r.Amount*10 >= *r.TaxDue
}

type pointRule struct {
	id, reason, basis string
	points            float64
}

var taxRules = map[string]pointRule{
	"late_filing":       {"tax.late_filing", "未按规定期限纳税申报（按税种按次计算）", "《纳税信用评价指标和评价方式（试行）》：未按规定期限纳税申报", -5},
	"late_payment":      {"tax.late_payment", "未按规定期限缴纳已申报或批准延期申报的应纳税（费）款", "《纳税信用评价指标和评价方式（试行）》：未按规定期限缴纳税款", -5},
	"invoice_violation": {"tax.invoice_violation", "未按规定开具、保管发票或安装使用税控装置", "《中华人民共和国发票管理办法》第三十五条；《纳税信用评价指标和评价方式（试行）》", -10},
	"evasion":           {"tax.evasion", "偷税（逃避缴纳税款）未达到直接判D级标准", "《中华人民共和国税收征收管理法》第六十三条；《纳税信用评价指标和评价方式（试行）》", -11},
}

var taxOrder = map[string]int{"tax.late_filing": 0, "tax.late_payment": 1, "tax.invoice_violation": 2, "tax.evasion": 3}

const (
	taxRulebook    = "national-tax"
	directReason   = "存在直接判为D级的失信行为（自决定之日起2年）"
	directBasis    = "《纳税信用管理办法（试行）》第二十条；《纳税信用评价指标和评价方式（试行）》"
	mReason        = "新设立不满1年，评为M级"
	mBasis         = "《国家税务总局关于纳税信用评价有关事项的公告》（国家税务总局公告2018年第8号）"
	youngReason    = "成立不满3年，不得评为A级"
	youngBasis     = "《纳税信用管理办法（试行）》第二十一条"
	afterDReason   = "直接判D级满2年后的第3年，不得评为A级"
	afterDBasis    = "《纳税信用管理办法（试行）》第二十一条、第三十二条"
	orderDirect    = 4
	orderM         = 5
	orderCapYoung  = 6
	orderCapAfterD = 7
)

type handwritten struct {
	inForce []*credo.Record
	scored  []scoredContribution
}

type scoredContribution struct {
	order int
	c     credo.Contribution
}

// tax assesses the tax dimension as testdata/continuous-tax.yaml does.
func (h *handwritten) tax(versions []*credo.Subject, records []*credo.Record, asOf time.Time) *credo.Dimension {
	reg := assess.Registration(versions, asOf)
	h.inForce = assess.InForce(h.inForce[:0], records, asOf)
	h.scored = h.scored[:0]
	start := 90.0
	for _, r := range h.inForce {
		if r.Category == "tax" && r.OccurredAt.After(asOf.Add(-3*year)) {
			start = 100
			break
		}
	}
	score, direct, afterD := start, false, false
	for _, r := range h.inForce {
		if r.Category != "tax" {
			continue
		}
		ground := directGround(r)
		if rule, ok := taxRules[r.Kind]; ok && !(r.Kind == "evasion" && ground) {
			if until := r.OccurredAt.Add(year); asOf.Before(until) {
				score += rule.points
				h.scored = append(h.scored, scoredContribution{taxOrder[rule.id], credo.Contribution{
					Record: r.ID, Rule: rule.id, Rulebook: taxRulebook, Points: rule.points, Reason: rule.reason,
					Basis: &credo.Basis{Model: rule.basis}, Until: credo.NewTime(until)}})
			}
		}
		if ground {
			if until := r.OccurredAt.Add(2 * year); asOf.Before(until) {
				direct = true
				h.scored = append(h.scored, scoredContribution{orderDirect, credo.Contribution{
					Record: r.ID, Rule: "tax.direct_d", Rulebook: taxRulebook, Grade: "D", Reason: directReason,
					Basis: &credo.Basis{Model: directBasis}, Until: credo.NewTime(until)}})
			} else if r.OccurredAt.After(asOf.Add(-3 * year)) {
				afterD = true
			}
		}
	}
	d := &credo.Dimension{Title: "纳税信用", Start: start, Score: score}
	switch {
	case score >= 90:
		d.Grade = "A"
	case score >= 70:
		d.Grade = "B"
	case score >= 40:
		d.Grade = "C"
	default:
		d.Grade = "D"
	}
	var established time.Time
	if reg != nil {
		established = reg.Established.Time
	}
	young := func(age time.Duration) bool { return !established.IsZero() && established.After(asOf.Add(-age)) }
	switch {
	case direct:
		d.Grade = "D"
		d.Reasons = append(d.Reasons, directReason)
	case young(year):
		d.Grade = "M"
		d.Reasons = append(d.Reasons, mReason)
		h.scored = append(h.scored, scoredContribution{orderM, credo.Contribution{
			Rule: "tax.m_new", Rulebook: taxRulebook, Grade: "M", Reason: mReason, Basis: &credo.Basis{Model: mBasis}}})
	}
	if d.Grade == "A" && young(3*year) {
		d.Grade = "B"
		d.Reasons = append(d.Reasons, youngReason)
		h.scored = append(h.scored, scoredContribution{orderCapYoung, credo.Contribution{
			Rule: "tax.cap_young", Rulebook: taxRulebook, Grade: "B", Reason: youngReason, Basis: &credo.Basis{Model: youngBasis}}})
	}
	if d.Grade == "A" && afterD {
		d.Grade = "B"
		d.Reasons = append(d.Reasons, afterDReason)
		h.scored = append(h.scored, scoredContribution{orderCapAfterD, credo.Contribution{
			Rule: "tax.cap_after_direct_d", Rulebook: taxRulebook, Grade: "B", Reason: afterDReason, Basis: &credo.Basis{Model: afterDBasis}}})
	}
	slices.SortFunc(h.scored, func(a, b scoredContribution) int {
		return cmp.Or(cmp.Compare(a.order, b.order), cmp.Compare(a.c.Record, b.c.Record))
	})
	d.Contributions = make([]credo.Contribution, len(h.scored))
	for i, s := range h.scored {
		d.Contributions[i] = s.c
	}
	return d
}
