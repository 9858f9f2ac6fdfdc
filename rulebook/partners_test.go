package rulebook_test

import (
	"strings"
	"testing"

	"github.com/credo-registry/credo/rulebook"
)

// partnerBook is a valid rulebook with a partner dimension; cases edit it.
const partnerBook = `apiVersion: credo/v1
id: p
version: "1"
effective_from: 2026-12-01
dimensions:
  - id: partners
    categories: []
    grades: [A, B, C, D]
    start: 100
    floor: 60
    partners:
      reach: 3
      decay: 0.5
      counted: 4
      min_points: 1
      weights: {shareholder: 1, supplier: 0.3}
      basis: {model: "test weights"}
      rules:
        - id: p.serious
          basis: {model: test}
          when: 'partner.entries.exists(e, e.list == "serious-dishonesty")'
          points: -30
    bands:
      - {grade: A, min: 90}
      - {grade: D}
`

func TestParsePartners(t *testing.T) {
	rb := mustParse(t, "p.yaml", []byte(partnerBook))
	p := rb.Dimensions[0].Partners
	if p == nil || p.Reach != 3 || p.Counted != 4 || p.Decay != 0.5 || p.MinPoints != 1 || len(p.Rules) != 1 || p.Rules[0].Points != -30 {
		t.Fatalf("partners section %+v", p)
	}
	// From the partner outwards: shareholder 1, then supplier 0.3 × 0.5.
	if w := p.Weight([]string{"supplier", "shareholder"}); w != 0.15 {
		t.Errorf("weight %v, want 0.15", w)
	}
	if v := p.Value(30, []string{"supplier", "shareholder"}); v != float32(30)*float32(0.3)*float32(0.5) {
		t.Errorf("value %v", v)
	}
}

func TestParsePartnersErrors(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"reach 4", "reach: 3", "reach: 4", "p.yaml:12:14: dimension partners: partners: reach must be 1 to 3"},
		{"reach 0", "reach: 3", "reach: 0", "reach must be 1 to 3"},
		{"counted 5", "counted: 4", "counted: 5", "counted must be 1 to 4"},
		{"decay 0", "decay: 0.5", "decay: 0", "decay must be above 0 and at most 1"},
		{"weight over 1", "supplier: 0.3", "supplier: 1.5", "weights: supplier must be 0 to 1"},
		{"unknown kind", "supplier: 0.3", "vendor: 0.3", `unknown relationship kind "vendor"`},
		{"positive points", "points: -30", "points: 5", "a partner rule's points must be below 0"},
		{"a rule that reads org", `when: 'partner.entries.exists(e, e.list == "serious-dishonesty")'`, `when: 'org.code == "x"'`, "reads the partner alone (not org)"},
		{"records of its own", "categories: []", "categories: [tax]", "has no records of its own: categories must be []"},
		{"no reach", "      reach: 3\n", "", "reach is required"},
		{"a regional rulebook", "effective_from: 2026-12-01", "effective_from: 2026-12-01\njurisdiction: [\"32\"]", "belong to a national rulebook"},
		{"unknown field", "min_points: 1", "min_point: 1", "min_point"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(partnerBook, tc.old, tc.new, 1)
			if src == partnerBook {
				t.Fatal("the edit changed nothing")
			}
			_, err := rulebook.Parse("p.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestParsePartnerDirectErrors(t *testing.T) {
	direct := edit(nil,
		"    partners:",
		"      direct:",
		"        - id: tax.officer",
		"          basis: {model: test}",
		"          kinds: [shared_officer]",
		`          when: '"tax" in partner.grades && link.roles.exists(r, r == "legal_representative")'`,
		"          grade: D",
	)
	rb := mustParse(t, "d.yaml", direct)
	if d := rb.Dimensions[0].Partners; d == nil || len(d.Direct) != 1 || d.Direct[0].Grade != "D" {
		t.Fatalf("direct partner rules %+v", d)
	}
	for _, tc := range []struct{ name, old, new, want string }{
		{"unknown grade", "          grade: D", "          grade: E", `grade "E" is not one of the dimension's grades`},
		{"unknown kind", "kinds: [shared_officer]", "kinds: [officer]", `unknown relationship kind "officer"`},
		{"no kinds", "          kinds: [shared_officer]\n", "", "kinds is required"},
		{"reach without weighted rules", "      direct:", "      reach: 2\n      direct:", "reach applies only to weighted rules"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(string(direct), tc.old, tc.new, 1)
			if src == string(direct) {
				t.Fatal("the edit changed nothing")
			}
			_, err := rulebook.Parse("d.yaml", []byte(src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
