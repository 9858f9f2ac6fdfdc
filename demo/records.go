package demo

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// adverseShare is the chance that a record about a subject of each risk is
// adverse: most organizations are clean, a few have many adverse records.
var adverseShare = [...]float64{
	riskClean:    0.015,
	riskModerate: 0.30,
	riskBad:      0.70,
	riskReal:     0,
}

// Corrections and retractions: record j is one, about record j-derivedGap,
// when a hash of j says so (derivedPerMille in 1000), the earlier record is
// not one itself, and it is adverse. The fixed gap makes the mapping one to
// one, so no record is superseded twice.
const (
	derivedGap       = 97
	derivedPerMille  = 25
	correctionShare  = 0.6
	heavySubjectBias = 0.5 // share of records drawn by rank² rather than uniformly
)

func (g *generator) isDerived(j int) bool {
	return mix(g.seed^streamDerived<<40^uint64(j))%1000 < derivedPerMille
}

// record generates record j.
func (g *generator) record(j int, cache *coreCache) *credo.Record {
	if j >= derivedGap && g.isDerived(j) && !g.isDerived(j-derivedGap) {
		orig, c, adverse := g.base(j-derivedGap, cache)
		if adverse {
			return g.derive(j, orig, c)
		}
	}
	rec, _, _ := g.base(j, cache)
	return rec
}

// base generates the record drawn for index j, and the subject's core (in
// the cache: valid until the next lookup).
func (g *generator) base(j int, cache *coreCache) (*credo.Record, *core, bool) {
	r := newRNG(g.seed, streamRecord, j)
	var rank int
	if r.chance(heavySubjectBias) {
		u := r.float()
		rank = int(u * u * float64(g.n))
	} else {
		rank = r.intn(g.n)
	}
	c := g.cachedCore(cache, int(g.rank.apply(uint64(rank))))
	adverse := r.chance(adverseShare[c.risk])
	tables := &recordTables[c.class]
	table := &tables[0]
	if adverse {
		table = &tables[1]
	}
	// A draw that does not fit the subject (an annual report of a firm
	// founded this year) is drawn again.
	for attempt := 0; ; attempt++ {
		en := &table.entries[weighted(&r, table.cum)]
		if attempt >= 8 {
			en = &table.entries[table.anytime]
		}
		spec := &authoritySpecs[g.jur.authorityFor(c.region, c.class, en.category)]
		b := builder{
			g: g, r: &r, c: c, reg: &g.regions.regions[c.region], spec: spec, j: j,
			rec: &credo.Record{
				Subject:   c.code,
				Authority: spec.ID,
				Category:  en.category,
				Kind:      kindNames[en.kind],
			},
		}
		if b.fill(en.kind) {
			return b.rec, c, adverse
		}
	}
}

// builder assembles one record.
type builder struct {
	g    *generator
	r    *rng
	c    *core
	reg  *region
	spec *authoritySpec
	rec  *credo.Record
	j    int
	t    int64 // OccurredAt, Unix seconds
	year int
	buf  []byte
}

// at sets the decision time and, from it, the external id.
func (b *builder) at(t int64) {
	b.t = t
	tm := time.Unix(t, 0).UTC()
	b.year = tm.Year()
	b.rec.OccurredAt = credo.Time{Time: tm}
	b.rec.ExternalID = externalID(b.spec.extPrefix, b.year, b.j)
}

func externalID(prefix string, year, j int) string {
	buf := make([]byte, 0, len(prefix)+16)
	buf = append(buf, prefix...)
	buf = append(buf, '-')
	buf = strconv.AppendInt(buf, int64(year), 10)
	buf = append(buf, '-')
	for d := 1_000_000; d > 1 && j < d; d /= 10 {
		buf = append(buf, '0')
	}
	buf = strconv.AppendInt(buf, int64(j), 10)
	return string(buf)
}

// occur draws a working-hours time (Beijing) on a day in the subject's
// window.
func (b *builder) occur() int64 {
	lo, hi := b.c.lo, b.c.hi
	day := b.r.between64(floorDiv(lo, 86400), floorDiv(hi, 86400))
	t := day*86400 + int64(b.r.between(3600, 9*3600))
	return max(lo, min(hi, t))
}

// seasonal draws a working-hours time in the season (days from the first of
// month) of a year within the subject's window: annual reports in the first
// half year, tax grades in April, each about the year before, which the
// subject must have seen. It reports false when no season fits.
func (b *builder) seasonal(month time.Month, days int) (int64, bool) {
	var years [RecordYears + 2]int
	n := 0
	first := max(time.Unix(b.c.lo, 0).UTC().Year(), dayTime(b.c.established).Year()+1)
	for y := first; y <= time.Unix(b.c.hi, 0).UTC().Year() && n < len(years); y++ {
		start := time.Date(y, month, 1, 0, 0, 0, 0, time.UTC).Unix()
		if start+int64(days)*86400 > b.c.lo && start <= b.c.hi {
			years[n] = y
			n++
		}
	}
	if n == 0 {
		return 0, false
	}
	start := time.Date(years[b.r.intn(n)], month, 1, 0, 0, 0, 0, time.UTC).Unix()
	lo, hi := max(b.c.lo, start), min(b.c.hi, start+int64(days)*86400-1)
	t := b.r.between64(floorDiv(lo, 86400), floorDiv(hi, 86400))*86400 + int64(b.r.between(3600, 9*3600))
	return max(lo, min(hi, t)), true
}

// season is when a seasonal kind is decided.
func season(k kind) (time.Month, int, bool) {
	switch k {
	case kAnnualReport:
		return time.January, 181, true
	case kAnnualReportMissing:
		return time.July, 31, true
	case kTaxGradeGood, kTaxGradeBad:
		return time.April, 30, true
	}
	return 0, 0, false
}

func (b *builder) yearsLater(years int) credo.Time {
	return credo.Time{Time: time.Unix(b.t, 0).UTC().AddDate(years, 0, 0)}
}

func (b *builder) monthsLater(months int) credo.Time {
	return credo.Time{Time: time.Unix(b.t, 0).UTC().AddDate(0, months, 0)}
}

// docNo is an authority's document number: 深龙市监罚〔2024〕17号.
func (b *builder) docNo(abbr string) string {
	buf := b.buf[:0]
	if b.spec.ID == "sh-amr" {
		buf = append(buf, "沪市监"...)
		buf = append(buf, firstRune(orDefault(b.reg.countyShort, b.reg.countyFull))...)
		buf = append(buf, "处"...)
	} else {
		buf = append(buf, b.reg.docPrefix...)
		buf = append(buf, abbr...)
	}
	buf = append(buf, "〔"...)
	buf = strconv.AppendInt(buf, int64(b.year), 10)
	buf = append(buf, "〕"...)
	buf = strconv.AppendInt(buf, int64(1+b.r.intn(3000)), 10)
	buf = append(buf, "号"...)
	b.buf = buf
	return string(buf)
}

// caseNo is a court case number: （2024）粤0307执1234号.
func (b *builder) caseNo(kind string) string {
	buf := b.buf[:0]
	buf = append(buf, "（"...)
	buf = strconv.AppendInt(buf, int64(b.year), 10)
	buf = append(buf, "）"...)
	buf = append(buf, provinceAbbr[b.reg.province]...)
	buf = append(buf, b.reg.code[2:6]...)
	buf = append(buf, kind...)
	buf = strconv.AppendInt(buf, int64(1+b.r.intn(20000)), 10)
	buf = append(buf, "号"...)
	b.buf = buf
	return string(buf)
}

func money(v float64) string {
	return strconv.FormatFloat(v, 'f', -1, 64) + "元"
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }

func (b *builder) amount(v float64) {
	b.rec.Amount = &v
	b.rec.Currency = "CNY"
}

func (b *builder) taxDue(v float64) {
	b.rec.TaxDue = &v
	b.rec.Currency = "CNY"
}

// fill fills in a record of kind k, or reports false when the subject's
// window has no room for it (an annual report of a firm founded this year).
func (b *builder) fill(k kind) bool {
	r, rec, cat := b.r, b.rec, b.rec.Category
	if month, days, ok := season(k); ok {
		t, ok := b.seasonal(month, days)
		if !ok {
			return false
		}
		b.at(t)
	} else {
		b.at(b.occur())
	}

	switch k {
	case kLicence, kLicenceChange:
		lic := pick(r, licences[cat])
		rec.DecisionNumber = b.licenceNo(lic)
		rec.LegalBasis = lic.basis
		if k == kLicence {
			rec.Description = "准予行政许可：核发《" + lic.name + "》"
			if lic.years > 0 {
				rec.ValidUntil = b.yearsLater(lic.years)
				rec.Description += "，有效期" + itoa(lic.years) + "年"
			}
		} else {
			rec.Description = "准予变更《" + lic.name + "》许可事项：" + pick(r, []string{"经营地址", "法定代表人（负责人）", "经营项目", "名称"})
		}

	case kLicenceRevocation:
		lic := pick(r, licences[cat])
		rec.DecisionNumber = b.docNo(penaltyAbbr[cat])
		rec.Severity = "serious"
		if r.chance(0.5) {
			rec.LegalBasis = "《中华人民共和国行政处罚法》第九条"
			rec.PenaltyTypes = []string{"licence_revocation"}
			rec.Description = "当事人存在严重违法行为，依法吊销其《" + lic.name + "》（编号" + b.licenceNo(lic) + "）"
		} else {
			rec.LegalBasis = "《中华人民共和国行政许可法》第六十九条第二款"
			rec.Description = "当事人以欺骗、贿赂等不正当手段取得《" + lic.name + "》，依法撤销该行政许可"
		}

	case kPenalty:
		b.penalty(pick(r, violations[cat]))

	case kInspectionPass, kInspectionFail:
		in := inspections[cat]
		what := pick(r, in.subjects)
		rec.LegalBasis = in.basis
		rec.DecisionNumber = b.inspectionNo()
		if k == kInspectionPass {
			rec.Description = "pass: " + what + "，检查（检验）结论：合格"
		} else {
			rec.Description = "fail: " + what + "，检查（检验）结论：不合格，" + pick(r, inspectionFindings[cat]) + "，已责令限期整改"
			rec.Severity = "minor"
			if r.chance(0.3) {
				rec.Severity = "general"
			}
		}

	case kAnnualReport:
		rec.Description = strconv.Itoa(b.year-1) + annualReportText[b.c.class]

	case kAnnualReportMissing:
		y := strconv.Itoa(b.year - 1)
		switch b.c.class {
		case classEnterprise, classCooperative:
			rec.LegalBasis = "《企业信息公示暂行条例》第十七条"
			rec.Description = "未按照规定期限公示" + y + "年度报告，列入经营异常名录"
		case classIndividual:
			rec.LegalBasis = "《个体工商户年度报告暂行办法》第十三条"
			rec.Description = "未按照规定报送" + y + "年度报告，标记为经营异常状态"
		default:
			rec.LegalBasis = nonMarketReportBasis[b.c.class]
			rec.Description = "未按照规定报送" + y + "年度报告（年度检查材料）"
		}
		rec.DecisionNumber = b.docNo("异")
		rec.Severity = "minor"

	case kContactFailure:
		rec.LegalBasis = "《企业经营异常名录管理暂行办法》第九条"
		rec.Description = "通过登记的住所或者经营场所无法联系，列入经营异常名录"
		rec.DecisionNumber = b.docNo("市监异")
		rec.Severity = "general"

	case kFalseDisclosure:
		rec.LegalBasis = "《企业信息公示暂行条例》第十七条"
		rec.Description = "公示信息隐瞒真实情况、弄虚作假，列入经营异常名录"
		rec.DecisionNumber = b.docNo("市监异")
		rec.Severity = "general"

	case kRegistrationChange:
		rec.LegalBasis = "《中华人民共和国市场主体登记管理条例》第二十四条"
		rec.Description = "变更登记：" + pick(r, registrationChanges)

	case kTaxGradeGood, kTaxGradeBad:
		grade := b.taxGrade(k == kTaxGradeBad)
		rec.LegalBasis = "《纳税信用管理办法（试行）》"
		rec.Description = grade + ": " + strconv.Itoa(b.year-1) + "年度纳税信用评价结果为" + grade + "级"
		rec.ValidUntil = credo.Time{Time: time.Date(b.year+1, time.April, 30, 0, 0, 0, 0, time.UTC)}
		switch grade {
		case "C":
			rec.Severity = "minor"
		case "D":
			rec.Severity = "general"
		}

	case kLateFiling:
		rec.LegalBasis = "《中华人民共和国税收征收管理法》第六十二条"
		rec.Description = "未按照规定期限办理" + pick(r, taxReturns) + "纳税申报"
		rec.Severity = "minor"
		if r.chance(0.5) {
			fine := roundTo(r.logUniform(200, 2000), 50)
			b.amount(fine)
			rec.PenaltyTypes = []string{"fine"}
			rec.DecisionNumber = b.docNo("税简罚")
			rec.Description += "，处罚款" + money(fine)
		} else {
			rec.DecisionNumber = b.docNo("税限改")
			rec.Description += "，责令限期改正"
		}

	case kLatePayment:
		v := cents(r.logUniform(1e3, 5e5))
		b.amount(v)
		rec.LegalBasis = "《中华人民共和国税收征收管理法》第三十二条"
		rec.DecisionNumber = b.docNo("税通")
		rec.Description = "未按照规定期限缴纳" + pick(r, taxReturns) + "税款" + money(v) + "，自滞纳之日起按日加收万分之五的滞纳金"
		rec.Severity = "minor"

	case kInvoiceViolation:
		fine := roundTo(r.logUniform(1e3, 1e4), 100)
		b.amount(fine)
		rec.PenaltyTypes = []string{"fine"}
		rec.LegalBasis = "《中华人民共和国发票管理办法》第三十五条"
		rec.DecisionNumber = b.docNo("税简罚")
		rec.Description = pick(r, []string{"未按照规定开具发票", "未按照规定保管发票", "丢失增值税专用发票", "未按照规定安装、使用税控装置"}) + "，处罚款" + money(fine)
		rec.Severity = "minor"
		if fine >= 5000 {
			rec.Severity = "general"
		}

	case kEvasion:
		due := cents(r.logUniform(2e5, 5e7))
		var evaded float64
		if r.chance(0.4) { // at least ¥100,000 and 10% of the tax due: a direct D
			evaded = cents(math.Max(1e5, due*(0.1+0.5*r.float())))
			evaded = math.Min(evaded, due)
		} else {
			evaded = cents(due * (0.005 + 0.085*r.float()))
		}
		b.amount(evaded)
		b.taxDue(due)
		rec.LegalBasis = "《中华人民共和国税收征收管理法》第六十三条第一款"
		rec.DecisionNumber = b.docNo("税稽罚")
		rec.Description = "通过" + pick(r, evasionMeans) + "少缴" + pick(r, taxReturns) + money(evaded) + "（所属期应纳税额" + money(due) + "），追缴税款、滞纳金，并处少缴税款百分之五十的罚款"
		rec.Severity = "general"
		if evaded >= 1e5 && evaded >= 0.1*due {
			rec.Severity = "serious"
		}

	case kArrears:
		v := cents(r.logUniform(1e4, 5e6))
		b.amount(v)
		rec.LegalBasis = "《中华人民共和国税收征收管理法》第四十五条"
		rec.DecisionNumber = b.docNo("税欠告")
		rec.Description = "欠缴" + pick(r, taxReturns) + money(v) + "，予以欠税公告"
		rec.Severity = "general"

	case kArrearsEscape:
		b.taxAct(r.logUniform(5e4, 5e6), "《中华人民共和国税收征收管理法》第六十五条",
			"欠缴应纳税款", "，采取转移或者隐匿财产的手段，妨碍税务机关追缴欠缴的税款")

	case kExportRebateFraud:
		b.taxAct(r.logUniform(1e5, 5e7), "《中华人民共和国税收征收管理法》第六十六条第一款",
			"以假报出口手段骗取国家出口退税款", "")

	case kFalseVATInvoice:
		b.taxAct(r.logUniform(1e5, 1e8), "《中华人民共和国发票管理办法》第三十七条",
			"虚开增值税专用发票"+itoa(r.between(5, 500))+"份，税额", "")

	case kRefundFraud:
		b.taxAct(r.logUniform(1e5, 2e7), "《中华人民共和国税收征收管理法》第六十三条第一款",
			"以虚增进项、虚假申报等手段骗取留抵退税款", "")

	case kAssessedNotPaid:
		v := b.taxAct(r.logUniform(5e4, 1e7), "《中华人民共和国税收征收管理法》第六十八条",
			"欠缴经税务机关核定的应纳税款", "，经责令限期缴纳逾期仍未缴纳")
		b.taxDue(v)

	case kAbsconded:
		rec.LegalBasis = "《国家税务总局关于走逃（失联）企业开具增值税专用发票认定处理有关问题的公告》（国家税务总局公告2016年第76号）"
		rec.DecisionNumber = b.docNo("税通")
		rec.Description = "经实地核查，该单位已走逃（失联），认定为非正常户"
		rec.Severity = "serious"

	case kJudgment:
		ct := pick(r, caseTypes)
		v := cents(r.logUniform(1e4, 5e7))
		b.amount(v)
		rec.LegalBasis = ct.basis
		rec.DecisionNumber = b.caseNo("民初")
		rec.Description = ct.name + "一案，判决该单位支付" + money(v)
		rec.Severity = "minor"
		if v >= 1e5 {
			rec.Severity = "general"
		}

	case kJudgmentUnfulfilled:
		v := cents(r.logUniform(1e4, 5e7))
		b.amount(v)
		rec.LegalBasis = "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条"
		rec.DecisionNumber = b.caseNo("执")
		rec.Description = "有履行能力而拒不履行生效法律文书确定的义务，未履行金额" + money(v) + "，纳入失信被执行人名单"
		rec.Severity = "serious"
		rec.ValidUntil = b.yearsLater(2)

	case kConsumptionRestriction:
		v := cents(r.logUniform(1e4, 1e7))
		b.amount(v)
		rec.LegalBasis = "《最高人民法院关于限制被执行人高消费及有关消费的若干规定》第一条"
		rec.DecisionNumber = b.caseNo("执")
		rec.Description = "未按执行通知书指定的期间履行生效法律文书确定的给付义务（执行标的" + money(v) + "），对其采取限制消费措施"
		rec.Severity = "general"

	case kHonour:
		rec.DecisionNumber = b.docNo("表彰")
		rec.Description = "荣获“" + pick(r, honoursByClass[b.c.class]) + "”称号（" + strconv.Itoa(b.year) + "年度）"
		rec.ValidUntil = b.yearsLater(3)

	case kContractDefault:
		v := roundTo(r.logUniform(5e3, 5e5), 100)
		b.amount(v)
		rec.LegalBasis = "《中华人民共和国民法典》第五百七十七条"
		rec.DecisionNumber = b.docNo("财采处")
		rec.Description = "在" + pick(r, procurements) + "政府采购合同履行中" + pick(r, []string{"逾期交付", "交付的货物不符合合同约定", "擅自变更合同内容"}) + "，构成违约，承担违约金" + money(v)
		rec.Severity = "general"

	case kProcurementBan:
		v := roundTo(r.logUniform(5e3, 2e5), 100)
		years := r.between(1, 3)
		b.amount(v)
		rec.PenaltyTypes = []string{"fine", "business_restriction"}
		rec.LegalBasis = "《中华人民共和国政府采购法》第七十七条第一款"
		rec.DecisionNumber = b.docNo("财采处")
		rec.Description = "在" + pick(r, procurements) + "中提供虚假材料谋取中标，处采购金额千分之五的罚款" + money(v) + "，列入不良行为记录名单，" + itoa(years) + "年内禁止参加政府采购活动"
		rec.ValidUntil = b.yearsLater(years)
		rec.Severity = "serious"

	case kCustomsCertification:
		rec.LegalBasis = "《中华人民共和国海关注册登记和备案企业信用管理办法》"
		rec.DecisionNumber = "AEOCN" + b.reg.code[:4] + pad(r.intn(1_000_000), 6)
		if r.chance(0.75) {
			rec.Description = "advanced_certified: 经海关认证，认定为高级认证企业（AEO）"
		} else {
			rec.Description = "certified: 经海关认证，认定为认证企业"
		}

	case kCustomsDishonest:
		rec.LegalBasis = "《中华人民共和国海关注册登记和备案企业信用管理办法》第十九条"
		rec.DecisionNumber = b.docNo("关信")
		rec.Description = "因" + pick(r, []string{"走私违规被海关行政处罚", "拖欠应缴税款", "被海关行政处罚金额累计超过规定标准"}) + "，认定为失信企业"
		rec.Severity = "serious"

	case kEnvironmentalViolation:
		rec.LegalBasis = pick(r, []string{"《中华人民共和国大气污染防治法》第九十九条", "《中华人民共和国水污染防治法》第八十三条"})
		rec.DecisionNumber = b.docNo("环违")
		rec.Description = "自动监测数据显示" + pick(r, pollutants) + "日均排放浓度超过排放标准" + strconv.FormatFloat(float64(r.between(11, 60))/10, 'f', 1, 64) + "倍"
		rec.Severity = "general"

	case kEnvCreditGood, kEnvCreditBad:
		rec.LegalBasis = "《企业环境信用评价办法（试行）》"
		rec.ValidUntil = b.yearsLater(1)
		y := strconv.Itoa(b.year - 1)
		switch {
		case k == kEnvCreditGood && r.chance(0.2):
			rec.Description = "green: " + y + "年度企业环境信用评价结果为绿牌（环保诚信企业）"
		case k == kEnvCreditGood:
			rec.Description = "blue: " + y + "年度企业环境信用评价结果为蓝牌（环保良好企业）"
		case r.chance(0.75):
			rec.Description = "yellow: " + y + "年度企业环境信用评价结果为黄牌（环保警示企业）"
			rec.DecisionNumber = b.docNo("环信")
			rec.Severity = "minor"
		default:
			rec.Description = "red: " + y + "年度企业环境信用评价结果为红牌（环保不良企业）"
			rec.DecisionNumber = b.docNo("环信")
			rec.Severity = "general"
		}

	case kAccident:
		fine := roundTo(r.logUniform(3e5, 1e6), 1000)
		b.amount(fine)
		rec.PenaltyTypes = []string{"fine"}
		rec.LegalBasis = "《中华人民共和国安全生产法》第一百一十四条第一款"
		rec.DecisionNumber = b.docNo("应急罚")
		rec.Description = "发生一般生产安全事故，造成" + itoa(r.between(1, 2)) + "人死亡，对事故发生负有责任，处罚款" + money(fine)
		rec.Severity = "serious"

	case kWageArrears:
		v := cents(r.logUniform(5e4, 5e6))
		b.amount(v)
		rec.LegalBasis = "《保障农民工工资支付条例》第四十八条"
		rec.DecisionNumber = b.docNo("人社监")
		rec.Description = "拖欠" + itoa(r.between(5, 200)) + "名农民工工资共计" + money(v) + "，经责令限期支付逾期未支付，列入拖欠农民工工资失信联合惩戒对象名单"
		rec.Severity = "serious"
		rec.ValidUntil = b.yearsLater(3)

	case kSocialSecurityArrears:
		v := cents(r.logUniform(1e4, 2e6))
		b.amount(v)
		rec.LegalBasis = "《中华人民共和国社会保险法》第八十六条"
		rec.DecisionNumber = b.docNo("社保")
		rec.Description = "欠缴社会保险费" + money(v) + "，经责令限期缴纳逾期仍未缴纳"
		rec.Severity = "general"
	}
	return true
}

var annualReportText = [...]string{
	classEnterprise:    "年度报告已公示",
	classIndividual:    "年度报告已报送",
	classCooperative:   "年度报告已公示",
	classInstitution:   "年度事业单位年度报告已公示",
	classNonEnterprise: "年度检查结论：合格",
	classLawFirm:       "年度律师事务所年度检查考核结果：合格",
}

var nonMarketReportBasis = [...]string{
	classInstitution:   "《事业单位登记管理暂行条例实施细则》第五十一条",
	classNonEnterprise: "《民办非企业单位登记管理暂行条例》第二十五条",
	classLawFirm:       "《律师事务所年度检查考核办法》第二十一条",
}

// penalty fills in an administrative penalty for violation v.
func (b *builder) penalty(v violation) {
	r, rec := b.r, b.rec
	types := pick(r, v.penalties)
	rec.PenaltyTypes = slices.Clone(types)
	rec.LegalBasis = v.basis
	rec.DecisionNumber = b.docNo(penaltyAbbr[rec.Category])
	var fine float64
	outcome := make([]string, 0, len(types))
	for _, p := range types {
		switch p {
		case "warning":
			outcome = append(outcome, "给予警告")
		case "reprimand":
			outcome = append(outcome, "予以通报批评")
		case "fine":
			fine = roundTo(r.logUniform(v.fineLo, v.fineHi), 100)
			b.amount(fine)
			outcome = append(outcome, "罚款"+money(fine))
		case "confiscation":
			outcome = append(outcome, "没收违法所得"+money(roundTo(r.logUniform(500, 2e5), 1)))
		case "licence_suspension":
			months := r.between(1, 6)
			rec.ValidUntil = b.monthsLater(months)
			outcome = append(outcome, "暂扣许可证件"+itoa(months)+"个月")
		case "licence_revocation":
			outcome = append(outcome, "吊销许可证件")
		case "qualification_downgrade":
			outcome = append(outcome, "降低资质等级")
		case "business_restriction":
			months := r.between(3, 12)
			rec.ValidUntil = b.monthsLater(months)
			outcome = append(outcome, "限制开展生产经营活动"+itoa(months)+"个月")
		case "closure":
			outcome = append(outcome, "责令关闭")
		case "other":
			outcome = append(outcome, "责令停产整治")
		}
	}
	rec.Description = "当事人" + v.fact + "，依据" + v.basis + "，决定" + strings.Join(outcome, "，") + "。"
	rec.Severity = penaltySeverity(types, fine)
}

// penaltySeverity grades a penalty in the 2026 scheme: revocations,
// closures and fines of a million yuan are serious; warnings and small
// fines minor.
func penaltySeverity(types []string, fine float64) string {
	heavy, light := false, true
	for _, p := range types {
		switch p {
		case "licence_revocation", "closure":
			heavy = true
		case "warning", "reprimand":
		case "fine":
			if fine >= 1e4 {
				light = false
			}
		default:
			light = false
		}
	}
	switch {
	case heavy || fine >= 1e6:
		return "serious"
	case light:
		return "minor"
	}
	return "general"
}

// taxAct fills in one of the grave tax acts that make a taxpayer D-grade
// directly, and returns its amount.
func (b *builder) taxAct(v float64, basis, before, after string) float64 {
	v = cents(v)
	b.amount(v)
	b.rec.LegalBasis = basis
	b.rec.DecisionNumber = b.docNo("税稽罚")
	b.rec.Description = before + money(v) + after
	b.rec.Severity = "serious"
	return v
}

// taxGrade grades the subject for the year before: M when it was new that
// year, never A before it has operated for three years.
func (b *builder) taxGrade(bad bool) string {
	switch {
	case bad && b.r.chance(0.6):
		return "C"
	case bad:
		return "D"
	}
	graded := time.Date(b.year-1, time.January, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	if b.c.established >= graded {
		return "M"
	}
	if b.g.nowDay-b.c.established >= 3*daysPerYear && b.t/86400-b.c.established >= 3*daysPerYear && b.r.chance(0.45) {
		return "A"
	}
	return "B"
}

func (b *builder) licenceNo(lic licence) string {
	switch lic.prefix {
	case "JY":
		return "JY" + itoa(1+b.r.intn(3)) + b.reg.code + pad(b.r.intn(10_000_000), 7)
	case "ENV":
		return b.c.code + pad(1+b.r.intn(3), 3) + pick(b.r, []string{"P", "U", "V", "X"})
	case "XK":
		return "XK" + pad(b.r.intn(100), 2) + "-" + pad(b.r.intn(1000), 3) + "-" + pad(b.r.intn(100_000), 5)
	}
	return provinceAbbr[b.reg.province] + lic.prefix + "〔" + strconv.Itoa(b.year) + "〕" + pad(b.r.intn(100_000), 5) + "号"
}

func (b *builder) inspectionNo() string {
	return "JC" + strconv.Itoa(b.year) + b.reg.code + pad(b.r.intn(100_000), 5)
}

func pad(v, width int) string {
	s := strconv.Itoa(v)
	if len(s) >= width {
		return s
	}
	return strings.Repeat("0", width-len(s)) + s
}

// derive makes record j a correction or retraction of orig.
func (g *generator) derive(j int, orig *credo.Record, c *core) *credo.Record {
	r := newRNG(g.seed, streamDerived, j)
	reg := &g.regions.regions[c.region]
	prefix, _, _ := strings.Cut(orig.ExternalID, "-")
	rec := &credo.Record{
		Subject:              orig.Subject,
		Authority:            orig.Authority,
		Category:             orig.Category,
		SupersedesExternalID: orig.ExternalID,
	}
	t0 := orig.OccurredAt.Unix()
	var t int64
	if r.chance(correctionShare) {
		t = min(c.hi, t0+86400*int64(r.between(1, 60)))
		rec.Kind = orig.Kind
		rec.LegalBasis = orig.LegalBasis
		rec.PenaltyTypes = slices.Clone(orig.PenaltyTypes)
		rec.TaxDue = orig.TaxDue
		rec.Currency = orig.Currency
		rec.Severity = orig.Severity
		rec.ValidUntil = orig.ValidUntil
		if orig.DecisionNumber != "" {
			rec.DecisionNumber = orig.DecisionNumber + "（更正）"
		}
		// The note goes at the end: a description may lead with a result
		// word that rulebooks read.
		if orig.Amount != nil {
			v := cents(*orig.Amount * (0.5 + 0.4*r.float()))
			if *orig.Amount >= 100 {
				v = roundTo(v, 100)
			}
			rec.Amount = &v
			rec.Description = strings.Replace(orig.Description, money(*orig.Amount), money(v), 1) +
				"（更正：原决定金额" + money(*orig.Amount) + "有误，更正为" + money(v) + "）"
		} else {
			rec.Description = orig.Description + "（更正：原决定事实表述有误，予以更正）"
		}
		if rec.Severity == "serious" && r.chance(0.3) {
			rec.Severity = "general"
		}
	} else {
		t = min(c.hi, t0+86400*int64(r.between(10, 180)))
		rec.Kind = credo.KindRetraction
		switch {
		case orig.Kind == kindNames[kJudgment]:
			rec.LegalBasis = "《中华人民共和国民事诉讼法》第二百一十一条"
			rec.Description = "经再审，撤销原判决（" + orig.DecisionNumber + "）"
		case orig.Category == catCourt:
			rec.LegalBasis = "《最高人民法院关于公布失信被执行人名单信息的若干规定》第十条"
			rec.Description = "被执行人已履行生效法律文书确定的义务，撤回原公布信息（" + orig.DecisionNumber + "）"
		default:
			reason := pick(&r, []string{"经行政复议，撤销原决定", "经行政诉讼，人民法院判决撤销原决定", "经复核，原决定认定事实不清、证据不足，予以撤销"})
			rec.LegalBasis = "《中华人民共和国行政复议法》第六十四条"
			rec.Description = reason + "（" + orig.DecisionNumber + "）"
		}
		year := time.Unix(t, 0).UTC().Year()
		rec.DecisionNumber = reg.docPrefix + "撤字〔" + strconv.Itoa(year) + "〕" + strconv.Itoa(1+r.intn(500)) + "号"
	}
	tm := time.Unix(t, 0).UTC()
	rec.OccurredAt = credo.Time{Time: tm}
	if !rec.ValidUntil.IsZero() && !rec.ValidUntil.After(tm) {
		rec.ValidUntil = credo.Time{}
	}
	rec.ExternalID = externalID(prefix, tm.Year(), j)
	return rec
}
