package dueprocess_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/lists"
)

// Real codes of division 3406 for the annual-report tests: an individual
// business (92) and an enterprise established in 2026.
const (
	codeIndividual = "92340621MA2PBKRXXG"
	codeNew        = "91340603MA2UJYNU67"
)

var ahAMR = &credo.Authority{ID: "ah-amr", Name: "安徽省市场监督管理局", Divisions: []string{"34"}, Categories: []string{"market", "registration"}}

// annualRegistry is newRegistry with an individual business and an
// enterprise established after the year reported on.
func annualRegistry(t *testing.T) *registry {
	t.Helper()
	r := newRegistry(t)
	_, hash := credo.NewToken()
	if err := r.db.CreateAuthority(r.ctx, ahAMR, hash); err != nil {
		t.Fatal(err)
	}
	r.submit(ahAMR, r.in.Subjects, map[string]any{"code": codeIndividual, "name": "濉溪县某某便利店", "established": "2019-05-01"})
	r.submit(ahAMR, r.in.Subjects, map[string]any{"code": codeNew, "name": "淮北市某某新材料有限公司", "established": "2026-01-05"})
	return r
}

func employees(n int64) *int64 { return &n }

// annualReport is a good 2025 report of code.
func annualReport(code string) *credo.AnnualReport {
	return &credo.AnnualReport{Subject: code, Year: 2025,
		Contact: credo.ReportContact{Address: "上海市闵行区某某路1号", Phone: "021-60000000"}, OperatingStatus: credo.OperatingOpen,
		Employees: employees(80), SocialInsuranceHeadcount: employees(75)}
}

func (r *registry) annualEntries(code string) []*credo.ListEntry {
	r.t.Helper()
	var out []*credo.ListEntry
	for _, e := range r.entries(code) {
		if strings.HasPrefix(e.DecisionNumber, "credo:annual-report:") {
			out = append(out, e)
		}
	}
	return out
}

// The 30- and 7-day reminders, once each; after 30 June (Asia/Shanghai)
// the enterprise that did not file is on the abnormal operations list by
// rule, the individual business has the abnormal operations status, once,
// even with two nodes; filing afterwards makes removal possible, by the
// list's procedure.
func TestAnnualReportDeadline(t *testing.T) {
	r := annualRegistry(t)
	// A second node over the same store, on the same clock.
	cat, _ := lists.Bundled()
	node2 := dueprocess.New(dueprocess.NewEffects(r.db, cat, r.clock.now, nil, nil), calendar.Default(), r.g, r.in)
	due := func(p *dueprocess.Service) {
		t.Helper()
		if _, _, err := p.RunDue(r.ctx); err != nil {
			t.Fatal(err)
		}
	}
	reminders := func(code string) []string {
		var out []string
		for _, n := range r.notices(code) {
			if n.Kind == credo.NoticeAnnualReport {
				out = append(out, n.What)
			}
		}
		return out
	}

	// 1 June 2026, 10:00 Shanghai: 30 days or less before the deadline.
	due(r.p)
	due(node2)
	if got := reminders(codeBeijing); len(got) != 1 || !strings.Contains(got[0], "30 days") {
		t.Fatalf("Beijing's reminders on 1 June: %q, want the 30-day one", got)
	}
	if got := reminders(codeNew); len(got) != 0 {
		t.Fatalf("an enterprise established in 2026 is reminded of 2025: %q", got)
	}
	if _, err := r.p.FileAnnualReport(r.ctx, orgViewer(codeShanghai), codeShanghai, annualReport(codeShanghai)); err != nil {
		t.Fatal(err)
	}
	r.clock.set(at("2026-06-24T00:00:00Z")) // 24 June, 8:00 Shanghai: 7 days left
	due(r.p)
	due(node2)
	r.clock.advance(24 * time.Hour)
	due(r.p)
	if got := reminders(codeBeijing); len(got) != 2 || !strings.Contains(got[0], "7 days") {
		t.Fatalf("Beijing's reminders: %q, want the 30-day and the 7-day one, once each", got)
	}
	if got := reminders(codeShanghai); len(got) != 1 {
		t.Fatalf("Shanghai filed before the 7-day reminder, yet: %q", got)
	}

	// 30 June, 23:59 Shanghai: not yet.
	r.clock.set(at("2026-06-30T15:59:00Z"))
	due(r.p)
	if es := r.annualEntries(codeBeijing); len(es) != 0 {
		t.Fatalf("listed before the deadline: %+v", es[0])
	}
	// 1 July, 00:00:01 Shanghai: the pass, on both nodes.
	r.clock.set(at("2026-06-30T16:00:01Z"))
	due(r.p)
	due(node2)
	r.clock.advance(25 * time.Hour) // the next day's scan finds them made
	due(node2)
	bj := r.annualEntries(codeBeijing)
	if len(bj) != 1 {
		t.Fatalf("Beijing has %d annual-report entries, want 1", len(bj))
	}
	e := bj[0]
	if e.List != dueprocess.AbnormalOperations || e.Source != credo.SourceRule || e.Authority != credo.RegistryActor ||
		!strings.Contains(e.LegalBasis, "第十七条") || len(e.Reasons) != 1 || !strings.Contains(e.Reasons[0], "2025年度报告") ||
		!e.NotifiedAt.Equal(at("2026-06-30T16:00:01Z")) {
		t.Fatalf("Beijing's entry: %+v", e)
	}
	if st := e.StateAt(r.clock.t); st.Status != credo.ListActive {
		t.Fatalf("Beijing's entry is %s, want active", st.Status)
	}
	if got := noticeKinds(r.notices(codeBeijing))[credo.NoticeListing]; got != 1 {
		t.Fatalf("Beijing got %d listing notices, want 1", got)
	}
	ind := r.annualEntries(codeIndividual)
	if len(ind) != 1 || ind[0].List != dueprocess.AbnormalStatus {
		t.Fatalf("the individual business: %+v, want one abnormal-status entry", ind)
	}
	if def := cat.List(dueprocess.AbnormalStatus); def.Escalation != nil {
		t.Fatalf("the abnormal operations status escalates: %+v", def.Escalation)
	}
	for _, code := range []string{codeShanghai, codeNew} {
		if es := r.annualEntries(code); len(es) != 0 {
			t.Fatalf("%s is listed: %+v", code, es[0])
		}
	}

	// A regrade by the list rule (a new record) leaves the entry alone.
	r.penalty(bjAMR, codeBeijing, "AR-1", "minor")
	if st := r.entry(e.ID).StateAt(r.clock.t); st.Status != credo.ListActive {
		t.Fatalf("after a regrade the entry is %s (%s)", st.Status, st.Reason)
	}

	// What the organization owes, and removal only once it has filed.
	obl, err := r.p.Obligations(r.ctx, orgViewer(codeBeijing))
	if err != nil {
		t.Fatal(err)
	}
	if len(obl) != 1 || obl[0].Year != 2025 || obl[0].Status != "overdue" || obl[0].ListEntry != e.ID {
		t.Fatalf("Beijing's obligations: %+v", obl)
	}
	repair := dueprocess.CaseRequest{Target: credo.Target{Kind: credo.TargetListEntry, ID: e.ID}, Reasons: dueprocess.Texts{"已补报2025年度报告"}, Attachments: evidence}
	_, err = r.p.File(r.ctx, orgViewer(codeBeijing), credo.CaseRepair, repair)
	wantError(t, "removal before filing", err, credo.EINVALID, "target")
	late := annualReport(codeBeijing)
	if _, err := r.p.FileAnnualReport(r.ctx, orgViewer(codeBeijing), codeBeijing, late); err != nil {
		t.Fatal(err)
	}
	cured := func() int {
		n := 0
		for _, x := range r.notices(codeBeijing) {
			if x.Refs.ListEntry == e.ID && strings.Contains(x.What, "may now be removed") {
				n++
			}
		}
		return n
	}
	if _, err := r.p.Follow(r.ctx, r.db); err != nil { // what the log says follows is done once
		t.Fatal(err)
	}
	if got := cured(); got != 1 {
		t.Fatalf("%d notices that the entry may be removed, want 1", got)
	}
	if obl, _ := r.p.Obligations(r.ctx, orgViewer(codeBeijing)); len(obl) != 0 {
		t.Fatalf("after filing: %+v", obl)
	}
	if st := r.entry(e.ID).StateAt(r.clock.t); st.Status != credo.ListActive {
		t.Fatalf("filing ended the entry by itself (%s): removal follows the list's procedure", st.Reason)
	}
	c, err := r.p.File(r.ctx, orgViewer(codeBeijing), credo.CaseRepair, repair)
	if err != nil {
		t.Fatal(err)
	}
	if want := calendar.Default().Deadline(r.clock.t, cat.List(dueprocess.AbnormalOperations).RepairDays); !c.DecideBy.Equal(want) {
		t.Fatalf("decide by %s, want %s", c.DecideBy, want)
	}
	if _, err := r.p.Decide(r.ctx, admin, credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"已补报"}}); err != nil {
		t.Fatal(err)
	}
	if st := r.entry(e.ID).StateAt(r.clock.t); st.Status != credo.ListEnded || st.Reason != credo.EndRepaired {
		t.Fatalf("after the approved removal: %+v", st)
	}
	// The pass does not list it again for the same year.
	r.clock.advance(48 * time.Hour)
	due(r.p)
	if es := r.annualEntries(codeBeijing); len(es) != 1 {
		t.Fatalf("listed again: %d entries", len(es))
	}
}

// Filing: the organization's own account only; a correction is a new
// version naming the one it corrects; the same version twice at once is
// one stored and the other told.
func TestAnnualReportFiling(t *testing.T) {
	r := annualRegistry(t)
	r.clock.set(at("2026-03-02T02:00:00Z"))
	_, err := r.p.FileAnnualReport(r.ctx, orgViewer(codeBeijing), codeShanghai, annualReport(codeShanghai))
	wantError(t, "another organization's account", err, credo.EFORBIDDEN, "code")
	_, err = r.p.FileAnnualReport(r.ctx, viewerOf(shAMR), codeShanghai, annualReport(codeShanghai))
	wantError(t, "an authority", err, credo.EFORBIDDEN, "")
	bad := annualReport(codeNew)
	bad.Subject = codeNew
	_, err = r.p.FileAnnualReport(r.ctx, orgViewer(codeNew), codeNew, bad)
	wantError(t, "a year before the organization existed", err, credo.EINVALID, "year")

	first, err := r.p.FileAnnualReport(r.ctx, orgViewer(codeShanghai), codeShanghai, annualReport(codeShanghai))
	if err != nil || first.Version != 1 {
		t.Fatalf("first filing: %+v, %v", first, err)
	}
	_, err = r.p.FileAnnualReport(r.ctx, orgViewer(codeShanghai), codeShanghai, annualReport(codeShanghai))
	wantError(t, "the year again without corrects", err, credo.ECONFLICT, "year")
	r.clock.advance(time.Hour)
	fix := annualReport(codeShanghai)
	fix.Corrects, fix.Employees = 1, employees(81)
	second, err := r.p.FileAnnualReport(r.ctx, orgViewer(codeShanghai), codeShanghai, fix)
	if err != nil || second.Version != 2 {
		t.Fatalf("correction: %+v, %v", second, err)
	}
	stale := annualReport(codeShanghai)
	stale.Corrects = 1
	_, err = r.p.FileAnnualReport(r.ctx, orgViewer(codeShanghai), codeShanghai, stale)
	wantError(t, "correcting a version that is not the latest", err, credo.ECONFLICT, "corrects")

	// Both versions are kept with their times; as_of between them sees the first.
	got, err := r.p.AnnualReports(r.ctx, credo.Public, codeShanghai, r.clock.t)
	if err != nil || len(got) != 2 || !got[0].FiledAt.Before(got[1].FiledAt.Time) {
		t.Fatalf("versions: %+v, %v", got, err)
	}
	then, _ := r.p.AnnualReports(r.ctx, credo.Public, codeShanghai, r.clock.t.Add(-30*time.Minute))
	if len(then) != 1 || then[0].Version != 1 {
		t.Fatalf("as of before the correction: %+v", then)
	}
	// The public does not see undisclosed optional items; the regulator does.
	if got[1].Employees != nil || !slices.Equal(got[1].Withheld, []string{"employees"}) || got[1].SocialInsuranceHeadcount == nil {
		t.Fatalf("the public sees %+v", got[1])
	}
	full, _ := r.p.AnnualReports(r.ctx, viewerOf(shAMR), codeShanghai, r.clock.t)
	if full[1].Employees == nil || *full[1].Employees != 81 {
		t.Fatalf("the regulator sees %+v", full[1])
	}
	tax, _ := r.p.AnnualReports(r.ctx, viewerOf(shTax), codeShanghai, r.clock.t)
	if tax[1].Employees != nil {
		t.Fatal("the tax authority (another field) sees the undisclosed items")
	}

	// The same year's first filing, twice at once: one stored, the other told.
	errs := make(chan error, 2)
	for range 2 {
		go func() {
			_, err := r.p.FileAnnualReport(context.Background(), orgViewer(codeBeijing), codeBeijing, annualReport(codeBeijing))
			errs <- err
		}()
	}
	e1, e2 := <-errs, <-errs
	if (e1 == nil) == (e2 == nil) {
		t.Fatalf("two filings at once: %v and %v; want one stored and one conflict", e1, e2)
	}
	if e := e1; e == nil {
		e2, e1 = e1, e2
	}
	wantError(t, "the second of two filings", e1, credo.ECONFLICT, "year")
	if all, _ := r.db.AnnualReports(r.ctx, codeBeijing); len(all) != 1 {
		t.Fatalf("%d stored, want 1", len(all))
	}
}
