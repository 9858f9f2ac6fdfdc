package rulebook_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo/rulebook"
)

const testsSrc = `tests:
  - name: a late filing
    org: {code: 91310112087994932F, established: 2015-01-01, industry: C34}
    as_of: 2026-05-01T00:00:00Z
    records:
      - {id: 7, category: tax, kind: late_filing, amount: 1200.5, penalty_types: [fine], occurred_at: 2026-01-10, recorded_at: 2026-01-11, repaired_at: 2026-04-01T08:00:00Z}
      - {category: tax, kind: retraction, supersedes: 7, occurred_at: 2026-02-10}
    expect:
      grade: B
      score: 80.5
      next_change: 2027-01-10
      dimensions:
        tax:
          start: 100
          score: 95
          grade: A
          contributions:
            - {rule: tax.late_filing, record: 7, points: -5}
            - {rule: tax.cap_young, grade: B}
        customs: null
        environment: {graded: false}
  - name: unregistered, by versions
    versions:
      - {code: 91310112087994932F, name: Old, recorded_at: 2020-01-01}
      - {code: 91310112087994932F, name: New, recorded_at: 2024-01-01}
    as_of: 2026-05-01
    expect: {}
  - name: known only by code
    org: {code: 91310112087994932F, registered: false}
    as_of: 2026-05-01
    expect: {dimensions: {tax: {grade: A}}}
`

func TestParseTests(t *testing.T) {
	cases, err := rulebook.ParseTests("tests.yaml", []byte(testsSrc))
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 3 {
		t.Fatalf("%d cases", len(cases))
	}
	c := cases[0]
	if c.Name != "a late filing" || c.Line != 2 || c.File != "tests.yaml" || c.Code != "91310112087994932F" || len(c.Versions) != 1 {
		t.Errorf("case %+v", c)
	}
	if v := c.Versions[0]; v.Division != "310112" || v.Industry != "C34" || v.Established.String() != "2015-01-01" {
		t.Errorf("org %+v", v)
	}
	r := c.Records[0]
	if r.ID != 7 || *r.Amount != 1200.5 || r.PenaltyTypes[0] != "fine" || r.Subject != c.Code || r.RecordedAt.Format("2006-01-02") != "2026-01-11" ||
		r.RepairedAt.Format(time.RFC3339) != "2026-04-01T08:00:00Z" {
		t.Errorf("record %+v", r)
	}
	if r := c.Records[1]; r.ID != 2 || r.Supersedes != 7 || !r.RecordedAt.IsZero() {
		t.Errorf("record ids default to the position: %+v", r)
	}
	e := c.Expect
	if *e.Grade != "B" || *e.Score != 80.5 || e.NextChange.Format("2006-01-02") != "2027-01-10" || len(e.Dimensions) != 3 {
		t.Errorf("expect %+v", e)
	}
	tax := e.Dimensions[0]
	if tax.ID != "tax" || !tax.Graded || *tax.Start != 100 || *tax.Grade != "A" || !tax.CheckContributions || len(tax.Contributions) != 2 ||
		tax.Contributions[0].Record != 7 || *tax.Contributions[0].Points != -5 || *tax.Contributions[1].Grade != "B" || tax.Contributions[1].Points != nil {
		t.Errorf("tax %+v", tax)
	}
	if e.Dimensions[1].Graded || e.Dimensions[2].Graded {
		t.Errorf("null and graded: false are not graded")
	}
	if v := cases[1].Versions; len(v) != 2 || v[1].Name != "New" || v[1].Version != 2 {
		t.Errorf("versions %+v", v)
	}
	if cases[2].Versions != nil || cases[2].Code == "" {
		t.Errorf("registered: false: %+v", cases[2])
	}
}

func TestParseTestsErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		want      []wantErr
	}{
		{"not a list", "tests: {}\n", []wantErr{{1, 8, "", "tests must be a list"}}},
		{"unknown field", "tests:\n  - name: x\n    org: {code: c}\n    as_of: 2026-01-01\n    expect: {}\n    expected: {}\n",
			[]wantErr{{6, 5, "", `unknown field "expected"`}}},
		{"unknown record field", "tests:\n  - name: x\n    org: {code: c}\n    as_of: 2026-01-01\n    records: [{kind: a, category: tax, occured_at: 2026-01-01}]\n    expect: {}\n",
			[]wantErr{{5, 15, "", "occurred_at is required"}, {5, 40, "", `unknown field "occured_at"`}}},
		{"bad time", "tests:\n  - name: x\n    org: {code: c}\n    as_of: yesterday\n    expect: {}\n",
			[]wantErr{{4, 12, "", "not an RFC 3339 date or time"}}},
		{"missing expect", "tests:\n  - name: x\n    org: {code: c}\n    as_of: 2026-01-01\n",
			[]wantErr{{2, 5, "", "expect is required"}}},
		{"repeated name", "tests:\n  - {name: x, org: {code: c}, as_of: 2026-01-01, expect: {}}\n  - {name: x, org: {code: c}, as_of: 2026-01-01, expect: {}}\n",
			[]wantErr{{3, 5, "", `test "x" is also on line 2`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.ParseTests("tests.yaml", []byte(c.src))
			checkErrors(t, err, c.want)
		})
	}
}
