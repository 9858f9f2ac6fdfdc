package api_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/rulebooks"
)

// withGrading wires the bundled rulebooks and regrading on write: newEnv
// builds the write path (package pipeline) with the set it finds here.
func withGrading(t testing.TB) func(*api.Server) {
	return func(s *api.Server) {
		set, err := rulebooks.Set()
		if err != nil {
			t.Fatal(err)
		}
		s.Grading = grading.New(s.Store, set, nil, nil)
		s.Now = s.Ingester.Now // the env's clock
	}
}

func TestAssessmentRoutes(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	// A tax record for a Shanghai organization: graded before the write is acknowledged.
	e.do("POST", "/v1/records", tokenShanghai, "application/json",
		`{"subject":"`+codeShanghai+`","category":"tax","kind":"absconded","external_id":"SH-TAX-1",
		  "decision_number":"沪税稽〔2026〕1号","legal_basis":"《中华人民共和国税收征收管理法》","occurred_at":"2026-06-01"}`).wantStatus(201)

	// The tax dimension is not public: the authority over the organization
	// sees it. Tax is evaluated once a year (2014 measures art. 23; 纳税缴费信用
	// 管理办法): in July 2026 the grade in force is the 2025 evaluation,
	// published on 30 April 2026; the absconding of June 2026 makes the
	// running figure of 2026 D, marked provisional.
	a := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment", tokenShanghai, "", nil).wantStatus(200).object()
	tax := a["dimensions"].(map[string]any)["tax"].(map[string]any)
	if tax["grade"] != "A" || tax["year"] != 2025.0 || tax["published_at"] != "2026-04-30T00:00:00Z" || tax["evaluation"] != "annual" ||
		len(a["rulebooks"].([]any)) == 0 {
		t.Fatalf("the grade in force after a direct-D record of this year: %v", a)
	}
	prov := tax["provisional"].(map[string]any)
	if prov["grade"] != "D" || prov["year"] != 2026.0 {
		t.Fatalf("provisional: %v", prov)
	}
	contribs := prov["contributions"].([]any)
	c0 := contribs[0].(map[string]any)
	if len(contribs) != 1 || c0["rule"] != "tax.art18_abnormal" || c0["until"] == nil {
		t.Fatalf("contributions: %v", contribs)
	}
	// The contribution carries its basis: the article of the law that sets it.
	if law, _ := c0["basis"].(map[string]any)["law"].(map[string]any); law["number"] != "国家税务总局公告2025年第12号" || law["article"] != "第十八条第（九）项" {
		t.Fatalf("basis: %v", c0["basis"])
	}

	// As of before the record was recorded, the registry did not know it.
	past := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment?as_of=2026-06-30", tokenShanghai, "", nil).wantStatus(200).object()
	if g := past["dimensions"].(map[string]any)["tax"].(map[string]any)["provisional"].(map[string]any)["grade"]; g == "D" {
		t.Fatalf("as of the day before recording: %v", past)
	}
	// ?as_of= answers which grade was in force: the 2026 evaluation, D,
	// from its publication on 30 April 2027 ...
	pub := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment?as_of=2027-04-30", tokenShanghai, "", nil).wantStatus(200).object()
	if d := pub["dimensions"].(map[string]any)["tax"].(map[string]any); d["grade"] != "D" || d["year"] != 2026.0 {
		t.Fatalf("as of the publication of 2026: %v", d)
	}
	// ... and the day before, still the 2025 one.
	pub = e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment?as_of=2027-04-29T23:59:59Z", tokenShanghai, "", nil).wantStatus(200).object()
	if d := pub["dimensions"].(map[string]any)["tax"].(map[string]any); d["grade"] != "A" || d["year"] != 2025.0 {
		t.Fatalf("the day before the publication of 2026: %v", d)
	}
	// Three years later the direct D has ended (kept into 2027; 2028 may
	// not be A: art. 34).
	later := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment?as_of=2029-07-01", tokenShanghai, "", nil).wantStatus(200).object()
	if g := later["dimensions"].(map[string]any)["tax"].(map[string]any)["grade"]; g != "B" {
		t.Fatalf("three years on: %v", later)
	}

	hist := e.do("GET", "/v1/subjects/"+codeShanghai+"/assessments", "", "", nil).wantStatus(200).object()
	changes := hist["changes"].([]any)
	if len(changes) != 1 || changes[0].(map[string]any)["cause"].(map[string]any)["kind"] != "record" {
		t.Fatalf("history: %v", hist)
	}

	id := c0["record"].(float64)
	whatIf := `{"leave_out":[` + strconv.Itoa(int(id)) + `],"add":[{"category":"tax","kind":"late_filing","external_id":"W1","occurred_at":"2026-06-15"}]}`
	// The public simulates over what is published: the tax dimension is
	// not public, so its what-if shows none.
	pub = e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "application/json", `{"add":[{"category":"tax","kind":"late_filing","external_id":"W1","occurred_at":"2026-06-15"}]}`).wantStatus(200).object()
	if _, ok := pub["hypothetical"].(map[string]any)["dimensions"].(map[string]any)["tax"]; ok {
		t.Fatalf("the public sees the tax grade in a what-if: %v", pub)
	}
	w := e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", tokenShanghai, "application/json", whatIf).wantStatus(200).object()
	hypo := w["hypothetical"].(map[string]any)["dimensions"].(map[string]any)["tax"].(map[string]any)["provisional"].(map[string]any)
	changes = w["changes"].([]any)
	if hypo["grade"] == "D" || hypo["score"] != 95.0 || len(changes) != 1 || changes[0].(map[string]any)["provisional"] != true ||
		changes[0].(map[string]any)["from_grade"] != "D" {
		t.Fatalf("what-if: %v", w)
	}

	// Bad input.
	e.do("GET", "/v1/subjects/"+codeShanghai+"/assessment?as_of=yesterday", "", "", nil).problem(422, credo.EINVALID)
	e.do("GET", "/v1/subjects/"+residentID+"/assessment", "", "", nil).problem(422, credo.EINVALID)
	p := e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "application/json", `{"leave_out":[999999]}`).problem(422, credo.EINVALID)
	if p.Field != "leave_out[0]" {
		t.Errorf("unknown record: field %q", p.Field)
	}
	p = e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "application/json", `{"add":[{"category":"tax","kind":"late_filing","occurred_at":"2026-06-15"}]}`).problem(422, credo.EINVALID)
	if p.Field != "add[0].external_id" {
		t.Errorf("invalid added record: field %q", p.Field)
	}
	p = e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "application/json", `{"add":[{"subject":"`+codeHuaibei+`","category":"tax","kind":"late_filing","external_id":"x","occurred_at":"2026-06-15"}]}`).problem(422, credo.EINVALID)
	if p.Field != "add[0].subject" {
		t.Errorf("another organization's record: field %q", p.Field)
	}
	e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "application/json", `{"remove":[1]}`).problem(422, credo.EINVALID)
	e.do("POST", "/v1/subjects/"+codeShanghai+"/what-if", "", "text/plain", `{}`).wantStatus(415)
}

func TestRecordsShowPublicity(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	rec := e.do("POST", "/v1/records", tokenHuaibei, "application/json",
		`{"subject":"`+codeHuaibei+`","category":"market","kind":"penalty","external_id":"HB-1","severity":"general",
		  "decision_number":"淮市监处〔2026〕1号","legal_basis":"《中华人民共和国广告法》第五十五条",
		  "penalty_types":["fine"],"amount":20000,"occurred_at":"2026-06-01"}`).wantStatus(201).object()
	pub, ok := rec["publicity"].(map[string]any)
	if !ok || pub["from"] != "2026-06-01T00:00:00Z" || pub["until"] == nil || pub["rule"] == "" {
		t.Fatalf("a general penalty under the 2026 regime has a bounded publicity window: %v", rec["publicity"])
	}
	until, _ := time.Parse(time.RFC3339, pub["until"].(string))
	if d := until.Sub(time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)); d < 80*24*time.Hour || d > 366*24*time.Hour {
		t.Fatalf("general: 3 to 12 months, got %v", d)
	}
	page := e.do("GET", "/v1/subjects/"+codeHuaibei+"/records", "", "", nil).wantStatus(200).object()
	if p := page["records"].([]any)[0].(map[string]any)["publicity"]; p == nil {
		t.Fatalf("listing without publicity: %v", page)
	}
}
