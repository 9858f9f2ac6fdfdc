package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// openObjection is the open objection to target.
func (reg *registry) openCase(kind string, target credo.Target) *credo.Case {
	reg.t.Helper()
	cs, err := reg.store.TargetCases(context.Background(), target)
	if err != nil {
		reg.t.Fatal(err)
	}
	for _, c := range cs {
		if c.Kind == kind && c.Open() {
			return c
		}
	}
	reg.t.Fatalf("no open %s on %v", kind, target)
	return nil
}

// TestConsole: the authority's queues with deadlines, a decision that
// changes the public page, record submission by form and NDJSON upload
// with per-line results, a listing decision; the administrator's impact
// view.
func TestConsole(t *testing.T) {
	reg := newRegistry(t)
	b := reg.client()
	b.signIn(tokenAuthority, "/zh/console/")
	hb2 := reg.recordID("HB-2")
	c := reg.openCase(credo.CaseObjection, credo.Target{Kind: credo.TargetRecord, ID: hb2})
	casePath := "/en/console/cases/" + strconv.FormatInt(c.ID, 10)

	for _, path := range []string{"/zh/console/", "/en/console/", casePath, "/en/console/records", "/zh/console/list-entries/new"} {
		pg := b.get(path)
		wantStatus(t, path, pg, 200)
		checkHTML(t, path, pg.body)
		if strings.Contains(pg.body, "<script>alert") {
			t.Errorf("%s: unescaped markup", path)
		}
	}
	t.Run("the queues, soonest deadline first, with deadlines", func(t *testing.T) {
		pg := b.get("/en/console/")
		pg.has(t, "Objections to decide", `href="/en/console/cases/`+strconv.FormatInt(c.ID, 10)+`"`, "Decided by", "Overdue")
		if strings.Contains(pg.body, `class="overdue"`) {
			t.Error("a case shown overdue before its deadline")
		}
		// After the deadline, the queue flags it.
		reg.clock.set(c.DecideBy.Time.AddDate(0, 0, 1))
		b.get("/en/console/").has(t, `class="overdue"`, "<strong class=\"flag\">overdue</strong>")
		reg.clock.set(testNow)
	})
	csrf := b.csrf(casePath)
	t.Run("bad decisions change nothing", func(t *testing.T) {
		wantStatus(t, "no outcome", b.post(casePath+"/decision", url.Values{"csrf": {csrf}}), 400, "outcome")
		wantStatus(t, "an unknown outcome", b.post(casePath+"/decision", url.Values{"csrf": {csrf}, "outcome": {"approved"}}), 400, "outcome")
		wantStatus(t, "upheld without reasons", b.post(casePath+"/decision", url.Values{"csrf": {csrf}, "outcome": {"upheld"}}), 400, "reasons")
		wantStatus(t, "no CSRF", b.post(casePath+"/decision", url.Values{"outcome": {"retracted"}}), 403, "csrf")
		wantStatus(t, "an unknown case", b.post("/en/console/cases/999999/decision", url.Values{"csrf": {csrf}, "outcome": {"retracted"}}), 404)
		if got := reg.openCase(credo.CaseObjection, c.Target); got.ID != c.ID {
			t.Fatal("the case changed")
		}
	})
	t.Run("a decision changes the public page", func(t *testing.T) {
		before := reg.get("/zh/organizations/" + codeHuaibei)
		before.has(t, "淮市监罚〔2026〕9号", "异议处理中")
		pg := b.post(casePath+"/decision", url.Values{"csrf": {csrf}, "outcome": {"retracted"}, "reasons": {"经复核，决定书编号有误，予以撤销。"}})
		if pg.status != 303 || pg.header.Get("Location") != casePath {
			t.Fatalf("deciding: %d %q; %.400s", pg.status, pg.header.Get("Location"), pg.body)
		}
		b.get(casePath).has(t, "decided", "retracted", "经复核")
		after := reg.get("/zh/organizations/" + codeHuaibei)
		if strings.Contains(after.body, "淮市监罚〔2026〕9号") {
			t.Error("the retracted record is still on the public page")
		}
		wantStatus(t, "deciding again", b.post(casePath+"/decision", url.Values{"csrf": {csrf}, "outcome": {"retracted"}}), 409)
	})
	t.Run("a corrected decision carries the correcting record", func(t *testing.T) {
		hb1 := reg.recordID("HB-1")
		org := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "acct-huaibei", Role: credo.RoleOrganization, Subject: codeHuaibei}}
		oc, err := reg.process.File(context.Background(), org, credo.CaseObjection, dueprocess.CaseRequest{
			Target: credo.Target{Kind: credo.TargetRecord, ID: hb1}, Reasons: dueprocess.Texts{"罚款金额有误"}})
		if err != nil {
			t.Fatal(err)
		}
		path := "/en/console/cases/" + strconv.FormatInt(oc.ID, 10)
		b.get(path).has(t, `id="outcome-corrected"`, `name="correction"`)
		wantStatus(t, "a correction that is not JSON", b.post(path+"/decision", url.Values{"csrf": {csrf}, "outcome": {"corrected"}, "correction": {"{amount: 2000"}}), 400, "correction")
		wantStatus(t, "a correction with an unknown field", b.post(path+"/decision", url.Values{"csrf": {csrf}, "outcome": {"corrected"}, "correction": {`{"amount": 2000, "colour": "red"}`}}), 400, "correction.colour")
		wantStatus(t, "corrected without a record", b.post(path+"/decision", url.Values{"csrf": {csrf}, "outcome": {"corrected"}}), 400, "correction")
		correction := `{"category":"market","kind":"penalty","severity":"general","penalty_types":["fine"],"amount":2000,"decision_number":"淮市监罚〔2026〕1号","legal_basis":"《中华人民共和国反不正当竞争法》","occurred_at":"2025-12-01"}`
		pg := b.post(path+"/decision", url.Values{"csrf": {csrf}, "outcome": {"corrected"}, "reasons": {"金额更正为2000元"}, "correction": {correction}})
		if pg.status != 303 {
			t.Fatalf("a corrected decision: %d; %.400s", pg.status, pg.body)
		}
		b.get(path).has(t, "corrected")
		rec, err := reg.store.Record(context.Background(), hb1)
		if err != nil || rec.SupersededBy == 0 {
			t.Fatalf("the record objected to is not superseded: %+v %v", rec, err)
		}
	})
	t.Run("records: a form and an NDJSON upload, answered line by line", func(t *testing.T) {
		csrf := b.csrf("/en/console/records")
		pg := b.post("/en/console/records", url.Values{"csrf": {csrf}, "subject": {codeHuawei}, "category": {"market"}, "kind": {"penalty"},
			"external_id": {"WEB-1"}, "decision_number": {"深市监罚〔2026〕5号"}, "legal_basis": {"《中华人民共和国广告法》"}, "description": {hostile},
			"severity": {"general"}, "penalty_types": {"warning", "fine"}, "amount": {"3000"}, "occurred_at": {"2026-06-20"}})
		wantStatus(t, "one record", pg, 200, "Accepted: 1", "Refused: 0")
		checkHTML(t, "record results", pg.body)
		pg = b.post("/en/console/records", url.Values{"csrf": {csrf}, "category": {"market"}, "kind": {"penalty"}, "external_id": {"WEB-2"}, "occurred_at": {"2026-06-20"}})
		// Refused, the form is shown again with what was entered.
		wantStatus(t, "a record without subject", pg, 400, `id="form-error"`, "subject", `value="WEB-2"`)
		wantStatus(t, "a bad amount", b.post("/en/console/records", url.Values{"csrf": {csrf}, "amount": {"lots"}}), 400, "amount")
		ndjson := `{"subject":"` + codeHuawei + `","category":"market","kind":"penalty","external_id":"WEB-3","severity":"minor","penalty_types":["warning"],"occurred_at":"2026-06-21","decision_number":"深市监罚〔2026〕6号","legal_basis":"《中华人民共和国广告法》第五十五条"}` + "\n" +
			`{"subject":"91440300MA5XXXXXXX","category":"market","kind":"penalty","external_id":"WEB-4","occurred_at":"2026-06-21"}` + "\n" + `not json` + "\n"
		pg = b.postMultipart("/en/console/records/upload", url.Values{"csrf": {csrf}}, file{"file", "batch.ndjson", []byte(ndjson)})
		wantStatus(t, "an upload", pg, 200, "Accepted: 1", "Refused: 2", "<td>1</td><td>created</td>", "<td>2</td><td>refused</td>", "<td>3</td><td>refused</td>")
		wantStatus(t, "an upload without a file", b.postMultipart("/en/console/records/upload", url.Values{"csrf": {csrf}}), 400, "file")
		wantStatus(t, "an upload without CSRF", b.postMultipart("/en/console/records/upload", nil, file{"file", "batch.ndjson", []byte(ndjson)}), 403, "csrf")
	})
	t.Run("a listing decision", func(t *testing.T) {
		csrf := b.csrf("/en/console/list-entries/new")
		wantStatus(t, "no list", b.post("/en/console/list-entries", url.Values{"csrf": {csrf}, "subject": {codeHuawei}}), 400, "list")
		pg := b.post("/en/console/list-entries", url.Values{"csrf": {csrf}, "list": {"abnormal-operations"}, "subject": {codeHuawei},
			"decision_number": {"深市监异〔2026〕1号"}, "legal_basis": {"《企业经营异常名录管理暂行办法》第八条"}, "reasons": {"通过登记的住所无法联系"}})
		if pg.status != 303 || !strings.HasPrefix(pg.header.Get("Location"), "/en/console/list-entries/new?entry=") {
			t.Fatalf("listing: %d %q; %.400s", pg.status, pg.header.Get("Location"), pg.body)
		}
		b.get(pg.header.Get("Location")).has(t, "Listed:", codeHuawei)
	})
	t.Run("the impact view is the administrators'", func(t *testing.T) {
		wantStatus(t, "an authority", b.get("/en/console/impact"), 403)
		admin := reg.client()
		admin.signIn(tokenAdmin, "/zh/console/")
		pg := admin.get("/en/console/impact")
		wantStatus(t, "the form", pg, 200, "national-comprehensive@")
		checkHTML(t, "impact form", pg.body)
		from := regexpFirst(t, pg.body, `<option value="(national-comprehensive@[^"]+)"`)
		src := rulebookSource(t, reg, from)
		csrf := admin.csrf("/en/console/impact")
		wantStatus(t, "no source", admin.postMultipart("/en/console/impact", url.Values{"csrf": {csrf}, "from": {from}}), 400, "source")
		wantStatus(t, "an unknown version", admin.postMultipart("/en/console/impact", url.Values{"csrf": {csrf}, "from": {"nope@1"}, "source": {src}}), 400, "from")
		wantStatus(t, "a broken rulebook", admin.postMultipart("/en/console/impact", url.Values{"csrf": {csrf}, "from": {from}, "source": {"id: [broken"}}), 400, "source")
		pg = admin.postMultipart("/en/console/impact", url.Values{"csrf": {csrf}, "from": {from}}, file{"file", "new.yaml", []byte(src)})
		wantStatus(t, "the same version again", pg, 200, `id="impact-result"`, "Organizations: 3", "With a grade changed: 0", `class="matrix"`, "old grade (rows)")
		checkHTML(t, "impact result", pg.body)
	})
}
