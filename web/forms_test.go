package web_test

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// shownAgain checks a form shown again after a refusal: the status, the
// error naming field, the field marked invalid and described by the
// error, the values entered kept (as they appear in the HTML, escaped),
// valid HTML and no unescaped markup.
func shownAgain(t *testing.T, what string, pg page, status int, field, fieldID string, kept ...string) {
	t.Helper()
	if pg.status != status {
		t.Fatalf("%s: status %d, want %d; %.600s", what, pg.status, status, pg.body)
	}
	errBlock := regexp.MustCompile(`(?s)<div class="form-error" role="alert" id="form-error">(.*?)</div>`).FindStringSubmatch(pg.body)
	if errBlock == nil || !strings.Contains(errBlock[1], `<span class="code">`+field+`</span>`) {
		t.Errorf("%s: no error naming %s: %v", what, field, errBlock)
	}
	if fieldID != "" {
		tag := regexp.MustCompile(`<(?:input|textarea|select|fieldset)[^>]*id="` + regexp.QuoteMeta(fieldID) + `"[^>]*>`).FindString(pg.body)
		if !strings.Contains(tag, `aria-invalid="true"`) || !regexp.MustCompile(`aria-describedby="[^"]*form-error"`).MatchString(tag) {
			t.Errorf("%s: the field %s is not marked invalid: %s", what, fieldID, tag)
		}
	}
	for _, k := range kept {
		if !strings.Contains(pg.body, k) {
			t.Errorf("%s: the value entered is not kept: no %q", what, k)
		}
	}
	if strings.Contains(pg.body, "<script>alert") || strings.Contains(pg.body, "<img src=x") {
		t.Errorf("%s: unescaped markup", what)
	}
	checkHTML(t, what, pg.body)
}

// escaped is s as html/template writes it in an element's text or an
// attribute.
func escaped(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

// TestFormsShownAgain: a form refused for what was entered (a missing or
// oversized field, a bad value) is shown again at once, with the values
// entered kept and the error naming the field, under the status of the
// error; a refusal of the CSRF token or of the role stays an error page.
func TestFormsShownAgain(t *testing.T) {
	reg := newRegistry(t)
	hb1 := reg.recordID("HB-1")
	target := "record-" + strconv.FormatInt(hb1, 10)
	reasons := "决定书编号有误 " + hostile

	t.Run("sign-in", func(t *testing.T) {
		b := reg.client()
		csrf := b.csrf("/en/sign-in")
		pg := b.post("/en/sign-in", url.Values{"csrf": {csrf}, "next": {"/en/my/what-if"}})
		shownAgain(t, "no token", pg, 400, "token", "token", `name="next" value="/en/my/what-if"`, `action="/en/sign-in"`)
		long := strings.Repeat("x", 600)
		pg = b.post("/en/sign-in", url.Values{"csrf": {csrf}, "token": {long}})
		shownAgain(t, "an oversized token", pg, 400, "token", "token")
		pg = b.post("/en/sign-in", url.Values{"csrf": {csrf}, "token": {"credo_nobody_0123456789"}})
		shownAgain(t, "an unknown token", pg, 401, "token", "token")
		// A token is a secret: never written back into the page.
		if strings.Contains(pg.body, "credo_nobody_0123456789") {
			t.Error("the token typed is written back into the page")
		}
		// The form still works: signing in goes where next said.
		b.post("/en/sign-in", url.Values{"csrf": {csrf}, "token": {tokenOrg}, "next": {"/en/my/what-if"}})
		wantStatus(t, "signed in after the refusals", b.get("/en/my/"), 200)
	})

	org := reg.client()
	org.signIn(tokenOrg, "/zh/my/")
	t.Run("objection and repair", func(t *testing.T) {
		csrf := org.csrf("/en/my/objections/new?target=" + target)
		pg := org.postMultipart("/en/my/objections", url.Values{"csrf": {csrf}, "target": {target}})
		shownAgain(t, "an objection without reasons", pg, 400, "reasons", "reasons", `name="target" value="`+target+`"`, "working days")
		// The page is the form's: its language link leads to the form.
		pg.has(t, `hreflang="zh-CN" href="/zh/my/objections/new?target=`+target+`"`)
		long := strings.Repeat("长", 4001)
		pg = org.postMultipart("/en/my/objections", url.Values{"csrf": {csrf}, "target": {target}, "reasons": {long}})
		shownAgain(t, "too long reasons", pg, 400, "reasons", "reasons", ">"+long+"</textarea>")
		pg = org.postMultipart("/en/my/objections", url.Values{"csrf": {csrf}, "target": {target}, "reasons": {reasons}},
			file{"attachments", "证明.pdf", []byte("this is plain text, not a PDF")})
		shownAgain(t, "a text file named .pdf", pg, 400, "attachments[0]", "attachments", ">"+escaped(reasons)+"</textarea>", "Choose the files to upload again.")
		pg = org.postMultipart("/zh/my/repairs", url.Values{"csrf": {csrf}, "target": {target}, "reasons": {reasons}, "commitment": {"yes"}})
		shownAgain(t, "a repair without documents", pg, 400, "attachments", "attachments", ">"+escaped(reasons)+"</textarea>", `name="commitment" value="yes" required checked`)
		// A refusal of the CSRF token is no form shown again.
		pg = org.postMultipart("/en/my/objections", url.Values{"csrf": {strings.Repeat("a", 64)}, "target": {target}, "reasons": {reasons}})
		if pg.status != 403 || strings.Contains(pg.body, `id="form-error"`) || strings.Contains(pg.body, "决定书编号有误") {
			t.Errorf("a wrong CSRF token: %d, form shown again: %.300s", pg.status, pg.body)
		}
	})
	t.Run("reply", func(t *testing.T) {
		csrf := org.csrf("/en/my/replies?target=" + target)
		long := strings.Repeat("答", credo.MaxReplyLength+1)
		pg := org.post("/en/my/replies", url.Values{"csrf": {csrf}, "target": {target}, "text": {long}})
		shownAgain(t, "an oversized reply", pg, 400, "text", "reply-text", ">"+long+"</textarea>", `name="target" value="`+target+`"`)
		pg = org.post("/en/my/replies", url.Values{"csrf": {csrf}, "target": {target}, "text": {"   "}})
		shownAgain(t, "an empty reply", pg, 400, "text", "reply-text")
	})

	auth := reg.client()
	auth.signIn(tokenAuthority, "/zh/console/")
	t.Run("record submission", func(t *testing.T) {
		csrf := auth.csrf("/en/console/records")
		form := url.Values{"csrf": {csrf}, "category": {"market"}, "kind": {"inspection"}, "external_id": {"WEB-9"},
			"decision_number": {"深市监罚〔2026〕9号"}, "legal_basis": {hostile}, "description": {"说明 " + hostile},
			"severity": {"serious"}, "penalty_types": {"warning", "fine"}, "amount": {"3000"}, "occurred_at": {"2026-06-20"}}
		pg := auth.post("/en/console/records", form)
		shownAgain(t, "a record without subject", pg, 400, "subject", "r-subject", `value="inspection"`, `value="WEB-9"`,
			`value="深市监罚〔2026〕9号"`, `value="`+escaped(hostile)+`"`, ">说明 "+escaped(hostile)+"</textarea>",
			`<option value="market" selected>`, `<option value="serious" selected>`, `value="warning" checked`, `value="fine" checked`,
			`value="3000"`, `value="2026-06-20"`)
		form.Set("subject", codeHuawei)
		form.Set("amount", "lots")
		pg = auth.post("/en/console/records", form)
		shownAgain(t, "a bad amount", pg, 400, "amount", "r-amount", `value="lots"`, `value="`+codeHuawei+`"`)
		if strings.Contains(pg.body, `value="penalty"`) {
			t.Error("the kind entered is replaced by the default")
		}
		pg = auth.postMultipart("/en/console/records/upload", url.Values{"csrf": {csrf}, "form": {"upload"}})
		shownAgain(t, "an upload without a file", pg, 400, "file", "ndjson")
	})
	t.Run("decision", func(t *testing.T) {
		hb2 := reg.recordID("HB-2")
		c := reg.openCase(credo.CaseObjection, credo.Target{Kind: credo.TargetRecord, ID: hb2})
		path := "/en/console/cases/" + strconv.FormatInt(c.ID, 10)
		csrf := auth.csrf(path)
		pg := auth.post(path+"/decision", url.Values{"csrf": {csrf}, "reasons": {"经复核 " + hostile}})
		if !strings.Contains(pg.body, `<fieldset aria-describedby="form-error">`) {
			t.Error("the outcomes are not described by the error")
		}
		shownAgain(t, "a decision without outcome", pg, 400, "outcome", "", ">经复核 "+escaped(hostile)+"</textarea>", `action="`+path+`/decision"`)
		pg.has(t, `hreflang="zh-CN" href="/zh/console/cases/`+strconv.FormatInt(c.ID, 10)+`"`)
		pg = auth.post(path+"/decision", url.Values{"csrf": {csrf}, "outcome": {"corrected"}, "reasons": {"金额更正"}, "correction": {`{"amount": "x"`}})
		shownAgain(t, "a correction of the wrong type", pg, 400, "correction.amount", "correction", `value="corrected" required checked`, `>{&#34;amount&#34;: &#34;x&#34;</textarea>`)
		if got := reg.openCase(credo.CaseObjection, credo.Target{Kind: credo.TargetRecord, ID: hb2}); got.ID != c.ID {
			t.Errorf("the case changed after refused decisions")
		}
	})
	t.Run("listing decision", func(t *testing.T) {
		csrf := auth.csrf("/en/console/list-entries/new")
		pg := auth.post("/en/console/list-entries", url.Values{"csrf": {csrf}, "subject": {codeHuawei}, "decision_number": {"深市监〔2026〕1号"},
			"legal_basis": {"《企业信息公示暂行条例》"}, "reasons": {"未按期公示年报"}, "term": {"P3Y"}})
		shownAgain(t, "no list", pg, 400, "list", "l-list", `value="`+codeHuawei+`"`, `value="深市监〔2026〕1号"`, ">未按期公示年报</textarea>", `value="P3Y"`)
	})
}
