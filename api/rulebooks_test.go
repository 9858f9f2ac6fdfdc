package api_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
)

// GET /v1/rulebooks/{id}: the version in force at as_of, each rule with its
// basis, and the versions with their dates.
func TestGetRulebook(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	var v api.RulebookView
	e.get("/v1/rulebooks/national-tax?as_of=2025-08-01").wantStatus(http.StatusOK).decode(&v)
	if v.ID != "national-tax" || v.Version != "2025.12" || !v.EffectiveUntil.IsZero() || len(v.Versions) != 2 ||
		v.Versions[0].Version != "2014.40" || v.Versions[0].EffectiveUntil.Format("2006-01-02") != "2025-07-01" {
		t.Fatalf("national-tax as of 2025-08-01: %s %s versions %+v", v.ID, v.Version, v.Versions)
	}
	if len(v.Dimensions) != 1 || v.Dimensions[0].Evaluation != credo.EvaluationAnnual || v.Dimensions[0].Publication != "04-30" {
		t.Fatalf("dimensions: %+v", v.Dimensions)
	}
	var police *api.RulebookRule
	for i, r := range v.Dimensions[0].Direct {
		if r.ID == "tax.art18_police" {
			police = &v.Dimensions[0].Direct[i]
		}
	}
	if police == nil || police.Basis == nil || police.Basis.Law == nil ||
		police.Basis.Law.Number != "国家税务总局公告2025年第12号" || police.Basis.Law.Article != "第十八条第（二）项" ||
		police.Grade != "D" || police.For != "2y" {
		t.Fatalf("art. 18 item 2: %+v", police)
	}
	for _, r := range v.Dimensions[0].Rules {
		if r.Basis == nil || r.Basis.Model == "" {
			t.Errorf("rule %s: the deduction points are credo's model, basis %+v", r.ID, r.Basis)
		}
	}

	// The regime then in force.
	e.get("/v1/rulebooks/national-tax?as_of=2024-01-01").wantStatus(http.StatusOK).decode(&v)
	if v.Version != "2014.40" || v.EffectiveUntil.Format("2006-01-02") != "2025-07-01" {
		t.Fatalf("as of 2024: %s until %v", v.Version, v.EffectiveUntil)
	}
	// The comprehensive rulebook shows its publicity rows with their bases.
	e.get("/v1/rulebooks/national-comprehensive?as_of=2026-05-01").wantStatus(http.StatusOK).decode(&v)
	found := false
	for _, p := range v.Publicity {
		if p.ID == "pub2026.minor" {
			found = p.MarkedOnly && p.Max == "3mo" && p.Basis != nil && p.Basis.Law != nil && p.Basis.Law.Number == "国办发〔2025〕22号"
		}
	}
	if !found || v.Comprehensive == nil || v.Comprehensive.Basis == nil || v.Comprehensive.Basis.Model == "" {
		t.Fatalf("comprehensive: publicity %+v, comprehensive %+v", v.Publicity, v.Comprehensive)
	}

	// Bad inputs.
	e.get("/v1/rulebooks/national-tax?as_of=2019-12-31").problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/rulebooks/national-customs?as_of=2021-10-31").problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/rulebooks/no-such-rulebook").problem(http.StatusNotFound, credo.ENOTFOUND)
	e.get("/v1/rulebooks/national-tax?as_of=yesterday").problem(http.StatusUnprocessableEntity, credo.EINVALID)
}

// Minor information is not shown to the public since 1 April 2026 unless
// its authority marks it publish (国办发〔2025〕22号); then at most 3 months.
func TestMinorInformationPublishedOnlyWhenMarked(t *testing.T) {
	e := newEnv(t, nil, withGrading(t))
	post := func(ext string, publish bool) map[string]any {
		body := map[string]any{"subject": codeHuaibei, "category": "market", "kind": "penalty", "external_id": ext,
			"severity": "minor", "decision_number": "淮市监简罚〔2026〕" + ext + "号", "legal_basis": "《中华人民共和国广告法》第五十五条",
			"penalty_types": []string{"fine"}, "amount": 500, "occurred_at": "2026-06-01"}
		if publish {
			body["publish"] = true
		}
		b, _ := json.Marshal(body)
		return e.do("POST", "/v1/records", tokenHuaibei, "application/json", b).wantStatus(http.StatusCreated).object()
	}
	hidden, shown := post("1", false), post("2", true)
	if p := hidden["publicity"].(map[string]any); p["rule"] != "pub2026.minor" || p["until"] != p["from"] {
		t.Errorf("unmarked minor information: publicity %v, want not shown (until = from)", p)
	}
	if p := shown["publicity"].(map[string]any); p["rule"] != "pub2026.minor" || p["until"] != "2026-08-30T00:00:00Z" || shown["publish"] != true {
		t.Errorf("marked minor information: %v, want shown until 2026-08-30", shown)
	}
	var page struct {
		Records []map[string]any `json:"records"`
	}
	e.get("/v1/subjects/" + codeHuaibei + "/records").wantStatus(http.StatusOK).decode(&page)
	var exts []any
	for _, r := range page.Records {
		exts = append(exts, r["external_id"])
	}
	if len(exts) != 1 || exts[0] != "2" {
		t.Errorf("the public sees %v, want only the marked record", exts)
	}
}
