// Package report renders a credit report as PDF: the organization's
// registration data, grades with their explanation, records, list entries
// and measures, as the reader may see them (the caller reads them through
// the visibility policy), with the report's number, issue time, as-of time,
// rulebook versions, and a QR code of the address where anyone can verify
// it.
//
// The PDF is a pure function of the Report: the same Report gives the same
// bytes (creation dates are the issue time, objects are written in a fixed
// order, the QR code is drawn as rectangles). Chinese text is selectable
// and searchable: the embedded CJK font (fonts/, Droid Sans Fallback,
// Apache-2.0) is subset to the characters used, with a ToUnicode map.
package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-pdf/fpdf"
	"rsc.io/qr"

	"github.com/credo-registry/credo"
)

// The fonts (fonts/README.md): CJK text in Droid Sans Fallback, which
// has no Latin glyphs; everything else in DejaVu Sans.
var (
	//go:embed fonts/DroidSansFallback.ttf
	cjkFont []byte
	//go:embed fonts/DejaVuSans.ttf
	latinFont []byte
)

// Report is what a credit report says.
type Report struct {
	Number     string
	IssuedAt   time.Time
	AsOf       time.Time
	VerifyURL  string // printed, and encoded as the QR code
	Subject    *credo.Subject
	Assessment *credo.Assessment // nil: not graded
	Records    []Record
	// RecordsTotal is how many records the reader may see, of which
	// Records are the newest (at most MaxItems); RecordsURL is where
	// every one is (printed when the PDF does not list them all).
	RecordsTotal int
	RecordsURL   string
	Entries      []Entry
	Measures     []Measure
	// Decision is the strictest effect of the measures that apply to any
	// action: "prohibited", "restricted" or "allowed" ("" not judged).
	Decision string
}

// Record is a record as the report shows it.
type Record struct {
	Authority, Category, Kind, DecisionNumber, LegalBasis, Description string
	Decided, PublicFrom, PublicUntil                                   time.Time
	UnderObjection                                                     bool
}

// Entry is a list entry as the report shows it.
type Entry struct {
	List, Authority, DecisionNumber, LegalBasis, State string
	Decided, Effective                                 time.Time
	UnderObjection                                     bool
}

// Measure is what an entry or grade means for an action (procurement ...).
type Measure struct {
	Title, Effect, LegalBasis, Why string
}

// PDFRecords bounds the records a PDF lists (the newest): the summary
// says how many there are, and a line where the others are.
const PDFRecords = 100

// Page geometry, in millimetres.
const (
	margin   = 18.0
	lineH    = 6.0
	qrSize   = 28.0
	labelW   = 48.0
	pageW    = 210.0
	textW    = pageW - 2*margin
	cjkKey   = "cjk"
	latinKey = "latin"
)

// The embedded fonts, each parsed once per process.
var (
	cjkTTF   = &fontCache{data: cjkFont}
	latinTTF = &fontCache{data: latinFont}
)

// PDF renders r.
func PDF(r *Report) ([]byte, error) {
	if r == nil || r.Subject == nil {
		return nil, fmt.Errorf("report: no organization")
	}
	// A first pass over the text finds the characters each font draws;
	// the document embeds subsets of the fonts with those alone.
	c := &writer{size: 10, runes: map[bool]map[rune]bool{true: {}, false: {}}}
	c.text(margin, textW, 5, footer(r.Number, 0)+"0123456789")
	layout(c, r)
	fonts := map[bool][]byte{}
	for cjk, cache := range map[bool]*fontCache{true: cjkTTF, false: latinTTF} {
		f, err := cache.get()
		if err != nil {
			return nil, err
		}
		runes := make([]rune, 0, len(c.runes[cjk]))
		for r := range c.runes[cjk] {
			runes = append(runes, r)
		}
		slices.Sort(runes)
		if fonts[cjk], err = f.subset(runes); err != nil {
			return nil, err
		}
	}

	p := fpdf.New("P", "mm", "A4", "")
	p.SetCatalogSort(true)
	p.SetCreationDate(r.IssuedAt.UTC())
	p.SetModificationDate(r.IssuedAt.UTC())
	p.SetTitle("信用报告 "+r.Number, true)
	p.SetCreator("credo", true)
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin)
	p.AddUTF8FontFromBytes(cjkKey, "", fonts[true])
	p.AddUTF8FontFromBytes(latinKey, "", fonts[false])
	w := &writer{p: p, size: 10}
	p.SetFooterFunc(func() {
		p.SetY(-12)
		w.size = 8
		w.text(margin, textW, 5, footer(r.Number, p.PageNo()))
		w.size = 10
	})
	p.AddPage()
	layout(w, r)
	if err := p.Error(); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	var b bytes.Buffer
	if err := p.Output(&b); err != nil {
		return nil, fmt.Errorf("report: %w", err)
	}
	return b.Bytes(), nil
}

// footer is the footer of page n.
func footer(number string, n int) string { return fmt.Sprintf("%s · %d", number, n) }

// layout writes r's text with w.
func layout(w *writer, r *Report) {
	w.size = 18
	w.text(margin, textW-qrSize, 10, "信用报告 Credit report")
	w.size = 10
	w.qr(r.VerifyURL, pageW-margin-qrSize, margin)
	w.field("报告编号 Report number", r.Number)
	w.field("出具时间 Issued", r.IssuedAt.UTC().Format(time.RFC3339))
	w.field("评价时点 As of", r.AsOf.UTC().Format(time.RFC3339))
	if a := r.Assessment; a != nil {
		w.field("评价规则 Rulebooks", rulebooks(a.Rulebooks))
	}
	if w.y() < margin+qrSize+2 {
		w.setY(margin + qrSize + 2)
	}
	w.field("验证 Verify", r.VerifyURL)
	w.ln(4)
	s := r.Subject
	w.heading("基本信息 Registration")
	w.field("名称 Name", s.Name)
	w.field("统一社会信用代码 Code", s.Code)
	w.field("行政区划 Division", s.Division)
	w.field("登记状态 Status", words(statusWords, string(s.Status)))
	if !s.Established.IsZero() {
		w.field("成立日期 Established", date(s.Established.Time))
	}
	w.field("行业 Industry", s.Industry)
	w.field("住所 Address", s.Address)

	w.heading("信用概要 Credit summary")
	if a := r.Assessment; a != nil && a.Grade != "" {
		w.field("综合等级 Comprehensive", words(gradeWords, a.Grade))
	} else {
		w.field("综合等级 Comprehensive", "暂无公开等级 No public grade")
	}
	objections, inEffect := 0, 0
	for _, rec := range r.Records {
		if rec.UnderObjection {
			objections++
		}
	}
	for _, e := range r.Entries {
		if e.UnderObjection {
			objections++
		}
		if e.State == "active" {
			inEffect++
		}
	}
	listed := r.Records[:min(len(r.Records), PDFRecords)]
	total := max(r.RecordsTotal, len(r.Records))
	w.field("公示记录 Records", strconv.Itoa(total))
	w.field("名单 List entries", fmt.Sprintf("%d（生效 in effect %d）", len(r.Entries), inEffect))
	w.field("异议处理中 Objections pending", strconv.Itoa(objections))
	if words, ok := decisionWords[r.Decision]; ok {
		w.field("联合惩戒与激励 Measures", words)
	}

	w.heading("信用等级 Grades")
	if a := r.Assessment; a == nil {
		w.line("暂无等级 Not graded")
	} else {
		w.line("等级由评价规则计算：起始分加上各项规则的加减分，依据列于每项之后。Each grade is computed by the rulebooks named above: the start score plus each rule's points, with its basis.")
		if a.Grade != "" {
			w.field("综合等级 Comprehensive", words(gradeWords, a.Grade))
		}
		for _, reason := range a.Reasons {
			w.bullet(reason)
		}
		for _, id := range dimensionIDs(a) {
			d := a.Dimensions[id]
			title := d.Title
			if title == "" {
				title = id
			}
			w.field(title, words(gradeWords, d.Grade)+"  (起始分 start "+num(d.Start)+" · 得分 score "+num(d.Score)+")")
			for _, reason := range d.Reasons {
				w.bullet(reason)
			}
			for _, c := range d.Contributions {
				w.bullet(num(c.Points) + "  " + c.Reason + joinNonEmpty("  ", c.Basis.String()))
			}
		}
	}

	w.heading("公示记录 Records")
	if len(r.Records) == 0 {
		w.line("无 None")
	}
	if rest := total - len(listed); rest > 0 {
		s := fmt.Sprintf("本报告列出最新的 %d 条记录，其余 %d 条未列出。The newest %d of %d records are listed here; the other %d are not.",
			len(listed), rest, len(listed), total, rest)
		if r.RecordsURL != "" {
			s += " 全部记录见 Every record: " + r.RecordsURL
		}
		w.line(s)
	}
	for _, rec := range listed {
		head := rec.Kind + " · " + rec.Category
		if rec.UnderObjection {
			head += "  【异议处理中 objection pending】"
		}
		w.sub(head)
		w.field("决定机关 Authority", rec.Authority)
		w.field("决定文书号 Decision", rec.DecisionNumber)
		w.field("法律依据 Legal basis", rec.LegalBasis)
		w.field("内容 Description", rec.Description)
		w.field("决定日期 Decided", date(rec.Decided))
		w.field("公示期 Published", date(rec.PublicFrom)+" – "+date(rec.PublicUntil))
	}

	w.heading("名单 Lists")
	if len(r.Entries) == 0 {
		w.line("无 None")
	}
	for _, e := range r.Entries {
		head := e.List + " · " + words(stateWords, e.State)
		if e.UnderObjection {
			head += "  【异议处理中 objection pending】"
		}
		w.sub(head)
		w.field("决定机关 Authority", e.Authority)
		w.field("决定文书号 Decision", e.DecisionNumber)
		w.field("法律依据 Legal basis", e.LegalBasis)
		w.field("决定日期 Decided", date(e.Decided))
		w.field("生效日期 In effect", date(e.Effective))
	}

	w.heading("联合惩戒与激励措施 Measures")
	if len(r.Measures) == 0 {
		w.line("无 None")
	}
	for _, m := range r.Measures {
		w.bullet(m.Title + " — " + m.Effect + joinNonEmpty("  ", m.LegalBasis) + joinNonEmpty("  ", m.Why))
	}

}

// The words of grades, registration statuses and list entry states, in
// both languages (as the portal says them).
var (
	gradeWords = map[string]string{
		"A": "A 信用优良 excellent", "B": "B 信用良好 good", "C": "C 信用一般 fair", "D": "D 信用较差 poor",
	}
	statusWords = map[string]string{
		"active": "存续 active", "suspended": "停业 suspended", "revoked": "吊销 licence revoked", "cancelled": "注销 deregistered",
	}
	stateWords = map[string]string{
		"notified": "已告知，尚未生效 notified, not yet in effect", "active": "有效 in effect", "ended": "已移出 ended",
	}
)

// words is the words of value in m, or value itself.
func words(m map[string]string, value string) string {
	if w, ok := m[value]; ok {
		return w
	}
	return value
}

// decisionWords say what a measures decision means.
var decisionWords = map[string]string{
	"prohibited": "存在禁止性措施 prohibited for some actions",
	"restricted": "存在限制或加强审查措施 restricted or extra scrutiny for some actions",
	"allowed":    "无限制 no restriction",
}

// writer lays out the report's lines, each run of CJK text in the CJK
// font and the rest in the Latin one.
type writer struct {
	p    *fpdf.Fpdf
	size float64
	// runes, when set, makes the writer draw nothing and collect the
	// characters of each font instead (true: the CJK font).
	runes map[bool]map[rune]bool
}

func (w *writer) ln(h float64) {
	if w.p != nil {
		w.p.Ln(h)
	}
}

func (w *writer) y() float64 {
	if w.p == nil {
		return 0
	}
	return w.p.GetY()
}

func (w *writer) setY(y float64) {
	if w.p != nil {
		w.p.SetY(y)
	}
}

// text writes s from x in a column width wide, wrapping, and moves to the
// next line.
func (w *writer) text(x, width, h float64, s string) {
	if w.p == nil {
		for _, run := range runs(s) {
			for _, r := range run.text {
				w.runes[run.cjk][r] = true
			}
		}
		return
	}
	left, top, right, _ := w.p.GetMargins()
	w.p.SetLeftMargin(x)
	w.p.SetRightMargin(pageW - x - width)
	w.p.SetX(x)
	for _, run := range runs(s) {
		font := latinKey
		if run.cjk {
			font = cjkKey
		}
		w.p.SetFont(font, "", w.size)
		w.p.Write(h, run.text)
	}
	w.p.Ln(h)
	w.p.SetMargins(left, top, right)
}

type run struct {
	text string
	cjk  bool
}

// runs splits s where it changes between CJK (and full-width) characters
// and the others.
func runs(s string) []run {
	var out []run
	start, cjk := 0, false
	for i, r := range s {
		c := isCJK(r)
		if i > 0 && c != cjk {
			out = append(out, run{s[start:i], cjk})
			start = i
		}
		cjk = c
	}
	if start < len(s) {
		out = append(out, run{s[start:], cjk})
	}
	return out
}

// isCJK reports whether r is drawn with the CJK font: CJK scripts,
// symbols and punctuation, and full-width forms.
func isCJK(r rune) bool {
	return r >= 0x2E80 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFE30 && r <= 0xFE4F || r >= 0xFF00 && r <= 0xFFEF || r >= 0x20000
}

func (w *writer) heading(s string) {
	w.ln(3)
	w.size = 13
	w.text(margin, textW, 8, s)
	w.size = 10
	if w.p != nil {
		y := w.p.GetY()
		w.p.Line(margin, y, pageW-margin, y)
	}
	w.ln(2)
}

func (w *writer) sub(s string) {
	w.ln(1)
	w.size = 11
	w.text(margin, textW, lineH, s)
	w.size = 10
}

func (w *writer) field(label, value string) {
	if value == "" {
		return
	}
	if w.p == nil {
		w.text(0, 0, 0, label)
		w.text(0, 0, 0, value)
		return
	}
	// The label and the first line of the value on the same page (a page
	// break between them left the rest of the page blank).
	_, pageH := w.p.GetPageSize()
	if _, bottom := w.p.GetAutoPageBreak(); w.p.GetY()+2*lineH > pageH-bottom {
		w.p.AddPage()
	}
	y, page := w.p.GetY(), w.p.PageNo()
	w.text(margin, labelW-2, lineH, label)
	yLabel := w.p.GetY()
	w.p.SetY(y)
	w.text(margin+labelW, textW-labelW-qrPad(y), lineH, value)
	if w.p.PageNo() == page && w.p.GetY() < yLabel {
		w.p.SetY(yLabel)
	}
}

// qrPad keeps the first lines clear of the QR code.
func qrPad(y float64) float64 {
	if y < margin+qrSize+2 {
		return qrSize + 2
	}
	return 0
}

func (w *writer) line(s string)   { w.text(margin, textW, lineH, s) }
func (w *writer) bullet(s string) { w.text(margin+4, textW-4, lineH, "• "+s) }

// qr draws text's QR code as black squares at (x, y), qrSize wide.
func (w *writer) qr(text string, x, y float64) {
	if text == "" || w.p == nil {
		return
	}
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		w.p.SetError(fmt.Errorf("QR code: %w", err))
		return
	}
	cell := qrSize / float64(code.Size)
	w.p.SetFillColor(0, 0, 0)
	for row := 0; row < code.Size; row++ {
		for col := 0; col < code.Size; col++ {
			if code.Black(col, row) {
				w.p.Rect(x+float64(col)*cell, y+float64(row)*cell, cell, cell, "F")
			}
		}
	}
}

func date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2006-01-02")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func joinNonEmpty(sep, s string) string {
	if s == "" {
		return ""
	}
	return sep + s
}

func rulebooks(refs []credo.RulebookRef) string {
	var b bytes.Buffer
	for i, r := range refs {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.ID + " " + r.Version)
	}
	return b.String()
}

// dimensionIDs are a's dimensions in a fixed order.
func dimensionIDs(a *credo.Assessment) []string {
	ids := make([]string, 0, len(a.Dimensions))
	for id := range a.Dimensions {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}
