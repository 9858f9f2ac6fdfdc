package assess_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/rulebook"
)

// parseFile parses testdata/name, with replacements of its text (old, new
// pairs).
func parseFile(tb testing.TB, name string, replace ...string) *rulebook.Rulebook {
	tb.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	if len(replace) > 0 {
		src = []byte(strings.NewReplacer(replace...).Replace(string(src)))
	}
	rb, err := rulebook.Parse(name, src)
	if err != nil {
		tb.Fatal(err)
	}
	return rb
}

func newSet(tb testing.TB, books ...*rulebook.Rulebook) *rulebook.Set {
	tb.Helper()
	s, err := rulebook.NewSet(books...)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// testdataSet is every rulebook of testdata.
func testdataSet(tb testing.TB) *rulebook.Set {
	return newSet(tb, parseFile(tb, "national-tax.yaml"), parseFile(tb, "environment.yaml"),
		parseFile(tb, "regional-environment.yaml"), parseFile(tb, "comprehensive.yaml"))
}

const (
	shanghai = "91310112087994932F"
	nanjing  = "91320102MA1W6K3X2Q"
)

type recOpt func(*credo.Record)

func rec(id int64, category, kind, occurred string, opts ...recOpt) *credo.Record {
	r := &credo.Record{ID: id, Subject: shanghai, Category: category, Kind: kind, OccurredAt: credo.NewTime(mustTime(occurred))}
	r.RecordedAt = credo.NewTime(r.OccurredAt.Add(time.Hour))
	for _, o := range opts {
		o(r)
	}
	return r
}

func amounts(amount, taxDue float64) recOpt {
	return func(r *credo.Record) { r.Amount, r.TaxDue = &amount, &taxDue }
}

func recorded(s string) recOpt {
	return func(r *credo.Record) { r.RecordedAt = credo.NewTime(mustTime(s)) }
}

func supersedes(id int64) recOpt { return func(r *credo.Record) { r.Supersedes = id } }

func registered(code, established string) []*credo.Subject {
	s := &credo.Subject{Code: code, Name: "测试有限公司", Version: 1}
	if established != "" {
		s.Established = credo.NewDate(mustTime(established))
	}
	return []*credo.Subject{s}
}

func mustAssess(tb testing.TB, set *rulebook.Set, code string, versions []*credo.Subject, records []*credo.Record, asOf time.Time) *credo.Assessment {
	tb.Helper()
	a, err := assess.Assess(set, code, versions, records, asOf)
	if err != nil {
		tb.Fatal(err)
	}
	return a
}

// contributions lists "rule/record/points/grade" sorted, for comparing.
func contributions(d *credo.Dimension) []string {
	var out []string
	for _, c := range d.Contributions {
		out = append(out, fmt.Sprintf("%s/%d/%g/%s", c.Rule, c.Record, c.Points, c.Grade))
	}
	slices.Sort(out)
	return out
}

func TestTaxBoundaries(t *testing.T) {
	set := newSet(t, parseFile(t, "national-tax.yaml"))
	asOf := mustTime("2027-04-01T00:00:00Z") // 1, 2 and 3 years back hold no 29 February
	for _, c := range []struct {
		name        string
		established string // "" unknown; "-" unregistered
		records     []*credo.Record
		score       float64
		grade       string
		contrib     []string
		next        string // NextChange, when checked
	}{
		{"no tax record: start 90, A", "2010-01-01", nil, 90, "A", []string{}, ""},
		{"unregistered: A", "-", nil, 90, "A", []string{}, ""},
		{"a tax record exactly 3 years before: start 90", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "tax_grade", "2024-04-01T00:00:00Z")}, 90, "A", []string{}, ""},
		{"a tax record 1s inside the 3 years: start 100", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "tax_grade", "2024-04-01T00:00:01Z")}, 100, "A", []string{}, "2027-04-01T00:00:01Z"},
		{"a late filing exactly 12 months before no longer counts", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "late_filing", "2026-04-01T00:00:00Z")}, 100, "A", []string{}, "2028-03-31T00:00:00Z"},
		{"a late filing 1s inside the 12 months counts", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "late_filing", "2026-04-01T00:00:01Z")}, 95, "A",
			[]string{"tax.late_filing/1/-5/"}, "2027-04-01T00:00:01Z"},
		{"every deduction", "2010-01-01", []*credo.Record{
			rec(1, "tax", "late_filing", "2026-05-01"), rec(2, "tax", "late_payment", "2026-06-01"),
			rec(3, "tax", "invoice_violation", "2026-07-01"), rec(4, "tax", "evasion", "2026-08-01", amounts(5000, 100000))},
			69, "C", []string{"tax.evasion/4/-11/", "tax.invoice_violation/3/-10/", "tax.late_filing/1/-5/", "tax.late_payment/2/-5/"}, "2027-05-01T00:00:00Z"},
		{"evasion of exactly 100,000 and exactly 10% is a direct D", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "evasion", "2026-10-01", amounts(100000, 1000000))}, 100, "D",
			// Also a year after the decision: as_of - years(1) appears in tax.m_new.
			[]string{"tax.direct_d/1/0/D"}, "2027-10-01T00:00:00Z"},
		{"evasion just under 100,000 costs 11", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "evasion", "2026-10-01", amounts(99999.99, 1000000))}, 89, "B",
			[]string{"tax.evasion/1/-11/"}, ""},
		{"evasion of 100,000 just under 10% costs 11", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "evasion", "2026-10-01", amounts(100000, 1000000.01))}, 89, "B",
			[]string{"tax.evasion/1/-11/"}, ""},
		{"evasion without the amounts costs 11", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "evasion", "2026-10-01")}, 89, "B", []string{"tax.evasion/1/-11/"}, ""},
		{"a direct-D act 1s inside the 2 years: D", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "arrears_escape", "2025-04-01T00:00:01Z")}, 100, "D",
			[]string{"tax.direct_d/1/0/D"}, "2027-04-01T00:00:01Z"},
		{"a direct-D act exactly 2 years before: no longer D, not A", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "refund_fraud", "2025-04-01T00:00:00Z")}, 100, "B",
			[]string{"tax.cap_after_direct_d/0/0/B"}, "2028-03-31T00:00:00Z"},
		{"a direct-D act 1s inside the 3 years: not A", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "absconded", "2024-04-01T00:00:01Z")}, 100, "B",
			[]string{"tax.cap_after_direct_d/0/0/B"}, "2027-04-01T00:00:01Z"},
		{"a direct-D act exactly 3 years before: A", "2010-01-01",
			[]*credo.Record{rec(1, "tax", "absconded", "2024-04-01T00:00:00Z")}, 90, "A", []string{}, ""},
		{"established exactly 1 year before: not M, and under 3 years not A", "2026-04-01", nil, 90, "B",
			[]string{"tax.cap_young/0/0/B"}, "2028-03-31T00:00:00Z"},
		{"established a day less than a year before: M", "2026-04-02", nil, 90, "M",
			[]string{"tax.m_new/0/0/M"}, "2027-04-02T00:00:00Z"},
		{"M even with a score that is D", "2026-07-15", []*credo.Record{
			rec(1, "tax", "invoice_violation", "2026-08-01"), rec(2, "tax", "invoice_violation", "2026-09-01"),
			rec(3, "tax", "invoice_violation", "2026-10-01"), rec(4, "tax", "invoice_violation", "2026-11-01"),
			rec(5, "tax", "invoice_violation", "2026-12-01"), rec(6, "tax", "invoice_violation", "2027-01-01"),
			rec(7, "tax", "evasion", "2027-02-01")}, 29, "M", nil, ""}, // contributions not checked
		{"a new organization with a direct-D act: D, not M", "2026-10-01",
			[]*credo.Record{rec(1, "tax", "absconded", "2026-12-01")}, 100, "D", []string{"tax.direct_d/1/0/D"}, ""},
		{"established exactly 3 years before: A", "2024-04-01", nil, 90, "A", []string{}, ""},
		{"established a day less than 3 years before: B", "2024-04-02", nil, 90, "B", []string{"tax.cap_young/0/0/B"}, "2027-04-02T00:00:00Z"},
		{"established unknown: neither M nor the cap", "", []*credo.Record{rec(1, "tax", "late_filing", "2026-12-01")}, 95, "A",
			[]string{"tax.late_filing/1/-5/"}, ""},
		{"a cap does not lift a worse grade", "2025-06-01", []*credo.Record{
			rec(1, "tax", "invoice_violation", "2026-08-01"), rec(2, "tax", "invoice_violation", "2026-09-01"),
			rec(3, "tax", "invoice_violation", "2026-10-01"), rec(4, "tax", "invoice_violation", "2026-11-01")}, 60, "C", nil, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			var versions []*credo.Subject
			if c.established != "-" {
				versions = registered(shanghai, c.established)
			}
			a := mustAssess(t, set, shanghai, versions, c.records, asOf)
			d := a.Dimensions["tax"]
			if d == nil {
				t.Fatalf("tax not graded: %+v", a)
			}
			if d.Score != c.score || d.Grade != c.grade {
				t.Errorf("score %v grade %s, want %v %s (reasons %v)", d.Score, d.Grade, c.score, c.grade, d.Reasons)
			}
			if c.contrib != nil {
				want := slices.Clone(c.contrib)
				slices.Sort(want)
				if got := contributions(d); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
					t.Errorf("contributions %v, want %v", got, want)
				}
			}
			if c.next != "" && !a.NextChange.Equal(mustTime(c.next)) {
				t.Errorf("next change %v, want %s", a.NextChange, c.next)
			}
			if len(a.Rulebooks) != 1 || a.Rulebooks[0] != (credo.RulebookRef{ID: "national-tax", Version: "2025.1"}) {
				t.Errorf("rulebooks %v", a.Rulebooks)
			}
		})
	}
}

func TestAsOf(t *testing.T) {
	tax := parseFile(t, "national-tax.yaml")
	set := newSet(t, tax)
	grade := func(versions []*credo.Subject, records []*credo.Record, asOf string) (float64, string, []string) {
		t.Helper()
		d := mustAssess(t, set, shanghai, versions, records, mustTime(asOf)).Dimensions["tax"]
		return d.Score, d.Grade, contributions(d)
	}
	org := registered(shanghai, "2010-01-01")
	t.Run("a record recorded after the time is not known", func(t *testing.T) {
		r := rec(1, "tax", "late_filing", "2027-03-01", recorded("2027-04-01T00:00:01Z"))
		if s, _, _ := grade(org, []*credo.Record{r}, "2027-04-01T00:00:00Z"); s != 90 {
			t.Errorf("score %v, want 90 (no tax record known)", s)
		}
		if s, _, _ := grade(org, []*credo.Record{r}, "2027-04-01T00:00:01Z"); s != 95 {
			t.Errorf("score %v, want 95 once recorded", s)
		}
	})
	t.Run("a correction is judged in place of what it supersedes", func(t *testing.T) {
		records := []*credo.Record{
			rec(1, "tax", "evasion", "2026-09-01", amounts(180000, 1200000), recorded("2026-09-02")),
			rec(2, "tax", "evasion", "2026-09-01", amounts(90000, 1200000), recorded("2026-10-16"), supersedes(1)),
		}
		if _, g, c := grade(org, records, "2026-10-01"); g != "D" || !slices.Equal(c, []string{"tax.direct_d/1/0/D"}) {
			t.Errorf("before the correction: %s %v", g, c)
		}
		if s, g, c := grade(org, records, "2026-10-16"); s != 89 || g != "B" || !slices.Equal(c, []string{"tax.evasion/2/-11/"}) {
			t.Errorf("after the correction: %v %s %v", s, g, c)
		}
	})
	t.Run("a correction by external id, of the same authority only", func(t *testing.T) {
		old := rec(1, "tax", "late_filing", "2026-09-01", func(r *credo.Record) { r.Authority, r.ExternalID = "a1", "E1" })
		other := rec(2, "tax", "late_payment", "2026-09-01", func(r *credo.Record) { r.Authority, r.ExternalID = "a2", "E1" })
		fix := rec(3, "tax", "late_payment", "2026-09-01", func(r *credo.Record) {
			r.Authority, r.ExternalID, r.SupersedesExternalID = "a1", "E2", "E1"
			r.RecordedAt = credo.NewTime(mustTime("2026-10-01"))
		})
		if _, _, c := grade(org, []*credo.Record{old, other, fix}, "2026-12-01"); !slices.Equal(c, []string{"tax.late_payment/2/-5/", "tax.late_payment/3/-5/"}) {
			t.Errorf("contributions %v", c)
		}
	})
	t.Run("a retraction removes the record and counts for nothing", func(t *testing.T) {
		records := []*credo.Record{
			rec(1, "tax", "late_filing", "2026-07-16"),
			rec(2, "tax", "retraction", "2026-08-20", supersedes(1)),
		}
		if s, _, _ := grade(org, records, "2026-08-01"); s != 95 {
			t.Errorf("before the retraction: %v", s)
		}
		// No tax record is in force: the start is 90.
		if s, g, c := grade(org, records, "2026-09-01"); s != 90 || g != "A" || len(c) != 0 {
			t.Errorf("after the retraction: %v %s %v", s, g, c)
		}
	})
	t.Run("the registration version recorded by the time", func(t *testing.T) {
		v2 := &credo.Subject{Code: shanghai, Established: credo.NewDate(mustTime("2010-01-01")), Version: 2, RecordedAt: credo.NewTime(mustTime("2026-06-01"))}
		v1 := &credo.Subject{Code: shanghai, Established: credo.NewDate(mustTime("2026-03-01")), Version: 1, RecordedAt: credo.NewTime(mustTime("2026-03-02"))}
		versions := []*credo.Subject{v2, v1}
		if _, g, _ := grade(versions, nil, "2026-05-01"); g != "M" {
			t.Errorf("with version 1: %s, want M", g)
		}
		if _, g, _ := grade(versions, nil, "2026-06-01"); g != "A" {
			t.Errorf("with version 2: %s, want A", g)
		}
		if _, g, _ := grade(versions, nil, "2026-03-01"); g != "A" {
			t.Errorf("before any version (unregistered): %s, want A", g)
		}
	})
	t.Run("the rulebook version in effect", func(t *testing.T) {
		v2 := parseFile(t, "national-tax.yaml", `version: "2025.1"`, `version: "2026.2"`, "effective_from: 2025-04-01", "effective_from: 2026-07-01",
			"points: -5\n        counts_for: 1y\n      - id: tax.late_payment", "points: -8\n        counts_for: 1y\n      - id: tax.late_payment")
		set := newSet(t, tax, v2)
		records := []*credo.Record{rec(1, "tax", "late_filing", "2026-06-01")}
		a := mustAssess(t, set, shanghai, org, records, mustTime("2026-06-30T23:59:59Z"))
		if d := a.Dimensions["tax"]; d.Score != 95 || a.Rulebooks[0].Version != "2025.1" || !a.NextChange.Equal(mustTime("2026-07-01")) {
			t.Errorf("before: %v %v next %v", d.Score, a.Rulebooks, a.NextChange)
		}
		a = mustAssess(t, set, shanghai, org, records, mustTime("2026-07-01"))
		if d := a.Dimensions["tax"]; d.Score != 92 || a.Rulebooks[0].Version != "2026.2" {
			t.Errorf("after: %v %v", d.Score, a.Rulebooks)
		}
	})
}

func TestOverlayOnlyInRegion(t *testing.T) {
	set := testdataSet(t)
	asOf := mustTime("2026-05-01")
	records := func(code string) []*credo.Record {
		rs := []*credo.Record{
			rec(1, "environment", "environmental_violation", "2026-02-10"),
			rec(2, "environment", "honour", "2025-02-10"),
			rec(3, "environment", "inspection", "2026-03-10", func(r *credo.Record) { r.Description = "fail: 超标" }),
		}
		for _, r := range rs {
			r.Subject = code
		}
		return rs
	}
	out := mustAssess(t, set, shanghai, registered(shanghai, "2010-01-01"), records(shanghai), asOf)
	in := mustAssess(t, set, nanjing, registered(nanjing, "2010-01-01"), records(nanjing), asOf)
	if d := out.Dimensions["environment"]; d.Score != 75 || d.Grade != "yellow" ||
		!slices.Equal(contributions(d), []string{"env.honour/2/5/", "env.violation/1/-15/"}) {
		t.Errorf("outside Jiangsu: %v %s %v", d.Score, d.Grade, contributions(d))
	}
	if d := in.Dimensions["environment"]; d.Score != 60 || d.Grade != "yellow" ||
		!slices.Equal(contributions(d), []string{"env.violation/1/-20/", "js.inspection_fail/3/-5/"}) {
		t.Errorf("in Jiangsu: %v %s %v", d.Score, d.Grade, contributions(d))
	}
	refs := func(a *credo.Assessment) (ids []string) {
		for _, r := range a.Rulebooks {
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got := refs(in); !slices.Equal(got, []string{"national-tax", "test-comprehensive", "test-environment", "test-environment-32"}) {
		t.Errorf("rulebooks in Jiangsu: %v", got)
	}
	if got := refs(out); !slices.Equal(got, []string{"national-tax", "test-comprehensive", "test-environment"}) {
		t.Errorf("rulebooks outside: %v", got)
	}
	// The registration's division decides, not the code's.
	moved := registered(shanghai, "2010-01-01")
	moved[0].Division = "320102"
	if d := mustAssess(t, set, shanghai, moved, records(shanghai), asOf).Dimensions["environment"]; d.Score != 60 {
		t.Errorf("an organization registered in Jiangsu: %v", d.Score)
	}
}

func TestMaxTimesFloorAndDirect(t *testing.T) {
	set := testdataSet(t)
	asOf := mustTime("2026-05-01")
	org := registered(shanghai, "2010-01-01")
	// Three honours: the two earliest count.
	honours := []*credo.Record{rec(5, "environment", "honour", "2025-03-01"), rec(3, "environment", "honour", "2024-06-01"), rec(4, "environment", "honour", "2025-01-01")}
	if d := mustAssess(t, set, shanghai, org, honours, asOf).Dimensions["environment"]; d.Score != 95 || d.Grade != "green" ||
		!slices.Equal(contributions(d), []string{"env.honour/3/5/", "env.honour/4/5/"}) {
		t.Errorf("max_times: %v %s %v", d.Score, d.Grade, contributions(d))
	}
	var violations []*credo.Record
	for i := range 7 {
		violations = append(violations, rec(int64(i+1), "environment", "environmental_violation", fmt.Sprintf("2025-%02d-01", i+6)))
	}
	if d := mustAssess(t, set, shanghai, org, violations, asOf).Dimensions["environment"]; d.Score != 0 || d.Grade != "red" {
		t.Errorf("floor: %v %s", d.Score, d.Grade)
	}
	// A direct grade replaces the band; every deduction stays in the score.
	crime := append(honours[:1:1], rec(9, "environment", "environmental_crime", "2024-05-02"))
	a := mustAssess(t, set, shanghai, org, crime, asOf)
	if d := a.Dimensions["environment"]; d.Score != 90 || d.Grade != "red" || !slices.Equal(d.Reasons, []string{"环境犯罪"}) ||
		!slices.Equal(contributions(d), []string{"env.crime/9/0/red", "env.honour/5/5/"}) {
		t.Errorf("direct: %v %s %v %v", d.Score, d.Grade, d.Reasons, contributions(d))
	}
	// The comprehensive cap: a red dimension holds the grade to C.
	if a.Grade != "C" || a.Score != 90 || !slices.Equal(a.Reasons, []string{"任一领域为最低等级，综合评价不高于C级"}) {
		t.Errorf("comprehensive: %s %v %v", a.Grade, a.Score, a.Reasons)
	}
}

func TestComprehensive(t *testing.T) {
	asOf := mustTime("2026-05-01")
	org := registered(shanghai, "2010-01-01")
	// Without a comprehensive section there is no overall grade.
	a := mustAssess(t, newSet(t, parseFile(t, "national-tax.yaml")), shanghai, org, nil, asOf)
	if a.Grade != "" || a.Score != 0 || len(a.Reasons) != 0 {
		t.Errorf("no comprehensive: %q %v", a.Grade, a.Score)
	}
	// With no dimension graded, the example score is 100.
	comp := newSet(t, parseFile(t, "comprehensive.yaml"))
	if a := mustAssess(t, comp, shanghai, org, nil, asOf); a.Grade != "A" || a.Score != 100 || len(a.Dimensions) != 0 {
		t.Errorf("nothing graded: %q %v", a.Grade, a.Score)
	}
	// The remembered result is the computed one, set after set, whatever
	// the order.
	rng := rand.New(rand.NewPCG(1, 2))
	var cases [][]*credo.Record
	for range 60 {
		var rs []*credo.Record
		for j := range rng.IntN(6) {
			kind := []string{"penalty", "environmental_violation", "environmental_crime", "honour"}[rng.IntN(4)]
			rs = append(rs, rec(int64(j+1), "environment", kind, fmt.Sprintf("2026-0%d-01", 1+rng.IntN(4))))
		}
		if rng.IntN(2) == 0 {
			rs = append(rs, rec(99, "tax", "late_filing", "2026-03-01"))
		}
		cases = append(cases, rs)
	}
	s1, s2 := testdataSet(t), testdataSet(t)
	for i := range cases {
		a := mustAssess(t, s1, shanghai, org, cases[i], asOf)
		j := len(cases) - 1 - i
		b := mustAssess(t, s2, shanghai, org, cases[j], asOf)
		c := mustAssess(t, s2, shanghai, org, cases[i], asOf)
		d := mustAssess(t, s1, shanghai, org, cases[j], asOf)
		if a.Grade != c.Grade || a.Score != c.Score || !slices.Equal(a.Reasons, c.Reasons) ||
			b.Grade != d.Grade || b.Score != d.Score || !slices.Equal(b.Reasons, d.Reasons) {
			t.Fatalf("case %d: %s %v / %s %v", i, a.Grade, a.Score, c.Grade, c.Score)
		}
	}
}

func assessmentJSON(tb testing.TB, a *credo.Assessment) string {
	b, err := json.Marshal(a)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

func TestDeterminism(t *testing.T) {
	set := bundled(t)
	code, versions, records, asOf := benchOrg()
	want := assessmentJSON(t, mustAssess(t, set, code, versions, records, asOf))
	rng := rand.New(rand.NewPCG(3, 4))
	for range 20 {
		rs := slices.Clone(records)
		rng.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		if got := assessmentJSON(t, mustAssess(t, set, code, versions, rs, asOf)); got != want {
			t.Fatalf("records in another order:\n%s\nwant\n%s", got, want)
		}
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 50 {
				a, err := assess.Assess(set, code, versions, records, asOf)
				if err != nil || assessmentJSON(t, a) != want {
					t.Errorf("concurrent assessment differs: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	// Records are not modified.
	_, _, fresh, _ := benchOrg()
	for i := range fresh {
		if assessmentJSON2(fresh[i]) != assessmentJSON2(records[i]) {
			t.Errorf("record %d changed", records[i].ID)
		}
	}
}

func assessmentJSON2(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestEvaluationError(t *testing.T) {
	rb := parseFile(t, "national-tax.yaml", `kinds: [late_payment]`, "kinds: [late_payment]\n        when: 'record.amount > 100.0'")
	_, err := assess.Assess(newSet(t, rb), shanghai, nil, []*credo.Record{rec(7, "tax", "late_payment", "2026-03-01")}, mustTime("2026-05-01"))
	if err == nil {
		t.Fatal("no error for a missing field")
	}
	for _, want := range []string{"national-tax.yaml:", "rule tax.late_payment", "record 7", "no such key", "dimension tax", shanghai} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

func TestRuntimeCostLimit(t *testing.T) {
	rb := parseFile(t, "national-tax.yaml", "start: 'records.exists(r, r.occurred_at > as_of - years(3)) ? 100.0 : 90.0'",
		`start: 'records.exists(r, r.penalty_types.exists(p, p == "none")) ? 100.0 : 90.0'`)
	set := newSet(t, rb)
	// Records are validated to at most 10 penalty types; these are not, and
	// there are more than rulebook.MaxRecords of them.
	many := make([]string, 20000)
	for i := range many {
		many[i] = "fine"
	}
	var records []*credo.Record
	for i := range rulebook.MaxRecords + 1 {
		r := rec(int64(i+1), "tax", "tax_grade", "2026-01-01")
		r.PenaltyTypes = many
		records = append(records, r)
	}
	_, err := assess.Assess(set, shanghai, nil, records, mustTime("2026-05-01"))
	if err == nil || !strings.Contains(err.Error(), "cost limit exceeded") {
		t.Fatalf("want the cost limit exceeded, got %v", err)
	}
	// Within the estimate's assumptions the same rulebook assesses.
	if _, err := assess.Assess(set, shanghai, nil, records[:100], mustTime("2026-05-01")); err != nil {
		t.Fatal(err)
	}
}

func TestRulebookFiles(t *testing.T) {
	src, err := os.ReadFile("testdata/tests.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases, err := rulebook.ParseTests("testdata/tests.yaml", src)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range assess.RunTests(testdataSet(t), cases) {
		if !r.Pass {
			t.Errorf("%s", r.Diff)
		}
	}
}

func TestRunTestsReportsFailures(t *testing.T) {
	src := `tests:
  - name: passes
    org: {code: 91310112087994932F, established: 2010-01-01}
    as_of: 2026-05-01
    records:
      - {id: 1, category: tax, kind: late_filing, occurred_at: 2026-01-10}
    expect:
      dimensions:
        tax: {score: 95, grade: A, contributions: [{rule: tax.late_filing, record: 1, points: -5}]}
  - name: fails
    org: {code: 91310112087994932F, established: 2010-01-01}
    as_of: 2026-05-01
    records:
      - {id: 1, category: tax, kind: late_filing, occurred_at: 2026-01-10}
      - {id: 2, category: environment, kind: penalty, occurred_at: 2026-01-10}
    expect:
      grade: A
      next_change: 2030-01-01
      dimensions:
        tax:
          score: 90
          grade: B
          contributions:
            - {rule: tax.late_filing, record: 1, points: -4}
            - {rule: tax.late_payment, record: 1}
        environment: null
        customs: {grade: regular}
`
	cases, err := rulebook.ParseTests("cases.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	res := assess.RunTests(testdataSet(t), cases)
	if len(res) != 2 || !res[0].Pass || res[0].Diff != "" || res[1].Pass || res[1].Assessment == nil {
		t.Fatalf("results %+v", res)
	}
	for _, want := range []string{
		`cases.yaml:10: test "fails" failed:`,
		`cases.yaml:10: comprehensive grade is "B", want "A"`,
		"cases.yaml:10: next_change is 2027-01-10T00:00:00Z, want 2030-01-01T00:00:00Z",
		"cases.yaml:20: dimension tax: score is 95, want 90 (start 100, -5 tax.late_filing (record 1))",
		`cases.yaml:20: dimension tax: grade is "A", want "B" (score 95)`,
		"cases.yaml:24: dimension tax: missing contribution {rule: tax.late_filing, record: 1, points: -4}",
		"cases.yaml:25: dimension tax: missing contribution {rule: tax.late_payment, record: 1}",
		"cases.yaml:20: dimension tax: unexpected contribution {rule: tax.late_filing, record: 1, points: -5}",
		"cases.yaml:26: dimension environment is graded (yellow, score 75), want not graded",
		"cases.yaml:27: dimension customs is not graded (graded: environment, tax)",
	} {
		if !strings.Contains(res[1].Diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, res[1].Diff)
		}
	}
}

// TestHandwrittenAgrees checks the CEL national tax rules (the bundled
// rulebook and testdata's) against the hand-written Go on generated
// organizations, and so the two readings of the rules against each other.
func TestHandwrittenAgrees(t *testing.T) {
	sets := map[string]*rulebook.Set{"continuous": newSet(t, parseFile(t, "continuous-tax.yaml")), "testdata": newSet(t, parseFile(t, "national-tax.yaml"))}
	kinds := []string{"late_filing", "late_payment", "invoice_violation", "evasion", "evasion", "arrears_escape", "absconded",
		"tax_grade", "false_vat_invoice", "retraction", "penalty"}
	rng := rand.New(rand.NewPCG(5, 6))
	asOf := mustTime("2027-04-01T00:00:00Z")
	var h handwritten
	for i := range 3000 {
		var versions []*credo.Subject
		if rng.IntN(5) > 0 {
			est := ""
			if rng.IntN(4) > 0 {
				est = asOf.Add(-time.Duration(rng.IntN(6*365)) * day).Format(time.DateOnly)
			}
			versions = registered(shanghai, est)
		}
		var records []*credo.Record
		for j := range rng.IntN(8) {
			kind := kinds[rng.IntN(len(kinds))]
			cat := "tax"
			if kind == "penalty" {
				cat = "market"
			}
			// Decision dates at whole days, some exactly 1, 2 or 3 years back.
			back := time.Duration(rng.IntN(4*365)) * day
			if rng.IntN(4) == 0 {
				back = time.Duration(1+rng.IntN(3)) * year
			}
			r := rec(int64(j+1), cat, kind, asOf.Add(-back).Format(time.RFC3339))
			if kind == "evasion" && rng.IntN(4) > 0 {
				amount := []float64{99999.99, 100000, 250000, 5000}[rng.IntN(4)]
				r.Amount, r.TaxDue = &amount, new(float64)
				*r.TaxDue = []float64{amount * 10, amount*10 + 0.01, amount * 3, amount * 100}[rng.IntN(4)]
			}
			if kind == "retraction" && j > 0 {
				r.Supersedes = int64(1 + rng.IntN(j))
			}
			if rng.IntN(10) == 0 {
				r.RecordedAt = credo.NewTime(asOf.Add(time.Hour))
			}
			records = append(records, r)
		}
		want := h.tax(versions, records, asOf)
		for name, set := range sets {
			got := mustAssess(t, set, shanghai, versions, records, asOf).Dimensions["tax"]
			if got.Score != want.Score || got.Grade != want.Grade || got.Start != want.Start ||
				!slices.Equal(contributionKeys(got), contributionKeys(want)) {
				t.Fatalf("case %d, %s: CEL %v %s %v, Go %v %s %v\nrecords %s", i, name, got.Score, got.Grade, contributionKeys(got),
					want.Score, want.Grade, contributionKeys(want), assessmentJSON2(records))
			}
			if got.Title != want.Title || len(got.Reasons) != len(want.Reasons) {
				t.Fatalf("case %d, %s: the dimensions differ:\n%s\n%s", i, name, assessmentJSON2(got), assessmentJSON2(want))
			}
		}
	}
}

func contributionKeys(d *credo.Dimension) []string {
	var out []string
	for _, c := range d.Contributions {
		out = append(out, fmt.Sprintf("%s/%d/%g/%s/%s", c.Rule, c.Record, c.Points, c.Grade, c.Until))
	}
	return out
}
