package grading_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/partners/risk"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/sqlite"
)

// Four real codes in a chain of guarantees: d guarantees c, c guarantees
// b, b guarantees a.
const (
	pa = "91340600MA2PBM9HXD"
	pb = "91340600MA2PBN188W"
	pc = "91340600MA2PBNE723"
	pd = "91340600MA2PBP6A1W"
)

func partnerSetup(t *testing.T) (*sqlite.DB, *grading.Service, *clock) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)}
	g := grading.New(db, set, nil, &risk.Facts{Store: db, Adverse: func(list string) bool { return list != "red" }})
	g.Now = c.now
	if err := db.CreateAuthority(ctx, &credo.Authority{ID: "tax-340600", Name: "国家税务总局淮北市税务局", Divisions: []string{"340600"}, Categories: []string{"tax"}}, "h"); err != nil {
		t.Fatal(err)
	}
	var subjects []*credo.Subject
	for _, code := range []string{pa, pb, pc, pd} {
		subjects = append(subjects, &credo.Subject{Code: code, Name: "淮北某某有限公司" + code[len(code)-4:], Division: "340600",
			Established: credo.NewDate(time.Date(2016, 1, 1, 0, 0, 0, 0, time.UTC)), Authority: "amr-340600", RecordedAt: credo.NewTime(c.t.AddDate(0, -1, 0))})
	}
	if _, err := db.PutSubjects(ctx, subjects); err != nil {
		t.Fatal(err)
	}
	var rels []*credo.Relationship
	for i, pair := range [][2]string{{pb, pa}, {pc, pb}, {pd, pc}} {
		rels = append(rels, &credo.Relationship{Kind: credo.RelationshipGuarantor, From: pair[0], To: pair[1], Reference: "淮税保〔2026〕" + string(rune('1'+i)) + "号",
			Since: credo.NewDate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), Source: credo.SourceAuthority, Authority: "tax-340600", RecordedAt: credo.NewTime(c.t.AddDate(0, 0, -20))})
	}
	if out, err := db.AppendRelationships(ctx, rels); err != nil || out[0].Err != nil {
		t.Fatalf("relationships: %v %v", err, out)
	}
	causes := map[string]credo.Cause{}
	for _, code := range []string{pa, pb, pc, pd} {
		causes[code] = credo.Cause{Kind: credo.CauseRecord}
	}
	if err := g.Regrade(ctx, causes); err != nil {
		t.Fatal(err)
	}
	return db, g, c
}

func partnersDim(t *testing.T, db *sqlite.DB, code string) *credo.Dimension {
	t.Helper()
	a, err := db.CurrentAssessment(context.Background(), code)
	if err != nil {
		t.Fatal(err)
	}
	return a.Dimensions["partners"]
}

// TestPartnersPropagate: c put on the serious dishonesty list weighs on b
// (one guarantee away) once c is regraded, before that write is answered;
// on a (two away) once the change log is followed; and no longer on a
// once b's guarantee of a ends (a former partner).
func TestPartnersPropagate(t *testing.T) {
	db, g, c := partnerSetup(t)
	ctx := context.Background()
	if _, err := g.FollowPartners(ctx, db); err != nil { // the first run starts at the head
		t.Fatal(err)
	}
	for _, code := range []string{pa, pb, pd} {
		if d := partnersDim(t, db, code); d != nil {
			t.Fatalf("%s has partner risk before any: %+v", code, d)
		}
	}
	e := &credo.ListEntry{List: "serious-dishonesty", ListVersion: "2025.1", Subject: pc, Division: "340600", Authority: "amr-340600",
		Source: credo.SourceDecision, LegalBasis: "《市场监督管理严重违法失信名单管理办法》第二条", DecisionNumber: "淮市监信〔2026〕9号",
		Reasons: []string{"提交虚假材料取得登记"}, DecidedAt: credo.NewTime(c.t.AddDate(0, 0, -12)), NotifiedAt: credo.NewTime(c.t.AddDate(0, 0, -12)),
		EffectiveAt: credo.NewTime(c.t.AddDate(0, 0, -2)), Until: credo.NewTime(c.t.AddDate(3, 0, 0)), RecordedAt: credo.NewTime(c.t.AddDate(0, 0, -12))}
	e.Key = "decision:amr-340600:serious-dishonesty:" + e.DecisionNumber
	if out, err := db.AddListEntries(ctx, []*credo.ListEntry{e}); err != nil || out[0].Err != nil {
		t.Fatalf("entry: %v %v", err, out)
	}
	if err := g.Regrade(ctx, map[string]credo.Cause{pc: {Kind: credo.CauseList, ListEntry: e.ID}}); err != nil {
		t.Fatal(err)
	}
	// One guarantee away, at once: 30 × 0.6.
	for _, code := range []string{pb, pd} {
		d := partnersDim(t, db, code)
		if d == nil || d.Score != 82 || len(d.Contributions) != 1 || d.Contributions[0].Partner != pc {
			t.Fatalf("%s after c was listed: %+v, want 82 from c", code, d)
		}
	}
	if d := partnersDim(t, db, pa); d != nil {
		t.Fatalf("a, two away, before the log is followed: %+v", d)
	}
	// Following the log (the entry's notification) regrades a.
	c.t = c.t.Add(time.Minute)
	if n, err := g.FollowPartners(ctx, db); err != nil || n == 0 {
		t.Fatalf("FollowPartners: %d %v", n, err)
	}
	d := partnersDim(t, db, pa)
	if d == nil || d.Score != 94.6 || len(d.Contributions) != 1 || len(d.Contributions[0].Path) != 2 {
		t.Fatalf("a after the log was followed: %+v, want 94.6 from c through b", d)
	}
	// Its own grade changes (a's partner risk) propagate nothing further.
	if _, err := g.FollowPartners(ctx, db); err != nil {
		t.Fatal(err)
	}
	head, _ := db.Head(ctx)
	if at, _ := db.Cursor(ctx, grading.PartnersCursor); at != head {
		t.Fatalf("cursor %d, head %d", at, head)
	}
	// b's guarantee of a ends: a's former partners no longer weigh.
	rels, err := db.Relationships(ctx, credo.RelationshipQuery{Codes: []string{pa}, AsOf: c.t})
	if err != nil || len(rels) != 1 {
		t.Fatalf("a's relationships: %v %v", rels, err)
	}
	end := *rels[0]
	end.ID, end.Supersedes, end.SupersededBy = 0, rels[0].ID, 0
	end.Until = credo.NewDate(c.t.AddDate(0, 0, -1))
	c.t = c.t.Add(time.Minute)
	end.RecordedAt = credo.NewTime(c.t)
	if out, err := db.AppendRelationships(ctx, []*credo.Relationship{&end}); err != nil || out[0].Err != nil {
		t.Fatalf("ending: %v %v", err, out)
	}
	if _, err := g.FollowPartners(ctx, db); err != nil {
		t.Fatal(err)
	}
	if d := partnersDim(t, db, pa); d != nil {
		t.Fatalf("a after b's guarantee ended: %+v, want no partner risk", d)
	}
}

// TestRegradePartnersWholeGraph: a bulk regrade of partners that computes
// them over the whole graph stores, for every organization with a
// relationship, exactly what the walk of each batch's neighbourhood
// stores (c listed weighs on a, two guarantees away), and leaves out an
// organization with no relationship (its grade cannot have moved).
func TestRegradePartnersWholeGraph(t *testing.T) {
	ctx := context.Background()
	const loner = "91110000600037341L"
	run := func(whole bool) (map[string]*credo.Assessment, time.Time) {
		if whole {
			defer grading.SetWholeGraphFrom(1)()
		}
		db, g, c := partnerSetup(t)
		if _, err := db.PutSubjects(ctx, []*credo.Subject{{Code: loner, Name: "北京某某科技有限公司", Division: "110000",
			Established: credo.NewDate(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)), Authority: "bj", RecordedAt: credo.NewTime(c.t.Add(-time.Hour))}}); err != nil {
			t.Fatal(err)
		}
		if err := g.Regrade(ctx, map[string]credo.Cause{loner: {Kind: credo.CauseRecord}}); err != nil {
			t.Fatal(err)
		}
		graded := c.t
		e := &credo.ListEntry{List: "serious-dishonesty", ListVersion: "2025.1", Subject: pc, Division: "340600", Authority: "amr-340600",
			Source: credo.SourceDecision, LegalBasis: "《市场监督管理严重违法失信名单管理办法》第二条", DecisionNumber: "淮市监信〔2026〕9号",
			Reasons: []string{"提交虚假材料取得登记"}, DecidedAt: credo.NewTime(c.t.AddDate(0, 0, -12)), NotifiedAt: credo.NewTime(c.t.AddDate(0, 0, -12)),
			EffectiveAt: credo.NewTime(c.t.AddDate(0, 0, -2)), Until: credo.NewTime(c.t.AddDate(3, 0, 0)), RecordedAt: credo.NewTime(c.t.AddDate(0, 0, -12))}
		e.Key = "decision:amr-340600:serious-dishonesty:" + e.DecisionNumber
		if out, err := db.AddListEntries(ctx, []*credo.ListEntry{e}); err != nil || out[0].Err != nil {
			t.Fatalf("entry: %v %v", err, out)
		}
		if err := g.Regrade(ctx, map[string]credo.Cause{pc: {Kind: credo.CauseList, ListEntry: e.ID}}); err != nil {
			t.Fatal(err)
		}
		if d := partnersDim(t, db, pa); d != nil {
			t.Fatalf("a, two away, before its partners are regraded: %+v", d)
		}
		c.t = c.t.Add(time.Hour)
		if err := g.RegradePartners(ctx, []string{pa, pb, pc, pd, loner}); err != nil {
			t.Fatal(err)
		}
		out := map[string]*credo.Assessment{}
		for _, code := range []string{pa, pb, pc, pd, loner} {
			a, err := db.CurrentAssessment(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			out[code] = a
		}
		return out, graded
	}
	walked, _ := run(false)
	whole, graded := run(true)
	if d := whole[pa].Dimensions["partners"]; d == nil || d.Score != 94.6 || len(d.Contributions) != 1 || d.Contributions[0].Partner != pc {
		t.Fatalf("a over the whole graph: %+v, want 94.6 from c through b", d)
	}
	for _, code := range []string{pa, pb, pc, pd} {
		x, _ := json.Marshal(walked[code])
		y, _ := json.Marshal(whole[code])
		if string(x) != string(y) {
			t.Fatalf("%s:\n  walked %s\n  whole  %s", code, x, y)
		}
	}
	if !whole[loner].AsOf.Equal(graded) {
		t.Fatalf("the organization without relationships was regraded over the whole graph (as of %s, graded %s)", whole[loner].AsOf, graded)
	}
	if walked[loner].AsOf.Equal(graded) {
		t.Fatal("the walk did not regrade the organization without relationships: the test compares nothing")
	}
}

// TestBulkRegradesWhosePartnersMoved: a bulk regrade's partners pass
// regrades only the organizations whose partners are not those its first
// pass graded them with (here those near c, listed in between), and
// every stored assessment is what grading from scratch gives as of its
// time.
func TestBulkRegradesWhosePartnersMoved(t *testing.T) {
	defer grading.SetWholeGraphFrom(1)()
	ctx := context.Background()
	const loner = "91110000600037341L"
	db, g, c := partnerSetup(t)
	if _, err := db.PutSubjects(ctx, []*credo.Subject{{Code: loner, Name: "北京某某科技有限公司", Division: "110000",
		Established: credo.NewDate(time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)), Authority: "bj", RecordedAt: credo.NewTime(c.t.Add(-time.Hour))}}); err != nil {
		t.Fatal(err)
	}
	all := []string{pa, pb, pc, pd, loner}
	c.t = c.t.Add(time.Hour)
	first := c.t
	b := g.Bulk()
	causes := map[string]credo.Cause{}
	for _, code := range all {
		causes[code] = credo.Cause{Kind: credo.CauseRecord}
	}
	if err := b.Grade(ctx, causes); err != nil {
		t.Fatal(err)
	}
	// What the first pass stored moves c's state (a rule list would).
	e := &credo.ListEntry{List: "serious-dishonesty", ListVersion: "2025.1", Subject: pc, Division: "340600", Authority: "amr-340600",
		Source: credo.SourceDecision, LegalBasis: "《市场监督管理严重违法失信名单管理办法》第二条", DecisionNumber: "淮市监信〔2026〕9号",
		Reasons: []string{"提交虚假材料取得登记"}, DecidedAt: credo.NewTime(c.t.AddDate(0, 0, -12)), NotifiedAt: credo.NewTime(c.t.AddDate(0, 0, -12)),
		EffectiveAt: credo.NewTime(c.t.AddDate(0, 0, -2)), Until: credo.NewTime(c.t.AddDate(3, 0, 0)), RecordedAt: credo.NewTime(c.t)}
	e.Key = "decision:amr-340600:serious-dishonesty:" + e.DecisionNumber
	if out, err := db.AddListEntries(ctx, []*credo.ListEntry{e}); err != nil || out[0].Err != nil {
		t.Fatalf("entry: %v %v", err, out)
	}
	if d := partnersDim(t, db, pb); d != nil {
		t.Fatalf("b before the partners pass: %+v", d)
	}
	c.t = c.t.Add(time.Hour)
	if err := b.Partners(ctx, all); err != nil {
		t.Fatal(err)
	}
	if n := b.Regraded(); n != 3 {
		t.Errorf("the partners pass regraded %d organizations, want 3 (a, b, d)", n)
	}
	for code, want := range map[string]time.Time{pa: c.t, pb: c.t, pd: c.t, pc: first, loner: first} {
		a, err := db.CurrentAssessment(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !a.AsOf.Equal(want) {
			t.Errorf("%s graded as of %s, want %s", code, a.AsOf, want)
		}
		fresh, err := g.Assess(ctx, code, a.AsOf.Time)
		if err != nil {
			t.Fatal(err)
		}
		x, _ := json.Marshal(a)
		y, _ := json.Marshal(fresh)
		if string(x) != string(y) {
			t.Errorf("%s stored differs from grading it afresh as of %s:\n  stored %s\n  afresh %s", code, a.AsOf, x, y)
		}
	}
	if d := partnersDim(t, db, pa); d == nil || d.Score != 94.6 {
		t.Fatalf("a after the partners pass: %+v, want 94.6 from c through b", d)
	}
}
