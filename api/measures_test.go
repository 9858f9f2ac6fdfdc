package api_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/lists"
)

type measuresResults struct {
	Action  string          `json:"action"`
	AsOf    time.Time       `json:"as_of"`
	Results []lists.Verdict `json:"results"`
}

// reasonOf returns the verdict's reason of measure, or nil.
func reasonOf(v lists.Verdict, measure string) *lists.Reason {
	for i := range v.Reasons {
		if v.Reasons[i].Measure == measure {
			return &v.Reasons[i]
		}
	}
	return nil
}

func TestSubjectMeasures(t *testing.T) {
	e := newProcessEnv(t)
	verdict := func(code, query string) lists.Verdict {
		t.Helper()
		var v lists.Verdict
		e.get("/v1/subjects/" + code + "/measures?" + query).wantStatus(http.StatusOK).decode(&v)
		return v
	}
	// Nothing held: allowed.
	if v := verdict(codeHuaibei, "action=public_procurement"); v.Decision != lists.Allowed || len(v.Reasons) != 0 ||
		v.Subject != codeHuaibei || v.Action != "public_procurement" || !v.AsOf.Equal(testNow) {
		t.Errorf("nothing held: %+v", v)
	}

	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	// Notified, not yet in effect: still allowed.
	if v := verdict(codeHuaibei, "action=public_procurement"); v.Decision != lists.Allowed {
		t.Errorf("while notified: %+v", v)
	}
	// In effect: prohibited, with the entry as the reason.
	e.setNow(en.EffectiveAt)
	v := verdict(codeHuaibei, "action=public_procurement")
	r := reasonOf(v, "sd.procurement")
	if v.Decision != lists.Prohibited || r == nil {
		t.Fatalf("while listed: %+v", v)
	}
	if r.Entry != en.ID || r.List != "serious-dishonesty" || r.DecisionNumber != "淮市监信〔2026〕1号" ||
		!r.Until.Equal(en.Until) || r.LegalBasis == "" || r.Effect != "prohibit" || r.Kind != "punishment" || r.Why == "" {
		t.Errorf("reason %+v, want entry %d until %v", r, en.ID, en.Until)
	}
	// Restricted and extra scrutiny for other actions; unaffected ones allowed.
	if v := verdict(codeHuaibei, "action=subsidies"); v.Decision != lists.Restricted || reasonOf(v, "sd.subsidies") == nil {
		t.Errorf("subsidies: %+v", v)
	}
	if v := verdict(codeHuaibei, "action=customs_clearance"); v.Decision != lists.Allowed {
		t.Errorf("customs clearance: %+v", v)
	}
	// Another organization is unaffected.
	if v := verdict(codeHuaibei2, "action=public_procurement"); v.Decision != lists.Allowed {
		t.Errorf("another organization: %+v", v)
	}
	// As of the past: as it stood then.
	past := verdict(codeHuaibei, "action=public_procurement&as_of="+url.QueryEscape(testNow.Format(time.RFC3339)))
	if past.Decision != lists.Allowed || !past.AsOf.Equal(testNow) {
		t.Errorf("as of the notification: %+v", past)
	}
	// As of after the term: allowed again.
	if v := verdict(codeHuaibei, "action=public_procurement&as_of="+url.QueryEscape(en.Until.Format(time.RFC3339Nano))); v.Decision != lists.Allowed {
		t.Errorf("as of the term's end: %+v", v)
	}
	// Clock at the term: allowed.
	e.setNow(en.Until)
	if v := verdict(codeHuaibei, "action=public_procurement"); v.Decision != lists.Allowed {
		t.Errorf("at the term's end: %+v", v)
	}

	// Without an action: every measure that applies, the strictest decision.
	if v := verdict(codeHuaibei, "as_of="+en.EffectiveAt.Format(time.RFC3339)); v.Decision != lists.Prohibited || v.Action != "" || len(v.Reasons) < 3 {
		t.Errorf("all actions while listed: %+v", v)
	}
	if v := verdict(codeHuaibei, ""); v.Decision != lists.Allowed || len(v.Reasons) != 0 {
		t.Errorf("all actions after the term: %+v", v)
	}

	// Bad input.
	p := e.get("/v1/subjects/"+codeHuaibei+"/measures?action=lunch").problem(422, credo.EINVALID)
	wantField(t, p, "action", "enum")
	e.get("/v1/subjects/"+codeHuaibei+"/measures?action=honours&as_of=tomorrow").problem(422, credo.EINVALID)
	e.get("/v1/subjects/"+badChecksum+"/measures?action=honours").problem(422, credo.EINVALID)
	e.get("/v1/subjects/"+residentID+"/measures?action=honours").problem(422, credo.EINVALID)
}

func TestMeasuresBatch(t *testing.T) {
	e := newProcessEnv(t)
	en := e.list(tokenHuaibei, listing(codeHuaibei, "淮市监信〔2026〕1号"))
	e.setNow(en.EffectiveAt.Add(time.Minute))
	codes := []string{codeShanghai, codeHuaibei, codeHuawei}

	var post measuresResults
	e.postJSON("/v1/measures/check", "", map[string]any{"codes": codes, "action": "public_procurement"}).wantStatus(http.StatusOK).decode(&post)
	for name, res := range map[string]measuresResults{"POST": post} {
		if res.Action != "public_procurement" || len(res.Results) != 3 {
			t.Fatalf("%s: %+v", name, res)
		}
		for i, want := range []string{lists.Allowed, lists.Prohibited, lists.Allowed} {
			if r := res.Results[i]; r.Subject != codes[i] || r.Decision != want {
				t.Errorf("%s result %d: %s %s, want %s %s", name, i, r.Subject, r.Decision, codes[i], want)
			}
		}
		if r := reasonOf(res.Results[1], "sd.procurement"); r == nil || r.Entry != en.ID || !r.Until.Equal(en.Until) {
			t.Errorf("%s: reason %+v", name, r)
		}
	}
	// Codes as people type them are normalized.
	e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{" " + codeHuaibei[:6] + " " + codeHuaibei[6:]}, "action": "public_procurement"}).
		wantStatus(http.StatusOK).decode(&post)
	if post.Results[0].Subject != codeHuaibei || post.Results[0].Decision != lists.Prohibited {
		t.Errorf("normalized code: %+v", post.Results[0])
	}
	// As of the past.
	e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{codeHuaibei}, "action": "public_procurement", "as_of": "2026-07-02"}).
		wantStatus(http.StatusOK).decode(&post)
	if post.Results[0].Decision != lists.Allowed || !post.AsOf.Equal(time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("as of the past: %+v", post)
	}
	// An as_of out of range is refused, naming it (issue 9, Low).
	pr := e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{codeHuaibei}, "action": "public_procurement", "as_of": "0001-01-01"}).problem(422, credo.EINVALID)
	wantField(t, pr, "as_of", "range")

	// A bad code refuses the whole batch, naming it.
	for _, c := range []struct {
		name  string
		codes []string
		field string
	}{
		{"checksum", []string{codeHuaibei, badChecksum}, "codes[1]"},
		{"first", []string{badLength, codeHuaibei}, "codes[0]"},
		{"resident id", []string{codeHuaibei, codeShanghai, residentID}, "codes[2]"},
	} {
		p := e.postJSON("/v1/measures/check", "", map[string]any{"codes": c.codes, "action": "honours"}).problem(422, credo.EINVALID)
		if p.Field != c.field {
			t.Errorf("POST %s: field %q, want %q", c.name, p.Field, c.field)
		}
	}
	p := e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{}, "action": "honours"}).problem(422, credo.EINVALID)
	wantField(t, p, "codes", "required")
	p = e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{codeHuaibei}}).problem(422, credo.EINVALID)
	wantField(t, p, "action", "required")
	p = e.postJSON("/v1/measures/check", "", map[string]any{"codes": []string{codeHuaibei}, "action": "lunch"}).problem(422, credo.EINVALID)
	wantField(t, p, "action", "enum")
	many := make([]string, 1001)
	for i := range many {
		many[i] = codeHuaibei
	}
	e.postJSON("/v1/measures/check", "", map[string]any{"codes": many, "action": "honours"}).problem(http.StatusRequestEntityTooLarge, credo.ETOOLARGE)
	e.postJSON("/v1/measures/check", "", `{"codes":["`+codeHuaibei+`"],"action":"honours","extra":1}`).problem(422, credo.EINVALID)
	e.do("POST", "/v1/measures/check", "", "text/plain", `{}`).wantStatus(http.StatusUnsupportedMediaType)
}

func TestMeasuresCatalogue(t *testing.T) {
	e := newProcessEnv(t)
	var cat struct {
		Version  string           `json:"version"`
		Actions  []string         `json:"actions"`
		Effects  []string         `json:"effects"`
		Measures []*lists.Measure `json:"measures"`
	}
	e.get("/v1/measures").wantStatus(http.StatusOK).decode(&cat)
	if cat.Version == "" || len(cat.Actions) != len(lists.Actions) || len(cat.Effects) != len(lists.Effects) || len(cat.Measures) < 10 {
		t.Fatalf("catalogue %+v", cat)
	}
	for _, m := range cat.Measures {
		if m.ID == "sd.procurement" && (m.Trigger.List != "serious-dishonesty" || m.Effect != "prohibit" || m.LegalBasis == "") {
			t.Errorf("sd.procurement %+v", m)
		}
	}
}
