package rulebooks

import (
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/assess"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/rulebook"
)

const overlayID = "jiangsu-environment"

func mustSet(t *testing.T) *rulebook.Set {
	t.Helper()
	s, err := Set()
	if err != nil {
		t.Fatalf("bundled rulebooks: %v", err)
	}
	return s
}

// setWithout is the bundled set without the rulebook id.
func setWithout(t *testing.T, id string) *rulebook.Set {
	t.Helper()
	books, err := Books()
	if err != nil {
		t.Fatal(err)
	}
	books = slices.DeleteFunc(books, func(rb *rulebook.Rulebook) bool { return rb.ID == id })
	s, err := rulebook.NewSet(books...)
	if err != nil {
		t.Fatalf("set without %s: %v", id, err)
	}
	return s
}

// folders lists the rulebook folders.
func folders(t *testing.T) []string {
	t.Helper()
	files, err := fs.Glob(FS, "*/rulebook*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, f := range files {
		if d := path.Dir(f); !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	return dirs
}

// cases returns the tests of every test file, by file name. Every
// rulebook file ships its tests: rulebook.yaml tests.yaml, and
// rulebook-V.yaml tests-V.yaml.
func cases(t *testing.T) map[string][]rulebook.TestCase {
	t.Helper()
	out := map[string][]rulebook.TestCase{}
	books, _ := fs.Glob(FS, "*/rulebook*.yaml")
	for _, b := range books {
		want := strings.Replace(b, "/rulebook", "/tests", 1)
		if _, err := fs.Stat(FS, want); err != nil {
			t.Errorf("%s: every rulebook ships its tests (%s): %v", b, want, err)
		}
	}
	files, err := fs.Glob(FS, "*/tests*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range files {
		src, err := FS.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := rulebook.ParseTests(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if len(cs) == 0 {
			t.Fatalf("%s has no cases", name)
		}
		out[name] = cs
	}
	return out
}

func TestBooks(t *testing.T) {
	books, err := Books()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"jiangsu-environment", "national-comprehensive", "national-comprehensive", "national-customs", "national-customs", "national-environment", "national-partners", "national-tax", "national-tax"}
	var ids []string
	for _, rb := range books {
		ids = append(ids, rb.ID)
	}
	if !slices.Equal(ids, want) {
		t.Fatalf("Books() = %v, want %v (sorted by id)", ids, want)
	}
	if !slices.Equal(folders(t), slices.Compact(want)) {
		t.Errorf("folders %v, want %v", folders(t), want)
	}
	s1, err1 := Set()
	s2, err2 := Set()
	if err1 != nil || err2 != nil || s1 != s2 {
		t.Errorf("Set() is not parsed once and cached: %p %v, %p %v", s1, err1, s2, err2)
	}
}

// TestProvenance checks that every rulebook says which public rule it
// models and on what legal basis, and that every rule names its basis.
func TestProvenance(t *testing.T) {
	books, err := Books()
	if err != nil {
		t.Fatal(err)
	}
	for _, rb := range books {
		if strings.TrimSpace(rb.ModelledOn) == "" {
			t.Errorf("%s: modelled_on is missing", rb.ID)
		}
		if strings.TrimSpace(rb.LegalBasis) == "" {
			t.Errorf("%s: legal_basis is missing", rb.ID)
		}
		if rb.Title == "" {
			t.Errorf("%s: title is missing", rb.ID)
		}
		check := func(id string, basis *credo.Basis) {
			switch {
			case basis == nil:
				t.Errorf("%s: rule %s has no basis", rb.ID, id)
			case basis.Law != nil && (basis.Law.Document == "" || basis.Law.Number == ""):
				t.Errorf("%s: rule %s cites a law without its document or number", rb.ID, id)
			case basis.Law == nil && len([]rune(basis.Model)) < 20:
				t.Errorf("%s: rule %s: a model basis says in a sentence what credo assumes and why: %q", rb.ID, id, basis.Model)
			}
		}
		checkLists := func(rules []*rulebook.Rule, direct []*rulebook.Direct, caps []*rulebook.Cap, special []*rulebook.Special) {
			for _, r := range rules {
				check(r.ID, r.Basis)
			}
			for _, r := range direct {
				check(r.ID, r.Basis)
			}
			for _, r := range caps {
				check(r.ID, r.Basis)
			}
			for _, r := range special {
				check(r.ID, r.Basis)
			}
		}
		for _, d := range rb.Dimensions {
			checkLists(d.Rules, d.Direct, d.Caps, d.Special)
			for _, a := range d.Adjustments {
				check(a.ID, a.Basis)
			}
			check("dimension "+d.ID, d.Basis)
		}
		for _, row := range rb.Publicity {
			check("publicity "+row.ID, row.Basis)
		}
		for _, ov := range rb.Overlays {
			checkLists(append(slices.Clone(ov.Add), ov.Replace...), ov.Direct, ov.Caps, ov.Special)
		}
		if c := rb.Comprehensive; c != nil {
			if strings.TrimSpace(c.Description) == "" {
				t.Errorf("%s: the comprehensive section does not document itself", rb.ID)
			}
			checkLists(nil, nil, c.Caps, nil)
			check("comprehensive", c.Basis)
		}
	}
}

// TestRulebooks runs every tests.yaml against the bundled set.
func TestRulebooks(t *testing.T) {
	s := mustSet(t)
	for dir, cs := range cases(t) {
		t.Run(dir, func(t *testing.T) {
			for _, r := range assess.RunTests(s, cs) {
				if !r.Pass {
					t.Errorf("%s:%d: %s\n%s", r.Case.File, r.Case.Line, r.Case.Name, r.Diff)
				}
			}
		})
	}
}

// outcome is what an assessment says, without the rulebook versions used.
type outcome struct {
	Grade      string
	Score      float64
	Dimensions map[string]*credo.Dimension
}

func outcomeOf(a *credo.Assessment) outcome {
	return outcome{a.Grade, a.Score, a.Dimensions}
}

func jiangsu(code string) bool { return len(code) == 18 && strings.HasPrefix(code[2:8], "32") }

// TestOverlayOnlyInRegion checks, on every test case of every rulebook,
// that the Jiangsu overlay changes nothing outside Jiangsu and changes
// something inside it.
func TestOverlayOnlyInRegion(t *testing.T) {
	with, without := mustSet(t), setWithout(t, overlayID)
	changed := 0
	for dir, cs := range cases(t) {
		for _, c := range cs {
			a, err := assess.Assess(with, c.Code, c.Versions, c.Records, c.AsOf)
			if err != nil {
				t.Fatalf("%s: %s: %v", dir, c.Name, err)
			}
			b, err := assess.Assess(without, c.Code, c.Versions, c.Records, c.AsOf)
			if err != nil {
				t.Fatalf("%s: %s: %v", dir, c.Name, err)
			}
			same := reflect.DeepEqual(outcomeOf(a), outcomeOf(b))
			switch {
			case !jiangsu(c.Code) && !same:
				t.Errorf("%s: %s: the overlay changed the outcome for %s, outside Jiangsu", dir, c.Name, c.Code)
			case jiangsu(c.Code) && !same:
				changed++
			}
		}
	}
	if changed == 0 {
		t.Error("the Jiangsu overlay changed no outcome in Jiangsu")
	}
}

// demoRegistry generates a small demo registry and returns each subject's
// registration and records as the registry would hold them: with ids and
// recorded times (corrections and retractions name what they supersede by
// external id, which Assess resolves).
func demoRegistry(t *testing.T, cfg demo.Config) (map[string]*credo.Subject, map[string][]*credo.Record) {
	t.Helper()
	subjects := map[string]*credo.Subject{}
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		s.RecordedAt = credo.NewTime(s.Established.Time)
		s.Version = 1
		subjects[s.Code] = s
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	records := map[string][]*credo.Record{}
	var id int64
	if err := demo.Records(cfg, func(r *credo.Record) error {
		id++
		r.ID = id
		r.RecordedAt = credo.NewTime(r.OccurredAt.Add(time.Hour))
		records[r.Subject] = append(records[r.Subject], r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return subjects, records
}

// TestDemo assesses a demo registry: every organization is assessed, the
// overlay changes nothing outside Jiangsu, and the grades are varied.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("demo registry")
	}
	now := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
	cfg := demo.Config{Seed: 7, Subjects: 3000, Now: now}
	subjects, records := demoRegistry(t, cfg)
	with, without := mustSet(t), setWithout(t, overlayID)
	grades := map[string]map[string]int{}
	count := func(dim, grade string) {
		if grades[dim] == nil {
			grades[dim] = map[string]int{}
		}
		grades[dim][grade]++
	}
	jiangsuChanged := 0
	for code, s := range subjects {
		a, err := assess.Assess(with, code, []*credo.Subject{s}, records[code], now)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		count("comprehensive", a.Grade)
		for id, d := range a.Dimensions {
			count(id, d.Grade)
		}
		b, err := assess.Assess(without, code, []*credo.Subject{s}, records[code], now)
		if err != nil {
			t.Fatalf("%s: %v", code, err)
		}
		same := reflect.DeepEqual(outcomeOf(a), outcomeOf(b))
		if !jiangsu(code) && !same {
			t.Errorf("%s: the Jiangsu overlay changed the outcome outside Jiangsu", code)
		}
		if jiangsu(code) && !same {
			jiangsuChanged++
		}
	}
	dims := make([]string, 0, len(grades))
	for d := range grades {
		dims = append(dims, d)
	}
	slices.Sort(dims)
	for _, d := range dims {
		t.Logf("%-14s %v", d, fmt.Sprint(grades[d]))
	}
	t.Logf("Jiangsu organizations whose outcome the overlay changed: %d", jiangsuChanged)
	// Meaningful, varied grades: the comprehensive grade and the tax grade
	// each take at least three values, and most organizations are graded
	// well (the demo registry is mostly clean).
	for _, d := range []string{"comprehensive", "tax"} {
		if len(grades[d]) < 3 {
			t.Errorf("%s grades are not varied on the demo registry: %v", d, grades[d])
		}
	}
	if good := grades["comprehensive"]["A"] + grades["comprehensive"]["B"]; good*2 < len(subjects) {
		t.Errorf("only %d of %d demo organizations are A or B overall: %v", good, len(subjects), grades["comprehensive"])
	}
}

// TestPublicity checks the publicity table: the 2023 regime for records
// decided before 1 April 2026, the 2026 regime after.
func TestPublicity(t *testing.T) {
	s := mustSet(t)
	at := func(s string) time.Time {
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil {
			panic(err)
		}
		return tm
	}
	day := 24 * time.Hour
	const hidden = -1 // showFor: not shown at all
	const code = "91310112087994932F"
	asOf := at("2026-11-20")
	for _, c := range []struct {
		name                 string
		rec                  credo.Record
		row                  string
		repairAfter, showFor time.Duration // from the decision date; showFor 0: no end
	}{
		// NDRC Order 58 (2023-05-01 to 2026-03-31) and SAMR Order 45.
		{"2023: a market regulator's warning alone is not published (SAMR Order 45 art. 2)",
			credo.Record{Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(at("2025-03-10"))},
			"pub2023.market_warning", 0, hidden},
		{"2023: a minor market penalty (reprimand, small fine) is shown for 3 months",
			credo.Record{Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"reprimand", "fine"}, OccurredAt: credo.NewTime(at("2025-03-10"))},
			"pub2023.market_minor", 90 * day, 90 * day},
		{"2023: a general market penalty is shown for 3 months to 3 years",
			credo.Record{Category: "market", Kind: "penalty", Severity: "general", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2025-03-10"))},
			"pub2023.penalty", 90 * day, 3 * 365 * day},
		{"2023: a fire-safety penalty is shown for at least a year",
			credo.Record{Category: "fire", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.special_fields", 365 * day, 3 * 365 * day},
		{"2023: a food penalty is shown for at least a year, even a minor one",
			credo.Record{Category: "food", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.special_fields", 365 * day, 3 * 365 * day},
		{"2023: a drug penalty is shown for at least a year",
			credo.Record{Category: "drug", Kind: "penalty", Severity: "general", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.special_fields", 365 * day, 3 * 365 * day},
		{"2023: a special-equipment penalty is shown for at least a year",
			credo.Record{Category: "special_equipment", Kind: "penalty", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.special_fields", 365 * day, 3 * 365 * day},
		{"2023: a work-safety penalty is shown for at least a year",
			credo.Record{Category: "safety", Kind: "penalty", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.special_fields", 365 * day, 3 * 365 * day},
		{"2023: a public-health penalty is not one of the five fields: 3 months",
			credo.Record{Category: "health", Kind: "penalty", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2024-07-01"))},
			"pub2023.penalty", 90 * day, 3 * 365 * day},
		{"2023: a tax fine is shown as a penalty",
			credo.Record{Category: "tax", Kind: "late_filing", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2025-08-01"))},
			"pub2023.penalised", 90 * day, 3 * 365 * day},
		// 国办发〔2025〕22号 with NDRC Order 36, from 2026-04-01.
		{"2026: minor information is normally not shown",
			credo.Record{Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2026-05-10"))},
			"pub2026.minor", 0, hidden},
		{"2026: minor information its authority marks is shown up to 3 months, repairable at once",
			credo.Record{Category: "market", Kind: "penalty", Severity: "minor", PenaltyTypes: []string{"fine"}, Publish: true, OccurredAt: credo.NewTime(at("2026-05-10"))},
			"pub2026.minor", 0, 90 * day},
		{"2026: general, 3 to 12 months",
			credo.Record{Category: "safety", Kind: "penalty", Severity: "general", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2026-05-10"))},
			"pub2026.general", 90 * day, 365 * day},
		{"2026: serious, 1 to 3 years",
			credo.Record{Category: "court", Kind: "judgment_unfulfilled", Severity: "serious", OccurredAt: credo.NewTime(at("2026-05-10"))},
			"pub2026.serious", 365 * day, 3 * 365 * day},
		{"2026: an ungraded fine is general",
			credo.Record{Category: "market", Kind: "penalty", PenaltyTypes: []string{"fine"}, OccurredAt: credo.NewTime(at("2026-06-10"))},
			"pub2026.derived_general", 90 * day, 365 * day},
		{"2026: an ungraded closure is serious",
			credo.Record{Category: "market", Kind: "penalty", PenaltyTypes: []string{"fine", "closure"}, OccurredAt: credo.NewTime(at("2026-06-10"))},
			"pub2026.derived_serious", 365 * day, 3 * 365 * day},
		{"2026: an ungraded warning alone is minor, not shown",
			credo.Record{Category: "market", Kind: "penalty", PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(at("2026-06-10"))},
			"pub2026.derived_minor", 0, hidden},
		{"a licence is public with no end",
			credo.Record{Category: "market", Kind: "licence", OccurredAt: credo.NewTime(at("2025-06-10"))},
			"", 0, 0},
	} {
		c.rec.Subject = code
		w := s.Publicity(&c.rec, asOf)
		row := ""
		if w.Row != nil {
			row = w.Row.ID
		}
		if row != c.row {
			t.Errorf("%s: row %q, want %q", c.name, row, c.row)
			continue
		}
		from := c.rec.OccurredAt.Time
		if c.showFor == hidden {
			if !w.Until.Equal(from) {
				t.Errorf("%s: shown until %v, want not shown", c.name, w.Until)
			}
			continue
		}
		if c.showFor == 0 {
			if !w.Until.IsZero() {
				t.Errorf("%s: shown until %v, want no end", c.name, w.Until)
			}
			continue
		}
		if got := w.Until.Sub(from); got != c.showFor {
			t.Errorf("%s: shown for %v, want %v", c.name, got, c.showFor)
		}
		if got := w.RepairFrom.Sub(from); got != c.repairAfter {
			t.Errorf("%s: repair after %v, want %v", c.name, got, c.repairAfter)
		}
	}
}

// TestEveryRuleTested checks that the tests exercise every rule, direct
// grade, cap and special grade of every rulebook (each contributes to some
// case's assessment), and the comprehensive caps (each holds some case).
func TestEveryRuleTested(t *testing.T) {
	s := mustSet(t)
	books, err := Books()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{} // rule id → rulebook id
	add := func(rb string, rules []*rulebook.Rule, direct []*rulebook.Direct, caps []*rulebook.Cap, special []*rulebook.Special) {
		for _, r := range rules {
			want[r.ID] = rb
		}
		for _, r := range direct {
			want[r.ID] = rb
		}
		for _, r := range caps {
			want[r.ID] = rb
		}
		for _, r := range special {
			want[r.ID] = rb
		}
	}
	reasons := map[string]string{} // comprehensive cap reason → id
	for _, rb := range books {
		for _, d := range rb.Dimensions {
			add(rb.ID, d.Rules, d.Direct, d.Caps, d.Special)
			if p := d.Partners; p != nil {
				for _, r := range p.Rules {
					want[r.ID] = rb.ID
				}
				for _, r := range p.Direct {
					want[r.ID] = rb.ID
				}
			}
			for _, a := range d.Adjustments {
				want[a.ID] = rb.ID
			}
		}
		for _, ov := range rb.Overlays {
			add(rb.ID, append(slices.Clone(ov.Add), ov.Replace...), ov.Direct, ov.Caps, ov.Special)
		}
		if c := rb.Comprehensive; c != nil {
			for _, cp := range c.Caps {
				reasons[cp.Reason] = cp.ID
				want[cp.ID] = rb.ID
			}
		}
	}
	for _, cs := range cases(t) {
		for _, r := range assess.RunTests(s, cs) {
			a := r.Assessment
			if a == nil {
				continue
			}
			for _, d := range a.Dimensions {
				for _, c := range d.Contributions {
					delete(want, c.Rule)
				}
				if d.Provisional != nil {
					for _, c := range d.Provisional.Contributions {
						delete(want, c.Rule)
					}
				}
			}
			for _, reason := range a.Reasons {
				delete(want, reasons[reason])
			}
		}
	}
	for id, rb := range want {
		t.Errorf("%s: no test exercises %s", rb, id)
	}
}
