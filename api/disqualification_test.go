package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

type flagged struct {
	Code  string                   `json:"code"`
	Flags []credo.RegistrationFlag `json:"flags"`
}

// TestOfficerDisqualified: 李四 (person Y) is the legal representative of
// the 淮北 company whose business licence the market regulator revoked
// on 2023-07-02; registered as director of the 上海 company within the 3
// years, the registration is flagged and an agency about to approve
// anything for the 上海 company is told why; registered as manager of
// the 深圳 company when the 3 years are over, it is not.
func TestOfficerDisqualified(t *testing.T) {
	e := newProcessEnv(t)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeHuaibei, "淮北市某某商贸有限公司"),
		"officers", []map[string]any{officer("legal_representative", "李四", personY)})).wantStatus(http.StatusCreated)
	rec := with(goodRecord(codeHuaibei, "rev-1"), "penalty_types", []string{"licence_revocation"}, "amount", nil,
		"decision_number", "淮市监罚〔2023〕41号", "description", "吊销营业执照", "occurred_at", "2023-07-02T00:00:00Z")
	e.postJSON("/v1/records", tokenHuaibei, rec).wantStatus(http.StatusCreated)

	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeShanghai, "上海某某实业有限公司"),
		"officers", []map[string]any{officer("legal_representative", "王五", personZ), officer("director", "李四", personY)})).wantStatus(http.StatusCreated)

	var sub flagged
	e.get("/v1/subjects/" + codeShanghai).wantStatus(http.StatusOK).decode(&sub)
	if len(sub.Flags) != 1 {
		t.Fatalf("flags of the 上海 registration: %+v", sub.Flags)
	}
	f := sub.Flags[0]
	until := time.Date(2026, 7, 2, 0, 0, 0, 0, time.UTC)
	if f.Kind != "officer_disqualified" || f.Role != "director" || f.Organization != codeHuaibei || f.DecisionNumber != "淮市监罚〔2023〕41号" ||
		f.Penalty != "licence_revocation" || !f.Until.Equal(until) || f.Version != 1 || len(f.Roles) != 1 || f.Roles[0] != "legal_representative" {
		t.Errorf("flag %+v", f)
	}
	if f.Basis == nil || f.Basis.Law == nil || f.Basis.Law.Article != "第一百七十八条" {
		t.Errorf("basis %+v", f.Basis)
	}
	if f.PersonKey != "" || f.Name != "李四" {
		t.Errorf("the public sees the person by name, never by key: %+v", f)
	}
	var byAuthority flagged
	e.do("GET", "/v1/subjects/"+codeShanghai, tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&byAuthority)
	if len(byAuthority.Flags) != 1 || byAuthority.Flags[0].PersonKey == "" {
		t.Errorf("an authority sees the person key: %+v", byAuthority.Flags)
	}
	var vs struct{ Versions []flagged }
	e.get("/v1/subjects/" + codeShanghai + "/versions").wantStatus(http.StatusOK).decode(&vs)
	if len(vs.Versions) != 1 || len(vs.Versions[0].Flags) != 1 {
		t.Errorf("versions: %+v", vs)
	}
	var barred flagged
	e.get("/v1/subjects/" + codeHuaibei).wantStatus(http.StatusOK).decode(&barred)
	if len(barred.Flags) != 0 {
		t.Errorf("the revoked company's own registration is not flagged: %+v", barred.Flags)
	}

	var v struct {
		Decision string `json:"decision"`
		Reasons  []struct {
			Measure string                  `json:"measure"`
			Basis   *credo.Basis            `json:"basis"`
			Flag    *credo.RegistrationFlag `json:"flag"`
			Why     string                  `json:"why"`
		} `json:"reasons"`
	}
	e.do("GET", "/v1/subjects/"+codeShanghai+"/measures?action=administrative_approval", tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&v)
	if v.Decision != "restricted" || len(v.Reasons) != 1 || v.Reasons[0].Measure != "officer.disqualified" || v.Reasons[0].Flag == nil ||
		v.Reasons[0].Flag.Organization != codeHuaibei || v.Reasons[0].Basis == nil || v.Reasons[0].Basis.Law.Article != "第一百七十八条" {
		t.Fatalf("administrative approval: %+v", v)
	}
	if v.Reasons[0].Why == "" {
		t.Error("no why")
	}
	e.do("GET", "/v1/subjects/"+codeShanghai+"/measures?action=public_procurement", tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&v)
	if len(v.Reasons) != 0 {
		t.Errorf("the flag is for administrative approval only: %+v", v)
	}
	// As of before the registration, there was nothing to flag.
	e.do("GET", "/v1/subjects/"+codeShanghai+"/measures?action=administrative_approval&as_of=2026-06-01T00:00:00Z", tokenShanghai, "", nil).wantStatus(http.StatusOK).decode(&v)
	if len(v.Reasons) != 0 {
		t.Errorf("as of before the registration: %+v", v)
	}

	// Three years to the day after the revocation, the bar is over.
	e.setNow(until)
	e.postJSON("/v1/subjects", tokenNational, with(goodSubject(codeHuawei, "深圳某某科技有限公司"),
		"officers", []map[string]any{officer("manager", "李四", personY)})).wantStatus(http.StatusCreated)
	var late flagged
	e.get("/v1/subjects/" + codeHuawei).wantStatus(http.StatusOK).decode(&late)
	if len(late.Flags) != 0 {
		t.Errorf("registered when the 3 years were over: %+v", late.Flags)
	}
	// The 上海 registration stays flagged: it was made while barred.
	e.get("/v1/subjects/" + codeShanghai).wantStatus(http.StatusOK).decode(&sub)
	if len(sub.Flags) != 1 {
		t.Errorf("the 上海 registration after the bar: %+v", sub.Flags)
	}
}
