package rulebook_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// env is a base rulebook with one dimension of two rules, a cap and a
// special grade; version and effective_from vary.
func env(version, from string, extra ...string) []byte {
	return []byte(strings.Join(append([]string{
		"apiVersion: credo/v1",                   // 1
		"id: env",                                // 2
		"version: " + version,                    // 3
		"effective_from: " + from,                // 4
		"dimensions:",                            // 5
		"  - id: environment",                    // 6
		"    categories: [environment]",          // 7
		"    grades: [green, blue, yellow, red]", // 8
		"    start: 85",                          // 9
		"    rules:",                             // 10
		"      - {id: env.penalty, basis: {model: test},",   // 11
		"         kinds: [penalty],",                        // 12
		"         points: -10,",                             // 13
		"         counts_for: 1y}",                          // 14
		"      - {id: env.violation, basis: {model: test},", // 15
		"         kinds: [environmental_violation],",        // 16
		"         points: -15,",                             // 17
		"         counts_for: 1y}",                          // 18
		"    caps:",                                         // 19
		"      - {id: env.cap, basis: {model: test},",       // 20
		"         when: 'false',",                           // 21
		"         max_grade: blue}",                         // 22
		"    bands:",                                        // 23
		"      - {grade: green, min: 95}",                   // 24
		"      - {grade: blue, min: 80}",                    // 25
		"      - {grade: yellow, min: 60}",                  // 26
		"      - {grade: red}",                              // 27
	}, extra...), "\n") + "\n")
}

// overlay is a regional overlay of env; its overlay entry is appended.
func overlay(id, extends, jurisdiction string, entry ...string) []byte {
	return []byte(strings.Join(append([]string{
		"apiVersion: credo/v1",          // 1
		"id: " + id,                     // 2
		`version: "1"`,                  // 3
		"effective_from: 2024-01-01",    // 4
		"jurisdiction: " + jurisdiction, // 5
		"extends: " + extends,           // 6
		"overlay:",                      // 7
		"  - dimension: environment",    // 8
	}, entry...), "\n") + "\n")
}

func mustSet(tb testing.TB, books ...*rulebook.Rulebook) *rulebook.Set {
	tb.Helper()
	s, err := rulebook.NewSet(books...)
	if err != nil {
		tb.Fatalf("NewSet: %v", err)
	}
	return s
}

func at(s string) time.Time {
	t, err := credo.ParseTime(s)
	if err != nil {
		panic(err)
	}
	return t.Time
}

func ruleIDs(d *rulebook.Dimension) []string {
	var ids []string
	for _, r := range d.Rules {
		ids = append(ids, r.ID)
	}
	for _, r := range d.Direct {
		ids = append(ids, r.ID)
	}
	for _, r := range d.Special {
		ids = append(ids, r.ID)
	}
	for _, r := range d.Caps {
		ids = append(ids, r.ID)
	}
	return ids
}

func TestSetErrors(t *testing.T) {
	base := func(tb testing.TB) *rulebook.Rulebook { return mustParse(tb, "env.yaml", env(`"1"`, "2024-01-01")) }
	for _, c := range []struct {
		name  string
		books func(t *testing.T) []*rulebook.Rulebook
		want  []wantErr
		file  string
	}{
		{"unknown extends", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", overlay("js", "envv", `["32"]`, "    disable: [env.penalty]"))}
		}, []wantErr{{6, 10, "", `extends unknown rulebook "envv"`}}, "js.yaml"},
		{"overlays in a cycle", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t),
				mustParse(t, "a.yaml", overlay("a", "b", `["32"]`, "    disable: [env.penalty]")),
				mustParse(t, "b.yaml", overlay("b", "a", `["32"]`, "    disable: [env.violation]"))}
		}, []wantErr{{6, 10, "", "cycle: a → b → a"}, {6, 10, "", "cycle: b → a → b"}}, ""},
		{"replace names an unknown rule", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`,
				"    replace:", "      - id: env.noise", "        kinds: [noise]", "        points: -1", "        counts_for: 1y", "        basis: {model: test}"))}
		}, []wantErr{{10, 9, "env.noise", `replace: dimension environment has no rule "env.noise"`}}, "js.yaml"},
		{"disable names an unknown rule", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`, "    disable: [env.penalty, env.noise]"))}
		}, []wantErr{{9, 28, "env.noise", `disable: dimension environment has no rule "env.noise"`}}, "js.yaml"},
		{"add repeats a rule id", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`,
				"    add:", "      - id: env.penalty", "        kinds: [penalty]", "        points: -20", "        counts_for: 1y", "        basis: {model: test}"))}
		}, []wantErr{{10, 9, "env.penalty", "already has rule"}}, "js.yaml"},
		{"overlay of an unknown dimension", func(t *testing.T) []*rulebook.Rulebook {
			src := strings.Replace(string(overlay("js", "env", `["32"]`, "    disable: [env.penalty]")), "dimension: environment", "dimension: climate", 1)
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", []byte(src))}
		}, []wantErr{{8, 5, "", `overlay of unknown dimension "climate"`}}, "js.yaml"},
		{"overlay grades without the base's bands", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "js.yaml", overlay("js", "env", `["32"]`,
				"    grades: [green, blue, yellow, black]"))}
		}, []wantErr{{27, 9, "", `grade "red" is not one of the grades`}}, "env.yaml"},
		{"duplicate rule id across rulebooks", func(t *testing.T) []*rulebook.Rulebook {
			other := strings.NewReplacer("id: env\n", "id: air\n", "id: environment", "id: air",
				"env.violation", "air.violation", "env.cap", "air.cap").Replace(string(env(`"1"`, "2024-01-01")))
			return []*rulebook.Rulebook{base(t), mustParse(t, "air.yaml", []byte(other))}
		}, []wantErr{{11, 9, "env.penalty", "duplicate rule id: also air.yaml:11:9"}}, "env.yaml"},
		{"a dimension defined twice", func(t *testing.T) []*rulebook.Rulebook {
			other := strings.NewReplacer("id: env\n", "id: air\n", "env.", "air.").Replace(string(env(`"1"`, "2024-01-01")))
			return []*rulebook.Rulebook{base(t), mustParse(t, "air.yaml", []byte(other))}
		}, []wantErr{{6, 5, "", `dimension "environment" is also defined by rulebook air`}}, "env.yaml"},
		{"two comprehensives", func(t *testing.T) []*rulebook.Rulebook {
			comp := func(id string) []byte {
				return []byte("apiVersion: credo/v1\nid: " + id + "\nversion: \"1\"\neffective_from: 2024-01-01\ncomprehensive:\n" +
					"  grades: [A, D]\n  score: '100.0'\n  bands: [{grade: A, min: 50}, {grade: D}]\n")
			}
			return []*rulebook.Rulebook{base(t), mustParse(t, "c1.yaml", comp("c1")), mustParse(t, "c2.yaml", comp("c2"))}
		}, []wantErr{{6, 3, "", "comprehensive is also defined by rulebook c1"}}, "c2.yaml"},
		{"a version given twice", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "env2.yaml", env(`"1"`, "2025-01-01"))}
		}, []wantErr{{2, 5, "", `version "1" is given twice`}}, "env2.yaml"},
		{"two versions in effect at once", func(t *testing.T) []*rulebook.Rulebook {
			return []*rulebook.Rulebook{base(t), mustParse(t, "env2.yaml", env(`"2"`, "2024-01-01"))}
		}, []wantErr{{2, 5, "", "take effect at the same time"}}, "env2.yaml"},
	} {
		t.Run(c.name, func(t *testing.T) {
			s, err := rulebook.NewSet(c.books(t)...)
			if s != nil {
				t.Errorf("a set refused must be nil")
			}
			checkErrors(t, err, c.want)
			if c.file != "" {
				for _, e := range rulebook.Errors(err) {
					if e.File != c.file {
						t.Errorf("error in %s, want %s: %v", e.File, c.file, e)
					}
				}
			}
		})
	}
}

func TestPlanVersions(t *testing.T) {
	v1 := mustParse(t, "env1.yaml", env(`"2024.1"`, "2024-01-01"))
	v2 := mustParse(t, "env2.yaml", env(`"2026.1"`, "2026-04-01T00:00:00+08:00"))
	s := mustSet(t, v2, v1)
	if got := s.Rulebooks(); len(got) != 2 || got[0] != v1 || got[1] != v2 {
		t.Fatalf("Rulebooks() = %v, want by id then effective_from", got)
	}
	for _, c := range []struct {
		asOf    string
		version string
		until   string
	}{
		{"2023-12-31T23:59:59Z", "", "2024-01-01T00:00:00Z"},
		{"2024-01-01T00:00:00Z", "2024.1", "2026-03-31T16:00:00Z"},
		{"2026-03-31T15:59:59Z", "2024.1", "2026-03-31T16:00:00Z"},
		{"2026-03-31T16:00:00Z", "2026.1", ""},
		{"2030-01-01T00:00:00Z", "2026.1", ""},
	} {
		p, until := s.Plan(at(c.asOf), "310112")
		var got string
		if len(p.Refs) == 1 {
			got = p.Refs[0].Version
		}
		wantUntil := time.Time{}
		if c.until != "" {
			wantUntil = at(c.until)
		}
		if got != c.version || !until.Equal(wantUntil) {
			t.Errorf("as of %s: version %q until %v, want %q until %v", c.asOf, got, until, c.version, wantUntil)
		}
	}
}

func TestPlanOverlays(t *testing.T) {
	base := mustParse(t, "env.yaml", env(`"1"`, "2024-01-01"))
	js := mustParse(t, "js.yaml", overlay("js", "env", `["32"]`,
		"    grades: [green, blue, yellow, red, black]",
		"    bands: [{grade: green, min: 95}, {grade: blue, min: 80}, {grade: yellow, min: 60}, {grade: red, min: 30}, {grade: black}]",
		"    replace:",
		"      - id: env.violation",
		"        basis: {model: test}",
		"        kinds: [environmental_violation]",
		"        points: -20",
		"        counts_for: 1y",
		"    add:",
		"      - id: js.crime",
		"        basis: {model: test}",
		"        kinds: [environmental_crime]",
		"        points: -50",
		"        counts_for: 3y",
		"    disable: [env.penalty, env.cap]",
	))
	nj := mustParse(t, "nj.yaml", overlay("nj", "js", `["3201"]`,
		"    special:",
		"      - id: nj.new",
		"        basis: {model: test}",
		"        when: 'has(org.established) && org.established > as_of - years(1)'",
		"        grade: blue",
	))
	s := mustSet(t, base, js, nj)
	asOf := at("2025-06-01")
	for _, c := range []struct {
		division string
		refs     []string
		ids      []string
		grades   int
	}{
		{"110101", []string{"env"}, []string{"env.penalty", "env.violation", "env.cap"}, 4},
		{"", []string{"env"}, []string{"env.penalty", "env.violation", "env.cap"}, 4},
		{"320582", []string{"env", "js"}, []string{"env.violation", "js.crime"}, 5},
		{"320102", []string{"env", "js", "nj"}, []string{"env.violation", "js.crime", "nj.new"}, 5},
		{"32", []string{"env", "js"}, []string{"env.violation", "js.crime"}, 5},
	} {
		p, _ := s.Plan(asOf, c.division)
		var refs []string
		for _, r := range p.Refs {
			refs = append(refs, r.ID)
		}
		d := p.Dimensions[0]
		if !slices.Equal(refs, c.refs) || !slices.Equal(ruleIDs(d), c.ids) || len(d.Grades) != c.grades {
			t.Errorf("division %q: rulebooks %v, rules %v, %d grades; want %v, %v, %d", c.division, refs, ruleIDs(d), len(d.Grades), c.refs, c.ids, c.grades)
		}
		if len(p.DimensionsFor("environment")) != 1 || len(p.DimensionsFor("tax")) != 0 {
			t.Errorf("DimensionsFor")
		}
		// The replaced rule keeps its place; its points are the overlay's.
		if c.grades == 5 {
			if pts, _ := d.Rules[0].Points.Constant(); d.Rules[0].ID != "env.violation" || pts.Value() != -20.0 {
				t.Errorf("replaced rule: %s %v", d.Rules[0].ID, pts)
			}
			if d.Band(25) != "black" || d.Rank("black") != 4 {
				t.Errorf("overlay bands: %s", d.Band(25))
			}
		}
		if kr := d.ForKind("environmental_violation"); len(kr.Rules) != 1 || kr.Rules[0].ID != "env.violation" {
			t.Errorf("ForKind: %+v", kr)
		}
	}
	// The base rulebook is not changed by the overlays.
	if ids := ruleIDs(base.Dimensions[0]); !slices.Equal(ids, []string{"env.penalty", "env.violation", "env.cap"}) {
		t.Errorf("base changed: %v", ids)
	}
	// An overlay takes effect only with its own version's effective_from.
	if p, _ := s.Plan(at("2023-06-01"), "320102"); len(p.Refs) != 0 || len(p.Dimensions) != 0 {
		t.Errorf("before any effective_from: %v", p.Refs)
	}
}

func TestPlanOffsets(t *testing.T) {
	rb := mustParse(t, "t.yaml", edit(map[int]string{9: "    start: 'records.exists(r, r.occurred_at > as_of - years(3)) ? 100.0 : 90.0'",
		14: `        when: 'record.occurred_at < timestamp("2026-04-01T00:00:00Z") && as_of - duration("720h") < record.occurred_at'`}))
	p, _ := mustSet(t, rb).Plan(at("2026-01-01"), "")
	want := []time.Duration{0, 720 * time.Hour, 3 * rulebook.Year}
	if !slices.Equal(p.Offsets, want) || len(p.Instants) != 1 || !p.Instants[0].Equal(at("2026-04-01")) {
		t.Errorf("Offsets %v Instants %v; want %v and 2026-04-01", p.Offsets, p.Instants, want)
	}
}

func TestPeriod(t *testing.T) {
	for _, c := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90d", 90 * rulebook.Day, true},
		{"12mo", 360 * rulebook.Day, true},
		{"3y", 3 * 365 * rulebook.Day, true},
		{"0d", 0, true},
		{"100y", 100 * rulebook.Year, true},
		{"101y", 0, false},
		{"12m", 0, false},
		{"1w", 0, false},
		{"y", 0, false},
		{"-1y", 0, false},
		{"1.5y", 0, false},
		{" 1y", 0, false},
		{"", 0, false},
	} {
		p, err := rulebook.ParsePeriod(c.in)
		if (err == nil) != c.ok || c.ok && (p.Duration() != c.want || p.String() != c.in) {
			t.Errorf("ParsePeriod(%q) = %v (%v), %v", c.in, p, p.Duration(), err)
		}
	}
}

// TestSetOverlappingVersions: two versions of one rulebook cannot both be
// in force; a version with effective_until stops applying then.
func TestSetOverlappingVersions(t *testing.T) {
	old := mustParse(t, "old.yaml", env(`"2014"`, "2020-01-01\neffective_until: 2025-07-01"))
	overlapping := mustParse(t, "new.yaml", env(`"2025"`, "2025-06-01"))
	_, err := rulebook.NewSet(old, overlapping)
	checkErrors(t, err, []wantErr{{2, 5, "", `rulebook env versions "2014" (2020-01-01 to 2025-07-01) and "2025" (from 2025-06-01) overlap`}})

	next := mustParse(t, "new.yaml", env(`"2025"`, "2025-07-01"))
	s := mustSet(t, old, next)
	for day, want := range map[string]string{"2025-06-30": "2014", "2025-07-01": "2025", "2019-12-31": ""} {
		p, _ := s.Plan(at(day), "")
		got := ""
		if len(p.Refs) > 0 {
			got = p.Refs[0].Version
		}
		if got != want {
			t.Errorf("as of %s: version %q, want %q", day, got, want)
		}
	}
	// A regime that ended with nothing after it applies no more.
	s = mustSet(t, old)
	if p, until := s.Plan(at("2025-07-01"), ""); len(p.Refs) != 0 {
		t.Errorf("after effective_until: %v", p.Refs)
	} else if p, until2 := s.Plan(at("2025-06-30"), ""); len(p.Refs) != 1 || !until2.Equal(at("2025-07-01")) {
		t.Errorf("before effective_until: %v until %v (%v)", p.Refs, until2, until)
	}
}
