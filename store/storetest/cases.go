package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// c0 is the day case fixtures count from; cday(n) is n days after it.
var c0 = time.Date(2025, 9, 1, 10, 0, 0, 0, time.UTC)

func cday(n int) credo.Time { return credo.NewTime(c0.AddDate(0, 0, n)) }

// attachment is a document filed with a case, its bytes included.
func attachment(name, mediaType string, data []byte) credo.Attachment {
	sum := sha256.Sum256(data)
	return credo.Attachment{Name: name, MediaType: mediaType, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), Data: data}
}

// objection returns codes[i]'s objection to target, decided by authority,
// filed on day with fifteen days to decide.
func objection(i int, authority string, target credo.Target, day int) *credo.Case {
	return &credo.Case{Kind: credo.CaseObjection, Subject: codes[i], Target: target, Authority: authority,
		Reasons: "处罚决定认定的事实有误：涉案产品系他人冒用本公司名义生产",
		Attachments: []credo.Attachment{
			attachment("情况说明.pdf", "application/pdf", []byte("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n\x00\xff\xfe")),
			attachment("送货单.jpg", "image/jpeg", []byte{0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 'J', 'F', 'I', 'F'}),
		},
		FiledBy: "account:org-" + codes[i], FiledAt: cday(day), DecideBy: cday(day + 15)}
}

// repairCase returns codes[i]'s credit repair application about target,
// with its commitment, filed on day.
func repairCase(i int, authority string, target credo.Target, day int) *credo.Case {
	return &credo.Case{Kind: credo.CaseRepair, Subject: codes[i], Target: target, Authority: authority,
		Reasons:    "已于2025年8月缴清罚款并完成整改，申请提前终止公示",
		Commitment: true,
		FiledBy:    "account:org-" + codes[i], FiledAt: cday(day), DecideBy: cday(day + 15)}
}

// decision decides case id with outcome on day (plus a fraction of a
// second, to the microsecond).
func decision(id int64, outcome string, day int) *credo.CaseDecision {
	return &credo.CaseDecision{Case: id, Outcome: outcome, Reasons: "经复核，申请人提交的材料真实有效", Actor: "authority:" + samr,
		At: credo.NewTime(cday(day).Add(123456 * time.Microsecond))}
}

func recordTarget(id int64) credo.Target { return credo.Target{Kind: credo.TargetRecord, ID: id} }
func entryTarget(id int64) credo.Target  { return credo.Target{Kind: credo.TargetListEntry, ID: id} }

// mustFile files cases, checking that each gets a new positive id.
func mustFile(t *testing.T, s credo.Store, cases ...*credo.Case) {
	t.Helper()
	seen := map[int64]bool{}
	for _, c := range cases {
		if err := s.FileCase(ctx, c); err != nil {
			t.Fatalf("FileCase: %v", err)
		}
		if c.ID <= 0 || seen[c.ID] {
			t.Fatalf("FileCase set id %d, want a new positive id", c.ID)
		}
		seen[c.ID] = true
	}
}

func mustDecide(t *testing.T, s credo.Store, d *credo.CaseDecision) {
	t.Helper()
	if err := s.DecideCase(ctx, d); err != nil {
		t.Fatalf("DecideCase(%d): %v", d.Case, err)
	}
}

func mustCase(t *testing.T, s credo.Store, id int64) *credo.Case {
	t.Helper()
	c, err := s.Case(ctx, id)
	if err != nil {
		t.Fatalf("Case(%d): %v", id, err)
	}
	return c
}

// decided is c with its decision, as reads show it.
func decided(c *credo.Case, d *credo.CaseDecision) *credo.Case {
	x := *c
	x.Decision = d
	return &x
}

// allCases pages through Cases with q, checking as allEntries does.
func allCases(t *testing.T, s credo.Store, q credo.CaseQuery) []*credo.Case {
	t.Helper()
	out := []*credo.Case{}
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("Cases: more than 1000 pages")
		}
		page, err := s.Cases(ctx, q)
		if err != nil {
			t.Fatalf("Cases(%+v): %v", q, err)
		}
		limit := q.Limit
		if limit == 0 {
			limit = credo.DefaultPageSize
		}
		if len(page.Cases) > limit {
			t.Fatalf("Cases: page of %d cases for limit %d", len(page.Cases), limit)
		}
		if page.Next != "" && len(page.Cases) == 0 {
			t.Fatal("Cases: empty page with a next cursor")
		}
		for _, c := range page.Cases {
			if seen[c.ID] {
				t.Fatalf("Cases(%+v): case %d on two pages", q, c.ID)
			}
			seen[c.ID] = true
		}
		out = append(out, page.Cases...)
		if page.Next == "" {
			return out
		}
		q.Cursor = page.Next
	}
}

func caseIDs(cases []*credo.Case) []int64 {
	out := make([]int64, len(cases))
	for i, c := range cases {
		out[i] = c.ID
	}
	return out
}

func testCases(t *testing.T, h Harness) {
	t.Run("FileAndRead", func(t *testing.T) {
		s := h.Open(t)
		a := objection(7, samr, recordTarget(11), 0)
		b := repairCase(8, credo.RegistryActor, entryTarget(3), 1)
		c := objection(7, tax, entryTarget(11), 2)
		c.Attachments = nil
		mustFile(t, s, a, b, c)
		for _, x := range []*credo.Case{a, b, c} {
			got := mustCase(t, s, x.ID)
			wantSame(t, fmt.Sprint("case ", x.ID), got, x)
			if got.Decision != nil || !got.Open() {
				t.Errorf("case %d, never decided, has decision %+v", x.ID, got.Decision)
			}
		}
	})

	t.Run("CaseNotFound", func(t *testing.T) {
		s := h.Open(t)
		c := objection(7, samr, recordTarget(1), 0)
		mustFile(t, s, c)
		for _, id := range []int64{0, -1, c.ID + 1000} {
			_, err := s.Case(ctx, id)
			wantError(t, fmt.Sprintf("Case(%d)", id), err, credo.ENOTFOUND, "")
		}
	})

	t.Run("Decide", func(t *testing.T) {
		s := h.Open(t)
		rids := mustCreate(t, s, penalty(7, "DC-1", 1), penalty(8, "DC-2", 1))
		a, b := objection(7, samr, recordTarget(rids[0]), 0), repairCase(8, samr, recordTarget(rids[1]), 0)
		mustFile(t, s, a, b)
		fix := mustCreate(t, s, correction(penalty(7, "DC-1", 1), "DC-1-C", rids[0], ""))[0]
		d := decision(a.ID, credo.OutcomeCorrected, 10)
		d.Record = fix
		mustDecide(t, s, d)
		wantSame(t, "decided case", mustCase(t, s, a.ID), decided(a, d))
		wantSame(t, "the other case", mustCase(t, s, b.ID), b)

		t.Run("SecondDecisionConflicts", func(t *testing.T) {
			again := decision(a.ID, credo.OutcomeUpheld, 11)
			wantError(t, "a second decision", s.DecideCase(ctx, again), credo.ECONFLICT, "case")
			wantError(t, "the same decision again", s.DecideCase(ctx, d), credo.ECONFLICT, "case")
			wantSame(t, "the case after a second decision", mustCase(t, s, a.ID), decided(a, d))
		})

		t.Run("UnknownCase", func(t *testing.T) {
			unknown := decision(b.ID+1000, credo.OutcomeApproved, 11)
			wantError(t, "a decision on an unknown case", s.DecideCase(ctx, unknown), credo.ENOTFOUND, "")
			if got := allCases(t, s, credo.CaseQuery{Decided: true}); !slices.Equal(caseIDs(got), []int64{a.ID}) {
				t.Errorf("decided cases after a refused decision: %v, want [%d]", caseIDs(got), a.ID)
			}
			wantSame(t, "the undecided case", mustCase(t, s, b.ID), b)
		})
	})

	t.Run("Query", func(t *testing.T) { testCaseQuery(t, h) })

	t.Run("TargetCases", func(t *testing.T) {
		s := h.Open(t)
		first := objection(7, samr, recordTarget(5), 0)
		other := objection(7, samr, recordTarget(6), 0)
		sameIDEntry := repairCase(7, samr, entryTarget(5), 0)
		second := repairCase(7, samr, recordTarget(5), 20)
		mustFile(t, s, first, other, sameIDEntry, second)
		d := decision(first.ID, credo.OutcomeUpheld, 10)
		mustDecide(t, s, d)
		got, err := s.TargetCases(ctx, recordTarget(5))
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "cases about record 5", got, []*credo.Case{decided(first, d), second})
		got, err = s.TargetCases(ctx, entryTarget(5))
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "cases about list entry 5", got, []*credo.Case{sameIDEntry})
		for _, none := range []credo.Target{recordTarget(7), entryTarget(6)} {
			got, err := s.TargetCases(ctx, none)
			if err != nil || len(got) != 0 {
				t.Errorf("TargetCases(%+v): %v, %v; want none", none, caseIDs(got), err)
			}
		}
	})

	t.Run("RepairedAt", func(t *testing.T) { testRepairedAt(t, h) })

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		mustPut(t, s, subject(7))
		r := penalty(7, "D-1", 3)
		rid := mustCreate(t, s, r)[0]
		a, b := repairCase(7, samr, recordTarget(rid), 0), objection(7, samr, recordTarget(rid), 1)
		mustFile(t, s, a, b)
		d := decision(a.ID, credo.OutcomeApproved, 5)
		mustDecide(t, s, d)
		s = h.Reopen(t, s)
		wantSame(t, "decided case after reopening", mustCase(t, s, a.ID), decided(a, d))
		wantSame(t, "open case after reopening", mustCase(t, s, b.ID), b)
		got := mustRecord(t, s, rid)
		if !got.RepairedAt.Equal(d.At.Time) {
			t.Errorf("RepairedAt after reopening %s, want %s", got.RepairedAt, d.At)
		}
		wantError(t, "a second decision after reopening", s.DecideCase(ctx, decision(a.ID, credo.OutcomeRejected, 6)), credo.ECONFLICT, "case")
		c := objection(7, samr, recordTarget(rid), 2)
		mustFile(t, s, c)
		if c.ID == a.ID || c.ID == b.ID {
			t.Errorf("case filed after reopening has id %d, taken by %d or %d", c.ID, a.ID, b.ID)
		}
	})
}

// testCaseQuery checks Cases on one store of cases of several kinds,
// organizations, authorities and deadlines, some decided.
func testCaseQuery(t *testing.T, h Harness) {
	s := h.Open(t)
	var all []*credo.Case
	file := func(c *credo.Case, d *credo.CaseDecision) {
		mustFile(t, s, c)
		if d != nil {
			d.Case = c.ID
			mustDecide(t, s, d)
		}
		all = append(all, decided(c, d))
	}
	file(objection(7, samr, recordTarget(1), 0), nil)                                                   // due day 15
	file(repairCase(7, samr, recordTarget(2), 1), decision(0, credo.OutcomeApproved, 3))                // decided
	file(objection(8, tax, recordTarget(3), 5), nil)                                                    // due day 20
	file(repairCase(8, credo.RegistryActor, entryTarget(1), 10), nil)                                   // due day 25
	file(objection(7, tax, recordTarget(4), 2), decision(0, credo.OutcomeUpheld, 9))                    // decided
	file(repairCase(14, samr, entryTarget(2), 15), decision(0, credo.OutcomeRejected, 20))              // decided
	file(repairCase(14, samr, entryTarget(2), 21), nil)                                                 // due day 36
	file(objection(15, credo.RegistryActor, entryTarget(3), 4), decision(0, credo.OutcomeRetracted, 6)) // decided
	for k := range 12 {
		var d *credo.CaseDecision
		if k%4 == 1 {
			d = decision(0, credo.OutcomeUpheld, 20+k)
		}
		file(objection(30+k%3, samr, recordTarget(int64(100+k)), k), d)
	}
	slices.Reverse(all) // newest first

	// want is what the contract says q selects.
	want := func(q credo.CaseQuery) []*credo.Case {
		out := []*credo.Case{}
		for _, c := range all {
			switch {
			case q.Kind != "" && c.Kind != q.Kind,
				q.Subject != "" && c.Subject != q.Subject,
				q.Authority != "" && c.Authority != q.Authority,
				q.Open && c.Decision != nil,
				q.Decided && c.Decision == nil,
				!q.DueBefore.IsZero() && !c.DecideBy.Before(q.DueBefore):
				continue
			}
			out = append(out, c)
		}
		return out
	}
	check := func(t *testing.T, q credo.CaseQuery) []*credo.Case {
		t.Helper()
		got, w := allCases(t, s, q), want(q)
		if !slices.Equal(caseIDs(got), caseIDs(w)) {
			t.Errorf("Cases(%+v): ids %v, want %v", q, caseIDs(got), caseIDs(w))
			return got
		}
		wantSame(t, fmt.Sprintf("Cases(%+v)", q), got, w)
		return got
	}

	t.Run("AllNewestFirst", func(t *testing.T) {
		if got := check(t, credo.CaseQuery{}); len(got) != len(all) {
			t.Errorf("%d cases, want %d", len(got), len(all))
		}
	})

	t.Run("Filters", func(t *testing.T) {
		for _, q := range []credo.CaseQuery{
			{Kind: credo.CaseObjection}, {Kind: credo.CaseRepair},
			{Subject: codes[7]}, {Subject: codes[14], Kind: credo.CaseRepair}, {Subject: codes[9]},
			{Authority: samr}, {Authority: tax}, {Authority: credo.RegistryActor}, {Authority: "court-620105"},
			{Open: true}, {Decided: true}, {Open: true, Authority: samr}, {Decided: true, Kind: credo.CaseRepair},
			{Open: true, DueBefore: cday(20).Time}, {Open: true, DueBefore: cday(20).Add(time.Second)},
			{Open: true, DueBefore: cday(36).Time, Kind: credo.CaseRepair}, {Open: true, DueBefore: cday(0).Time},
		} {
			if got := check(t, q); len(got) == 0 && q.Subject != codes[9] && q.Authority != "court-620105" &&
				!q.DueBefore.Equal(cday(0).Time) {
				t.Errorf("Cases(%+v): none; the fixtures meant some", q)
			}
		}
	})

	t.Run("DueBeforeIsStrict", func(t *testing.T) {
		// The first case is due on day 15 exactly, the third on day 20.
		got := caseIDs(check(t, credo.CaseQuery{Open: true, DueBefore: cday(20).Time}))
		first, third := all[len(all)-1].ID, all[len(all)-3].ID
		if !slices.Contains(got, first) || slices.Contains(got, third) {
			t.Errorf("open cases due before day 20: %v, want %d and not %d (due on day 20)", got, first, third)
		}
	})

	t.Run("CursorPagination", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3, 5, len(all), len(all) + 1} {
			check(t, credo.CaseQuery{Limit: limit})
			check(t, credo.CaseQuery{Kind: credo.CaseObjection, Open: true, Limit: limit})
			check(t, credo.CaseQuery{Authority: samr, Limit: limit})
		}
		_, err := s.Cases(ctx, credo.CaseQuery{Limit: -1})
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
		_, err = s.Cases(ctx, credo.CaseQuery{Cursor: "garbage"})
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})
}

// testRepairedAt checks that an approved repair of a record shows on every
// read of records that fills SupersededBy, and nothing else does.
func testRepairedAt(t *testing.T, h Harness) {
	s := h.Open(t)
	gs := implemented[credo.GradingStore](t, s)
	const subj = 40
	mustPut(t, s, subject(subj), subject(subj+1))
	recs := []*credo.Record{penalty(subj, "RP-1", 10), penalty(subj, "RP-2", 20), penalty(subj, "RP-3", 30),
		penalty(subj, "RP-4", 40), penalty(subj+1, "RP-5", 10)}
	rids := mustCreate(t, s, recs...)
	fix := correction(recs[0], "RP-1-C", rids[0], "")
	fixID := mustCreate(t, s, fix)[0]
	// A list entry repaired too, preferably one whose id is that of a
	// record not repaired, so that a store mixing up the targets' kinds
	// shows it.
	var eid int64
	for n := range 10 {
		eid = mustCreateEntries(t, s, listEntry(subj, abnormal, fmt.Sprint("RP-", n), n))[0]
		if slices.Contains([]int64{rids[1], rids[2], rids[3], fixID}, eid) {
			break
		}
	}

	approved := repairCase(subj, samr, recordTarget(rids[0]), 50)
	rejected := repairCase(subj, samr, recordTarget(rids[1]), 50)
	objected := objection(subj, samr, recordTarget(rids[2]), 50)
	open := repairCase(subj, samr, recordTarget(rids[3]), 50)
	onEntry := repairCase(subj, samr, entryTarget(eid), 50)
	mustFile(t, s, approved, rejected, objected, open, onEntry)
	// Before any decision nothing is repaired.
	if got := mustRecord(t, s, rids[0]); !got.RepairedAt.IsZero() {
		t.Errorf("record %d repaired at %s before a decision", rids[0], got.RepairedAt)
	}
	d := decision(approved.ID, credo.OutcomeApproved, 55)
	mustDecide(t, s, d)
	mustDecide(t, s, decision(rejected.ID, credo.OutcomeRejected, 55))
	mustDecide(t, s, decision(objected.ID, credo.OutcomeRetracted, 55))
	mustDecide(t, s, decision(onEntry.ID, credo.OutcomeApproved, 56))

	// want is every record of subj as reads that fill SupersededBy give it.
	repairedRec := stored(recs[0], rids[0], 0, fixID)
	repairedRec.RepairedAt = d.At
	want := map[int64]*credo.Record{
		rids[0]: repairedRec,
		rids[1]: stored(recs[1], rids[1], 0, 0),
		rids[2]: stored(recs[2], rids[2], 0, 0),
		rids[3]: stored(recs[3], rids[3], 0, 0),
		fixID:   stored(fix, fixID, rids[0], 0),
	}
	inOrder := func(got []*credo.Record) []*credo.Record {
		out := make([]*credo.Record, len(got))
		for i, r := range got {
			out[i] = want[r.ID]
		}
		return out
	}

	t.Run("Record", func(t *testing.T) {
		for id, w := range want {
			wantSame(t, fmt.Sprint("record ", id), mustRecord(t, s, id), w)
		}
		wantSame(t, "another organization's record", mustRecord(t, s, rids[4]), stored(recs[4], rids[4], 0, 0))
	})

	t.Run("SubjectRecords", func(t *testing.T) {
		got := allRecords(t, s, codes[subj], credo.RecordFilter{Limit: 2})
		if len(got) != len(want) {
			t.Fatalf("records of %s: %v", codes[subj], ids(got))
		}
		wantSame(t, "records of "+codes[subj], got, inOrder(got))
	})

	t.Run("AllRecords", func(t *testing.T) {
		got, err := gs.AllRecords(ctx, codes[subj])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want) {
			t.Fatalf("all records of %s: %v", codes[subj], ids(got))
		}
		wantSame(t, "all records of "+codes[subj], got, inOrder(got))
	})

	t.Run("GradingInputs", func(t *testing.T) {
		got, err := gs.GradingInputs(ctx, []string{codes[subj], codes[subj+1]})
		if err != nil {
			t.Fatal(err)
		}
		if len(got[0].Records) != len(want) {
			t.Fatalf("records of %s: %v", codes[subj], ids(got[0].Records))
		}
		wantSame(t, "records of "+codes[subj], got[0].Records, inOrder(got[0].Records))
		if r := got[1].Records; len(r) != 1 || !r[0].RepairedAt.IsZero() {
			t.Errorf("records of %s: %+v, want one unrepaired", codes[subj+1], r)
		}
	})

	t.Run("EachSubject", func(t *testing.T) {
		got := eachSubject(t, gs, "")
		if !slices.Equal(visited(got), []string{codes[subj], codes[subj+1]}) {
			t.Fatalf("EachSubject visited %q", visited(got))
		}
		if len(got[0].records) != len(want) {
			t.Fatalf("EachSubject gave records %v of %s", ids(got[0].records), codes[subj])
		}
		wantSame(t, "records EachSubject gave", got[0].records, inOrder(got[0].records))
		if r := got[1].records; len(r) != 1 || !r[0].RepairedAt.IsZero() {
			t.Errorf("records of %s: %+v, want one unrepaired", codes[subj+1], r)
		}
	})

	t.Run("ScanRecordsLeavesItZero", func(t *testing.T) {
		got, err := s.ScanRecords(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(recs)+1 {
			t.Fatalf("ScanRecords: %v", ids(got))
		}
		for _, r := range got {
			if !r.RepairedAt.IsZero() {
				t.Errorf("ScanRecords gave record %d with RepairedAt %s", r.ID, r.RepairedAt)
			}
		}
	})
}
