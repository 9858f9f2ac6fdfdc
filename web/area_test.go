package web_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// pdfBytes is a small PDF document (what a browser would upload).
var pdfBytes = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

func pngBytes(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// recordID is the id of codeHuaibei's record with externalID.
func (reg *registry) recordID(externalID string) int64 {
	reg.t.Helper()
	records, err := reg.store.AllRecords(context.Background(), codeHuaibei)
	if err != nil {
		reg.t.Fatal(err)
	}
	for _, r := range records {
		if r.ExternalID == externalID {
			return r.ID
		}
	}
	reg.t.Fatalf("no record %s", externalID)
	return 0
}

var caseLocation = regexp.MustCompile(`^/(zh|en)/my/cases/([0-9]+)$`)

// TestOrganizationArea: the organization sees everything held about it
// with what it may do and from when, simulates, objects with documents,
// follows its case, reads its notices and publishes a reply; bad input
// is refused naming the field and changes nothing.
func TestOrganizationArea(t *testing.T) {
	reg := newRegistry(t)
	b := reg.client()
	b.signIn(tokenOrg, "/zh/my/")
	hb1 := reg.recordID("HB-1")
	target := "record-" + strconv.FormatInt(hb1, 10)

	for _, path := range []string{"/zh/my/", "/en/my/", "/en/my/what-if?leave_out=" + strconv.FormatInt(hb1, 10), "/zh/my/objections/new?target=" + target,
		"/en/my/repairs/new?target=" + target, "/en/my/notices", "/zh/my/replies?target=" + target} {
		pg := b.get(path)
		wantStatus(t, path, pg, 200)
		checkHTML(t, path, pg.body)
		if strings.Contains(pg.body, "<script>alert") || strings.Contains(pg.body, "<img src=x") {
			t.Errorf("%s: unescaped markup", path)
		}
		if pg.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, pg.header.Get("Cache-Control"))
		}
	}
	t.Run("everything held, with what may be done and from when", func(t *testing.T) {
		pg := b.get("/en/my/")
		pg.has(t, "All records", "Earliest date for credit repair", `href="/en/my/objections/new?target=`+target+`"`,
			"Objections and repair applications", `id="entry-`, "Decided by")
		// Both open objections of the fixture are listed with deadlines.
		if n := strings.Count(pg.body, `href="/en/my/cases/`); n < 2 {
			t.Errorf("%d case links, want the fixture's 2 objections", n)
		}
	})
	t.Run("what if", func(t *testing.T) {
		pg := b.get("/en/my/what-if?leave_out=" + strconv.FormatInt(hb1, 10))
		pg.has(t, `id="whatif-result"`, "Grade now", "Grade then", `value="`+strconv.FormatInt(hb1, 10)+`" checked`)
		wantStatus(t, "another organization's record", b.get("/en/my/what-if?leave_out=999999"), 400, "leave_out")
	})
	t.Run("the objection form shows the deadline in working days", func(t *testing.T) {
		pg := b.get("/en/my/objections/new?target=" + target)
		pg.has(t, "working days", "Decided by", `enctype="multipart/form-data"`, `accept="application/pdf`)
		wantStatus(t, "a malformed target", b.get("/en/my/objections/new?target=case-1"), 400, "target")
		other, err := reg.store.AllRecords(context.Background(), codeHuawei)
		if err == nil && len(other) > 0 {
			wantStatus(t, "another organization's record", b.get("/en/my/objections/new?target=record-"+strconv.FormatInt(other[0].ID, 10)), 404)
		}
	})

	csrf := b.csrf("/en/my/objections/new?target=" + target)
	form := func(kv ...string) url.Values {
		v := url.Values{"csrf": {csrf}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	countCases := func() int {
		page, err := reg.store.Cases(context.Background(), credo.CaseQuery{Subject: codeHuaibei, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Cases)
	}
	before := countCases()
	t.Run("bad objections are refused and change nothing", func(t *testing.T) {
		for _, c := range []struct {
			name   string
			form   url.Values
			files  []file
			status int
			field  string
		}{
			{"no reasons", form("target", target), nil, 400, "reasons"},
			{"no target", form("reasons", "有误"), nil, 400, "target"},
			{"a text file named .pdf", form("target", target, "reasons", "有误"), []file{{"attachments", "证明.pdf", []byte("this is plain text, not a PDF")}}, 400, "attachments[0]"},
			{"an HTML file", form("target", target, "reasons", "有误"), []file{{"attachments", "x.png", []byte("<html><script>alert(1)</script></html>")}}, 400, "attachments[0]"},
			{"an oversized file", form("target", target, "reasons", "有误"), []file{{"attachments", "big.pdf", append(append([]byte{}, pdfBytes...), bytes.Repeat([]byte{' '}, 2<<20)...)}}, 413, "attachments[0]"},
			{"too many files", form("target", target, "reasons", "有误"), []file{{"attachments", "a.pdf", pdfBytes}, {"attachments", "b.pdf", pdfBytes}, {"attachments", "c.pdf", pdfBytes}, {"attachments", "d.pdf", pdfBytes}}, 400, "attachments"},
			{"too long reasons", form("target", target, "reasons", strings.Repeat("长", 4001)), nil, 400, "reasons"},
			{"no CSRF token", url.Values{"target": {target}, "reasons": {"有误"}}, nil, 403, "csrf"},
			{"a wrong CSRF token", url.Values{"csrf": {strings.Repeat("a", 64)}, "target": {target}, "reasons": {"有误"}}, nil, 403, "csrf"},
		} {
			pg := b.postMultipart("/en/my/objections", c.form, c.files...)
			if pg.status != c.status || !strings.Contains(pg.body, c.field) {
				t.Errorf("%s: %d, want %d naming %s; %.400s", c.name, pg.status, c.status, c.field, pg.body)
			}
		}
		if n := countCases(); n != before {
			t.Fatalf("%d cases after refused forms, want %d", n, before)
		}
	})
	t.Run("an objection with a PDF and an image", func(t *testing.T) {
		pg := b.postMultipart("/en/my/objections", form("target", target, "reasons", "处罚决定书编号有误 <b>请核实</b>"),
			file{"attachments", "决定书.pdf", pdfBytes}, file{"attachments", "photo.jpg", pngBytes(t)})
		m := caseLocation.FindStringSubmatch(pg.header.Get("Location"))
		if pg.status != 303 || m == nil {
			t.Fatalf("filing: %d to %q; %.400s", pg.status, pg.header.Get("Location"), pg.body)
		}
		status := b.get(pg.header.Get("Location"))
		wantStatus(t, "the case's status page", status, 200, "open", "决定书.pdf", "application/pdf", "image/png", "&lt;b&gt;请核实&lt;/b&gt;")
		checkHTML(t, "case page", status.body)
		if countCases() != before+1 {
			t.Fatalf("cases: %d, want %d", countCases(), before+1)
		}
		// The same target again, while it is open, is a conflict.
		pg = b.postMultipart("/en/my/objections", form("target", target, "reasons", "再次"))
		wantStatus(t, "a second objection while one is open", pg, 409, "target")
		// Another organization does not see the case.
		other := reg.client()
		other.signIn(tokenOtherOrg, "/zh/my/")
		wantStatus(t, "another organization's case", other.get("/en/my/cases/"+m[2]), 404)
		// The deciding authority downloads the documents as filed.
		auth := reg.client()
		auth.signIn(tokenAuthority, "/zh/console/")
		doc := auth.get("/en/console/cases/" + m[2] + "/attachments/0")
		if doc.status != 200 || doc.body != string(pdfBytes) || doc.header.Get("Content-Type") != "application/pdf" || doc.header.Get("Content-Disposition") != "attachment" {
			t.Fatalf("the attachment: %d %q %q", doc.status, doc.header.Get("Content-Type"), doc.header.Get("Content-Disposition"))
		}
		wantStatus(t, "an attachment that is not there", auth.get("/en/console/cases/"+m[2]+"/attachments/7"), 404)
		wantStatus(t, "the organization at the console's attachment", b.get("/en/console/cases/"+m[2]+"/attachments/0"), 403)
	})
	t.Run("notices", func(t *testing.T) {
		b.get("/en/my/notices").has(t, "Application filed")
	})
	t.Run("a reply, shown beside the item on the public page, escaped", func(t *testing.T) {
		csrf := b.csrf("/zh/my/replies?target=" + target)
		wantStatus(t, "an empty reply", b.post("/zh/my/replies", url.Values{"csrf": {csrf}, "target": {target}, "text": {" "}}), 400, "text")
		wantStatus(t, "a too long reply", b.post("/zh/my/replies", url.Values{"csrf": {csrf}, "target": {target}, "text": {strings.Repeat("长", 1001)}}), 400, "text")
		wantStatus(t, "a reply without CSRF", b.post("/zh/my/replies", url.Values{"target": {target}, "text": {"x"}}), 403, "csrf")
		pg := b.post("/zh/my/replies", url.Values{"csrf": {csrf}, "target": {target}, "text": {"罚款已缴清。" + hostile}})
		if pg.status != 303 || pg.header.Get("Location") != "/zh/my/replies" {
			t.Fatalf("reply: %d %q; %.300s", pg.status, pg.header.Get("Location"), pg.body)
		}
		pub := reg.get("/en/organizations/" + codeHuaibei)
		pub.has(t, "The organization&#39;s reply", "罚款已缴清。&lt;script&gt;")
		if strings.Contains(pub.body, "<script>") {
			t.Error("the reply's markup is shown as markup")
		}
		checkHTML(t, "organization page with a reply", pub.body)
		b.get("/en/my/replies").has(t, "罚款已缴清。&lt;script&gt;")
	})
}
