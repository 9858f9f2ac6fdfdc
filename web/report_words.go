package web

import (
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// The words of the report and verify pages, added to each language's.
func init() {
	for k, v := range map[string]string{
		"report.title":        "信用报告",
		"report.issue":        "报告信息",
		"report.number":       "报告编号",
		"report.issued":       "出具时间",
		"report.asof":         "评价时点",
		"report.rulebooks":    "评价规则",
		"report.verify":       "验证地址",
		"report.qr":           "验证地址的二维码",
		"report.note":         "本页是向公众出具的信用报告：报告编号、出具时间和本页字节的 SHA-256 已存档，任何人可在验证地址核对其是否有效、是否已被更新的报告取代或已撤回。",
		"report.pdf":          "出具 PDF 版信用报告（另行编号）",
		"report.link":         "出具信用报告",
		"report.name":         "名称",
		"report.summary":      "信用概要",
		"report.records":      "公示记录",
		"report.entries":      "名单条目",
		"report.ineffect":     "其中生效",
		"report.objections":   "异议处理中",
		"report.decision":     "联合惩戒与激励措施",
		"report.explain":      "各项等级由上列评价规则计算：起始分加上各条规则的加减分；每条规则的依据列于其后（法律依据或本系统的模型）。",
		"report.nomeasures":   "没有适用的措施。",
		"decision.prohibited": "存在禁止性措施",
		"decision.restricted": "存在限制或重点监管措施",
		"decision.allowed":    "无限制",

		"verify.title":             "报告验证",
		"verify.status":            "状态",
		"verify.status.valid":      "有效",
		"verify.status.superseded": "已被更新的报告取代",
		"verify.status.withdrawn":  "已撤回",
		"verify.withdrawn":         "撤回时间",
		"verify.reason":            "撤回理由",
		"verify.newest":            "最新的报告",
		"verify.subject":           "组织",
		"verify.viewer":            "出具对象",
		"verify.format":            "格式",
		"verify.format.pdf":        "PDF",
		"verify.format.html":       "网页（HTML）",
		"verify.sha":               "所出具文件的 SHA-256",
		"verify.how":               "计算所持文件的 SHA-256（Linux：sha256sum 文件名；macOS：shasum -a 256 文件名；Windows：certutil -hashfile 文件名 SHA256），与上列一致即为所出具的原件。",
		"verify.html":              "网页版报告只有按原样下载（例如 curl -o）时才逐字节一致；浏览器的“另存为”可能改写文件。",
		"verify.scope":             "本页只显示报告的标识信息，不显示报告内容。",
		"verify.invalid":           "报告编号的格式为 CR-20261207-3FA94C01BD（CR、出具日期、10 位十六进制数字）。",
		"verify.notfound":          "没有以此编号出具的报告：",
		"verify.submit":            "验证",
		"viewer.public":            "公众",
		"viewer.organization":      "该组织本身",
		"viewer.administrator":     "管理员",
		"viewer.authority":         "机关",
	} {
		wordsZh[k] = v
	}
	for k, v := range map[string]string{
		"report.title":        "Credit report",
		"report.issue":        "This report",
		"report.number":       "Report number",
		"report.issued":       "Issued",
		"report.asof":         "As of",
		"report.rulebooks":    "Rulebooks",
		"report.verify":       "Verify at",
		"report.qr":           "QR code of the verify address",
		"report.note":         "This page is a credit report issued to the public: its number, issue time and the SHA-256 of this page's bytes are kept, and anyone can check at the verify address whether it is valid, superseded by a newer report, or withdrawn.",
		"report.pdf":          "Issue this report as PDF (under a number of its own)",
		"report.link":         "Issue a credit report",
		"report.name":         "Name",
		"report.summary":      "Credit summary",
		"report.records":      "Records published",
		"report.entries":      "List entries",
		"report.ineffect":     "in effect",
		"report.objections":   "Objections pending",
		"report.decision":     "Measures",
		"report.explain":      "Each grade is computed by the rulebooks above: the starting score plus each rule's points; each rule's basis follows it (the law, or the registry's model).",
		"report.nomeasures":   "No measure applies.",
		"decision.prohibited": "prohibited for some actions",
		"decision.restricted": "restricted or extra scrutiny for some actions",
		"decision.allowed":    "no restriction",

		"verify.title":             "Verify a report",
		"verify.status":            "Status",
		"verify.status.valid":      "valid",
		"verify.status.superseded": "superseded by a newer report",
		"verify.status.withdrawn":  "withdrawn",
		"verify.withdrawn":         "Withdrawn",
		"verify.reason":            "Reason",
		"verify.newest":            "Newest report",
		"verify.subject":           "Organization",
		"verify.viewer":            "Issued to",
		"verify.format":            "Format",
		"verify.format.pdf":        "PDF",
		"verify.format.html":       "web page (HTML)",
		"verify.sha":               "SHA-256 of the issued file",
		"verify.how":               "Compute the SHA-256 of the file you hold (Linux: sha256sum FILE; macOS: shasum -a 256 FILE; Windows: certutil -hashfile FILE SHA256): if it is the one above, the file is the report as issued.",
		"verify.html":              "A report issued as a web page matches byte for byte only as downloaded (curl -o, for instance); a browser's “save as” may rewrite it.",
		"verify.scope":             "This page shows what identifies the report, not what it says.",
		"verify.invalid":           "A report number looks like CR-20261207-3FA94C01BD (CR, the issue date, 10 hexadecimal digits).",
		"verify.notfound":          "No report was issued with this number:",
		"verify.submit":            "Verify",
		"viewer.public":            "the public",
		"viewer.organization":      "the organization itself",
		"viewer.administrator":     "an administrator",
		"viewer.authority":         "authority",
	} {
		wordsEn[k] = v
	}
	funcs["utc"] = func(t any) string {
		switch v := t.(type) {
		case credo.Time:
			return utc(v.Time)
		case time.Time:
			return utc(v)
		}
		return ""
	}
	funcs["viewerWords"] = func(l *lang, class string) string {
		if id, ok := strings.CutPrefix(class, "authority:"); ok {
			return l.T["viewer.authority"] + " " + id
		}
		if w, ok := l.T["viewer."+class]; ok {
			return w
		}
		return class
	}
}

func utc(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}
