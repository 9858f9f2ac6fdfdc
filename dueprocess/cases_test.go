package dueprocess_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/lists"
)

var evidence = []credo.Attachment{{Name: "缴款凭证.pdf", MediaType: "application/pdf", Data: []byte("%PDF-1.4 paid 50000")}}

func objection(target credo.Target) dueprocess.CaseRequest {
	return dueprocess.CaseRequest{Target: target, Reasons: dueprocess.Texts{"处罚认定的事实有误"}, Attachments: evidence}
}

func recordTarget(id int64) credo.Target { return credo.Target{Kind: credo.TargetRecord, ID: id} }

// An objection: filed by the organization about its own record, decided
// once by the record's authority within 10 working days; the grade
// follows the outcome at once.
func TestObjectionOutcomes(t *testing.T) {
	for _, outcome := range []string{credo.OutcomeUpheld, credo.OutcomeCorrected, credo.OutcomeRetracted} {
		t.Run(outcome, func(t *testing.T) {
			r := newRegistry(t)
			id := r.penalty(shAMR, codeShanghai, "P1", "serious")
			penalised := marketScore(r.current(codeShanghai))
			c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(id)))
			if err != nil {
				t.Fatal(err)
			}
			// Filed Monday 2026-06-01 10:00 Shanghai: the filing day does
			// not count, so the 10th working day is Monday 15 June (no
			// holiday between) and the deadline is 16 June 00:00 Shanghai.
			if want := at("2026-06-15T16:00:00Z"); !c.DecideBy.Equal(want) || c.Authority != "sh-amr" || c.Attachments[0].SHA256 == "" {
				t.Fatalf("case: decide by %v (want %v), authority %s, %+v", c.DecideBy, want, c.Authority, c.Attachments)
			}
			req := dueprocess.DecisionRequest{Outcome: outcome, Reasons: dueprocess.Texts{"经复核"}}
			if outcome == credo.OutcomeCorrected {
				req.Correction = &credo.Record{Category: "market", Kind: "penalty", Severity: "minor",
					DecisionNumber: "沪市监处〔2026〕P1号（更正）", LegalBasis: "《中华人民共和国反不正当竞争法》第二十条",
					PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(r.clock.t)}
			}
			r.clock.advance(time.Hour)
			d, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, req)
			if err != nil {
				t.Fatal(err)
			}
			if d.Decision == nil || d.Decision.Outcome != outcome || d.Decision.Actor != "authority:sh-amr" || !d.Decision.At.Equal(r.clock.t) {
				t.Fatalf("decision: %+v", d.Decision)
			}
			after := marketScore(r.current(codeShanghai))
			rec, _ := r.db.Record(r.ctx, id)
			switch outcome {
			case credo.OutcomeUpheld:
				if after != penalised || rec.SupersededBy != 0 {
					t.Fatalf("upheld changed things: %v → %v, superseded by %d", penalised, after, rec.SupersededBy)
				}
			case credo.OutcomeCorrected:
				if rec.SupersededBy != d.Decision.Record || d.Decision.Record == 0 || after <= penalised {
					t.Fatalf("corrected: superseded by %d (decision %d), score %v → %v", rec.SupersededBy, d.Decision.Record, penalised, after)
				}
			case credo.OutcomeRetracted:
				retraction, _ := r.db.Record(r.ctx, d.Decision.Record)
				if rec.SupersededBy == 0 || retraction.Kind != credo.KindRetraction || after <= penalised {
					t.Fatalf("retracted: superseded by %d, score %v → %v", rec.SupersededBy, penalised, after)
				}
			}
			_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, req)
			wantError(t, "deciding twice", err, credo.ECONFLICT, "case")
			if kinds := noticeKinds(r.notices(codeShanghai)); kinds[credo.NoticeObjection] != 1 || kinds[credo.NoticeCaseFiled] != 1 || kinds[credo.NoticePenalty] == 0 {
				t.Fatalf("notices: %v", kinds)
			}
		})
	}
}

// marketScore is the market dimension's score; 100 (its start) when no
// market record counts and the dimension is not graded.
func marketScore(a *credo.Assessment) float64 {
	if d := a.Dimensions["market"]; d != nil {
		return d.Score
	}
	return 100
}

func TestObjectionRefusals(t *testing.T) {
	r := newRegistry(t)
	id := r.penalty(shAMR, codeShanghai, "P1", "general")
	other := r.penalty(bjAMR, codeBeijing, "P2", "general")
	_, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(other)))
	wantError(t, "someone else's record", err, credo.EFORBIDDEN, "target")
	_, err = r.p.File(r.ctx, viewerOf(shAMR), credo.CaseObjection, objection(recordTarget(id)))
	wantError(t, "an authority", err, credo.EFORBIDDEN, "")
	_, err = r.p.File(r.ctx, credo.Public, credo.CaseObjection, objection(recordTarget(id)))
	wantError(t, "the public", err, credo.EFORBIDDEN, "")
	_, err = r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(99999)))
	wantError(t, "unknown record", err, credo.ENOTFOUND, "target.id")
	_, err = r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(credo.Target{Kind: "penalty", ID: id}))
	wantError(t, "unknown target kind", err, credo.EINVALID, "target.kind")
	req := objection(recordTarget(id))
	req.Reasons = nil
	_, err = r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, req)
	wantError(t, "no reasons", err, credo.EINVALID, "reasons")
	req = objection(recordTarget(id))
	req.Attachments = []credo.Attachment{{Name: "a.pdf", MediaType: "application/pdf", Data: []byte("x"), SHA256: "00"}}
	_, err = r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, req)
	wantError(t, "wrong checksum", err, credo.EINVALID, "attachments[0].sha256")
	page, _ := r.db.Cases(r.ctx, credo.CaseQuery{})
	if len(page.Cases) != 0 {
		t.Fatalf("refusals stored %d cases", len(page.Cases))
	}
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(id)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(id)))
	wantError(t, "a second open objection", err, credo.ECONFLICT, "target")
	_, err = r.p.Decide(r.ctx, viewerOf(bjAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeUpheld, Reasons: dueprocess.Texts{"x"}})
	// Another authority is not told the case exists (issue 9, Medium 6).
	wantError(t, "another authority decides", err, credo.ENOTFOUND, "")
	_, err = r.p.Decide(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeUpheld, Reasons: dueprocess.Texts{"x"}})
	wantError(t, "the organization decides", err, credo.EFORBIDDEN, "")
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"x"}})
	wantError(t, "a repair outcome", err, credo.EINVALID, "outcome")
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeCorrected, Reasons: dueprocess.Texts{"x"}})
	wantError(t, "corrected without a correction", err, credo.EINVALID, "correction")
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeCorrected, Reasons: dueprocess.Texts{"x"},
		Correction: &credo.Record{Category: "tax", Kind: "penalty", DecisionNumber: "沪市监处〔2026〕P1号", LegalBasis: "《税收征收管理法》",
			PenaltyTypes: []string{"warning"}, OccurredAt: credo.NewTime(r.clock.t)}})
	wantError(t, "a correction outside the authority's categories", err, credo.EFORBIDDEN, "correction.category")
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"x"}})
	wantError(t, "an objection decided as a repair", err, credo.ENOTFOUND, "")
	if got, _ := r.db.Case(r.ctx, c.ID); !got.Open() {
		t.Fatal("a refused decision decided the case")
	}
	if rec, _ := r.db.Record(r.ctx, id); rec.SupersededBy != 0 {
		t.Fatal("a refused decision superseded the record")
	}
}

// An objection to a listing, retracted, overturns it; the grade follows.
func TestObjectionOverturnsListing(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕5号", "")
	r.clock.set(e.EffectiveAt.Add(time.Hour))
	r.g.RunDue(r.ctx)
	if g := r.current(codeShanghai).Grade; g != "D" {
		t.Fatalf("grade while listed: %s", g)
	}
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(credo.Target{Kind: credo.TargetListEntry, ID: e.ID}))
	if err != nil {
		t.Fatal(err)
	}
	views, _ := r.p.SubjectLists(r.ctx, credo.Public, codeShanghai, r.clock.t)
	if len(views) != 1 || !views[0].UnderObjection || views[0].Objection != c.ID {
		t.Fatalf("public view under objection: %+v", views)
	}
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeCorrected, Reasons: dueprocess.Texts{"x"}})
	wantError(t, "a listing corrected", err, credo.EINVALID, "outcome")
	if _, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeRetracted, Reasons: dueprocess.Texts{"列入依据不足"}}); err != nil {
		t.Fatal(err)
	}
	st := r.entry(e.ID).StateAt(r.clock.t)
	if st.Status != credo.ListEnded || st.Reason != credo.EndOverturned {
		t.Fatalf("entry: %+v", st)
	}
	if g := r.current(codeShanghai).Grade; g == "D" {
		t.Fatalf("grade after the listing was overturned: %s", g)
	}
	tl := r.entry(e.ID).Timeline(r.clock.t)
	if last := tl[len(tl)-1]; last.Case != c.ID || last.Actor != "authority:sh-amr" {
		t.Fatalf("the end does not name the case: %+v", last)
	}
}

// Credit repair of a record: not before the minimum publicity period;
// approved, the record is no longer published and no longer counts.
func TestRecordRepair(t *testing.T) {
	r := newRegistry(t)
	id := r.penalty(shAMR, codeShanghai, "P1", "general") // 2026 regime, general: 3 months to 1 year
	rec, _ := r.db.Record(r.ctx, id)
	w := r.g.Set().Publicity(rec, r.clock.t)
	if w.RepairFrom.IsZero() || !w.RepairFrom.Equal(rec.OccurredAt.Add(90*day)) {
		t.Fatalf("window: %+v", w)
	}
	acc := orgViewer(codeShanghai)
	repair := dueprocess.CaseRequest{Target: recordTarget(id), Reasons: dueprocess.Texts{"罚款已缴清，违法行为已改正"}, Commitment: true, Attachments: evidence}
	r.clock.set(w.RepairFrom.Add(-time.Second))
	_, err := r.p.File(r.ctx, acc, credo.CaseRepair, repair)
	wantError(t, "a second early", err, credo.EINVALID, "target")
	if credo.AsError(err).Reason != "too_early" {
		t.Fatalf("reason: %v", err)
	}
	r.clock.set(w.RepairFrom)
	noEvidence := repair
	noEvidence.Attachments = nil
	_, err = r.p.File(r.ctx, acc, credo.CaseRepair, noEvidence)
	wantError(t, "no evidence", err, credo.EINVALID, "attachments")

	c, err := r.p.File(r.ctx, acc, credo.CaseRepair, repair)
	if err != nil {
		t.Fatal(err)
	}
	// Rejected, with reasons; a new application can follow.
	if _, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeRejected, Reasons: dueprocess.Texts{"未提交信用承诺书原件"}}); err != nil {
		t.Fatal(err)
	}
	if !r.p.Policy.Published(mustRecord(t, r, id), r.clock.t) {
		t.Fatal("a rejected repair ended publicity")
	}
	c2, err := r.p.File(r.ctx, acc, credo.CaseRepair, repair)
	if err != nil {
		t.Fatal(err)
	}
	scoreBefore := r.current(codeShanghai).Dimensions["market"].Score
	r.clock.advance(time.Hour)
	if _, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseRepair, c2.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"材料齐全"}}); err != nil {
		t.Fatal(err)
	}
	rec = mustRecord(t, r, id)
	if !rec.RepairedAt.Equal(r.clock.t) || r.p.Policy.Published(rec, r.clock.t) || !r.p.Policy.Published(rec, r.clock.t.Add(-time.Second)) {
		t.Fatalf("after approval: repaired at %v", rec.RepairedAt)
	}
	// The market dimension no longer counts the penalty: with no other
	// market record it is not graded at all.
	if d := r.current(codeShanghai).Dimensions["market"]; d != nil && d.Score <= scoreBefore {
		t.Fatalf("score did not follow the repair: %v → %v", scoreBefore, d.Score)
	}
	_, err = r.p.File(r.ctx, acc, credo.CaseRepair, repair)
	wantError(t, "repairing twice", err, credo.ECONFLICT, "target")
	kinds := noticeKinds(r.notices(codeShanghai))
	if kinds[credo.NoticeRepair] != 2 {
		t.Fatalf("notices: %v", kinds)
	}
}

func mustRecord(t *testing.T, r *registry, id int64) *credo.Record {
	t.Helper()
	rec, err := r.db.Record(r.ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// A listing's repair: not before the list's minimum term.
func TestListingRepair(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕6号", "3y")
	req := dueprocess.CaseRequest{Target: credo.Target{Kind: credo.TargetListEntry, ID: e.ID}, Reasons: dueprocess.Texts{"已整改"}, Commitment: true, Attachments: evidence}
	r.clock.set(e.RepairFrom.Add(-time.Second))
	_, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseRepair, req)
	wantError(t, "before a year", err, credo.EINVALID, "target")
	r.clock.set(e.RepairFrom.Time)
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseRepair, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseRepair, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeApproved, Reasons: dueprocess.Texts{"整改到位"}}); err != nil {
		t.Fatal(err)
	}
	if st := r.entry(e.ID).StateAt(r.clock.t); st.Status != credo.ListEnded || st.Reason != credo.EndRepaired {
		t.Fatalf("entry: %+v", st)
	}
	if g := r.current(codeShanghai).Grade; g == "D" {
		t.Fatalf("grade after repair: %s", g)
	}
}

// An undecided case past its deadline is flagged to the administrators
// once, exactly from the second after the deadline.
func TestOverdue(t *testing.T) {
	r := newRegistry(t)
	id := r.penalty(shAMR, codeShanghai, "P1", "general")
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(recordTarget(id)))
	if err != nil {
		t.Fatal(err)
	}
	r.clock.set(c.DecideBy.Time)
	if _, n, err := r.p.RunDue(r.ctx); err != nil || n != 0 || c.Overdue(r.clock.t) {
		t.Fatalf("at the deadline: %d %v", n, err)
	}
	r.clock.set(c.DecideBy.Add(time.Second))
	if _, n, err := r.p.RunDue(r.ctx); err != nil || n != 1 || !c.Overdue(r.clock.t) {
		t.Fatalf("a second after: %d %v", n, err)
	}
	if _, n, _ := r.p.RunDue(r.ctx); n != 0 {
		t.Fatalf("flagged twice: %d", n)
	}
	ns := r.notices(credo.AudienceAdmin)
	if len(ns) != 1 || ns[0].Kind != credo.NoticeOverdue || ns[0].Refs.Case != c.ID {
		t.Fatalf("admin notices: %+v", ns)
	}
	// An administrator may decide an escalated case.
	if _, err := r.p.Decide(r.ctx, admin, credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeUpheld, Reasons: dueprocess.Texts{"逾期由管理员决定"}}); err != nil {
		t.Fatal(err)
	}
}

// Measures: what an agency must do before acting, now and as of a past
// date.
func TestMeasures(t *testing.T) {
	r := newRegistry(t)
	v, err := r.p.Measures(r.ctx, admin, codeShanghai, "public_procurement", r.clock.t)
	if err != nil || v.Decision != "allowed" {
		t.Fatalf("clean: %+v %v", v, err)
	}
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕7号", "")
	if v, _ = r.p.Measures(r.ctx, admin, codeShanghai, "public_procurement", r.clock.t); v.Decision != "allowed" {
		t.Fatalf("while notified: %+v", v)
	}
	v, _ = r.p.Measures(r.ctx, admin, codeShanghai, "public_procurement", e.EffectiveAt.Time)
	if v.Decision != "prohibited" || len(v.Reasons) == 0 || v.Reasons[0].Entry != e.ID || !v.Reasons[0].Until.Equal(e.Until.Time) || v.Reasons[0].LegalBasis == "" {
		t.Fatalf("in effect: %+v", v)
	}
	if v, _ = r.p.Measures(r.ctx, admin, codeShanghai, "inspection_frequency", e.EffectiveAt.Time); v.Decision != "restricted" {
		t.Fatalf("inspections: %+v", v)
	}
	if _, err := r.p.Measures(r.ctx, admin, codeShanghai, "parking", r.clock.t); credo.ErrorCodeOf(err) != credo.EINVALID {
		t.Fatalf("unknown action: %v", err)
	}
	// Revoked later, a past date still answers as it stood then.
	r.clock.set(e.EffectiveAt.Add(48 * time.Hour))
	if _, err := r.p.End(r.ctx, viewerOf(shAMR), e.ID, dueprocess.EndRequest{Reason: credo.EndRevoked, Note: "撤销"}); err != nil {
		t.Fatal(err)
	}
	if v, _ = r.p.Measures(r.ctx, admin, codeShanghai, "public_procurement", r.clock.t); v.Decision != "allowed" {
		t.Fatalf("after revocation: %+v", v)
	}
	if v, _ = r.p.Measures(r.ctx, admin, codeShanghai, "public_procurement", e.EffectiveAt.Add(time.Hour)); v.Decision != "prohibited" {
		t.Fatalf("as of the past: %+v", v)
	}
}

// JudgeStored judges from the stored assessment while it holds (as the
// organization page shows it) and computes one when it no longer does.
func TestJudgeStored(t *testing.T) {
	r := newRegistry(t)
	stored := r.current(codeShanghai)
	marked := *stored
	marked.Grade, marked.NextChange = "Z", credo.Time{}
	j, err := r.p.JudgeStored(r.ctx, admin, codeShanghai, r.clock.t, &marked)
	if err != nil || j.Assessment.Grade != "Z" {
		t.Fatalf("current: %+v %v", j, err)
	}
	if _, err := j.Measures(r.ctx, ""); err != nil {
		t.Fatal(err)
	}
	marked.NextChange = credo.NewTime(r.clock.t.Add(-time.Second))
	if j, err = r.p.JudgeStored(r.ctx, admin, codeShanghai, r.clock.t, &marked); err != nil || j.Assessment.Grade != stored.Grade {
		t.Fatalf("past its next change: %+v %v, want %s", j, err, stored.Grade)
	}
	if j, err = r.p.JudgeStored(r.ctx, admin, codeShanghai, r.clock.t, nil); err != nil || j.Assessment.Grade != stored.Grade {
		t.Fatalf("none: %+v %v, want %s", j, err, stored.Grade)
	}
}

// A decision interrupted after it was stored (a crash before the listing
// ended) is completed when it is made again: the answer is still that the
// case was decided, and the entry ends by this case.
func TestInterruptedDecisionCompletes(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕61号", "")
	r.clock.set(e.EffectiveAt.Add(time.Hour))
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(credo.Target{Kind: credo.TargetListEntry, ID: e.ID}))
	if err != nil {
		t.Fatal(err)
	}
	// Only the decision reached the store.
	if err := r.db.DecideCase(r.ctx, &credo.CaseDecision{Case: c.ID, Outcome: credo.OutcomeRetracted, Reasons: "依据不足",
		Actor: "authority:sh-amr", At: credo.NewTime(r.clock.t)}); err != nil {
		t.Fatal(err)
	}
	if st := r.entry(e.ID).StateAt(r.clock.t); st.Status != credo.ListActive {
		t.Fatalf("before the retry: %+v", st)
	}
	r.clock.advance(time.Minute)
	_, err = r.p.Decide(r.ctx, viewerOf(shAMR), credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeRetracted, Reasons: dueprocess.Texts{"依据不足"}})
	wantError(t, "made again", err, credo.ECONFLICT, "case")
	ended := r.entry(e.ID)
	if st := ended.StateAt(r.clock.t); st.Status != credo.ListEnded || st.Reason != credo.EndOverturned {
		t.Fatalf("after the retry: %+v", st)
	}
	if tr := ended.Transitions[0]; tr.Case != c.ID {
		t.Fatalf("the end does not name the case: %+v", tr)
	}
	if g := r.current(codeShanghai).Grade; g == "D" {
		t.Fatalf("grade after completion: %s", g)
	}
	if k := noticeKinds(r.notices(codeShanghai)); k[credo.NoticeObjection] != 1 {
		t.Fatalf("notices: %v", k)
	}
}

// Two deciders at once (the authority and an administrator): one decision
// is stored, the other is told the case was decided, and the listing ends
// once.
func TestConcurrentDecisions(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕71号", "")
	c, err := r.p.File(r.ctx, orgViewer(codeShanghai), credo.CaseObjection, objection(credo.Target{Kind: credo.TargetListEntry, ID: e.ID}))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 2)
	for _, v := range []credo.Viewer{viewerOf(shAMR), admin} {
		go func() {
			_, err := r.p.Decide(r.ctx, v, credo.CaseObjection, c.ID, dueprocess.DecisionRequest{Outcome: credo.OutcomeRetracted, Reasons: dueprocess.Texts{"撤销"}})
			errs <- err
		}()
	}
	ok, decided := 0, 0
	for range 2 {
		switch err := <-errs; credo.ErrorCodeOf(err) {
		case "":
			ok++
		case credo.ECONFLICT:
			decided++
		default:
			t.Fatalf("unexpected: %v", err)
		}
	}
	if ok != 1 || decided != 1 {
		t.Fatalf("%d decided, %d told it was decided", ok, decided)
	}
	if tr := r.entry(e.ID).Transitions; len(tr) != 1 || tr[0].Case != c.ID {
		t.Fatalf("transitions: %+v", tr)
	}
}

// Judge reads and assesses once what Assessment and Measures each read
// and assess: its answers are theirs, for every viewer (the public counts
// a listing only once in effect) and every action.
func TestJudge(t *testing.T) {
	r := newRegistry(t)
	e := r.list(shAMR, "serious-dishonesty", codeShanghai, "沪市监信〔2026〕8号", "")
	viewers := map[string]credo.Viewer{"admin": admin, "public": {}, "sh-amr": viewerOf(shAMR), "bj-amr": viewerOf(bjAMR)}
	for _, asOf := range []time.Time{r.clock.t, e.EffectiveAt.Time} {
		for name, v := range viewers {
			j, err := r.p.Judge(r.ctx, v, codeShanghai, asOf)
			if err != nil {
				t.Fatal(err)
			}
			a, err := r.p.Assessment(r.ctx, v, codeShanghai, asOf)
			if err != nil {
				t.Fatal(err)
			}
			if got, want := mustJSON(t, j.Assessment), mustJSON(t, a); got != want {
				t.Errorf("%s at %s: Judge's assessment\n%s\nAssessment's\n%s", name, asOf, got, want)
			}
			for _, action := range append([]string{""}, lists.Actions...) {
				got, err := j.Measures(r.ctx, action)
				if err != nil {
					t.Fatal(err)
				}
				want, err := r.p.Measures(r.ctx, v, codeShanghai, action, asOf)
				if err != nil {
					t.Fatal(err)
				}
				if mustJSON(t, got) != mustJSON(t, want) {
					t.Errorf("%s at %s, %q: Judge's verdict %+v, Measures' %+v", name, asOf, action, got, want)
				}
				if name == "admin" && action == "public_procurement" && asOf.Equal(e.EffectiveAt.Time) && got.Decision != "prohibited" {
					t.Errorf("in effect: %+v", got)
				}
			}
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
