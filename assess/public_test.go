package assess_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// TestPublic: each dimension's Public and the comprehensive grade's come
// from the plan (the rulebook that defines them, as overlays set it).
func TestPublic(t *testing.T) {
	asOf := mustTime("2026-05-01")
	records := func(code string) []*credo.Record {
		rs := []*credo.Record{rec(1, "environment", "penalty", "2026-01-10"), rec(2, "tax", "late_filing", "2026-02-10")}
		for _, r := range rs {
			r.Subject = code
		}
		return rs
	}
	t.Run("testdata: private unless given", func(t *testing.T) {
		set := newSet(t, parseFile(t, "national-tax.yaml"),
			parseFile(t, "environment.yaml", "effective_from: 2024-01-01\n", "effective_from: 2024-01-01\npublic: true\n"),
			parseFile(t, "regional-environment.yaml"),
			parseFile(t, "comprehensive.yaml", "comprehensive:\n", "comprehensive:\n  public: true\n"))
		a := mustAssess(t, set, shanghai, registered(shanghai, "2010-01-01"), records(shanghai), asOf)
		if a.Dimensions["tax"].Public || !a.Dimensions["environment"].Public || !a.Public {
			t.Errorf("tax %v, environment %v, comprehensive %v; want false, true, true",
				a.Dimensions["tax"].Public, a.Dimensions["environment"].Public, a.Public)
		}
		// The overlay says nothing: the base's.
		a = mustAssess(t, set, nanjing, registered(nanjing, "2010-01-01"), records(nanjing), asOf)
		if !a.Dimensions["environment"].Public {
			t.Errorf("in Jiangsu: environment not public")
		}
		// Without a comprehensive section, the comprehensive grade is not public.
		a = mustAssess(t, newSet(t, parseFile(t, "environment.yaml", "effective_from: 2024-01-01\n", "effective_from: 2024-01-01\npublic: true\n")),
			shanghai, registered(shanghai, "2010-01-01"), records(shanghai), asOf)
		if a.Public || !a.Dimensions["environment"].Public {
			t.Errorf("no comprehensive: %v / %v", a.Public, a.Dimensions["environment"].Public)
		}
	})
	t.Run("bundled", func(t *testing.T) {
		set := bundled(t)
		rs := append(records(nanjing),
			rec(3, "customs", "penalty", "2026-04-10", func(r *credo.Record) { r.Subject = nanjing }),
			rec(4, "market", "penalty", "2026-04-10", func(r *credo.Record) { r.Subject = nanjing }))
		for _, code := range []string{nanjing, shanghai} {
			for _, r := range rs {
				r.Subject = code
			}
			a := mustAssess(t, set, code, registered(code, "2010-01-01"), rs, asOf)
			want := map[string]bool{"tax": false, "environment": true, "customs": true, "market": true}
			for id, w := range want {
				d := a.Dimensions[id]
				if d == nil {
					t.Errorf("%s: %s not graded", code, id)
					continue
				}
				if d.Public != w {
					t.Errorf("%s: %s public %v, want %v", code, id, d.Public, w)
				}
			}
			if !a.Public {
				t.Errorf("%s: the comprehensive grade is not public", code)
			}
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(b), `"public":true`) || !strings.Contains(string(b), `"public":false`) {
				t.Errorf("JSON: %s", b)
			}
		}
	})
}
