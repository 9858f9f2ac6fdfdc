package rulebook_test

import (
	"strings"
	"testing"

	"github.com/credo-registry/credo/rulebook"
)

// twoDims is a rulebook with dimensions a and b and a comprehensive
// section; top, dimA, dimB and comp are inserted as lines (public: ...)
// at the top level, in dimension a, in dimension b and in the section.
func twoDims(top, dimA, dimB, comp string) []byte {
	lines := []string{
		"apiVersion: credo/v1",
		"id: p",
		`version: "1"`,
		"effective_from: 2024-01-01",
		top,
		"dimensions:",
		"  - id: a",
		dimA,
		"    categories: [tax]",
		"    grades: [A, D]",
		"    start: 100",
		"    bands: [{grade: A, min: 50}, {grade: D}]",
		"  - id: b",
		dimB,
		"    categories: [customs]",
		"    grades: [A, D]",
		"    start: 100",
		"    bands: [{grade: A, min: 50}, {grade: D}]",
		"comprehensive:",
		comp,
		"  grades: [A, D]",
		"  score: '100.0'",
		"  bands: [{grade: A, min: 50}, {grade: D}]",
	}
	var out []string
	for _, l := range lines {
		if l != "" {
			out = append(out, l)
		}
	}
	return []byte(strings.Join(out, "\n") + "\n")
}

func TestPublicParse(t *testing.T) {
	for _, c := range []struct {
		name                  string
		top, dimA, dimB, comp string
		wantRB, wantA, wantB  bool
		wantComprehensive     bool
	}{
		{"not given: private", "", "", "", "", false, false, false, false},
		{"top level applies to all", "public: true", "", "", "", true, true, true, true},
		{"top level false", "public: false", "", "", "", false, false, false, false},
		{"a dimension overrides", "public: true", "    public: false", "", "", true, false, true, true},
		{"a dimension alone", "", "", "    public: true", "", false, false, true, false},
		{"the comprehensive section overrides", "public: true", "", "", "  public: false", true, true, true, false},
		{"the comprehensive section alone", "", "", "", "  public: true", false, false, false, true},
		{"null is not given", "public: null", "    public: ~", "", "", false, false, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			rb := mustParse(t, "p.yaml", twoDims(c.top, c.dimA, c.dimB, c.comp))
			if rb.Public != c.wantRB || rb.Dimensions[0].Public != c.wantA || rb.Dimensions[1].Public != c.wantB ||
				rb.Comprehensive.Public != c.wantComprehensive {
				t.Errorf("public: rulebook %v, a %v, b %v, comprehensive %v; want %v, %v, %v, %v",
					rb.Public, rb.Dimensions[0].Public, rb.Dimensions[1].Public, rb.Comprehensive.Public,
					c.wantRB, c.wantA, c.wantB, c.wantComprehensive)
			}
			// The plan carries it.
			p, _ := mustSet(t, rb).Plan(at("2025-01-01"), "110101")
			if p.Dimensions[0].Public != c.wantA || p.Dimensions[1].Public != c.wantB || p.Comprehensive.Public != c.wantComprehensive {
				t.Errorf("plan: a %v, b %v, comprehensive %v", p.Dimensions[0].Public, p.Dimensions[1].Public, p.Comprehensive.Public)
			}
		})
	}
}

func TestPublicErrors(t *testing.T) {
	for _, c := range []struct {
		name string
		src  []byte
		want []wantErr
	}{
		{"top level not a bool", twoDims("public: yes", "", "", ""),
			[]wantErr{{5, 9, "", `public must be true or false, not "yes"`}}},
		{"dimension not a bool", twoDims("", "    public: 1", "", ""),
			[]wantErr{{7, 13, "", `dimension a: public must be true or false, not "1"`}}},
		{"comprehensive not a bool", twoDims("", "", "", "  public: [true]"),
			[]wantErr{{17, 11, "", "comprehensive: public must be a single value"}}},
		{"overlay not a bool", []byte(strings.Join([]string{
			"apiVersion: credo/v1", "id: js", `version: "1"`, "effective_from: 2024-01-01",
			`jurisdiction: ["32"]`, "extends: env", "overlay:", "  - dimension: environment", "    public: \"true\"",
		}, "\n") + "\n"), []wantErr{{9, 13, "", `overlay environment: public must be true or false, not "true"`}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := rulebook.Parse("p.yaml", c.src)
			checkErrors(t, err, c.want)
		})
	}
}

// TestPublicOverlays: an overlaid dimension keeps its base's public unless
// an overlay sets it (its entry's public, else its top-level public when
// given); a deeper overlay wins; the base is not changed.
func TestPublicOverlays(t *testing.T) {
	withTop := func(src []byte, top string) []byte {
		return []byte(strings.Replace(string(src), "effective_from: 2024-01-01\n", "effective_from: 2024-01-01\n"+top+"\n", 1))
	}
	pubBase := func(t *testing.T) *rulebook.Rulebook {
		return mustParse(t, "env.yaml", withTop(env(`"1"`, "2024-01-01"), "public: true"))
	}
	privBase := func(t *testing.T) *rulebook.Rulebook { return mustParse(t, "env.yaml", env(`"1"`, "2024-01-01")) }
	disable := "    disable: [env.cap]"
	for _, c := range []struct {
		name  string
		books func(t *testing.T) []*rulebook.Rulebook
		want  map[string]bool // division → environment public
	}{
		{"overlay silent: the base's", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{pubBase(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`, disable))}
		}, map[string]bool{"110101": true, "320102": true}},
		{"overlay silent on a private base", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{privBase(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`, disable))}
		}, map[string]bool{"110101": false, "320102": false}},
		{"overlay entry", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{pubBase(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`, "    public: false"))}
		}, map[string]bool{"110101": true, "320102": false}},
		{"overlay top level", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{privBase(t), mustParse(t, "js.yaml", withTop(overlay("js", "env", `["32"]`, disable), "public: true"))}
		}, map[string]bool{"110101": false, "320102": true}},
		{"overlay entry over its top level", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{privBase(t), mustParse(t, "js.yaml",
				withTop(overlay("js", "env", `["32"]`, "    public: false"), "public: true"))}
		}, map[string]bool{"110101": false, "320102": false}},
		{"the deeper overlay wins", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{pubBase(t),
				mustParse(t, "js.yaml", overlay("js", "env", `["32"]`, "    public: false")),
				mustParse(t, "nj.yaml", overlay("nj", "js", `["3201"]`, "    public: true")),
				mustParse(t, "sz.yaml", overlay("sz", "js", `["3205"]`, disable))}
		}, map[string]bool{"110101": true, "320582": false, "320102": true, "320282": false}},
	} {
		t.Run(c.name, func(t *testing.T) {
			books := c.books(t)
			s := mustSet(t, books...)
			for div, want := range c.want {
				p, _ := s.Plan(at("2025-06-01"), div)
				if got := p.Dimensions[0].Public; got != want {
					t.Errorf("division %s: public %v, want %v", div, got, want)
				}
			}
			if books[0].Dimensions[0].Public != books[0].Public {
				t.Errorf("the base's dimension changed")
			}
		})
	}
}
