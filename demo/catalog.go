package demo

import "github.com/credo-registry/credo"

// kind is a record kind; kindNames holds the names records carry.
type kind uint8

const (
	kLicence kind = iota
	kLicenceChange
	kLicenceRevocation
	kPenalty
	kInspectionPass
	kInspectionFail
	kAnnualReport
	kAnnualReportMissing
	kContactFailure
	kRegistrationChange
	kFalseDisclosure
	kTaxGradeGood
	kTaxGradeBad
	kLateFiling
	kLatePayment
	kInvoiceViolation
	kEvasion
	kArrears
	kArrearsEscape
	kExportRebateFraud
	kFalseVATInvoice
	kRefundFraud
	kAssessedNotPaid
	kAbsconded
	kJudgment
	kJudgmentUnfulfilled
	kConsumptionRestriction
	kHonour
	kContractDefault
	kProcurementBan
	kCustomsCertification
	kCustomsDishonest
	kEnvironmentalViolation
	kEnvCreditGood
	kEnvCreditBad
	kAccident
	kWageArrears
	kSocialSecurityArrears
	kRetraction
)

var kindNames = [...]string{
	kLicence:                "licence",
	kLicenceChange:          "licence_change",
	kLicenceRevocation:      "licence_revocation",
	kPenalty:                "penalty",
	kInspectionPass:         "inspection",
	kInspectionFail:         "inspection",
	kAnnualReport:           "annual_report",
	kAnnualReportMissing:    "annual_report_missing",
	kContactFailure:         "contact_failure",
	kRegistrationChange:     "registration_change",
	kFalseDisclosure:        "false_disclosure",
	kTaxGradeGood:           "tax_grade",
	kTaxGradeBad:            "tax_grade",
	kLateFiling:             "late_filing",
	kLatePayment:            "late_payment",
	kInvoiceViolation:       "invoice_violation",
	kEvasion:                "evasion",
	kArrears:                "arrears",
	kArrearsEscape:          "arrears_escape",
	kExportRebateFraud:      "export_rebate_fraud",
	kFalseVATInvoice:        "false_vat_invoice",
	kRefundFraud:            "refund_fraud",
	kAssessedNotPaid:        "assessed_not_paid",
	kAbsconded:              "absconded",
	kJudgment:               "judgment",
	kJudgmentUnfulfilled:    "judgment_unfulfilled",
	kConsumptionRestriction: "consumption_restriction",
	kHonour:                 "honour",
	kContractDefault:        "contract_default",
	kProcurementBan:         "procurement_ban",
	kCustomsCertification:   "customs_certification",
	kCustomsDishonest:       "customs_dishonest",
	kEnvironmentalViolation: "environmental_violation",
	kEnvCreditGood:          "environmental_credit",
	kEnvCreditBad:           "environmental_credit",
	kAccident:               "accident",
	kWageArrears:            "wage_arrears",
	kSocialSecurityArrears:  "social_security_arrears",
	kRetraction:             credo.KindRetraction,
}

// entry is a (category, kind) a subject's records are drawn from.
type entry struct {
	category string
	kind     kind
	weight   float64
}

// drawTable is a weighted list of entries.
type drawTable struct {
	entries []entry
	cum     []float64
	anytime int // an entry that fits any subject: one not tied to a season
}

func newDrawTable(entries ...entry) drawTable {
	t := drawTable{entries: entries, anytime: -1}
	w := make([]float64, len(entries))
	for i, e := range entries {
		w[i] = e.weight
		if _, _, seasonal := season(e.kind); !seasonal && t.anytime < 0 {
			t.anytime = i
		}
	}
	t.cum = cumulative(w)
	return t
}

func e(category string, k kind, weight float64) entry { return entry{category, k, weight} }

// recordTables holds, per class, the benign [0] and adverse [1] draws.
var recordTables = [...][2]drawTable{
	classEnterprise: {
		newDrawTable(
			e(catRegistration, kAnnualReport, 16), e(catRegistration, kRegistrationChange, 3),
			e(catTax, kTaxGradeGood, 12),
			e(catMarket, kLicence, 4), e(catMarket, kLicenceChange, 2), e(catMarket, kInspectionPass, 4),
			e(catQuality, kInspectionPass, 4),
			e(catEnvironment, kLicence, 2), e(catEnvironment, kLicenceChange, 1), e(catEnvironment, kEnvCreditGood, 2), e(catEnvironment, kInspectionPass, 2),
			e(catCustoms, kCustomsCertification, 1.5),
			e(catSafety, kLicence, 1.5), e(catSafety, kInspectionPass, 2.5),
			e(catHonour, kHonour, 2),
			e(catLabour, kInspectionPass, 1),
			e(catHealth, kLicence, 1), e(catHealth, kInspectionPass, 1),
			e(catFire, kInspectionPass, 2), e(catFire, kLicence, 0.5),
			e(catTransport, kLicence, 1.5), e(catTransport, kLicenceChange, 0.5),
			e(catFinance, kLicence, 0.4),
			e(catAgriculture, kLicence, 0.4), e(catAgriculture, kInspectionPass, 0.4),
			e(catHousing, kLicence, 1.2), e(catHousing, kLicenceChange, 0.4),
			e(catCulture, kLicence, 0.6),
		),
		newDrawTable(
			e(catRegistration, kAnnualReportMissing, 6), e(catRegistration, kContactFailure, 3), e(catRegistration, kFalseDisclosure, 0.8),
			e(catMarket, kPenalty, 8), e(catMarket, kInspectionFail, 2), e(catMarket, kLicenceRevocation, 1),
			e(catQuality, kPenalty, 3), e(catQuality, kInspectionFail, 3),
			e(catTax, kLateFiling, 6), e(catTax, kLatePayment, 3), e(catTax, kInvoiceViolation, 2), e(catTax, kEvasion, 1),
			e(catTax, kArrears, 2), e(catTax, kArrearsEscape, 0.3), e(catTax, kExportRebateFraud, 0.2), e(catTax, kFalseVATInvoice, 0.4),
			e(catTax, kRefundFraud, 0.2), e(catTax, kAssessedNotPaid, 0.5), e(catTax, kAbsconded, 0.4), e(catTax, kTaxGradeBad, 2),
			e(catEnvironment, kPenalty, 3), e(catEnvironment, kEnvironmentalViolation, 2), e(catEnvironment, kEnvCreditBad, 1),
			e(catEnvironment, kInspectionFail, 1), e(catEnvironment, kLicenceRevocation, 0.2),
			e(catCustoms, kPenalty, 1), e(catCustoms, kCustomsDishonest, 0.3),
			e(catSafety, kPenalty, 2.5), e(catSafety, kAccident, 0.5), e(catSafety, kInspectionFail, 1),
			e(catCourt, kJudgment, 4), e(catCourt, kJudgmentUnfulfilled, 4), e(catCourt, kConsumptionRestriction, 1.5),
			e(catProcurement, kContractDefault, 1), e(catProcurement, kProcurementBan, 0.6),
			e(catLabour, kPenalty, 1), e(catLabour, kWageArrears, 1),
			e(catHealth, kPenalty, 1),
			e(catFire, kPenalty, 2), e(catFire, kInspectionFail, 1),
			e(catTransport, kPenalty, 1.5), e(catTransport, kLicenceRevocation, 0.2),
			e(catFinance, kPenalty, 0.5),
			e(catSocialSecurity, kSocialSecurityArrears, 1.5), e(catSocialSecurity, kPenalty, 0.3),
			e(catAgriculture, kPenalty, 0.4),
			e(catHousing, kPenalty, 1),
			e(catCulture, kPenalty, 0.4),
			e(catStatistics, kPenalty, 0.6),
		),
	},
	classIndividual: {
		newDrawTable(
			e(catRegistration, kAnnualReport, 18), e(catTax, kTaxGradeGood, 4),
			e(catMarket, kLicence, 6), e(catMarket, kLicenceChange, 1), e(catMarket, kInspectionPass, 4),
			e(catHealth, kLicence, 2), e(catHealth, kInspectionPass, 2), e(catFire, kInspectionPass, 2),
			e(catCulture, kLicence, 0.5), e(catTransport, kLicence, 1), e(catHonour, kHonour, 0.2),
		),
		newDrawTable(
			e(catRegistration, kAnnualReportMissing, 6), e(catRegistration, kContactFailure, 4),
			e(catMarket, kPenalty, 8), e(catMarket, kInspectionFail, 2), e(catMarket, kLicenceRevocation, 0.5),
			e(catQuality, kInspectionFail, 1), e(catQuality, kPenalty, 1),
			e(catTax, kLateFiling, 4), e(catTax, kArrears, 1), e(catTax, kAbsconded, 0.3),
			e(catHealth, kPenalty, 2), e(catFire, kPenalty, 2), e(catCulture, kPenalty, 0.5), e(catTransport, kPenalty, 0.5),
			e(catCourt, kJudgment, 0.5), e(catCourt, kJudgmentUnfulfilled, 1),
		),
	},
	classCooperative: {
		newDrawTable(
			e(catRegistration, kAnnualReport, 16), e(catTax, kTaxGradeGood, 3),
			e(catAgriculture, kLicence, 3), e(catAgriculture, kInspectionPass, 4),
			e(catMarket, kInspectionPass, 2), e(catQuality, kInspectionPass, 1),
			e(catHonour, kHonour, 1.5), e(catEnvironment, kLicence, 0.5),
		),
		newDrawTable(
			e(catRegistration, kAnnualReportMissing, 8), e(catRegistration, kContactFailure, 4),
			e(catAgriculture, kPenalty, 3), e(catAgriculture, kInspectionFail, 2),
			e(catMarket, kPenalty, 1), e(catQuality, kInspectionFail, 1),
			e(catEnvironment, kPenalty, 1), e(catEnvironment, kEnvironmentalViolation, 0.5),
			e(catTax, kLateFiling, 2), e(catCourt, kJudgment, 0.5), e(catCourt, kJudgmentUnfulfilled, 0.5),
		),
	},
	classInstitution:   nonMarketTables,
	classNonEnterprise: nonMarketTables,
	classLawFirm:       nonMarketTables,
}

var nonMarketTables = [2]drawTable{
	newDrawTable(
		e(catRegistration, kAnnualReport, 14), e(catTax, kTaxGradeGood, 4),
		e(catFire, kInspectionPass, 3), e(catSafety, kInspectionPass, 1), e(catHealth, kLicence, 1),
		e(catHonour, kHonour, 1.5), e(catLabour, kInspectionPass, 1),
	),
	newDrawTable(
		e(catRegistration, kAnnualReportMissing, 3), e(catTax, kLateFiling, 3), e(catTax, kInvoiceViolation, 0.5),
		e(catLabour, kPenalty, 0.5), e(catLabour, kWageArrears, 0.3), e(catSocialSecurity, kSocialSecurityArrears, 1),
		e(catFire, kPenalty, 1), e(catFire, kInspectionFail, 1),
		e(catCourt, kJudgment, 1.5), e(catCourt, kJudgmentUnfulfilled, 0.8),
		e(catProcurement, kContractDefault, 0.8), e(catProcurement, kProcurementBan, 0.3),
		e(catStatistics, kPenalty, 0.5), e(catHealth, kPenalty, 0.4),
	),
}

// violation is an administrative penalty's facts, the provision it is
// decided under, the penalty combinations it draws and its fine range.
type violation struct {
	fact      string
	basis     string
	penalties [][]string
	fineLo    float64
	fineHi    float64
}

var (
	pWarning      = []string{"warning"}
	pFine         = []string{"fine"}
	pWarningFine  = []string{"warning", "fine"}
	pFineConfisc  = []string{"fine", "confiscation"}
	pReprimand    = []string{"reprimand"}
	pSuspendFine  = []string{"fine", "licence_suspension"}
	pRevoke       = []string{"licence_revocation"}
	pRevokeFine   = []string{"fine", "licence_revocation"}
	pRestrictFine = []string{"fine", "business_restriction"}
	pCloseFine    = []string{"fine", "closure"}
	pDowngrade    = []string{"fine", "qualification_downgrade"}
	pOtherFine    = []string{"fine", "other"}
	pConfiscate   = []string{"confiscation"}
)

var violations = map[string][]violation{
	catMarket: {
		{"发布虚假广告，对商品的性能、功能作虚假宣传", "《中华人民共和国广告法》第五十五条第一款", [][]string{pFine, pFineConfisc}, 2e4, 1e6},
		{"对其商品作虚假或者引人误解的商业宣传", "《中华人民共和国反不正当竞争法》第二十条第一款", [][]string{pFine}, 2e5, 1e6},
		{"经营标签不符合规定的预包装食品", "《中华人民共和国食品安全法》第一百二十五条第一款", [][]string{pFineConfisc, pWarning}, 5e3, 5e4},
		{"经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条第一款", [][]string{pFineConfisc}, 5e4, 2e5},
		{"未取得食品经营许可从事食品经营活动", "《中华人民共和国食品安全法》第一百二十二条第一款", [][]string{pFineConfisc}, 5e4, 1.5e5},
		{"销售侵犯注册商标专用权的商品", "《中华人民共和国商标法》第六十条第二款", [][]string{pFineConfisc}, 5e3, 2.5e5},
		{"不按规定明码标价", "《价格违法行为行政处罚规定》第十三条", [][]string{pWarning, pFine}, 500, 5e3},
		{"未按规定对在用特种设备进行定期检验", "《中华人民共和国特种设备安全法》第八十三条", [][]string{pFine, pRestrictFine}, 1e4, 1e5},
		{"侵害消费者合法权益，拒绝履行退货义务", "《中华人民共和国消费者权益保护法》第五十六条第一款", [][]string{pWarning, pFine}, 5e3, 5e5},
		{"给予交易相对方工作人员财物以谋取交易机会（商业贿赂）", "《中华人民共和国反不正当竞争法》第十九条", [][]string{pFineConfisc}, 1e5, 3e6},
		{"销售劣药", "《中华人民共和国药品管理法》第一百一十七条第一款", [][]string{pFineConfisc, pRevokeFine}, 1e5, 1e6},
		{"未经许可擅自从事经营活动", "《无证无照经营查处办法》第十三条", [][]string{pFine, pConfiscate}, 1e3, 1e4},
		{"利用合同格式条款免除自身责任、加重消费者责任", "《合同行政监督管理办法》第十九条", [][]string{pWarning, pFine}, 1e3, 5e4},
	},
	catQuality: {
		{"生产不符合保障人体健康和人身、财产安全的国家标准的产品", "《中华人民共和国产品质量法》第四十九条", [][]string{pFineConfisc, pSuspendFine}, 2e4, 5e5},
		{"在产品中掺杂、掺假，以不合格产品冒充合格产品", "《中华人民共和国产品质量法》第五十条", [][]string{pFineConfisc, pRevokeFine}, 1e4, 3e5},
		{"产品标识不符合规定", "《中华人民共和国产品质量法》第五十四条", [][]string{pWarning, pFine}, 1e3, 3e4},
		{"未取得工业产品生产许可证擅自生产列入目录的产品", "《中华人民共和国工业产品生产许可证管理条例》第四十五条", [][]string{pFineConfisc}, 5e4, 2e5},
		{"使用未经检定的计量器具", "《中华人民共和国计量法实施细则》第四十三条", [][]string{pFine, pWarning}, 500, 1e3},
	},
	catEnvironment: {
		{"超过大气污染物排放标准排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条", [][]string{pFine, pOtherFine}, 1e5, 1e6},
		{"超过水污染物排放标准排放水污染物", "《中华人民共和国水污染防治法》第八十三条", [][]string{pFine, pOtherFine}, 1e5, 1e6},
		{"建设项目未依法报批环境影响评价文件擅自开工建设", "《中华人民共和国环境影响评价法》第三十一条第一款", [][]string{pFine}, 5e4, 2e6},
		{"未依法取得排污许可证排放污染物", "《排污许可管理条例》第三十三条", [][]string{pFine, pRestrictFine, pCloseFine}, 2e5, 1e6},
		{"未按照规定贮存危险废物", "《中华人民共和国固体废物污染环境防治法》第一百一十二条", [][]string{pFine}, 1e5, 1e6},
		{"未按照规定设置危险废物识别标志", "《中华人民共和国固体废物污染环境防治法》第一百一十二条", [][]string{pFine, pWarning}, 1e4, 1e5},
		{"未按照规定安装、使用污染物排放自动监测设备", "《中华人民共和国大气污染防治法》第一百条", [][]string{pFine}, 2e4, 2e5},
	},
	catSafety: {
		{"未按照规定对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条", [][]string{pFine, pWarning}, 1e4, 1e5},
		{"未对重大危险源登记建档、定期检测评估监控", "《中华人民共和国安全生产法》第一百零一条", [][]string{pFine, pRestrictFine}, 1e4, 1e5},
		{"未采取措施消除事故隐患", "《中华人民共和国安全生产法》第一百零二条", [][]string{pFine, pRestrictFine}, 5e4, 1e5},
		{"生产经营场所和员工宿舍未设有符合紧急疏散要求的出口", "《中华人民共和国安全生产法》第一百零五条", [][]string{pFine}, 5e3, 5e4},
		{"未经许可从事危险化学品经营", "《危险化学品安全管理条例》第七十七条", [][]string{pFineConfisc}, 1e5, 2e5},
	},
	catFire: {
		{"消防设施、器材未保持完好有效", "《中华人民共和国消防法》第六十条第一款", [][]string{pFine}, 5e3, 5e4},
		{"占用、堵塞、封闭疏散通道、安全出口", "《中华人民共和国消防法》第六十条第一款", [][]string{pFine, pWarning}, 5e3, 5e4},
		{"公众聚集场所未经消防安全检查擅自投入使用、营业", "《中华人民共和国消防法》第五十八条第一款", [][]string{pRestrictFine, pCloseFine}, 3e4, 3e5},
		{"消防控制室值班人员未持证上岗", "《中华人民共和国消防法》第六十七条", [][]string{pWarning, pReprimand}, 0, 0},
	},
	catHealth: {
		{"公共场所从业人员未取得有效健康合格证明上岗", "《公共场所卫生管理条例实施细则》第三十八条", [][]string{pWarning, pWarningFine}, 500, 5e3},
		{"使用非卫生技术人员从事医疗卫生技术工作", "《医疗机构管理条例》第四十七条", [][]string{pFine, pSuspendFine}, 1e4, 1e5},
		{"未按照规定组织劳动者进行职业健康检查", "《中华人民共和国职业病防治法》第七十一条", [][]string{pWarning, pFine}, 5e4, 1e5},
		{"供应的生活饮用水不符合国家卫生标准", "《中华人民共和国传染病防治法》第七十三条", [][]string{pFine}, 5e3, 5e4},
		{"未取得医疗机构执业许可证擅自执业", "《医疗机构管理条例》第四十三条", [][]string{pFineConfisc, pCloseFine}, 3e4, 1e5},
	},
	catTransport: {
		{"未取得道路运输经营许可，擅自从事道路普通货物运输经营", "《中华人民共和国道路运输条例》第六十三条", [][]string{pFineConfisc}, 1e4, 1e5},
		{"使用未按规定维护和检测的车辆从事道路运输经营", "《中华人民共和国道路运输条例》第七十条", [][]string{pFine}, 1e3, 5e3},
		{"货运车辆超限超载运输", "《公路安全保护条例》第六十六条", [][]string{pFine}, 1e3, 3e4},
		{"客运车辆不按批准的线路运输旅客", "《中华人民共和国道路运输条例》第六十九条", [][]string{pFine, pSuspendFine}, 1e3, 1e4},
	},
	catLabour: {
		{"安排劳动者延长工作时间超过法定标准", "《劳动保障监察条例》第二十五条", [][]string{pWarning, pFine}, 2e3, 5e4},
		{"违反规定使用童工", "《禁止使用童工规定》第六条", [][]string{pFine, pRevokeFine}, 5e3, 5e4},
		{"未按规定建立职工名册", "《中华人民共和国劳动合同法实施条例》第三十三条", [][]string{pWarning, pFine}, 2e3, 2e4},
	},
	catFinance: {
		{"贷款管理严重违反审慎经营规则", "《中华人民共和国银行业监督管理法》第四十六条", [][]string{pFine}, 2e5, 5e6},
		{"未按照规定履行客户身份识别义务", "《中华人民共和国反洗钱法》第三十二条", [][]string{pFine, pWarningFine}, 2e5, 5e5},
		{"融资担保公司违规收取费用", "《融资担保公司监督管理条例》第三十八条", [][]string{pFine, pSuspendFine}, 1e5, 5e5},
	},
	catSocialSecurity: {
		{"未按规定办理社会保险登记", "《中华人民共和国社会保险法》第八十四条", [][]string{pFine}, 5e3, 1e5},
		{"以欺诈、伪造证明材料等手段骗取社会保险基金支出", "《中华人民共和国社会保险法》第八十八条", [][]string{pFine}, 1e4, 5e5},
	},
	catAgriculture: {
		{"经营假农药", "《农药管理条例》第五十五条", [][]string{pFineConfisc, pRevokeFine}, 5e3, 5e4},
		{"销售未经审定的农作物品种种子", "《中华人民共和国种子法》第七十七条", [][]string{pFineConfisc}, 2e4, 2e5},
		{"使用国务院农业农村主管部门规定禁止使用的兽药", "《兽药管理条例》第六十二条", [][]string{pFine}, 1e4, 5e4},
		{"农产品生产企业未建立、保存农产品生产记录", "《中华人民共和国农产品质量安全法》第六十九条", [][]string{pWarning, pFine}, 2e3, 2e4},
	},
	catHousing: {
		{"未取得施工许可证擅自施工", "《建筑工程施工许可管理办法》第十二条", [][]string{pFine}, 2e4, 5e5},
		{"施工单位在施工中偷工减料", "《建设工程质量管理条例》第六十四条", [][]string{pFine, pDowngrade}, 2e5, 2e6},
		{"超越本单位资质等级承揽工程", "《中华人民共和国建筑法》第六十五条第二款", [][]string{pFineConfisc, pDowngrade}, 1e5, 1e6},
		{"未取得商品房预售许可证擅自预售商品房", "《城市房地产开发经营管理条例》第三十六条", [][]string{pFineConfisc}, 5e4, 5e5},
		{"挪用专项维修资金", "《物业管理条例》第六十条", [][]string{pFineConfisc, pDowngrade}, 2e4, 5e5},
	},
	catCulture: {
		{"互联网上网服务营业场所接纳未成年人进入", "《互联网上网服务营业场所管理条例》第三十一条", [][]string{pWarningFine, pRevoke}, 5e3, 1.5e4},
		{"擅自举办营业性演出", "《营业性演出管理条例》第四十三条", [][]string{pFineConfisc}, 5e4, 1e5},
		{"未经批准擅自从事出版物发行业务", "《出版管理条例》第六十一条", [][]string{pFineConfisc}, 1e4, 5e4},
		{"旅行社未与旅游者签订旅游合同", "《中华人民共和国旅游法》第一百条", [][]string{pFine, pWarning}, 5e3, 5e4},
	},
	catStatistics: {
		{"提供不真实的统计资料", "《中华人民共和国统计法》第四十一条", [][]string{pWarningFine, pFine}, 1e4, 2e5},
		{"迟报统计资料", "《中华人民共和国统计法》第四十二条", [][]string{pWarning, pWarningFine}, 1e3, 1e4},
		{"拒绝、阻碍统计调查、统计检查", "《中华人民共和国统计法》第四十一条", [][]string{pFine, pReprimand}, 1e4, 5e4},
	},
	catCustoms: {
		{"进出口货物的品名、税则号列、数量申报不实", "《中华人民共和国海关行政处罚实施条例》第十五条", [][]string{pFine, pWarning}, 1e4, 5e5},
		{"未经海关许可擅自转让保税货物", "《中华人民共和国海关行政处罚实施条例》第十八条", [][]string{pFineConfisc}, 1e4, 2e5},
		{"进出口侵犯知识产权的货物", "《中华人民共和国海关行政处罚实施条例》第二十五条", [][]string{pFineConfisc}, 1e4, 3e5},
	},
}

// penaltyAbbr is the abbreviation of a field in penalty decision numbers
// (深龙市监罚〔2024〕17号).
var penaltyAbbr = map[string]string{
	catRegistration: "市监异", catMarket: "市监罚", catQuality: "市监罚", catTax: "税稽罚", catEnvironment: "环罚",
	catCustoms: "关缉违字", catSafety: "应急罚", catFire: "消行罚决字", catHealth: "卫监罚", catTransport: "交执罚",
	catLabour: "人社监罚", catFinance: "金罚决字", catAgriculture: "农罚", catHousing: "建罚", catCulture: "文旅罚",
	catStatistics: "统执罚", catSocialSecurity: "社保罚", catProcurement: "财采处", catHonour: "表彰", catCourt: "法",
}

// licence is a permit an authority grants.
type licence struct {
	name   string
	basis  string
	years  int    // validity; 0 for none
	prefix string // number style: "JY", "ENV", or an abbreviation
}

var licences = map[string][]licence{
	catMarket: {
		{"食品经营许可证", "《中华人民共和国食品安全法》第三十五条", 5, "JY"},
		{"药品经营许可证", "《中华人民共和国药品管理法》第五十一条", 5, "药经许"},
		{"医疗器械经营许可证", "《医疗器械监督管理条例》第五十二条", 5, "械经营许"},
		{"工业产品生产许可证", "《中华人民共和国工业产品生产许可证管理条例》第二条", 5, "XK"},
	},
	catEnvironment: {
		{"排污许可证", "《排污许可管理条例》第二条", 5, "ENV"},
	},
	catSafety: {
		{"安全生产许可证", "《安全生产许可证条例》第二条", 3, "安许证字"},
		{"危险化学品经营许可证", "《危险化学品安全管理条例》第三十三条", 3, "危化经字"},
	},
	catHealth: {
		{"公共场所卫生许可证", "《公共场所卫生管理条例》第八条", 4, "卫公证字"},
		{"医疗机构执业许可证", "《医疗机构管理条例》第十五条", 5, "医机证字"},
	},
	catFire: {
		{"公众聚集场所投入使用、营业前消防安全检查合格证", "《中华人民共和国消防法》第十五条", 0, "消安检字"},
	},
	catTransport: {
		{"道路运输经营许可证", "《中华人民共和国道路运输条例》第二十四条", 4, "交运管许可字"},
	},
	catFinance: {
		{"融资担保业务经营许可证", "《融资担保公司监督管理条例》第七条", 0, "融担许"},
	},
	catAgriculture: {
		{"农药经营许可证", "《农药管理条例》第二十四条", 5, "农药经许"},
		{"种子生产经营许可证", "《中华人民共和国种子法》第三十一条", 5, "种子许"},
	},
	catHousing: {
		{"建筑业企业资质证书", "《中华人民共和国建筑法》第十三条", 5, "建资字"},
		{"房地产开发企业资质证书", "《城市房地产开发经营管理条例》第九条", 3, "房开资字"},
	},
	catCulture: {
		{"网络文化经营许可证", "《互联网文化管理暂行规定》第八条", 3, "网文"},
		{"营业性演出许可证", "《营业性演出管理条例》第六条", 2, "演"},
		{"旅行社业务经营许可证", "《旅行社条例》第七条", 0, "旅"},
	},
}

// inspection is what an authority inspects, and under which provision.
type inspection struct {
	subjects []string
	basis    string
}

var inspections = map[string]inspection{
	catMarket:      {[]string{"“双随机、一公开”监督抽查", "食品安全监督抽检", "企业公示信息抽查", "广告监测"}, "《企业信息公示暂行条例》第十四条"},
	catQuality:     {[]string{"电线电缆产品质量监督抽查", "儿童玩具产品质量监督抽查", "塑料管材产品质量监督抽查", "电动自行车产品质量监督抽查", "化肥产品质量监督抽查", "燃气灶具产品质量监督抽查"}, "《中华人民共和国产品质量法》第十五条"},
	catEnvironment: {[]string{"废气排放执法监测", "废水排放执法监测", "危险废物规范化管理检查"}, "《中华人民共和国环境保护法》第二十四条"},
	catSafety:      {[]string{"安全生产执法检查", "危险化学品专项检查", "有限空间作业专项检查"}, "《中华人民共和国安全生产法》第六十五条"},
	catFire:        {[]string{"消防监督检查", "消防安全专项检查"}, "《中华人民共和国消防法》第五十三条"},
	catHealth:      {[]string{"公共场所卫生监督检查", "职业卫生监督检查"}, "《公共场所卫生管理条例》第十条"},
	catAgriculture: {[]string{"农产品质量安全例行监测", "农资质量监督抽查"}, "《中华人民共和国农产品质量安全法》第五十三条"},
	catLabour:      {[]string{"劳动保障书面审查", "劳动保障专项检查"}, "《劳动保障监察条例》第十一条"},
}

var inspectionFindings = map[string][]string{
	catMarket:      {"公示信息隐瞒真实情况", "抽检样品菌落总数不符合食品安全标准", "未按规定公示即时信息"},
	catQuality:     {"导体电阻不合格", "小零件项目不合格", "静液压强度不合格", "制动性能不合格", "总养分含量不合格", "熄火保护装置不合格"},
	catEnvironment: {"颗粒物排放浓度超标", "化学需氧量排放浓度超标", "危险废物台账不完整"},
	catSafety:      {"安全警示标志缺失", "特种作业人员未持证上岗", "应急预案未演练"},
	catFire:        {"疏散指示标志损坏", "灭火器压力不足", "消防通道被占用"},
	catHealth:      {"从业人员健康证明过期", "公共用品用具消毒不合格"},
	catAgriculture: {"农药残留超标", "产品有效成分含量不足"},
	catLabour:      {"未按时足额支付劳动报酬", "未依法签订劳动合同"},
}

var (
	honoursByClass = [...][]string{
		classEnterprise:    {"守合同重信用企业", "国家级专精特新“小巨人”企业", "高新技术企业", "全国五一劳动奖状", "国家级绿色工厂", "省级诚信示范企业"},
		classIndividual:    {"诚信经营示范户", "放心消费示范店"},
		classCooperative:   {"国家农民合作社示范社", "省级农民合作社示范社"},
		classInstitution:   {"全国文明单位", "省级文明单位"},
		classNonEnterprise: {"5A级社会组织", "全国先进社会组织"},
		classLawFirm:       {"全国优秀律师事务所", "省级优秀律师事务所"},
	}
	registrationChanges = []string{"经营范围", "住所", "法定代表人", "注册资本", "股东", "名称"}
	caseTypes           = []struct{ name, basis string }{
		{"买卖合同纠纷", "《中华人民共和国民法典》第五百七十七条"},
		{"借款合同纠纷", "《中华人民共和国民法典》第六百七十五条"},
		{"建设工程施工合同纠纷", "《中华人民共和国民法典》第八百零七条"},
		{"劳动争议", "《中华人民共和国劳动合同法》第三十条"},
		{"租赁合同纠纷", "《中华人民共和国民法典》第七百二十二条"},
		{"服务合同纠纷", "《中华人民共和国民法典》第五百七十七条"},
		{"承揽合同纠纷", "《中华人民共和国民法典》第七百八十二条"},
		{"金融借款合同纠纷", "《中华人民共和国民法典》第六百七十六条"},
	}
	taxReturns   = []string{"增值税", "企业所得税", "个人所得税（代扣代缴）", "印花税", "城镇土地使用税"}
	evasionMeans = []string{"隐匿收入", "虚列成本费用", "进行虚假纳税申报", "在账簿上多列支出"}
	pollutants   = []string{"颗粒物", "二氧化硫", "氮氧化物", "化学需氧量", "氨氮", "总磷"}
	procurements = []string{"办公设备采购项目", "物业管理服务采购项目", "信息化建设项目", "道路维修工程", "医疗设备采购项目", "校服采购项目"}
)
