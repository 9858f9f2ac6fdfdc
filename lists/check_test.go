package lists

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// Real codes from the USCC sample.
const (
	codeA = "91310112087994932F"
	codeB = "91340600MA2PBM9HXD"
	codeC = "91620105556273987U"
)

func catalogue(t *testing.T) *Catalogue {
	t.Helper()
	c, err := Bundled()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func at(s string) time.Time {
	t, err := credo.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t.Time
}

func ct(s string) credo.Time { return credo.NewTime(at(s)) }

func amount(v float64) *float64 { return &v }

func rec(id int64, category, kind, occurred string) *credo.Record {
	return &credo.Record{ID: id, Subject: codeA, Authority: "a1", Category: category, Kind: kind,
		ExternalID: "x" + kind, OccurredAt: ct(occurred), RecordedAt: ct(occurred)}
}

func assessment(code, comprehensive string, dims map[string]string) *credo.Assessment {
	a := &credo.Assessment{Subject: code, Grade: comprehensive, Score: 80, Dimensions: map[string]*credo.Dimension{}}
	for id, g := range dims {
		a.Dimensions[id] = &credo.Dimension{Grade: g, Score: 50}
	}
	return a
}

func TestRuleHoldsATaxpayer(t *testing.T) {
	r := catalogue(t).List("a-taxpayer").Rule
	asOf := at("2026-05-01")
	filing := []*credo.Record{rec(1, "tax", "filing", "2026-04-01T02:00:00Z")}
	for _, tc := range []struct {
		name    string
		a       *credo.Assessment
		records []*credo.Record
		want    bool
	}{
		{"tax A", assessment(codeA, "B", map[string]string{"tax": "A"}), filing, true},
		{"tax A, never evaluated (no tax record)", assessment(codeA, "B", map[string]string{"tax": "A"}), nil, false},
		{"tax B", assessment(codeA, "A", map[string]string{"tax": "B", "customs": "A"}), filing, false},
		{"no tax grade", assessment(codeA, "A", map[string]string{"customs": "advanced_certified"}), filing, false},
		{"no assessment", nil, filing, false},
	} {
		got, err := r.Holds(Facts{Code: codeA, Assessment: tc.a, Records: tc.records, AsOf: asOf})
		if err != nil || got != tc.want {
			t.Errorf("%s: Holds = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

func TestRuleHoldsAbnormalOperations(t *testing.T) {
	r := catalogue(t).List("abnormal-operations").Rule
	asOf := at("2026-09-01")
	org := &credo.Subject{Code: codeB, Name: "池州某某商贸有限公司", Division: "341700", Status: credo.StatusActive}
	missing := rec(31, "registration", "annual_report_missing", "2026-07-08T02:00:00Z")
	missing.Severity = "minor"
	cured := rec(32, "registration", "annual_report_missing", "2025-07-08T02:00:00Z")
	cured.ValidUntil = ct("2025-08-01")
	contact := rec(33, "market", "contact_failure", "2026-08-19T02:00:00Z")
	taxRec := rec(34, "tax", "annual_report_missing", "2026-07-08T02:00:00Z") // not a registration matter
	penalty := rec(35, "market", "penalty", "2026-07-08T02:00:00Z")
	for _, tc := range []struct {
		name    string
		records []*credo.Record
		want    bool
	}{
		{"annual report missing", []*credo.Record{penalty, missing}, true},
		{"no contact", []*credo.Record{contact}, true},
		{"cured (valid_until passed)", []*credo.Record{cured}, false},
		{"other category", []*credo.Record{taxRec}, false},
		{"other kind", []*credo.Record{penalty}, false},
		{"no records", nil, false},
	} {
		got, err := r.Holds(Facts{Code: codeB, Org: org, Records: tc.records, AsOf: asOf})
		if err != nil || got != tc.want {
			t.Errorf("%s: Holds = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	// valid_until is exclusive: cured at as_of exactly.
	cured.ValidUntil = credo.NewTime(asOf)
	if got, _ := r.Holds(Facts{Code: codeB, Records: []*credo.Record{cured}, AsOf: asOf}); got {
		t.Error("a record valid until as_of still holds")
	}
	cured.ValidUntil = credo.NewTime(asOf.Add(time.Second))
	if got, _ := r.Holds(Facts{Code: codeB, Records: []*credo.Record{cured}, AsOf: asOf}); !got {
		t.Error("a record valid one second past as_of does not hold")
	}
}

func TestRuleHoldsMajorTaxViolation(t *testing.T) {
	r := catalogue(t).List("major-tax-violation").Rule
	asOf := at("2026-06-01")
	evasion := func(amt, due float64, occurred string) *credo.Record {
		x := rec(41, "tax", "evasion", occurred)
		x.Subject, x.Amount, x.TaxDue = codeC, amount(amt), amount(due)
		x.DecisionNumber, x.LegalBasis = "兰税稽罚〔2026〕8号", "《中华人民共和国税收征收管理法》第六十三条"
		x.PenaltyTypes = []string{"fine"}
		return x
	}
	fraud := rec(42, "tax", "export_rebate_fraud", "2025-03-01")
	for _, tc := range []struct {
		name string
		r    *credo.Record
		want bool
	}{
		{"evasion of 1.2m, 24% of tax due", evasion(1_200_000, 5_000_000, "2026-02-01"), true},
		{"evasion of exactly 1m and 10%", evasion(1_000_000, 10_000_000, "2026-02-01"), true},
		{"evasion of 1.2m, 6% of tax due", evasion(1_200_000, 20_000_000, "2026-02-01"), false},
		{"evasion of 150k", evasion(150_000, 300_000, "2026-02-01"), false},
		{"evasion over 3 years ago (the term limits, not the rule)", evasion(1_200_000, 5_000_000, "2023-05-01"), true},
		{"export rebate fraud", fraud, true},
		{"late filing", rec(43, "tax", "late_filing", "2026-02-01"), false},
		{"evasion reported by customs", func() *credo.Record {
			x := evasion(1_200_000, 5_000_000, "2026-02-01")
			x.Category = "customs"
			return x
		}(), false},
	} {
		got, err := r.Holds(Facts{Code: codeC, Records: []*credo.Record{tc.r}, AsOf: asOf})
		if err != nil || got != tc.want {
			t.Errorf("%s: Holds = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	// Evasion without amounts does not hold (and is no error).
	x := evasion(0, 0, "2026-02-01")
	x.Amount, x.TaxDue = nil, nil
	if got, err := r.Holds(Facts{Code: codeC, Records: []*credo.Record{x}, AsOf: asOf}); got || err != nil {
		t.Errorf("evasion without amounts: %v, %v", got, err)
	}
}

func TestRuleHoldsOrgAndErrors(t *testing.T) {
	fs := files(edit(t, "definitions/irregular.yaml", `'records.exists(r, r.kind == "annual_report_missing")'`,
		`'org.registered && org.division.startsWith("31") && has(org.established) && org.established < as_of - years(3) && grades["tax"] == "D"'`))
	c, err := Parse(fs)
	if err != nil {
		t.Fatal(err)
	}
	r := c.List("irregular").Rule
	org := &credo.Subject{Code: codeA, Name: "上海某某科技有限公司", Division: "310112", Established: credo.NewDate(at("2014-01-09"))}
	a := assessment(codeA, "C", map[string]string{"tax": "D"})
	if got, err := r.Holds(Facts{Code: codeA, Org: org, Assessment: a, AsOf: at("2026-05-01")}); !got || err != nil {
		t.Errorf("Holds = %v, %v; want true", got, err)
	}
	if got, err := r.Holds(Facts{Code: codeA, Org: org, Assessment: a, AsOf: at("2016-05-01")}); got || err != nil {
		t.Errorf("young organization: Holds = %v, %v; want false", got, err)
	}
	// Unregistered: division from the code, registered false.
	if got, err := r.Holds(Facts{Code: codeA, Assessment: a, AsOf: at("2026-05-01")}); got || err != nil {
		t.Errorf("unregistered: Holds = %v, %v; want false", got, err)
	}
	// A missing grade is an evaluation error naming the file.
	_, err = r.Holds(Facts{Code: codeA, Org: org, Assessment: assessment(codeA, "C", nil), AsOf: at("2026-05-01")})
	if err == nil || !strings.Contains(err.Error(), "definitions/irregular.yaml:") {
		t.Errorf("missing grade: err = %v", err)
	}
	if _, err := (&Rule{When: "true"}).Holds(Facts{}); err == nil {
		t.Error("an uncompiled rule holds without error")
	}
}

// entry is an active entry of the serious dishonesty list effective from
// 2026-03-01 for 3 years.
func entry(id int64, list string) *credo.ListEntry {
	return &credo.ListEntry{ID: id, List: list, ListVersion: "2026.1", Subject: codeA, Division: "310112",
		Authority: "sh-amr", Source: credo.SourceDecision, LegalBasis: "《市场监督管理严重违法失信名单管理办法》",
		DecisionNumber: "沪市监信〔2026〕12号", Reasons: []string{"严重违法失信"},
		DecidedAt: ct("2026-02-10"), NotifiedAt: ct("2026-02-19"), EffectiveAt: ct("2026-03-01"),
		RepairFrom: ct("2027-03-01"), Until: ct("2029-02-28"), RecordedAt: ct("2026-02-19")}
}

func measures(rs []Reason) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, r.Measure)
	}
	return out
}

func TestCheckProhibitedBySeriousEntry(t *testing.T) {
	c := catalogue(t)
	e := entry(7, "serious-dishonesty")
	in := CheckInput{Code: codeA, Entries: []*credo.ListEntry{e}, AsOf: at("2026-06-01")}
	v, err := c.Check("public_procurement", in)
	if err != nil {
		t.Fatal(err)
	}
	if v.Decision != Prohibited || v.Subject != codeA || v.Action != "public_procurement" || !v.AsOf.Equal(at("2026-06-01")) {
		t.Fatalf("verdict %+v", v)
	}
	if got := measures(v.Reasons); !slices.Equal(got, []string{"sd.procurement"}) {
		t.Fatalf("reasons %v", got)
	}
	r := v.Reasons[0]
	want := Reason{Measure: "sd.procurement", Title: c.Measure("sd.procurement").Title, Kind: Punishment, Effect: "prohibit",
		LegalBasis: c.Measure("sd.procurement").LegalBasis, Basis: c.Measure("sd.procurement").Basis, List: "serious-dishonesty", Entry: 7,
		DecisionNumber: "沪市监信〔2026〕12号", Until: ct("2029-02-28"),
		Why: "on the serious dishonesty list since 2026-03-01 (decision 沪市监信〔2026〕12号)"}
	if r != want {
		t.Errorf("reason\n%+v\nwant\n%+v", r, want)
	}
	for action, decision := range map[string]string{"bond_issuance": Prohibited, "honours": Prohibited,
		"subsidies": Restricted, "administrative_approval": Restricted, "inspection_frequency": Restricted, "customs_clearance": Allowed} {
		v, err := c.Check(action, in)
		if err != nil || v.Decision != decision {
			t.Errorf("%s: %s (%v), want %s", action, v.Decision, err, decision)
		}
	}
}

func TestCheckEntryBoundaries(t *testing.T) {
	c := catalogue(t)
	e := entry(7, "serious-dishonesty")
	check := func(asOf time.Time, entries ...*credo.ListEntry) string {
		v, err := c.Check("public_procurement", CheckInput{Code: codeA, Entries: entries, AsOf: asOf})
		if err != nil {
			t.Fatal(err)
		}
		return v.Decision
	}
	for _, tc := range []struct {
		name string
		asOf time.Time
		want string
	}{
		{"notified, not yet in effect", at("2026-02-20"), Allowed},
		{"one second before effect", e.EffectiveAt.Add(-time.Second), Allowed},
		{"EffectiveAt == AsOf is active", e.EffectiveAt.Time, Prohibited},
		{"one second before the term ends", e.Until.Add(-time.Second), Prohibited},
		{"Until == AsOf is ended", e.Until.Time, Allowed},
		{"after the term", e.Until.Add(time.Hour), Allowed},
	} {
		if got := check(tc.asOf, e); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}

	// Ended by a transition (repair approved) at a given time.
	repaired := entry(8, "serious-dishonesty")
	repaired.Transitions = []credo.ListTransition{{ID: 1, Entry: 8, Status: credo.ListEnded, Reason: credo.EndRepaired,
		Actor: "authority:sh-amr", At: ct("2027-04-01"), RecordedAt: ct("2027-04-01")}}
	if got := check(at("2027-04-01"), repaired); got != Allowed {
		t.Errorf("repaired at AsOf: %s", got)
	}
	if got := check(at("2027-04-01").Add(-time.Second), repaired); got != Prohibited {
		t.Errorf("one second before the repair: %s", got)
	}

	// Not known at AsOf: recorded later (a back-dated entry).
	late := entry(9, "serious-dishonesty")
	late.RecordedAt = ct("2026-07-01")
	if got := check(at("2026-06-01"), late); got != Allowed {
		t.Errorf("entry recorded after AsOf counts: %s", got)
	}
	if got := check(at("2026-07-01"), late); got != Prohibited {
		t.Errorf("entry recorded at AsOf does not count: %s", got)
	}

	// Another organization's entry does not count.
	other := entry(10, "serious-dishonesty")
	other.Subject = codeB
	if got := check(at("2026-06-01"), other); got != Allowed {
		t.Errorf("another organization's entry counts: %s", got)
	}
}

func TestCheckRestrictedByTaxD(t *testing.T) {
	c := catalogue(t)
	in := CheckInput{Code: codeC, Assessment: assessment(codeC, "C", map[string]string{"tax": "D"}), AsOf: at("2026-06-01")}
	v, err := c.Check("subsidies", in)
	if err != nil {
		t.Fatal(err)
	}
	if v.Decision != Restricted || !slices.Equal(measures(v.Reasons), []string{"tax_d.subsidies"}) {
		t.Fatalf("verdict %+v", v)
	}
	r := v.Reasons[0]
	if r.Dimension != "tax" || r.Grade != "D" || r.Effect != "restrict" || !r.Until.IsZero() || r.List != "" || r.Why != "the tax grade is D" {
		t.Errorf("reason %+v", r)
	}
	v, _ = c.Check("inspection_frequency", in)
	if v.Decision != Restricted || !slices.Equal(measures(v.Reasons), []string{"tax_d.inspections"}) || v.Reasons[0].Effect != "extra_scrutiny" {
		t.Errorf("inspection_frequency: %+v", v)
	}
	v, _ = c.Check("public_procurement", in)
	if v.Decision != Allowed || len(v.Reasons) != 0 {
		t.Errorf("public_procurement: %+v", v)
	}
	// Tax B: nothing.
	in.Assessment = assessment(codeC, "C", map[string]string{"tax": "B"})
	if v, _ := c.Check("subsidies", in); v.Decision != Allowed || len(v.Reasons) != 0 {
		t.Errorf("tax B: %+v", v)
	}
}

func TestCheckAllowedWithRewards(t *testing.T) {
	c := catalogue(t)
	aTax := entry(11, "a-taxpayer")
	aTax.Source, aTax.Authority, aTax.DecisionNumber, aTax.Until = credo.SourceRule, credo.RegistryActor, "credo:a-taxpayer:"+codeA+":1", credo.Time{}
	aTax.Reasons = []string{"纳税信用评价为A级"}
	red := entry(12, "red")
	in := CheckInput{Code: codeA, Entries: []*credo.ListEntry{aTax, red},
		Assessment: assessment(codeA, "B", map[string]string{"tax": "A", "customs": "advanced_certified"}), AsOf: at("2026-06-01")}

	v, err := c.Check("administrative_approval", in)
	if err != nil {
		t.Fatal(err)
	}
	if v.Decision != Allowed || !slices.Equal(measures(v.Reasons), []string{"a_taxpayer.green_channel", "red.green_channel"}) {
		t.Fatalf("verdict %+v", v)
	}
	if r := v.Reasons[0]; r.Kind != Reward || r.Effect != "expedite" || r.Entry != 11 || !r.Until.IsZero() || r.DecisionNumber != aTax.DecisionNumber ||
		r.Why != "on the A-taxpayer list since 2026-03-01 (by rule: 纳税信用评价为A级)" {
		t.Errorf("a-taxpayer reason %+v", r)
	}
	v, _ = c.Check("customs_clearance", in)
	if v.Decision != Allowed || !slices.Equal(measures(v.Reasons), []string{"customs_aeo.clearance"}) ||
		v.Reasons[0].Dimension != "customs" || v.Reasons[0].Grade != "advanced_certified" {
		t.Errorf("customs_clearance: %+v", v)
	}

	// Punishments come first, and decide: rewards do not offset them.
	in.Entries = append(in.Entries, entry(7, "serious-dishonesty"))
	v, _ = c.Check("inspection_frequency", in)
	if v.Decision != Restricted || !slices.Equal(measures(v.Reasons), []string{"sd.inspections", "customs_aeo.fewer_inspections", "red.fewer_inspections"}) {
		t.Errorf("inspection_frequency: %+v", v)
	}
}

func TestCheckWhenCondition(t *testing.T) {
	c := catalogue(t)
	honour := rec(3, "honour", "honour", "2025-05-20T02:00:00Z")
	honour.ValidUntil = ct("2028-05-20")
	asOf := at("2026-06-01")
	a := assessment(codeA, "A", map[string]string{"tax": "A"})
	in := CheckInput{Code: codeA, Assessment: a, AsOf: asOf,
		Facts: &Facts{Code: codeA, Records: []*credo.Record{honour}, Assessment: a, AsOf: asOf}}
	v, err := c.Check("administrative_approval", in)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(measures(v.Reasons), []string{"comprehensive_a.approval"}) {
		t.Fatalf("reasons %v", measures(v.Reasons))
	}
	if r := v.Reasons[0]; r.Dimension != "comprehensive" || r.Grade != "A" ||
		!strings.HasPrefix(r.Why, "the comprehensive grade is A; and its condition holds: records.exists(") {
		t.Errorf("reason %+v", r)
	}
	// Without facts, with an expired honour, or a lower grade: no reward.
	noFacts := in
	noFacts.Facts = nil
	expired := in
	expired.Facts = &Facts{Code: codeA, Records: []*credo.Record{honour}, AsOf: at("2028-05-20")}
	expired.AsOf = at("2028-05-20")
	gradeB := in
	gradeB.Assessment = assessment(codeA, "B", nil)
	for name, in := range map[string]CheckInput{"no facts": noFacts, "expired honour": expired, "grade B": gradeB} {
		if v, err := c.Check("administrative_approval", in); err != nil || len(v.Reasons) != 0 {
			t.Errorf("%s: %+v, %v", name, v, err)
		}
	}
}

func TestCheckUnknownAction(t *testing.T) {
	c := catalogue(t)
	_, err := c.Check("tenders", CheckInput{Code: codeA, AsOf: at("2026-06-01")})
	e := credo.AsError(err)
	if e == nil || e.Code != credo.EINVALID || e.Field != "action" || e.Reason != "enum" {
		t.Fatalf("err = %#v", err)
	}
}

func TestApplying(t *testing.T) {
	c := catalogue(t)
	in := CheckInput{Code: codeA, Entries: []*credo.ListEntry{entry(7, "serious-dishonesty"), entry(13, "abnormal-operations")},
		Assessment: assessment(codeA, "D", map[string]string{"tax": "D"}), AsOf: at("2026-06-01")}
	got := measures(c.Applying(in))
	want := []string{"ao.honours", "ao.inspections", "sd.bonds", "sd.honours", "sd.inspections", "sd.no_commitment_approval",
		"sd.procurement", "sd.subsidies", "tax_d.inspections", "tax_d.subsidies"}
	if !slices.Equal(got, want) {
		t.Errorf("Applying = %v\nwant %v", got, want)
	}
	// Each applying measure is also in Check's verdict for its actions.
	for _, r := range c.Applying(in) {
		for _, action := range c.Measure(r.Measure).Actions {
			v, _ := c.Check(action, in)
			if !slices.Contains(measures(v.Reasons), r.Measure) {
				t.Errorf("%s applies but Check(%s) leaves it out", r.Measure, action)
			}
		}
	}
	if got := c.Applying(CheckInput{Code: codeB, AsOf: at("2026-06-01")}); got == nil || len(got) != 0 {
		t.Errorf("nothing applies: %#v", got)
	}
}

func TestPickLongestEntry(t *testing.T) {
	c := catalogue(t)
	short := entry(20, "serious-dishonesty")
	short.Until = ct("2027-03-01")
	long := entry(21, "serious-dishonesty")
	long.DecisionNumber = "沪市监信〔2026〕30号"
	v, _ := c.Check("public_procurement", CheckInput{Code: codeA, Entries: []*credo.ListEntry{short, long}, AsOf: at("2026-06-01")})
	if len(v.Reasons) != 1 || v.Reasons[0].Entry != 21 || !v.Reasons[0].Until.Equal(at("2029-02-28")) {
		t.Errorf("reasons %+v", v.Reasons)
	}
}

func TestVerdictJSON(t *testing.T) {
	c := catalogue(t)
	v, _ := c.Check("honours", CheckInput{Code: codeB, AsOf: at("2026-06-01")})
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"subject":"91340600MA2PBM9HXD","action":"honours","as_of":"2026-06-01T00:00:00Z","decision":"allowed","reasons":[]}`; string(b) != want {
		t.Errorf("JSON %s\nwant %s", b, want)
	}
	v, _ = c.Check("subsidies", CheckInput{Code: codeC, Assessment: assessment(codeC, "C", map[string]string{"tax": "D"}), AsOf: at("2026-06-01")})
	b, _ = json.Marshal(v.Reasons[0])
	s := string(b)
	if strings.Contains(s, "until") || strings.Contains(s, `"list"`) || !strings.Contains(s, `"legal_basis":`) || !strings.Contains(s, `"dimension":"tax"`) {
		t.Errorf("reason JSON %s", s)
	}
}

// TestRuleIndividualBusinesses: an individual business (USCC 92...) is not
// put on the abnormal operations list by its rule (SAIC Order 69 gives it
// the abnormal-operations status instead), and the status is never
// escalated.
func TestRuleIndividualBusinesses(t *testing.T) {
	c := catalogue(t)
	const individual = "92340603MA2UK1TD00"
	asOf := at("2026-09-01")
	missing := rec(31, "registration", "annual_report_missing", "2026-07-08T02:00:00Z")
	for _, tc := range []struct {
		code string
		want bool
	}{
		{individual, false},
		{codeB, true},
	} {
		got, err := c.List("abnormal-operations").Rule.Holds(Facts{Code: tc.code, Records: []*credo.Record{missing}, AsOf: asOf})
		if err != nil || got != tc.want {
			t.Errorf("abnormal-operations for %s: Holds = %v, %v; want %v", tc.code, got, err, tc.want)
		}
	}
	st := c.List("abnormal-status")
	if st.Escalation != nil || !st.Adverse || st.RepairDays != 5 ||
		st.Basis == nil || st.Basis.Law == nil || st.Basis.Law.Number != "国家工商行政管理总局令第69号" {
		t.Errorf("abnormal-status: %+v", st)
	}
}

// TestRuleMajorTaxViolationGrounds: STA Order 54 art. 6; absconding lists
// only with the violation absconded from (item 8).
func TestRuleMajorTaxViolationGrounds(t *testing.T) {
	r := catalogue(t).List("major-tax-violation").Rule
	asOf := at("2026-06-01")
	withAmount := func(kind string, amt float64) *credo.Record {
		x := rec(50, "tax", kind, "2026-02-01")
		x.Subject, x.Amount = codeC, amount(amt)
		return x
	}
	absconded := rec(51, "tax", "absconded", "2026-03-01")
	smallEvasion := withAmount("evasion", 20_000)
	smallEvasion.TaxDue = amount(1_000_000)
	for _, tc := range []struct {
		name    string
		records []*credo.Record
		want    bool
	}{
		{"absconding alone", []*credo.Record{absconded}, false},
		{"absconding from an evasion (item 8), whatever its amount", []*credo.Record{absconded, smallEvasion}, true},
		{"absconding from false invoicing (item 8)", []*credo.Record{absconded, rec(52, "tax", "false_vat_invoice", "2026-01-01")}, true},
		{"absconding with only a late filing", []*credo.Record{absconded, rec(53, "tax", "late_filing", "2026-01-01")}, false},
		{"false ordinary invoices of 4m (item 6)", []*credo.Record{withAmount("false_invoice", 4_000_000)}, true},
		{"false ordinary invoices under 4m", []*credo.Record{withAmount("false_invoice", 3_999_999.99)}, false},
		{"invoice forgery (item 7)", []*credo.Record{rec(54, "tax", "invoice_forgery", "2026-01-01")}, true},
		{"facilitation causing 1m unpaid (item 9)", []*credo.Record{withAmount("illegal_facilitation", 1_000_000)}, true},
		{"a tax agent causing 1m unpaid (item 10)", []*credo.Record{withAmount("agent_violation", 1_000_000)}, true},
		{"a tax agent causing less", []*credo.Record{withAmount("agent_violation", 999_999)}, false},
		{"arrears escape of 1m (item 2)", []*credo.Record{withAmount("arrears_escape", 1_000_000)}, true},
		{"violent refusal (item 4)", []*credo.Record{rec(55, "tax", "violent_refusal", "2026-01-01")}, true},
	} {
		got, err := r.Holds(Facts{Code: codeC, Records: tc.records, AsOf: asOf})
		if err != nil || got != tc.want {
			t.Errorf("%s: Holds = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}

// TestMeasureBases: every list and measure states its basis; the major
// tax violation measures cite the 2016 memorandum.
func TestMeasureBases(t *testing.T) {
	c := catalogue(t)
	for _, l := range c.Lists {
		if l.Basis == nil {
			t.Errorf("list %s has no basis", l.ID)
		}
	}
	for _, m := range c.Measures {
		if m.Basis == nil {
			t.Errorf("measure %s has no basis", m.ID)
		}
		if strings.Contains(m.LegalBasis, "3062") {
			t.Errorf("measure %s cites 发改财金〔2014〕3062号, which 〔2016〕2798号 replaced", m.ID)
		}
	}
	if b := c.Measure("mtv.procurement_bonds").Basis; b == nil || b.Law == nil || b.Law.Number != "发改财金〔2016〕2798号" {
		t.Errorf("mtv.procurement_bonds basis %+v", b)
	}
	if b := c.List("red").Basis; b == nil || b.Model == "" {
		t.Errorf("red list term: want a model basis, got %+v", b)
	}
}

// Facts shared between the rules (Share) give each rule the answer it
// gives over facts of its own, whichever rule converted them first.
func TestSharedFactsSameAnswers(t *testing.T) {
	c := catalogue(t)
	asOf := at("2026-05-01")
	penalty := rec(2, "administrative_penalty", "penalty", "2026-03-01T02:00:00Z")
	penalty.Severity, penalty.Amount = "serious", amount(2_000_000)
	cases := []Facts{
		{Code: codeA, Assessment: assessment(codeA, "B", map[string]string{"tax": "A"}), Records: []*credo.Record{rec(1, "tax", "filing", "2026-04-01T02:00:00Z")}, AsOf: asOf},
		{Code: codeA, Assessment: assessment(codeA, "D", map[string]string{"tax": "D"}), Records: []*credo.Record{penalty, rec(3, "tax", "tax_violation", "2026-02-01T02:00:00Z")}, AsOf: asOf},
		{Code: codeB, Records: nil, AsOf: asOf},
	}
	ruled := 0
	for i, f := range cases {
		shared := f
		shared.Share()
		// Twice over, the second time in reverse: every rule but the
		// first reads what another converted.
		defs := slices.Clone(c.Lists)
		for range 2 {
			for _, def := range defs {
				if def.Rule == nil {
					continue
				}
				ruled++
				want, werr := def.Rule.Holds(f)
				got, gerr := def.Rule.Holds(shared)
				if got != want || (gerr == nil) != (werr == nil) {
					t.Errorf("case %d, list %s: shared %v (%v), own %v (%v)", i, def.ID, got, gerr, want, werr)
				}
			}
			slices.Reverse(defs)
		}
		if len(shared.converted) == 0 {
			t.Errorf("case %d: nothing converted was shared", i)
		}
	}
	if ruled == 0 {
		t.Fatal("no list of the bundled catalogue has a rule")
	}
}
