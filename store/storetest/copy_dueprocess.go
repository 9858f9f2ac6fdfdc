package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// populateDueProcess gives a store populated by populate some of every
// kind of due process: list entries (with and without a term, one
// escalated from another) and their transitions, cases with every kind of
// decision (an approved repair of a record among them, which marks it
// repaired) and one undecided, accounts with tokens, and notices with and
// without keys. Times have microseconds.
func populateDueProcess(t *testing.T, s credo.Store) {
	t.Helper()
	recs, err := s.ScanRecords(ctx, 0, 1000)
	if err != nil || len(recs) < 6 {
		t.Fatalf("populate's records: %d, %v", len(recs), err)
	}
	us := func(tm credo.Time, n int) credo.Time {
		return credo.NewTime(tm.Add(time.Duration(n) * time.Microsecond))
	}

	var entries []*credo.ListEntry
	for i := 50; i < 56; i++ {
		e := listEntry(i, abnormal, fmt.Sprint(i), i-50)
		e.RecordedAt = us(e.RecordedAt, 1000*i+7)
		entries = append(entries, e)
	}
	rule := listEntry(56, red, "56", 3)
	rule.Source, rule.Authority, rule.Reasons, rule.Until, rule.RepairFrom = credo.SourceRule, credo.RegistryActor, nil, credo.Time{}, credo.Time{}
	rule.Key = "rule:" + rule.List + ":" + rule.Subject + ":1"
	entries = append(entries, rule)
	ids := mustCreateEntries(t, s, entries...)
	esc := listEntry(50, serious, "50-S", 40)
	esc.Source, esc.Authority, esc.EscalatedFrom = credo.SourceEscalation, credo.RegistryActor, ids[0]
	esc.Key = fmt.Sprint("escalation:", ids[0])
	ids = append(ids, mustCreateEntries(t, s, esc)...)

	mustFile(t, s,
		objection(50, samr, recordTarget(recs[0].ID), 1),            // corrected
		repairCase(51, samr, recordTarget(recs[2].ID), 2),           // approved: the record is repaired
		repairCase(52, samr, recordTarget(recs[4].ID), 3),           // rejected
		objection(51, samr, entryTarget(ids[1]), 4),                 // retracted: the listing is overturned
		repairCase(52, samr, entryTarget(ids[2]), 5),                // approved: the entry ends
		objection(53, tax, recordTarget(recs[5].ID), 6),             // upheld
		repairCase(53, credo.RegistryActor, entryTarget(ids[6]), 7), // open
	)
	cases, err := s.ScanCases(ctx, 0, 100)
	if err != nil || len(cases) != 7 {
		t.Fatalf("ScanCases after filing 7: %d, %v", len(cases), err)
	}
	fix := mustCreate(t, s, correction(recs[0], "C-FIX-1", recs[0].ID, ""))[0]
	for i, outcome := range []string{credo.OutcomeCorrected, credo.OutcomeApproved, credo.OutcomeRejected,
		credo.OutcomeRetracted, credo.OutcomeApproved, credo.OutcomeUpheld} {
		d := decision(cases[i].ID, outcome, 10+i)
		if outcome == credo.OutcomeCorrected {
			d.Record = fix
		}
		mustDecide(t, s, d)
	}
	overturn := transition(ids[1], credo.EndOverturned, 13)
	overturn.Case = cases[3].ID
	repaired := transition(ids[2], credo.EndRepaired, 14)
	repaired.Case, repaired.At, repaired.RecordedAt = cases[4].ID, us(repaired.At, 42), us(repaired.RecordedAt, 42)
	revoked := transition(ids[3], credo.EndRevoked, 15)
	revoked.Note, revoked.Actor = "", "admin"
	escalated := transition(ids[0], credo.EndEscalated, 50)
	escalated.Actor, escalated.RecordedAt = credo.RegistryActor, lday(40)
	mustAddTransitions(t, s, overturn, repaired, revoked, escalated)

	for i, a := range []*credo.Account{
		orgAccount(50, "org-50"), orgAccount(51, "org-51"),
		{ID: "admin-li", Role: credo.RoleAdmin, Name: "李四", CreatedAt: credo.NewTime(t0.Add(987654 * time.Microsecond))},
		{ID: "0-bare", Role: credo.RoleAdmin},
	} {
		a.CreatedAt = us(a.CreatedAt, i)
		mustCreateAccount(t, s, a)
	}

	var notices []*credo.Notice
	for i := range 9 {
		audience, key := codes[50+i%3], fmt.Sprint("listing:", i)
		if i%4 == 3 {
			audience, key = credo.AudienceAdmin, ""
		}
		n := notice(audience, 50+i%3, i+1, key)
		n.At = us(n.At, i)
		notices = append(notices, n)
	}
	notices[1].Options, notices[1].Refs = nil, credo.Refs{}
	mustAddNotices(t, s, notices...)
}

// wantDueProcessCopy checks that dst holds exactly the due process src
// holds, read through every read of the contract.
func wantDueProcessCopy(t *testing.T, src, dst credo.Store) {
	t.Helper()
	scanEntries := func(s credo.Store) []*credo.ListEntry {
		es, err := s.ScanListEntries(ctx, 0, 1000)
		if err != nil {
			t.Fatalf("ScanListEntries: %v", err)
		}
		return es
	}
	entries, copied := scanEntries(src), scanEntries(dst)
	if len(entries) == 0 {
		t.Fatal("the source has no list entries")
	}
	wantEntries(t, "scanned list entries", copied, entries)
	for i := range min(len(entries), len(copied)) {
		if copied[i].Key != entries[i].Key || entries[i].Key == "" {
			t.Errorf("key of entry %d: %q, want %q", entries[i].ID, copied[i].Key, entries[i].Key)
		}
	}
	for _, e := range entries {
		got := mustEntry(t, dst, e.ID)
		wantEntries(t, fmt.Sprint("list entry ", e.ID), []*credo.ListEntry{got}, []*credo.ListEntry{mustEntry(t, src, e.ID)})
		if got.Key != e.Key {
			t.Errorf("ListEntry(%d).Key = %q, want %q", e.ID, got.Key, e.Key)
		}
	}
	for i := 50; i < 62; i++ {
		wantEntries(t, "entries of "+codes[i], subjectEntries(t, dst, codes[i]), subjectEntries(t, src, codes[i]))
	}
	for _, q := range []credo.ListQuery{
		{AsOf: l0.AddDate(0, 0, 30)},
		{AsOf: l0.AddDate(0, 0, 30), Status: credo.ListEnded},
		{AsOf: l0.AddDate(0, 0, 60), Status: credo.ListActive, Division: codes[50][2:4]},
		{AsOf: l0.AddDate(5, 0, 0), List: abnormal, Unended: true, Limit: 2},
	} {
		wantEntries(t, fmt.Sprintf("ListEntries(%+v)", q), allEntries(t, dst, q), allEntries(t, src, q))
	}

	scanCases := func(s credo.Store) []*credo.Case {
		cs, err := s.ScanCases(ctx, 0, 1000)
		if err != nil {
			t.Fatalf("ScanCases: %v", err)
		}
		return cs
	}
	cases := scanCases(src)
	if len(cases) == 0 {
		t.Fatal("the source has no cases")
	}
	wantSame(t, "scanned cases", scanCases(dst), cases)
	repairs := 0
	for _, c := range cases {
		wantSame(t, fmt.Sprint("case ", c.ID), mustCase(t, dst, c.ID), mustCase(t, src, c.ID))
		for _, s := range []credo.Store{src, dst} {
			if _, err := s.TargetCases(ctx, c.Target); err != nil {
				t.Fatalf("TargetCases(%+v): %v", c.Target, err)
			}
		}
		a, _ := src.TargetCases(ctx, c.Target)
		b, _ := dst.TargetCases(ctx, c.Target)
		wantSame(t, fmt.Sprintf("cases about %+v", c.Target), b, a)
		if c.Kind == credo.CaseRepair && c.Decision != nil && c.Decision.Outcome == credo.OutcomeApproved && c.Target.Kind == credo.TargetRecord {
			repairs++
			want := mustRecord(t, src, c.Target.ID)
			got := mustRecord(t, dst, c.Target.ID)
			if want.RepairedAt.IsZero() || !got.RepairedAt.Equal(want.RepairedAt.Time) {
				t.Errorf("record %d repaired by case %d: RepairedAt %v on the copy, want %v", c.Target.ID, c.ID, got.RepairedAt, want.RepairedAt)
			}
		}
	}
	if repairs == 0 {
		t.Error("the source has no approved repair of a record")
	}
	for _, q := range []credo.CaseQuery{{}, {Open: true}, {Decided: true, Kind: credo.CaseRepair}, {Authority: samr, Limit: 2}} {
		wantSame(t, fmt.Sprintf("Cases(%+v)", q), allCases(t, dst, q), allCases(t, src, q))
	}

	accounts, err := src.Accounts(ctx)
	if err != nil || len(accounts) == 0 {
		t.Fatalf("the source's accounts: %d, %v", len(accounts), err)
	}
	copiedAccounts, err := dst.Accounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantSame(t, "accounts", copiedAccounts, accounts)
	for _, a := range accounts {
		wantSame(t, "account "+a.ID, mustAccount(t, dst, a.ID), a)
		tokens, err := src.AccountTokens(ctx, a.ID)
		if err != nil || len(tokens) == 0 {
			t.Fatalf("AccountTokens(%s) on the source: %v, %v", a.ID, tokens, err)
		}
		got, err := dst.AccountTokens(ctx, a.ID)
		if err != nil || !slices.Equal(got, tokens) {
			t.Errorf("AccountTokens(%s) on the copy: %v, %v; want %v", a.ID, got, err, tokens)
		}
		for _, h := range tokens {
			b, err := dst.AccountByToken(ctx, h)
			if err != nil {
				t.Errorf("AccountByToken on the copy, a token of %s: %v", a.ID, err)
				continue
			}
			wantSame(t, "account by a token of "+a.ID, b, a)
		}
	}

	scanNotices := func(s credo.Store) []*credo.Notice {
		ns, err := s.ScanNotices(ctx, 0, 1000)
		if err != nil {
			t.Fatalf("ScanNotices: %v", err)
		}
		return ns
	}
	notices, copiedNotices := scanNotices(src), scanNotices(dst)
	if len(notices) == 0 {
		t.Fatal("the source has no notices")
	}
	wantSame(t, "scanned notices", copiedNotices, notices)
	audiences := map[string]bool{}
	for i, n := range notices {
		audiences[n.Audience] = true
		if i < len(copiedNotices) && copiedNotices[i].Key != n.Key {
			t.Errorf("key of notice %d: %q, want %q", n.ID, copiedNotices[i].Key, n.Key)
		}
	}
	for audience := range audiences {
		a, b := allNotices(t, src, audience, 2), allNotices(t, dst, audience, 2)
		wantSame(t, "notices of "+audience, b, a)
		for i := range min(len(a), len(b)) {
			if a[i].Key != b[i].Key {
				t.Errorf("notices of %s: key of %d %q, want %q", audience, a[i].ID, b[i].Key, a[i].Key)
			}
		}
	}
}

func mustAccount(t *testing.T, s credo.Store, id string) *credo.Account {
	t.Helper()
	a, err := s.Account(ctx, id)
	if err != nil {
		t.Fatalf("Account(%s): %v", id, err)
	}
	return a
}

// maxIDs is the highest id of each kind of due process src holds: list
// entries, transitions, cases and notices.
func maxIDs(t *testing.T, s credo.Store) (entry, transition, cs, notice int64) {
	t.Helper()
	es, err := s.ScanListEntries(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		entry = max(entry, e.ID)
		for _, tr := range e.Transitions {
			transition = max(transition, tr.ID)
		}
	}
	cases, err := s.ScanCases(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		cs = max(cs, c.ID)
	}
	ns, err := s.ScanNotices(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		notice = max(notice, n.ID)
	}
	return entry, transition, cs, notice
}

// testCopyDueProcessGoesOn checks that dst, a copy of src, assigns ids
// above the copied ones and keeps the copied keys.
func testCopyDueProcessGoesOn(t *testing.T, src, dst credo.Store) {
	entryMax, transitionMax, caseMax, noticeMax := maxIDs(t, src)
	if entryMax == 0 || transitionMax == 0 || caseMax == 0 || noticeMax == 0 {
		t.Fatalf("the source lacks due process: %d, %d, %d, %d", entryMax, transitionMax, caseMax, noticeMax)
	}
	e := listEntry(60, abnormal, "after-copy", 60)
	id := mustCreateEntries(t, dst, e)[0]
	if id <= entryMax {
		t.Errorf("first list entry after the copy: id %d, want above %d", id, entryMax)
	}
	tr := mustAddTransitions(t, dst, transition(id, credo.EndRevoked, 61))[0]
	if tr.ID <= transitionMax {
		t.Errorf("first transition after the copy: id %d, want above %d", tr.ID, transitionMax)
	}
	c := objection(60, samr, entryTarget(id), 62)
	mustFile(t, dst, c)
	if c.ID <= caseMax {
		t.Errorf("first case after the copy: id %d, want above %d", c.ID, caseMax)
	}
	n := notice(codes[60], 60, 99, "after-copy")
	mustAddNotices(t, dst, n)
	if n.ID <= noticeMax {
		t.Errorf("first notice after the copy: id %d, want above %d", n.ID, noticeMax)
	}
	// Copied keys are held: repeats are repeats.
	src1, err := src.ScanListEntries(ctx, 0, 1)
	if err != nil || len(src1) != 1 {
		t.Fatal(err)
	}
	wantOutcome(t, "a copied entry created again", mustAddEntries(t, dst, src1[0])[0], credo.Exists, src1[0].ID)
	ns, err := src.ScanNotices(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range ns {
		if x.Key != "" {
			again := *x
			again.ID = 0
			mustAddNotices(t, dst, &again)
			if again.ID != 0 {
				t.Errorf("notice with the copied key %q stored again as %d", x.Key, again.ID)
			}
			break
		}
	}
	// A case decided on the source is decided on the copy.
	cases, err := src.ScanCases(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if c.Decision != nil {
			wantError(t, "deciding a copied decided case", dst.DecideCase(ctx, decision(c.ID, credo.OutcomeUpheld, 70)), credo.ECONFLICT, "case")
			break
		}
	}
}

// testRestoreConflicts checks that restores refuse what would clash with
// what dst holds under other ids, and then store nothing.
func testRestoreConflicts(t *testing.T, src, dst credo.Store) {
	entries, err := src.ScanListEntries(ctx, 0, 1000)
	if err != nil || len(entries) == 0 {
		t.Fatal(err)
	}
	const far = 1 << 40
	clash := *entries[0]
	clash.ID, clash.Transitions = far, nil
	fresh := listEntry(61, abnormal, "fresh", 1)
	fresh.ID = far + 1
	wantError(t, "RestoreListEntries with a key held by another id",
		dst.RestoreListEntries(ctx, []*credo.ListEntry{fresh, &clash}), credo.ECONFLICT, "key")
	for _, id := range []int64{far, far + 1} {
		if _, err := dst.ListEntry(ctx, id); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			t.Errorf("ListEntry(%d) after a refused restore: %v, want ENOTFOUND", id, err)
		}
	}
	var ended *credo.ListEntry
	for _, e := range entries {
		if len(e.Transitions) > 0 {
			ended = e
			break
		}
	}
	if ended == nil {
		t.Fatal("the source has no ended entry")
	}
	second := *ended
	second.Transitions = []credo.ListTransition{ended.Transitions[0]}
	second.Transitions[0].ID = far
	wantError(t, "RestoreListEntries with a second transition of an entry",
		dst.RestoreListEntries(ctx, []*credo.ListEntry{&second}), credo.ECONFLICT, "entry")

	ns, err := src.ScanNotices(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range ns {
		if n.Key != "" {
			x := *n
			x.ID = far
			wantError(t, "RestoreNotices with a key held by another id", dst.RestoreNotices(ctx, []*credo.Notice{&x}), credo.ECONFLICT, "key")
			break
		}
	}
	if got, err := dst.ScanNotices(ctx, far-1, 1); err != nil || len(got) != 0 {
		t.Errorf("notices after a refused restore: %v, %v", got, err)
	}

	accounts, err := src.Accounts(ctx)
	if err != nil || len(accounts) < 2 {
		t.Fatal(err)
	}
	tokens, err := src.AccountTokens(ctx, accounts[0].ID)
	if err != nil || len(tokens) == 0 {
		t.Fatal(err)
	}
	wantError(t, "RestoreAccount with a token of another account",
		dst.RestoreAccount(ctx, &credo.Account{ID: "someone-else", Role: credo.RoleAdmin}, tokens[:1]), credo.ECONFLICT, "token")
	if _, err := dst.Account(ctx, "someone-else"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Errorf("Account after a refused restore: %v, want ENOTFOUND", err)
	}
	wantError(t, "RestoreAccount of a new account without a token",
		dst.RestoreAccount(ctx, &credo.Account{ID: "tokenless", Role: credo.RoleAdmin}, nil), credo.EINVALID, "token")
	// Restoring what is stored changes nothing.
	for _, a := range accounts {
		tokens, _ := src.AccountTokens(ctx, a.ID)
		if err := dst.RestoreAccount(ctx, a, tokens); err != nil {
			t.Errorf("RestoreAccount(%s) again: %v", a.ID, err)
		}
	}
}
