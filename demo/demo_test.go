package demo_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/division"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/uscc"
)

var now = time.Date(2026, 5, 1, 10, 30, 0, 0, time.UTC)

func config(seed int64, subjects, records int) demo.Config {
	return demo.Config{Seed: seed, Subjects: subjects, Records: records, Now: now}
}

// mustSubjects returns the generated subjects of cfg.
func mustSubjects(tb testing.TB, cfg demo.Config) []*credo.Subject {
	tb.Helper()
	var out []*credo.Subject
	if err := demo.Subjects(cfg, func(s *credo.Subject) error {
		out = append(out, s)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustRecords(tb testing.TB, cfg demo.Config) []*credo.Record {
	tb.Helper()
	var out []*credo.Record
	if err := demo.Records(cfg, func(r *credo.Record) error {
		out = append(out, r)
		return nil
	}); err != nil {
		tb.Fatal(err)
	}
	return out
}

func mustWrite(tb testing.TB, cfg demo.Config) map[string][]byte {
	tb.Helper()
	dir := tb.TempDir()
	if err := demo.WriteNDJSON(cfg, dir); err != nil {
		tb.Fatal(err)
	}
	files := map[string][]byte{}
	for _, name := range []string{"authorities.ndjson", "subjects.ndjson", "records.ndjson"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			tb.Fatal(err)
		}
		files[name] = b
	}
	return files
}

func TestDeterministic(t *testing.T) {
	a := mustWrite(t, config(7, 2500, 20_000))
	// One processor takes the sequential path; the output must not care.
	procs := runtime.GOMAXPROCS(1)
	b := mustWrite(t, config(7, 2500, 20_000))
	runtime.GOMAXPROCS(procs)
	for name := range a {
		if !bytes.Equal(a[name], b[name]) {
			t.Errorf("%s differs between two runs of the same config", name)
		}
		if len(a[name]) == 0 || !bytes.HasSuffix(a[name], []byte("\n")) {
			t.Errorf("%s is empty or not newline-terminated", name)
		}
	}
	if n := bytes.Count(a["records.ndjson"], []byte("\n")); n != 20_000 {
		t.Errorf("records.ndjson has %d lines, want 20000", n)
	}
	if n := bytes.Count(a["subjects.ndjson"], []byte("\n")); n != 2500 {
		t.Errorf("subjects.ndjson has %d lines, want 2500", n)
	}

	c := mustWrite(t, config(8, 2500, 20_000))
	for _, name := range []string{"subjects.ndjson", "records.ndjson"} {
		if bytes.Equal(a[name], c[name]) {
			t.Errorf("%s is the same for different seeds", name)
		}
	}
	if !bytes.Equal(a["authorities.ndjson"], c["authorities.ndjson"]) {
		t.Error("authorities depend on the seed")
	}
}

// What WriteNDJSON writes is what the registry's strict decoder reads back,
// unchanged.
func TestNDJSONDecodes(t *testing.T) {
	cfg := config(5, 2100, 5000)
	files := mustWrite(t, cfg)
	subjects, records := mustSubjects(t, cfg), mustRecords(t, cfg)
	for i, line := range bytes.Split(bytes.TrimSuffix(files["subjects.ndjson"], []byte("\n")), []byte("\n")) {
		var s credo.Subject
		if err := credo.Decode(line, &s); err != nil {
			t.Fatalf("subjects line %d: %v", i+1, err)
		}
		if s.ContentHash() != subjects[i].ContentHash() || s.Authority != subjects[i].Authority {
			t.Fatalf("subjects line %d does not decode to subject %d", i+1, i)
		}
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(files["records.ndjson"], []byte("\n")), []byte("\n")) {
		var r credo.Record
		if err := credo.Decode(line, &r); err != nil {
			t.Fatalf("records line %d: %v", i+1, err)
		}
		if r.ContentHash() != records[i].ContentHash() || r.Authority != records[i].Authority {
			t.Fatalf("records line %d does not decode to record %d", i+1, i)
		}
	}
	for i, line := range bytes.Split(bytes.TrimSuffix(files["authorities.ndjson"], []byte("\n")), []byte("\n")) {
		var a credo.Authority
		if err := credo.Decode(line, &a); err != nil {
			t.Fatalf("authorities line %d: %v", i+1, err)
		}
		if err := a.Validate(); err != nil {
			t.Errorf("authorities line %d: %v", i+1, err)
		}
	}
}

// Record n does not depend on how many records are asked for.
func TestRecordsArePrefixStable(t *testing.T) {
	short := mustRecords(t, config(3, 1000, 500))
	long := mustRecords(t, config(3, 1000, 3000))
	for i := range short {
		if short[i].ContentHash() != long[i].ContentHash() || short[i].Authority != long[i].Authority {
			t.Fatalf("record %d differs between a run of 500 and one of 3000", i)
		}
	}
}

func TestNowRequired(t *testing.T) {
	cfg := demo.Config{Seed: 1, Subjects: 10, Records: 10}
	if err := demo.Subjects(cfg, func(*credo.Subject) error { return nil }); err == nil {
		t.Error("Subjects: no error without Now")
	}
	if err := demo.Records(cfg, func(*credo.Record) error { return nil }); err == nil {
		t.Error("Records: no error without Now")
	}
}

func TestStopsOnError(t *testing.T) {
	stop := os.ErrClosed
	n := 0
	// Enough records for several workers: the stop comes mid-chunk.
	err := demo.Records(config(1, 100, 20_000), func(*credo.Record) error {
		n++
		if n == 5000 {
			return stop
		}
		return nil
	})
	if err != stop || n != 5000 {
		t.Errorf("Records: got %v after %d records, want the callback's error after 5000", err, n)
	}
}

func TestAuthorities(t *testing.T) {
	auths := demo.Authorities(config(1, 0, 0))
	if len(auths) < 12 {
		t.Fatalf("%d authorities, want at least 12", len(auths))
	}
	seen := map[string]bool{}
	for _, a := range auths {
		if err := a.Validate(); err != nil {
			t.Errorf("authority %s: %v", a.ID, err)
		}
		if seen[a.ID] {
			t.Errorf("authority %s listed twice", a.ID)
		}
		seen[a.ID] = true
	}
	for _, id := range []string{"samr", "sat", "customs", "mee", "spc", "mem", "ccgp", "honours", "sh-amr", "js-tax", "gd-eco"} {
		if !seen[id] {
			t.Errorf("no authority %s", id)
		}
	}
	// The caller owns the result.
	auths[0].Categories[0] = "changed"
	if demo.Authorities(config(1, 0, 0))[0].Categories[0] == "changed" {
		t.Error("Authorities shares its slices between calls")
	}
}

func authorityMap(cfg demo.Config) map[string]*credo.Authority {
	m := map[string]*credo.Authority{}
	for _, a := range demo.Authorities(cfg) {
		m[a.ID] = a
	}
	return m
}

func TestSubjects(t *testing.T) {
	cfg := config(42, 0, 0) // the defaults: 10,000 subjects
	subjects := mustSubjects(t, cfg)
	if len(subjects) != demo.DefaultSubjects {
		t.Fatalf("%d subjects, want %d", len(subjects), demo.DefaultSubjects)
	}
	auths := authorityMap(cfg)
	codes := map[string]bool{}
	for _, s := range subjects {
		codes[s.Code] = true
	}
	if len(codes) != len(subjects) {
		t.Errorf("%d distinct codes for %d subjects", len(codes), len(subjects))
	}

	earliest := time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC)
	entityTypes := map[string]int{}
	provinces := map[string]int{}
	var young, youngish, inactive, withOrgHolder, withFormer int
	for i, s := range subjects {
		if !uscc.Valid(s.Code) {
			t.Errorf("subject %d: invalid code %s", i, s.Code)
		}
		c := *s
		c.Normalize()
		if err := c.Validate(now); err != nil {
			t.Errorf("subject %d (%s %s): %v", i, s.Code, s.Name, err)
			continue
		}
		if c.Code != s.Code || c.Division != s.Division {
			t.Errorf("subject %d: Normalize changed the code or division", i)
		}
		a, ok := auths[s.Authority]
		if !ok {
			t.Errorf("subject %d: unknown authority %q", i, s.Authority)
		} else if err := a.Authorize(s.Code, "registration"); err != nil {
			t.Errorf("subject %d: %v", i, err)
		}
		est := s.Established.Time
		if est.Before(earliest) || est.After(now.AddDate(0, 0, -30)) {
			t.Errorf("subject %d: established %s outside 1990 .. Now-30d", i, s.Established)
		}
		switch age := now.Sub(est); {
		case age < 365*24*time.Hour:
			young++
		case age < 3*365*24*time.Hour:
			youngish++
		}
		if s.Status != credo.StatusActive {
			inactive++
			if s.StatusSince.IsZero() || s.StatusSince.Before(est) || s.StatusSince.After(now) {
				t.Errorf("subject %d: status %s since %s (established %s)", i, s.Status, s.StatusSince, s.Established)
			}
		}
		if s.RegisteredCapital == nil || s.RegisteredCapital.Amount <= 0 {
			t.Errorf("subject %d: no registered capital", i)
		}
		if len(s.Officers) == 0 || s.Officers[0].Role != credo.RoleLegalRepresentative || s.Officers[0].IDNumber == "" {
			t.Errorf("subject %d: no legal representative with an id number first", i)
		}
		for _, o := range s.Officers {
			if !uscc.IsResidentID(o.IDNumber) {
				t.Errorf("subject %d: officer id %s is not a resident identity number", i, o.IDNumber)
			}
		}
		for _, h := range s.Shareholders {
			switch h.Type {
			case "organization":
				withOrgHolder++
				if !codes[h.Code] {
					t.Errorf("subject %d: shareholder %s is not a generated subject", i, h.Code)
				}
			case "person":
				if !uscc.IsResidentID(h.IDNumber) {
					t.Errorf("subject %d: shareholder id %s is not a resident identity number", i, h.IDNumber)
				}
			}
		}
		if d, ok := division.Lookup(s.Division); !ok || !strings.HasPrefix(s.Address, d.FullName) {
			t.Errorf("subject %d: division %s unknown or address %q not in it", i, s.Division, s.Address)
		}
		if len(s.Industry) != 5 || s.Industry[0] < 'A' || s.Industry[0] > 'T' {
			t.Errorf("subject %d: industry %q is not a GB/T 4754 class", i, s.Industry)
		}
		if len(s.FormerNames) > 0 {
			withFormer++
		}
		entityTypes[s.Code[:2]]++
		provinces[s.Division[:2]]++
	}

	huawei := subjects[0]
	if huawei.Name != "华为技术有限公司" || huawei.Division != "440307" {
		t.Errorf("subject 0 is %s in %s, want 华为技术有限公司 in 440307", huawei.Name, huawei.Division)
	}
	for _, want := range []string{"平安银行股份有限公司", "万科企业股份有限公司"} {
		if !slices.ContainsFunc(subjects[1:2001], func(s *credo.Subject) bool { return s.Name == want }) {
			t.Errorf("listed company %s missing from subjects 1-2000", want)
		}
	}
	if withFormer < 400 {
		t.Errorf("%d subjects with former names, want the listed companies' ~438 and more", withFormer)
	}
	for _, et := range []string{"91", "92", "93", "12", "52", "31"} {
		if entityTypes[et] == 0 {
			t.Errorf("no subject of entity type %s", et)
		}
	}
	if entityTypes["91"] < len(subjects)/2 {
		t.Errorf("%d enterprises of %d, want most", entityTypes["91"], len(subjects))
	}
	if provinces["44"] <= provinces["62"] || provinces["32"] <= provinces["63"] {
		t.Errorf("provinces not weighted by population: %v", provinces)
	}
	if young == 0 || youngish == 0 || inactive == 0 || withOrgHolder == 0 {
		t.Errorf("young %d, 1-3 years %d, inactive %d, organization shareholders %d: want some of each", young, youngish, inactive, withOrgHolder)
	}
}

func TestRecords(t *testing.T) {
	cfg := config(42, 0, 100_000)
	subjects := mustSubjects(t, cfg)
	bySubject := map[string]*credo.Subject{}
	for _, s := range subjects {
		bySubject[s.Code] = s
	}
	realNamed := map[string]bool{}
	for _, s := range subjects[:2001] {
		realNamed[s.Code] = true
	}
	auths := authorityMap(cfg)
	covered := map[string]bool{}
	for _, a := range auths {
		for _, c := range a.Categories {
			covered[c] = true
		}
	}

	type key struct{ authority, externalID string }
	seen := map[key]*credo.Record{}
	superseded := map[key]bool{}
	categories, kinds := map[string]int{}, map[string]int{}
	adverse := map[string]int{}
	from := now.AddDate(-demo.RecordYears, 0, 0)
	var corrections, retractions int
	records := mustRecords(t, cfg)
	if len(records) != 100_000 {
		t.Fatalf("%d records, want 100000", len(records))
	}
	for i, r := range records {
		if r.ID != 0 || !r.RecordedAt.IsZero() || r.SupersededBy != 0 {
			t.Errorf("record %d: registry fields set", i)
		}
		c := *r
		c.Normalize()
		if err := c.Validate(now); err != nil {
			t.Errorf("record %d (%s %s/%s): %v", i, r.ExternalID, r.Category, r.Kind, err)
			continue
		}
		a, ok := auths[r.Authority]
		if !ok {
			t.Errorf("record %d: unknown authority %q", i, r.Authority)
			continue
		}
		if err := a.Authorize(r.Subject, r.Category); err != nil {
			t.Errorf("record %d: %v", i, err)
		}
		s, ok := bySubject[r.Subject]
		if !ok {
			t.Errorf("record %d: subject %s was not generated", i, r.Subject)
			continue
		}
		at := r.OccurredAt.Time
		if at.Before(from) || at.After(now) || at.Before(s.Established.Time) {
			t.Errorf("record %d: occurred %s outside %s .. %s (established %s)", i, r.OccurredAt, from, now, s.Established)
		}
		if (s.Status == credo.StatusCancelled || s.Status == credo.StatusRevoked) && at.After(s.StatusSince.AddDate(0, 0, 1)) {
			t.Errorf("record %d: occurred %s after the subject was %s on %s", i, r.OccurredAt, s.Status, s.StatusSince)
		}
		// Annual reports and tax grades are about the year before, which
		// the subject must have seen.
		switch r.Kind {
		case "annual_report", "annual_report_missing", "tax_grade":
			if at.Year()-1 < s.Established.Year() {
				t.Errorf("record %d: %s in %d about a subject established in %d", i, r.Kind, at.Year(), s.Established.Year())
			}
		}
		k := key{r.Authority, r.ExternalID}
		if seen[k] != nil {
			t.Errorf("record %d: external id %s of %s used twice", i, r.ExternalID, r.Authority)
		}
		if r.SupersedesExternalID != "" {
			orig := seen[key{r.Authority, r.SupersedesExternalID}]
			switch {
			case orig == nil:
				t.Errorf("record %d: supersedes %s, no earlier record of %s", i, r.SupersedesExternalID, r.Authority)
			case orig.Subject != r.Subject:
				t.Errorf("record %d: supersedes a record about another subject", i)
			case orig.OccurredAt.After(r.OccurredAt.Time):
				t.Errorf("record %d: supersedes a later decision", i)
			}
			sk := key{r.Authority, r.SupersedesExternalID}
			if superseded[sk] {
				t.Errorf("record %d: %s superseded twice", i, r.SupersedesExternalID)
			}
			superseded[sk] = true
			if r.Kind == credo.KindRetraction {
				retractions++
			} else {
				corrections++
			}
		}
		seen[k] = r
		if r.Kind == "penalty" && (r.DecisionNumber == "" || r.LegalBasis == "" || len(r.PenaltyTypes) == 0) {
			t.Errorf("record %d: penalty without decision number, legal basis or penalty types", i)
		}
		if slices.Contains(r.PenaltyTypes, "fine") && r.Amount == nil {
			t.Errorf("record %d: fine without amount", i)
		}
		if r.Severity != "" || len(r.PenaltyTypes) > 0 {
			adverse[r.Subject]++
			if realNamed[r.Subject] {
				t.Errorf("record %d: adverse record (%s) about real-named subject %s", i, r.Kind, s.Name)
			}
		}
		categories[r.Category]++
		kinds[r.Kind]++
	}

	for c := range covered {
		if categories[c] == 0 {
			t.Errorf("no record of category %s", c)
		}
	}
	if len(kinds) < 15 {
		t.Errorf("%d kinds, want at least 15: %v", len(kinds), kinds)
	}
	for _, k := range []string{"licence", "licence_change", "licence_revocation", "penalty", "inspection", "tax_grade",
		"late_filing", "evasion", "judgment", "judgment_unfulfilled", "annual_report", "annual_report_missing",
		"contact_failure", "honour", "contract_default", "customs_certification", "environmental_violation", credo.KindRetraction} {
		if kinds[k] == 0 {
			t.Errorf("no record of kind %s", k)
		}
	}
	if corrections == 0 || retractions == 0 {
		t.Errorf("%d corrections and %d retractions, want some of each", corrections, retractions)
	}
	// Most organizations are clean; a few have many adverse records.
	if n := len(adverse); n > len(subjects)/2 {
		t.Errorf("%d of %d subjects have adverse records, want a minority", n, len(subjects))
	}
	most := 0
	for _, n := range adverse {
		most = max(most, n)
	}
	if most < 20 {
		t.Errorf("the most troubled subject has %d adverse records, want a skewed few with many", most)
	}
}

func BenchmarkRecords(b *testing.B) {
	cfg := config(1, demo.DefaultSubjects, 100_000)
	for b.Loop() {
		if err := demo.Records(cfg, func(*credo.Record) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cfg.Records), "ns/record")
}

func BenchmarkSubjects(b *testing.B) {
	cfg := config(1, 10_000, 0)
	for b.Loop() {
		if err := demo.Subjects(cfg, func(*credo.Subject) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*cfg.Subjects), "ns/subject")
}

func TestRelationships(t *testing.T) {
	cfg := config(7, 4000, 100)
	var rels []*credo.Relationship
	if err := demo.Relationships(cfg, func(r *credo.Relationship) error { rels = append(rels, r); return nil }); err != nil {
		t.Fatal(err)
	}
	auth := authorityMap(cfg)
	degree := map[string]int{}
	kinds := map[string]int{}
	keys := map[string]bool{}
	for _, r := range rels {
		if err := r.Validate(cfg.Now); err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		if r.RecordedAt.Before(r.Since.Time) || r.RecordedAt.After(cfg.Now) {
			t.Errorf("recorded %s, since %s", r.RecordedAt, r.Since)
		}
		if keys[r.Key()] {
			t.Errorf("twice: %s", r.Key())
		}
		keys[r.Key()] = true
		switch r.Source {
		case credo.SourceAuthority:
			a := auth[r.Authority]
			if a == nil || !slices.Contains(a.Categories, partners.Categories[r.Kind]) {
				t.Errorf("%s by %s, which may not submit it", r.Kind, r.Authority)
			}
		case credo.SourceDeclaration:
			if r.Declarant != r.To {
				t.Errorf("declared by %s about %s→%s", r.Declarant, r.From, r.To)
			}
		}
		kinds[r.Kind]++
		degree[r.From]++
	}
	hub := 0
	for _, d := range degree {
		hub = max(hub, d)
	}
	if hub < 300 || kinds["guarantor"] == 0 || kinds["joint_venture"] == 0 || kinds["supplier"] == 0 || kinds["customer"] == 0 {
		t.Errorf("kinds %v, the largest hub %d partners", kinds, hub)
	}
	var again []*credo.Relationship
	demo.Relationships(cfg, func(r *credo.Relationship) error { again = append(again, r); return nil })
	if len(again) != len(rels) || again[len(again)-1].Key() != rels[len(rels)-1].Key() {
		t.Error("not deterministic")
	}
}
