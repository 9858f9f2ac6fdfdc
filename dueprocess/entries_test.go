package dueprocess_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/uscc"
)

const day = 24 * time.Hour

// A listing decision walks notified → active → ended (expired) by its
// dates alone, to the second, and the comprehensive grade is D exactly
// while the serious-dishonesty entry is active.
func TestListingLifecycle(t *testing.T) {
	r := newRegistry(t)
	before := r.assess(codeShanghai, r.clock.t).Grade
	if before == "D" || before == "" {
		t.Fatalf("the organization starts graded %q", before)
	}
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕1号", "2y")
	now := r.clock.t
	if !e.NotifiedAt.Equal(now) || !e.EffectiveAt.Equal(now.Add(10*day)) || !e.Until.Equal(now.Add(10*day+2*365*day)) ||
		!e.RepairFrom.Equal(now.Add(10*day+365*day)) {
		t.Fatalf("dates: notified %v effective %v repair %v until %v", e.NotifiedAt, e.EffectiveAt, e.RepairFrom, e.Until)
	}
	if e.Source != credo.SourceDecision || e.Authority != "sh-amr" || e.Division != "310112" || e.ListVersion == "" {
		t.Fatalf("entry: %+v", e)
	}
	steps := []struct {
		at     time.Time
		status string
		reason string
		grade  bool // D
	}{
		{now, credo.ListNotified, "", false},
		{e.EffectiveAt.Add(-time.Second), credo.ListNotified, "", false},
		{e.EffectiveAt.Time, credo.ListActive, "", true},
		{e.Until.Add(-time.Second), credo.ListActive, "", true},
		{e.Until.Time, credo.ListEnded, credo.EndExpired, false},
	}
	for _, s := range steps {
		st := e.StateAt(s.at)
		if st.Status != s.status || st.Reason != s.reason {
			t.Errorf("at %v: %+v, want %s %s", s.at, st, s.status, s.reason)
		}
		if g := r.assess(codeShanghai, s.at).Grade; (g == "D") != s.grade {
			t.Errorf("at %v: grade %s, want D: %v", s.at, g, s.grade)
		}
	}
	// The timeline as known at the end: notified, active, expired, each
	// with its actor and time.
	tl := e.Timeline(e.Until.Time)
	if len(tl) != 3 || tl[0].Status != credo.ListNotified || tl[0].Actor != "authority:sh-amr" ||
		tl[1].Status != credo.ListActive || !tl[1].At.Equal(e.EffectiveAt.Time) ||
		tl[2].Reason != credo.EndExpired || tl[2].Actor != credo.RegistryActor || !tl[2].At.Equal(e.Until.Time) {
		t.Fatalf("timeline: %+v", tl)
	}
	// The stored grade follows by time: next_change is the effective time,
	// and the due pass at that second makes it D.
	cur := r.current(codeShanghai)
	if cur.Grade == "D" || !cur.NextChange.Equal(e.EffectiveAt.Time) {
		t.Fatalf("stored after listing: %s next %v", cur.Grade, cur.NextChange)
	}
	r.clock.set(e.EffectiveAt.Time)
	if _, err := r.g.RunDue(r.ctx); err != nil {
		t.Fatal(err)
	}
	// (The tax figure of the year changes at the turn of the year, before
	// the term ends.)
	if cur = r.current(codeShanghai); cur.Grade != "D" || cur.NextChange.After(e.Until.Time) {
		t.Fatalf("stored when in effect: %s next %v reasons %v", cur.Grade, cur.NextChange, cur.Reasons)
	}
	r.clock.set(e.Until.Time)
	if _, err := r.g.RunDue(r.ctx); err != nil {
		t.Fatal(err)
	}
	if cur = r.current(codeShanghai); cur.Grade == "D" {
		t.Fatalf("stored after the term: %s", cur.Grade)
	}
	// The organization was told, with the reasons and what it can do.
	kinds := noticeKinds(r.notices(codeShanghai))
	if kinds[credo.NoticeListing] != 1 || kinds[credo.NoticeMeasure] == 0 || kinds[credo.NoticeGradeFall] != 1 {
		t.Fatalf("notices: %v", kinds)
	}
}

// As-of reads: what the registry knew then, and for the future what will
// hold if nothing else happens.
func TestListingAsOf(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕2号", "")
	views, err := r.p.SubjectLists(r.ctx, admin, codeShanghai, e.RecordedAt.Add(-time.Second))
	if err != nil || len(views) != 0 {
		t.Fatalf("before it was recorded: %v %+v", err, views)
	}
	views, _ = r.p.SubjectLists(r.ctx, admin, codeShanghai, e.Until.Add(time.Hour))
	if len(views) != 1 || views[0].State.Status != credo.ListEnded || views[0].State.Reason != credo.EndExpired {
		t.Fatalf("future: %+v", views)
	}
	// The public sees active entries of public lists only.
	views, _ = r.p.SubjectLists(r.ctx, credo.Public, codeShanghai, r.clock.t)
	if len(views) != 0 {
		t.Fatalf("public sees a notified entry: %+v", views)
	}
	// Not before it takes effect, whatever as_of says (issue 9, High 1).
	views, _ = r.p.SubjectLists(r.ctx, credo.Public, codeShanghai, e.EffectiveAt.Time)
	if len(views) != 0 {
		t.Fatalf("public sees the entry at a future as_of before it takes effect: %+v", views)
	}
	now := r.clock.t
	r.clock.t = e.EffectiveAt.Time
	views, _ = r.p.SubjectLists(r.ctx, credo.Public, codeShanghai, e.EffectiveAt.Time)
	if len(views) != 1 {
		t.Fatalf("public does not see the active entry: %+v", views)
	}
	r.clock.t = now
	views, _ = r.p.SubjectLists(r.ctx, orgViewer(codeShanghai), codeShanghai, r.clock.t)
	if len(views) != 1 {
		t.Fatalf("the organization does not see its notified entry: %+v", views)
	}
}

// Each bad listing gets a clear error naming the field and stores nothing.
func TestListingRefusals(t *testing.T) {
	r := newRegistry(t)
	good := func() dueprocess.ListRequest {
		return dueprocess.ListRequest{List: "serious-dishonesty", Subject: codeShanghai, LegalBasis: "《市场监督管理严重违法失信名单管理办法》",
			DecisionNumber: "沪市监信〔2026〕9号", Reasons: []string{"虚假登记"}, DecidedAt: credo.NewTime(r.clock.t.Add(-day))}
	}
	cases := []struct {
		name   string
		v      credo.Viewer
		edit   func(*dueprocess.ListRequest)
		code   credo.ErrorCode
		field  string
		reason string
	}{
		{"outside jurisdiction", viewerOf(bjAMR), nil, credo.EFORBIDDEN, "subject", "division"},
		{"list not for the authority", viewerOf(shTax), func(q *dueprocess.ListRequest) { q.List = "abnormal-operations" }, credo.EFORBIDDEN, "list", "list"},
		{"rule-only list", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.List = "a-taxpayer" }, credo.EFORBIDDEN, "list", "list"},
		{"no legal basis", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.LegalBasis = " " }, credo.EINVALID, "legal_basis", "required"},
		{"no decision number", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.DecisionNumber = "" }, credo.EINVALID, "decision_number", "required"},
		{"no reasons", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Reasons = nil }, credo.EINVALID, "reasons", "required"},
		{"empty reason", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Reasons = []string{"a", ""} }, credo.EINVALID, "reasons[1]", "required"},
		{"unknown list", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.List = "greylist" }, credo.EINVALID, "list", "enum"},
		{"bad code", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Subject = "91310112087994932X" }, credo.EINVALID, "subject", "checksum"},
		{"a person", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Subject = "11010519491231002X" }, credo.EINVALID, "subject", ""},
		{"term too long", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Term = "4y" }, credo.EINVALID, "term", "range"},
		{"term too short", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Term = "6mo" }, credo.EINVALID, "term", "range"},
		{"term not a period", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Term = "three years" }, credo.EINVALID, "term", "format"},
		{"decided in the future", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.DecidedAt = credo.NewTime(r.clock.t.Add(day)) }, credo.EINVALID, "decided_at", "future"},
		{"decided before 1980", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.DecidedAt = credo.NewTime(at("1979-12-31T00:00:00Z")) }, credo.EINVALID, "decided_at", "range"},
		{"a term and its end", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Term = "2y"; q.Until = credo.NewTime(r.clock.t.Add(400 * day)) }, credo.EINVALID, "until", "conflict"},
		{"an end within the minimum term", viewerOf(shAMR), func(q *dueprocess.ListRequest) { q.Until = credo.NewTime(r.clock.t.Add(100 * day)) }, credo.EINVALID, "until", "range"},
		{"the public", credo.Public, nil, credo.EFORBIDDEN, "", "role"},
		{"an organization", orgViewer(codeShanghai), nil, credo.EFORBIDDEN, "", "role"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q := good()
			if c.edit != nil {
				c.edit(&q)
			}
			_, _, err := r.p.List(r.ctx, c.v, q)
			wantError(t, c.name, err, c.code, c.field)
			if c.reason != "" && credo.AsError(err).Reason != c.reason {
				t.Fatalf("reason %q, want %q", credo.AsError(err).Reason, c.reason)
			}
		})
	}
	if es := r.entries(codeShanghai); len(es) != 0 {
		t.Fatalf("refusals stored %d entries", len(es))
	}
	// The same decision again is the same entry; other content under its
	// number is a conflict.
	e, created, err := r.p.List(r.ctx, viewerOf(shAMR), good())
	if err != nil || !created {
		t.Fatal(err)
	}
	again, created, err := r.p.List(r.ctx, viewerOf(shAMR), good())
	if err != nil || created || again.ID != e.ID {
		t.Fatalf("repeat: %v created %v id %d want %d", err, created, again.ID, e.ID)
	}
	other := good()
	other.Reasons = []string{"另一理由"}
	_, _, err = r.p.List(r.ctx, viewerOf(shAMR), other)
	wantError(t, "other content", err, credo.ECONFLICT, "decision_number")
}

// Revocation: by the listing authority or an administrator, once.
func TestRevoke(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕3号", "")
	r.clock.set(e.EffectiveAt.Add(time.Hour))
	_, err := r.p.End(r.ctx, viewerOf(shTax), e.ID, dueprocess.EndRequest{Reason: credo.EndRevoked, Note: "x"})
	wantError(t, "another authority", err, credo.EFORBIDDEN, "")
	_, err = r.p.End(r.ctx, viewerOf(shAMR), e.ID, dueprocess.EndRequest{Reason: credo.EndRepaired, Note: "x"})
	wantError(t, "reason repaired", err, credo.EINVALID, "reason")
	_, err = r.p.End(r.ctx, viewerOf(shAMR), e.ID, dueprocess.EndRequest{Reason: credo.EndRevoked})
	wantError(t, "no note", err, credo.EINVALID, "note")
	if r.current(codeShanghai).Grade != "D" {
		r.g.RunDue(r.ctx)
	}
	ended, err := r.p.End(r.ctx, viewerOf(shAMR), e.ID, dueprocess.EndRequest{Reason: credo.EndRevoked, Note: "决定被撤销"})
	if err != nil {
		t.Fatal(err)
	}
	st := ended.StateAt(r.clock.t)
	if st.Status != credo.ListEnded || st.Reason != credo.EndRevoked || !st.Since.Equal(r.clock.t) {
		t.Fatalf("state: %+v", st)
	}
	if tl := ended.Timeline(r.clock.t); tl[len(tl)-1].Actor != "authority:sh-amr" || tl[len(tl)-1].Note != "决定被撤销" {
		t.Fatalf("timeline: %+v", tl)
	}
	if g := r.current(codeShanghai).Grade; g == "D" {
		t.Fatalf("grade after revocation: %s", g)
	}
	// Before the revocation, as the registry knew it then, it was active.
	if st := ended.StateAt(r.clock.t.Add(-time.Second)); st.Status != credo.ListActive {
		t.Fatalf("a second before: %+v", st)
	}
	_, err = r.p.End(r.ctx, admin, e.ID, dueprocess.EndRequest{Reason: credo.EndRevoked, Note: "again"})
	wantError(t, "twice", err, credo.ECONFLICT, "")
}

// Lists defined by rule follow the assessment: the A-grade taxpayer list
// holds while the tax grade is A; the abnormal operations list takes an
// organization with an uncured annual-report failure, and after a repair
// takes it again only on new information.
func TestRuleEntries(t *testing.T) {
	r := newRegistry(t)
	// A tax record makes the tax dimension apply: grade A (an established,
	// clean taxpayer).
	r.submit(shTax, r.in.Records, map[string]any{"subject": codeShanghai, "category": "tax", "kind": "filing",
		"external_id": "F1", "occurred_at": r.clock.t.Add(-day).Format(time.RFC3339)})
	cur := r.current(codeShanghai)
	if cur.Dimensions["tax"] == nil || cur.Dimensions["tax"].Grade != "A" {
		t.Fatalf("tax: %+v", cur.Dimensions["tax"])
	}
	es := r.entries(codeShanghai)
	if len(es) != 1 || es[0].List != "a-taxpayer" || es[0].Source != credo.SourceRule || es[0].StateAt(r.clock.t).Status != credo.ListActive {
		t.Fatalf("entries: %+v", es)
	}
	// Evasion of 200,000 yuan (over 10% of the tax due) is a direct D. Found
	// now about last year, it adjusts the evaluation in force (the tax
	// measures' dynamic adjustment): the red-list entry is revoked by rule.
	r.clock.advance(time.Hour)
	r.submit(shTax, r.in.Records, map[string]any{"subject": codeShanghai, "category": "tax", "kind": "evasion",
		"external_id": "E1", "amount": 200000, "tax_due": 1000000, "decision_number": "沪税稽罚〔2026〕1号",
		"legal_basis": "《中华人民共和国税收征收管理法》第六十三条", "penalty_types": []string{"fine"},
		"occurred_at": r.clock.t.AddDate(-1, 0, 0).Format(time.RFC3339)})
	red := r.entry(es[0].ID)
	if st := red.StateAt(r.clock.t); st.Status != credo.ListEnded || st.Reason != credo.EndRevoked {
		t.Fatalf("red entry after D: %+v", st)
	}
	// The abnormal operations list by rule.
	r.clock.advance(time.Hour)
	rec := r.submit(shAMR, r.in.Records, map[string]any{"subject": codeShanghai, "category": "market", "kind": "annual_report_missing",
		"external_id": "AR2025", "occurred_at": r.clock.t.Add(-time.Hour).Format(time.RFC3339)})
	var abnormal *credo.ListEntry
	for _, e := range r.entries(codeShanghai) {
		if e.List == "abnormal-operations" {
			abnormal = e
		}
	}
	if abnormal == nil || abnormal.StateAt(r.clock.t).Status != credo.ListActive || !abnormal.Until.IsZero() {
		t.Fatalf("abnormal entry: %+v", abnormal)
	}
	// Repaired (the report filed), it is not made again on the same record.
	acc := orgViewer(codeShanghai)
	c, err := r.p.File(r.ctx, acc, credo.CaseRepair, dueprocess.CaseRequest{Target: credo.Target{Kind: credo.TargetListEntry, ID: abnormal.ID},
		Reasons: dueprocess.Texts{"已补报2025年度报告"}, Commitment: true, Attachments: []credo.Attachment{{Name: "年报回执.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.4 receipt")}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"经核查已补报"}}); err == nil {
		t.Fatal("sh-amr decided a case of an entry made by rule")
	}
	if _, err := r.p.Decide(r.ctx, admin, credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"经核查已补报"}}); err != nil {
		t.Fatal(err)
	}
	r.clock.advance(time.Hour)
	if err := r.g.Regrade(r.ctx, map[string]credo.Cause{codeShanghai: {Kind: credo.CauseRescore}}); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range r.entries(codeShanghai) {
		if e.List == "abnormal-operations" {
			n++
			if e.ID == abnormal.ID && e.StateAt(r.clock.t).Reason != credo.EndRepaired {
				t.Fatalf("repaired entry: %+v", e.StateAt(r.clock.t))
			}
		}
	}
	if n != 1 {
		t.Fatalf("listed again on the same record: %d entries", n)
	}
	// New information lists it again.
	r.submit(shAMR, r.in.Records, map[string]any{"subject": codeShanghai, "category": "market", "kind": "contact_failure",
		"external_id": "CF1", "occurred_at": r.clock.t.Add(-time.Minute).Format(time.RFC3339)})
	n = 0
	for _, e := range r.entries(codeShanghai) {
		if e.List == "abnormal-operations" && e.StateAt(r.clock.t).Status == credo.ListActive {
			n++
		}
	}
	if n != 1 || rec == 0 {
		t.Fatalf("after a new ground: %d active entries", n)
	}
}

// An abnormal-operations entry still active after 3 years moves to the
// serious dishonesty list after 60 days' notice: a new notified entry, and
// the old one ending when the new one takes effect.
func TestEscalation(t *testing.T) {
	r := newRegistry(t)
	r.submit(shAMR, r.in.Records, map[string]any{"subject": codeShanghai, "category": "market", "kind": "contact_failure",
		"external_id": "CF1", "occurred_at": r.clock.t.Add(-time.Hour).Format(time.RFC3339)})
	var old *credo.ListEntry
	for _, e := range r.entries(codeShanghai) {
		if e.List == "abnormal-operations" {
			old = e
		}
	}
	if old == nil {
		t.Fatal("no abnormal-operations entry")
	}
	r.clock.set(old.EffectiveAt.Add(3*365*day - time.Second))
	if n, _, err := r.p.RunDue(r.ctx); err != nil || n != 0 {
		t.Fatalf("a second early: %d %v", n, err)
	}
	r.clock.set(old.EffectiveAt.Add(3 * 365 * day))
	if n, _, err := r.p.RunDue(r.ctx); err != nil || n != 1 {
		t.Fatalf("at 3 years: %d %v", n, err)
	}
	if n, _, err := r.p.RunDue(r.ctx); err != nil || n != 0 {
		t.Fatalf("again: %d %v", n, err)
	}
	var serious *credo.ListEntry
	for _, e := range r.entries(codeShanghai) {
		if e.List == "serious-dishonesty" {
			serious = e
		}
	}
	now := r.clock.t
	if serious == nil || serious.Source != credo.SourceEscalation || serious.EscalatedFrom != old.ID ||
		!serious.EffectiveAt.Equal(now.Add(60*day)) || serious.StateAt(now).Status != credo.ListNotified {
		t.Fatalf("serious entry: %+v", serious)
	}
	old = r.entry(old.ID)
	if st := old.StateAt(serious.EffectiveAt.Add(-time.Second)); st.Status != credo.ListActive {
		t.Fatalf("old entry during the notice: %+v", st)
	}
	if st := old.StateAt(serious.EffectiveAt.Time); st.Status != credo.ListEnded || st.Reason != credo.EndEscalated {
		t.Fatalf("old entry when the new takes effect: %+v", st)
	}
	if g := r.assess(codeShanghai, serious.EffectiveAt.Time).Grade; g != "D" {
		t.Fatalf("grade on the serious list: %s", g)
	}
	if k := noticeKinds(r.notices(codeShanghai)); k[credo.NoticeListing] != 1 || k[credo.NoticeEscalation] != 1 {
		t.Fatalf("notices: %v", noticeKinds(r.notices(codeShanghai)))
	}
}

// A red list excludes the organizations on an adverse one: the A-grade
// taxpayer entry ends, by rule, when a serious-dishonesty entry takes
// effect, and comes back only when it no longer is.
func TestRedListExcludesSerious(t *testing.T) {
	r := newRegistry(t)
	r.submit(shTax, r.in.Records, map[string]any{"subject": codeShanghai, "category": "tax", "kind": "filing",
		"external_id": "F1", "occurred_at": r.clock.t.Add(-day).Format(time.RFC3339)})
	red := func() (active int) {
		for _, e := range r.entries(codeShanghai) {
			if e.List == "a-taxpayer" && e.StateAt(r.clock.t).Status == credo.ListActive {
				active++
			}
		}
		return active
	}
	if red() != 1 {
		t.Fatal("no A-grade taxpayer entry")
	}
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕8号", "")
	if red() != 1 {
		t.Fatal("the red entry ended while the serious one was only notified")
	}
	r.clock.set(e.EffectiveAt.Time)
	if _, err := r.g.RunDue(r.ctx); err != nil {
		t.Fatal(err)
	}
	if red() != 0 {
		t.Fatal("still an A-grade taxpayer on the serious dishonesty list")
	}
	r.clock.advance(time.Hour)
	if _, err := r.p.End(r.ctx, viewerOf(shAMR), e.ID, dueprocess.EndRequest{Note: "复议撤销"}); err != nil {
		t.Fatal(err)
	}
	if red() != 1 {
		t.Fatal("the red entry did not come back")
	}
}

// A rescore for a new rulebook version notifies the organizations whose
// grade fell; an operator's rescore does not write notices.
func TestRescoreNotifies(t *testing.T) {
	for _, kind := range []string{credo.CauseRescore, credo.CauseRulebook} {
		t.Run(kind, func(t *testing.T) {
			r := newRegistry(t)
			e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕9号", "")
			r.clock.set(e.EffectiveAt.Time) // in effect, but not regraded yet
			falls := func() int { return noticeKinds(r.notices(codeShanghai))[credo.NoticeGradeFall] }
			if falls() != 0 {
				t.Fatalf("a fall before the entry took effect")
			}
			if _, err := r.g.Rescore(r.ctx, "", credo.Cause{Kind: kind}, nil); err != nil {
				t.Fatal(err)
			}
			if g := r.current(codeShanghai).Grade; g != "D" {
				t.Fatalf("grade after the rescore: %s", g)
			}
			want := 0
			if kind == credo.CauseRulebook {
				want = 1
			}
			if falls() != want {
				t.Fatalf("grade_fall notices: %d, want %d", falls(), want)
			}
		})
	}
}

// A decision sent again later, without the date and term the registry
// filled in, is the same entry; under its number, another term or other
// reasons are a conflict.
func TestListingRepeat(t *testing.T) {
	r := newRegistry(t)
	req := dueprocess.ListRequest{List: "serious-dishonesty", Subject: codeShanghai, LegalBasis: "《市场监督管理严重违法失信名单管理办法》",
		DecisionNumber: "沪市监信〔2026〕21号", Reasons: dueprocess.Texts{"虚假登记"}, Term: "2y"}
	e, created, err := r.p.List(r.ctx, viewerOf(shAMR), req)
	if err != nil || !created {
		t.Fatal(err)
	}
	r.clock.advance(time.Hour)
	again, created, err := r.p.List(r.ctx, viewerOf(shAMR), req)
	if err != nil || created || again.ID != e.ID {
		t.Fatalf("an hour later: %v %v %+v", err, created, again)
	}
	noTerm := req
	noTerm.Term = ""
	if again, _, err = r.p.List(r.ctx, viewerOf(shAMR), noTerm); err != nil || again.ID != e.ID {
		t.Fatalf("without the term: %v %+v", err, again)
	}
	other := req
	other.Term = "3y"
	_, _, err = r.p.List(r.ctx, viewerOf(shAMR), other)
	wantError(t, "another term", err, credo.ECONFLICT, "decision_number")
	other = req
	other.DecidedAt = credo.NewTime(r.clock.t.Add(-48 * time.Hour))
	_, _, err = r.p.List(r.ctx, viewerOf(shAMR), other)
	wantError(t, "another date", err, credo.ECONFLICT, "decision_number")
	if n := len(r.entries(codeShanghai)); n != 1 {
		t.Fatalf("%d entries", n)
	}
}

// An individual business on the abnormal operations list is never
// escalated to the serious dishonesty list (SAIC Order 69 gives it an
// abnormal-operations status instead).
func TestNoEscalationOfIndividualBusinesses(t *testing.T) {
	r := newRegistry(t)
	code, err := uscc.Build('9', '2', "310112", "MA1K2C3D")
	if err != nil {
		t.Fatal(err)
	}
	e := r.list(shAMR, "abnormal-operations", code, "沪市监异〔2026〕3号", "")
	r.clock.set(e.EffectiveAt.Add(3*365*day + time.Hour))
	if n, _, err := r.p.RunDue(r.ctx); err != nil || n != 0 {
		t.Fatalf("escalated %d (%v), want none", n, err)
	}
	for _, x := range r.entries(code) {
		if x.List == "serious-dishonesty" {
			t.Fatalf("an individual business was escalated: %+v", x)
		}
	}
}
