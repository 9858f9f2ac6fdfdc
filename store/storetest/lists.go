package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// l0 is the day list fixtures count from; lday(n) is n days after it.
var l0 = time.Date(2025, 1, 10, 9, 0, 0, 0, time.UTC)

func lday(n int) credo.Time { return credo.NewTime(l0.AddDate(0, 0, n)) }

// Lists of the fixtures.
const (
	abnormal = "abnormal_operations"
	serious  = "serious_dishonesty"
	red      = "red_tax"
)

// listEntry returns a decision of samr putting codes[i] on list, decided
// and notified on day, in effect ten days later for a term of three years,
// recorded when notified, keyed by its decision number.
func listEntry(i int, list, number string, day int) *credo.ListEntry {
	e := &credo.ListEntry{
		List: list, ListVersion: "2025.1", Subject: codes[i], Division: codes[i][2:8], Authority: samr,
		Source:         credo.SourceDecision,
		LegalBasis:     "《企业经营异常名录管理暂行办法》第四条",
		DecisionNumber: "淮市监列〔2025〕" + number + "号",
		Reasons:        []string{"未按照规定的期限公示年度报告", "通过登记的住所无法联系"},
		DecidedAt:      lday(day), NotifiedAt: lday(day), EffectiveAt: lday(day + 10),
		RepairFrom: lday(day + 10 + 90), Until: lday(day + 10 + 3*365),
		RecordedAt: lday(day),
	}
	e.Key = "decision:" + samr + ":" + list + ":" + e.DecisionNumber
	return e
}

// transition ends entry id for reason at day, recorded then.
func transition(id int64, reason string, day int) *credo.ListTransition {
	return &credo.ListTransition{Entry: id, Status: credo.ListEnded, Reason: reason, Note: "经审查决定移出",
		Actor: "authority:" + samr, At: lday(day), RecordedAt: lday(day)}
}

// storedEntry is e as the store returns it after creating it with id and
// the transitions given.
func storedEntry(e *credo.ListEntry, id int64, ts ...credo.ListTransition) *credo.ListEntry {
	c := *e
	c.ID, c.Transitions = id, ts
	return &c
}

// mustAddEntries adds entries and returns the outcomes, failing on an error.
func mustAddEntries(t *testing.T, s credo.Store, entries ...*credo.ListEntry) []credo.Outcome {
	t.Helper()
	out, err := s.AddListEntries(ctx, entries)
	if err != nil {
		t.Fatalf("AddListEntries: %v", err)
	}
	if len(out) != len(entries) {
		t.Fatalf("AddListEntries: %d outcomes for %d entries", len(out), len(entries))
	}
	return out
}

// mustCreateEntries adds entries that must all be created and returns
// their ids, checking that they increase.
func mustCreateEntries(t *testing.T, s credo.Store, entries ...*credo.ListEntry) []int64 {
	t.Helper()
	ids := make([]int64, len(entries))
	for i, o := range mustAddEntries(t, s, entries...) {
		if o.Status != credo.Created || o.ID <= 0 || o.Err != nil {
			t.Fatalf("entry %d (%s): outcome %+v, want created with an id", i, entries[i].Key, o)
		}
		if i > 0 && o.ID <= ids[i-1] {
			t.Fatalf("entry %d: id %d after %d, want ids increasing", i, o.ID, ids[i-1])
		}
		ids[i] = o.ID
	}
	return ids
}

// mustAddTransitions adds transitions and returns them as the store holds
// them (with the ids it assigned, read back).
func mustAddTransitions(t *testing.T, s credo.Store, ts ...*credo.ListTransition) []credo.ListTransition {
	t.Helper()
	if err := s.AddListTransitions(ctx, ts); err != nil {
		t.Fatalf("AddListTransitions: %v", err)
	}
	out := make([]credo.ListTransition, len(ts))
	seen := map[int64]bool{}
	for i, tr := range ts {
		got := mustEntry(t, s, tr.Entry).Transitions
		if len(got) != 1 {
			t.Fatalf("entry %d after a transition: %d transitions, want 1", tr.Entry, len(got))
		}
		if got[0].ID <= 0 || seen[got[0].ID] {
			t.Errorf("transition of entry %d stored with id %d, want a new positive id", tr.Entry, got[0].ID)
		}
		seen[got[0].ID] = true
		want := *tr
		want.ID = got[0].ID
		wantSame(t, fmt.Sprint("transition of entry ", tr.Entry), got[0], want)
		out[i] = got[0]
	}
	return out
}

// mustEntry reads a list entry that must exist.
func mustEntry(t *testing.T, s credo.Store, id int64) *credo.ListEntry {
	t.Helper()
	e, err := s.ListEntry(ctx, id)
	if err != nil {
		t.Fatalf("ListEntry(%d): %v", id, err)
	}
	return e
}

// wantEntries checks entries, their Transitions included (which their
// JSON leaves out).
func wantEntries(t *testing.T, what string, got, want []*credo.ListEntry) {
	t.Helper()
	wantSame(t, what, got, want)
	if len(got) != len(want) {
		return
	}
	for i := range got {
		wantSame(t, fmt.Sprintf("%s: transitions of entry %d", what, got[i].ID), got[i].Transitions, want[i].Transitions)
	}
}

// allEntries pages through ListEntries with q, checking that no page is
// longer than its limit, no entry appears twice and each page is newest
// first.
func allEntries(t *testing.T, s credo.Store, q credo.ListQuery) []*credo.ListEntry {
	t.Helper()
	out := []*credo.ListEntry{}
	seen := map[int64]bool{}
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("ListEntries: more than 1000 pages")
		}
		page, err := s.ListEntries(ctx, q)
		if err != nil {
			t.Fatalf("ListEntries(%+v): %v", q, err)
		}
		limit := q.Limit
		if limit == 0 {
			limit = credo.DefaultPageSize
		}
		if len(page.Entries) > limit {
			t.Fatalf("ListEntries: page of %d entries for limit %d", len(page.Entries), limit)
		}
		if page.Next != "" && len(page.Entries) == 0 {
			t.Fatal("ListEntries: empty page with a next cursor")
		}
		for _, e := range page.Entries {
			if seen[e.ID] {
				t.Fatalf("ListEntries(%+v): entry %d on two pages", q, e.ID)
			}
			seen[e.ID] = true
		}
		out = append(out, page.Entries...)
		if page.Next == "" {
			return out
		}
		q.Cursor = page.Next
	}
}

func entryIDs(entries []*credo.ListEntry) []int64 {
	out := make([]int64, len(entries))
	for i, e := range entries {
		out[i] = e.ID
	}
	return out
}

func testLists(t *testing.T, h Harness) {
	t.Run("CreatedWithIncreasingIDs", func(t *testing.T) {
		s := h.Open(t)
		batch := []*credo.ListEntry{listEntry(7, abnormal, "1", 0), listEntry(8, abnormal, "2", 0), listEntry(7, serious, "3", 1)}
		first := mustCreateEntries(t, s, batch...)
		// An escalation of the first entry, made by the registry.
		up := listEntry(7, serious, "6", 40)
		up.Source, up.Authority, up.EscalatedFrom = credo.SourceEscalation, credo.RegistryActor, first[0]
		up.Key = fmt.Sprint("escalation:", first[0])
		more := []*credo.ListEntry{listEntry(14, abnormal, "4", 2), listEntry(15, red, "5", 3), up}
		second := mustCreateEntries(t, s, more...)
		if second[0] <= first[len(first)-1] {
			t.Errorf("ids of a later batch %v, want above %v", second, first)
		}
		every, everyID := slices.Concat(batch, more), slices.Concat(first, second)
		for i, e := range every {
			got := mustEntry(t, s, everyID[i])
			wantEntries(t, "entry "+e.Key, []*credo.ListEntry{got}, []*credo.ListEntry{storedEntry(e, everyID[i])})
		}
	})

	t.Run("ExistsOnSameContent", func(t *testing.T) {
		s := h.Open(t)
		e := listEntry(7, abnormal, "1", 0)
		id := mustCreateEntries(t, s, e)[0]
		// Sent again later, as a retry would: recorded later, under a
		// later version of the list; ContentHash, which leaves both out,
		// is equal.
		again := listEntry(7, abnormal, "1", 0)
		again.RecordedAt = lday(5)
		again.ListVersion = "2025.2"
		if again.ContentHash() != e.ContentHash() {
			t.Fatal("fixture: the retry's ContentHash differs")
		}
		wantOutcome(t, "the same entry again", mustAddEntries(t, s, again)[0], credo.Exists, id)
		wantEntries(t, "the entry after a repeat", []*credo.ListEntry{mustEntry(t, s, id)}, []*credo.ListEntry{storedEntry(e, id)})
		if got := subjectEntries(t, s, codes[7]); len(got) != 1 {
			t.Errorf("a repeat stored another entry: %v", entryIDs(got))
		}
	})

	t.Run("RefusedOnDifferentContent", func(t *testing.T) {
		s := h.Open(t)
		e := listEntry(7, abnormal, "1", 0)
		id := mustCreateEntries(t, s, e)[0]
		clash := listEntry(7, abnormal, "1", 0)
		clash.Reasons = []string{"提交虚假材料"}
		other := listEntry(8, abnormal, "2", 0)
		out := mustAddEntries(t, s, clash, other)
		wantRefused(t, "same key, other content", out[0], credo.ECONFLICT, "key")
		wantOutcome(t, "another entry of the batch", out[1], credo.Created, 0)
		if out[1].ID <= id {
			t.Errorf("entry created after a refusal has id %d, want above %d", out[1].ID, id)
		}
		wantEntries(t, "the entry after a clash", []*credo.ListEntry{mustEntry(t, s, id)}, []*credo.ListEntry{storedEntry(e, id)})
		if got := subjectEntries(t, s, codes[7]); len(got) != 1 {
			t.Errorf("a refused entry was stored: %v", entryIDs(got))
		}
	})

	t.Run("DuplicatesInOneBatch", func(t *testing.T) {
		s := h.Open(t)
		a := listEntry(7, abnormal, "1", 0)
		again := listEntry(7, abnormal, "1", 0)
		again.RecordedAt = lday(1)
		clash := listEntry(7, abnormal, "1", 0)
		clash.Until = lday(10 + 365) // another term
		b := listEntry(7, serious, "2", 0)
		out := mustAddEntries(t, s, a, again, clash, b)
		wantOutcome(t, "first of a key", out[0], credo.Created, 0)
		wantOutcome(t, "the same entry later in the batch", out[1], credo.Exists, out[0].ID)
		wantRefused(t, "other content under the key later in the batch", out[2], credo.ECONFLICT, "key")
		wantOutcome(t, "another key", out[3], credo.Created, 0)
		if out[3].ID <= out[0].ID {
			t.Errorf("ids %d then %d, want increasing", out[0].ID, out[3].ID)
		}
		wantEntries(t, "entries of the batch", subjectEntries(t, s, codes[7]),
			[]*credo.ListEntry{storedEntry(a, out[0].ID), storedEntry(b, out[3].ID)})
	})

	t.Run("ErrorMeansNothingStored", func(t *testing.T) {
		s := h.Open(t)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		batch := []*credo.ListEntry{listEntry(7, abnormal, "1", 0), listEntry(8, abnormal, "2", 0)}
		if _, err := s.AddListEntries(cancelled, batch); err == nil {
			return // the backend finished before looking at the context
		}
		for _, i := range []int{7, 8} {
			if got := subjectEntries(t, s, codes[i]); len(got) != 0 {
				t.Errorf("a failed AddListEntries stored entries %v of %s", entryIDs(got), codes[i])
			}
		}
		mustCreateEntries(t, s, batch...)
	})

	t.Run("Transitions", func(t *testing.T) {
		s := h.Open(t)
		es := []*credo.ListEntry{listEntry(7, abnormal, "1", 0), listEntry(8, abnormal, "2", 0),
			listEntry(14, abnormal, "3", 0), listEntry(15, abnormal, "4", 0)}
		ids := mustCreateEntries(t, s, es...)
		c := repairCase(7, samr, entryTarget(ids[0]), 100)
		mustFile(t, s, c)
		repaired := transition(ids[0], credo.EndRepaired, 120)
		repaired.Case = c.ID
		repaired.Actor = "account:org-" + codes[7]
		escalated := transition(ids[1], credo.EndEscalated, 100)
		escalated.At = lday(130) // ends when the new entry takes effect
		escalated.Note = ""
		escalated.Actor = credo.RegistryActor
		stored := mustAddTransitions(t, s, repaired, escalated)
		wantEntries(t, "entries ended", []*credo.ListEntry{mustEntry(t, s, ids[0]), mustEntry(t, s, ids[1])},
			[]*credo.ListEntry{storedEntry(es[0], ids[0], stored[0]), storedEntry(es[1], ids[1], stored[1])})

		t.Run("SecondEndingConflicts", func(t *testing.T) {
			err := s.AddListTransitions(ctx, []*credo.ListTransition{transition(ids[0], credo.EndRevoked, 130)})
			wantError(t, "a second ending", err, credo.ECONFLICT, "")
			wantSame(t, "transitions after a second ending", mustEntry(t, s, ids[0]).Transitions, stored[:1])
		})

		t.Run("SecondEndingInOneBatchConflicts", func(t *testing.T) {
			err := s.AddListTransitions(ctx, []*credo.ListTransition{
				transition(ids[2], credo.EndRevoked, 130), transition(ids[2], credo.EndOverturned, 131)})
			wantError(t, "two endings in one batch", err, credo.ECONFLICT, "")
			if got := mustEntry(t, s, ids[2]).Transitions; len(got) != 0 {
				t.Errorf("a failed batch stored transitions %+v", got)
			}
		})

		t.Run("StoredEndingInABatchConflicts", func(t *testing.T) {
			err := s.AddListTransitions(ctx, []*credo.ListTransition{
				transition(ids[2], credo.EndRevoked, 130), transition(ids[1], credo.EndRevoked, 131)})
			wantError(t, "a batch ending an ended entry", err, credo.ECONFLICT, "")
			if got := mustEntry(t, s, ids[2]).Transitions; len(got) != 0 {
				t.Errorf("a failed batch stored transitions %+v", got)
			}
			wantSame(t, "the ended entry's transitions", mustEntry(t, s, ids[1]).Transitions, stored[1:2])
		})

		t.Run("UnknownEntry", func(t *testing.T) {
			unknown := ids[len(ids)-1] + 1000
			err := s.AddListTransitions(ctx, []*credo.ListTransition{
				transition(ids[3], credo.EndRevoked, 130), transition(unknown, credo.EndRevoked, 130)})
			wantError(t, "a transition of an unknown entry", err, credo.ENOTFOUND, "")
			if got := mustEntry(t, s, ids[3]).Transitions; len(got) != 0 {
				t.Errorf("a failed batch stored transitions %+v", got)
			}
		})

		t.Run("AfterFailures", func(t *testing.T) {
			got := mustAddTransitions(t, s, transition(ids[2], credo.EndOverturned, 140), transition(ids[3], credo.EndRevoked, 141))
			if got[0].ID == stored[0].ID || got[0].ID == stored[1].ID || got[1].ID == got[0].ID {
				t.Errorf("transition ids %d, %d repeat %d, %d", got[0].ID, got[1].ID, stored[0].ID, stored[1].ID)
			}
		})
	})

	t.Run("ListEntryNotFound", func(t *testing.T) {
		s := h.Open(t)
		id := mustCreateEntries(t, s, listEntry(7, abnormal, "1", 0))[0]
		for _, missing := range []int64{0, -1, id + 1000} {
			_, err := s.ListEntry(ctx, missing)
			wantError(t, fmt.Sprintf("ListEntry(%d)", missing), err, credo.ENOTFOUND, "")
		}
	})

	t.Run("SubjectListEntries", func(t *testing.T) {
		s := h.Open(t)
		es := []*credo.ListEntry{listEntry(7, abnormal, "1", 0), listEntry(8, abnormal, "2", 0),
			listEntry(7, serious, "3", 20), listEntry(7, red, "4", 5)}
		ids := mustCreateEntries(t, s, es[:2]...)
		ids = append(ids, mustCreateEntries(t, s, es[2:]...)...)
		ended := mustAddTransitions(t, s, transition(ids[0], credo.EndRepaired, 200))
		wantEntries(t, "entries of "+codes[7], subjectEntries(t, s, codes[7]), []*credo.ListEntry{
			storedEntry(es[0], ids[0], ended[0]), storedEntry(es[2], ids[2]), storedEntry(es[3], ids[3])})
		for _, code := range []string{codes[9], "91350100M000100Y43"} {
			if got := subjectEntries(t, s, code); len(got) != 0 {
				t.Errorf("entries of %s: %v, want none", code, entryIDs(got))
			}
		}
	})

	t.Run("Query", func(t *testing.T) { testListQuery(t, h) })

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		a, b := listEntry(7, abnormal, "1", 0), listEntry(8, serious, "2", 3)
		ids := mustCreateEntries(t, s, a, b)
		ended := mustAddTransitions(t, s, transition(ids[0], credo.EndRepaired, 150))
		s = h.Reopen(t, s)
		wantEntries(t, "entries after reopening", []*credo.ListEntry{mustEntry(t, s, ids[0]), mustEntry(t, s, ids[1])},
			[]*credo.ListEntry{storedEntry(a, ids[0], ended[0]), storedEntry(b, ids[1])})
		wantOutcome(t, "a repeat after reopening", mustAddEntries(t, s, listEntry(7, abnormal, "1", 0))[0], credo.Exists, ids[0])
		err := s.AddListTransitions(ctx, []*credo.ListTransition{transition(ids[0], credo.EndRevoked, 160)})
		wantError(t, "a second ending after reopening", err, credo.ECONFLICT, "")
		c := mustCreateEntries(t, s, listEntry(14, abnormal, "3", 4))[0]
		if c <= ids[1] {
			t.Errorf("id after reopening %d, want above %d", c, ids[1])
		}
	})
}

// subjectEntries reads code's entries, checking they are by id.
func subjectEntries(t *testing.T, s credo.Store, code string) []*credo.ListEntry {
	t.Helper()
	got, err := s.SubjectListEntries(ctx, code)
	if err != nil {
		t.Fatalf("SubjectListEntries(%s): %v", code, err)
	}
	if !slices.IsSorted(entryIDs(got)) {
		t.Errorf("entries of %s not by id: %v", code, entryIDs(got))
	}
	return got
}

// testListQuery checks ListEntries on one store of entries whose lives
// cover the cases of ListQuery's clauses.
func testListQuery(t *testing.T, h Harness) {
	s := h.Open(t)
	type fixture struct {
		e  *credo.ListEntry
		tr *credo.ListTransition // its ending, nil for none
	}
	var fx []fixture
	add := func(e *credo.ListEntry, tr *credo.ListTransition) int {
		fx = append(fx, fixture{e, tr})
		return len(fx) - 1
	}
	// In effect from day 10, for three years; never ended.
	plain := add(listEntry(7, abnormal, "P", 0), nil)
	// In effect from day 15; repaired on day 200.
	repaired := add(listEntry(8, abnormal, "R", 5), transition(0, credo.EndRepaired, 200))
	// No maximum term; escalated: recorded on day 80, in effect on day 100.
	escalated := listEntry(14, serious, "E", 20)
	escalated.Until, escalated.RepairFrom = credo.Time{}, credo.Time{}
	esc := transition(0, credo.EndEscalated, 80)
	esc.At = lday(100)
	escalatedI := add(escalated, esc)
	// A short term: in effect from day 40, expires on day 60.
	short := listEntry(15, abnormal, "S", 30)
	short.Until = lday(60)
	shortI := add(short, nil)
	// Notified on day 40, recorded only on day 70 (in effect from day 50).
	late := listEntry(21, serious, "L", 40)
	late.RecordedAt = lday(70)
	lateI := add(late, nil)
	// A red list entry without term, revoked with effect from day 90 by a
	// decision recorded on day 120.
	redE := listEntry(17, red, "D", 50)
	redE.Until, redE.RepairFrom, redE.Source, redE.Authority = credo.Time{}, credo.Time{}, credo.SourceRule, credo.RegistryActor
	redE.Key = "rule:" + red + ":" + codes[17] + ":1"
	backdated := transition(0, credo.EndRevoked, 120)
	backdated.At = lday(90)
	backdated.Actor = credo.RegistryActor
	redI := add(redE, backdated)
	// Same organization as plain, another list; in effect from day 70.
	add(listEntry(7, serious, "P2", 60), nil)
	// Term to day 150, overturned on day 120.
	over := listEntry(4, abnormal, "O", 100)
	over.Until = lday(150)
	add(over, transition(0, credo.EndOverturned, 120))
	// Term to day 30, then revoked on day 35 (after it expired).
	exp := listEntry(14, abnormal, "X", 3)
	exp.Until = lday(30)
	add(exp, transition(0, credo.EndRevoked, 35))
	// Many more, for pagination: in effect from day 3k+10, some ended.
	for k := range 16 {
		e := listEntry(30+k, []string{abnormal, serious}[k%2], fmt.Sprint("M", k), 3*k)
		var tr *credo.ListTransition
		if k%3 == 0 {
			tr = transition(0, credo.EndRevoked, 3*k+40)
		}
		add(e, tr)
	}
	// Stored in three batches, the transitions in two.
	var entries []*credo.ListEntry
	for _, f := range fx {
		entries = append(entries, f.e)
	}
	var ids []int64
	for lo := 0; lo < len(entries); lo += 10 {
		ids = append(ids, mustCreateEntries(t, s, entries[lo:min(lo+10, len(entries))]...)...)
	}
	var trs []*credo.ListTransition
	for i, f := range fx {
		if f.tr != nil {
			f.tr.Entry = ids[i]
			trs = append(trs, f.tr)
		}
	}
	if err := s.AddListTransitions(ctx, trs[:3]); err != nil {
		t.Fatal(err)
	}
	if err := s.AddListTransitions(ctx, trs[3:]); err != nil {
		t.Fatal(err)
	}
	// all is every entry as stored, its transitions read back.
	var all []*credo.ListEntry
	for i, f := range fx {
		got := mustEntry(t, s, ids[i])
		var ts []credo.ListTransition
		if f.tr != nil {
			if len(got.Transitions) != 1 {
				t.Fatalf("entry %d: transitions %+v", ids[i], got.Transitions)
			}
			ts = got.Transitions
		}
		all = append(all, storedEntry(f.e, ids[i], ts...))
	}
	slices.Reverse(all) // newest first

	// want is what the contract says q selects, with the domain's StateAt
	// judging the status.
	want := func(q credo.ListQuery) []*credo.ListEntry {
		out := []*credo.ListEntry{}
		for _, e := range all {
			switch {
			case e.RecordedAt.After(q.AsOf),
				q.List != "" && e.List != q.List,
				q.Subject != "" && e.Subject != q.Subject,
				q.Division != "" && !strings.HasPrefix(e.Division, q.Division),
				!q.From.IsZero() && e.EffectiveAt.Before(q.From),
				!q.To.IsZero() && !e.EffectiveAt.Before(q.To),
				!q.UntilFrom.IsZero() && (e.Until.IsZero() || e.Until.Before(q.UntilFrom)),
				!q.UntilTo.IsZero() && (e.Until.IsZero() || !e.Until.Before(q.UntilTo)),
				q.Unended && len(e.Transitions) > 0,
				q.Status != "" && e.StateAt(q.AsOf).Status != q.Status:
				continue
			}
			out = append(out, e)
		}
		return out
	}
	check := func(t *testing.T, q credo.ListQuery) []*credo.ListEntry {
		t.Helper()
		got := allEntries(t, s, q)
		w := want(q)
		if !slices.Equal(entryIDs(got), entryIDs(w)) {
			t.Errorf("ListEntries(%+v): ids %v, want %v", q, entryIDs(got), entryIDs(w))
			return got
		}
		wantEntries(t, fmt.Sprintf("ListEntries(%+v)", q), got, w)
		return got
	}
	late2000 := lday(2000).Time
	statuses := []string{"", credo.ListNotified, credo.ListActive, credo.ListEnded}

	t.Run("AllNewestFirst", func(t *testing.T) {
		got := check(t, credo.ListQuery{AsOf: late2000})
		if len(got) != len(fx) {
			t.Errorf("%d entries, want every one of %d", len(got), len(fx))
		}
	})

	t.Run("List", func(t *testing.T) {
		for _, list := range []string{abnormal, serious, red, "no_such_list"} {
			got := check(t, credo.ListQuery{List: list, AsOf: late2000})
			for _, e := range got {
				if e.List != list {
					t.Errorf("list %s gave an entry of %s", list, e.List)
				}
			}
		}
	})

	t.Run("Subject", func(t *testing.T) {
		if got := check(t, credo.ListQuery{Subject: codes[7], AsOf: late2000}); len(got) != 2 {
			t.Errorf("entries of %s: %v, want 2", codes[7], entryIDs(got))
		}
		check(t, credo.ListQuery{Subject: codes[14], List: abnormal, AsOf: late2000})
		if got := check(t, credo.ListQuery{Subject: codes[9], AsOf: late2000}); len(got) != 0 {
			t.Errorf("entries of an organization never listed: %v", entryIDs(got))
		}
	})

	t.Run("DivisionPrefix", func(t *testing.T) {
		for _, d := range []string{"3", "34", "3406", "340600", "340603", "34060", "62", "620105", "9"} {
			check(t, credo.ListQuery{Division: d, AsOf: late2000})
		}
		if got := check(t, credo.ListQuery{Division: "340603", AsOf: late2000}); len(got) < 2 {
			t.Errorf("division 340603: %v, want several", entryIDs(got))
		}
		if got := check(t, credo.ListQuery{Division: "9", AsOf: late2000}); len(got) != 0 {
			t.Errorf("division 9: %v, want none", entryIDs(got))
		}
	})

	t.Run("EffectiveFromTo", func(t *testing.T) {
		// escalated takes effect on day 30 exactly, late on day 50.
		got := check(t, credo.ListQuery{From: lday(30).Time, To: lday(50).Time, AsOf: late2000})
		gotIDs := entryIDs(got)
		if !slices.Contains(gotIDs, ids[escalatedI]) {
			t.Errorf("From is inclusive: entry in effect at From missing from %v", gotIDs)
		}
		if slices.Contains(gotIDs, ids[lateI]) {
			t.Errorf("To is exclusive: entry in effect at To in %v", gotIDs)
		}
		check(t, credo.ListQuery{From: lday(30).Time, AsOf: late2000})
		check(t, credo.ListQuery{To: lday(30).Time, AsOf: late2000})
		check(t, credo.ListQuery{From: lday(30).Time.Add(time.Second), To: lday(50).Time.Add(time.Second), AsOf: late2000})
	})

	t.Run("KnownAtAsOf", func(t *testing.T) {
		// late was recorded on day 70: unknown a second before, known then.
		for _, q := range []credo.ListQuery{{AsOf: lday(70).Time.Add(-time.Second)}, {AsOf: lday(60).Time}} {
			for _, st := range statuses {
				q.Status = st
				if slices.Contains(entryIDs(check(t, q)), ids[lateI]) {
					t.Errorf("status %q as of %s: an entry recorded on %s", st, q.AsOf, late.RecordedAt)
				}
			}
		}
		if got := check(t, credo.ListQuery{AsOf: lday(70).Time, Status: credo.ListActive}); !slices.Contains(entryIDs(got), ids[lateI]) {
			t.Errorf("active as of its recording: %v, want entry %d (in effect since day 50)", entryIDs(got), ids[lateI])
		}
		if got := check(t, credo.ListQuery{AsOf: l0.Add(-time.Second)}); len(got) != 0 {
			t.Errorf("before anything was recorded: %v", entryIDs(got))
		}
	})

	// statusAt is the status an entry has as ListEntries judges it at at:
	// the one status query that returns it (or "" when none does).
	statusAt := func(t *testing.T, i int, at time.Time) string {
		t.Helper()
		var found []string
		for _, st := range statuses[1:] {
			for _, e := range allEntries(t, s, credo.ListQuery{Subject: fx[i].e.Subject, List: fx[i].e.List, Status: st, AsOf: at}) {
				if e.ID == ids[i] {
					found = append(found, st)
				}
			}
		}
		if len(found) > 1 {
			t.Errorf("entry %d as of %s has statuses %q", ids[i], at, found)
		}
		return strings.Join(found, "+")
	}
	sec := time.Second

	t.Run("StatusBoundaries", func(t *testing.T) {
		for _, tc := range []struct {
			what string
			i    int
			at   time.Time
			want string
		}{
			{"before notification", plain, l0.Add(-sec), ""},
			{"at notification", plain, l0, credo.ListNotified},
			{"a second before EffectiveAt", plain, lday(10).Add(-sec), credo.ListNotified},
			{"at EffectiveAt", plain, lday(10).Time, credo.ListActive},
			{"a second before Until", shortI, lday(60).Add(-sec), credo.ListActive},
			{"at Until", shortI, lday(60).Time, credo.ListEnded},
			{"after Until", shortI, lday(61).Time, credo.ListEnded},
			{"a second before a transition's At", repaired, lday(200).Add(-sec), credo.ListActive},
			{"at a transition's At", repaired, lday(200).Time, credo.ListEnded},
			{"a transition recorded, At in the future", escalatedI, lday(90).Time, credo.ListActive},
			{"a second before that At", escalatedI, lday(100).Add(-sec), credo.ListActive},
			{"at that At", escalatedI, lday(100).Time, credo.ListEnded},
			{"a transition in effect, not recorded yet", redI, lday(100).Time, credo.ListActive},
			{"a second before it is recorded", redI, lday(120).Add(-sec), credo.ListActive},
			{"when it is recorded", redI, lday(120).Time, credo.ListEnded},
			{"not recorded yet", lateI, lday(70).Add(-sec), ""},
			{"when recorded, in effect already", lateI, lday(70).Time, credo.ListActive},
		} {
			if got := statusAt(t, tc.i, tc.at); got != tc.want {
				t.Errorf("%s (entry %d as of %s): status %q, want %q", tc.what, ids[tc.i], tc.at, got, tc.want)
			}
		}
	})

	t.Run("StatusAsStateAtJudges", func(t *testing.T) {
		var days []time.Time
		for _, d := range []int{0, 3, 10, 13, 15, 20, 30, 35, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 150, 200, 1200, 1500} {
			days = append(days, lday(d).Time, lday(d).Add(-sec))
		}
		for _, at := range days {
			for _, st := range statuses {
				check(t, credo.ListQuery{Status: st, AsOf: at})
			}
		}
		check(t, credo.ListQuery{List: abnormal, Division: "3406", Status: credo.ListActive, AsOf: lday(50).Time})
		check(t, credo.ListQuery{List: serious, Status: credo.ListEnded, From: lday(20).Time, AsOf: lday(130).Time})
		for _, d := range []int{0, 400, 1100, 1200} {
			check(t, credo.ListQuery{UntilFrom: lday(d).Time, AsOf: late2000})
			check(t, credo.ListQuery{UntilTo: lday(d).Time, AsOf: late2000})
			check(t, credo.ListQuery{UntilFrom: lday(d).Time, UntilTo: lday(d + 200).Time, AsOf: late2000})
		}
	})

	t.Run("Unended", func(t *testing.T) {
		// Only entries with no stored transition at all, whether or not
		// the transition is in effect as of AsOf; an expired term is no
		// transition.
		got := check(t, credo.ListQuery{Unended: true, AsOf: lday(90).Time})
		gotIDs := entryIDs(got)
		if slices.Contains(gotIDs, ids[escalatedI]) {
			t.Errorf("Unended as of day 90 keeps entry %d, whose transition (recorded on day 80) takes effect on day 100", ids[escalatedI])
		}
		if !slices.Contains(gotIDs, ids[plain]) {
			t.Errorf("Unended as of day 90 lacks entry %d, never ended", ids[plain])
		}
		check(t, credo.ListQuery{Unended: true, AsOf: lday(50).Time})
		got = check(t, credo.ListQuery{Unended: true, AsOf: late2000})
		if !slices.Contains(entryIDs(got), ids[shortI]) {
			t.Errorf("Unended lacks entry %d, expired but with no transition", ids[shortI])
		}
		for _, e := range got {
			if len(e.Transitions) != 0 {
				t.Errorf("Unended gave entry %d with transitions", e.ID)
			}
		}
		check(t, credo.ListQuery{Unended: true, Status: credo.ListActive, AsOf: lday(100).Time})
		check(t, credo.ListQuery{Unended: true, List: serious, AsOf: lday(100).Time})
	})

	t.Run("CursorPagination", func(t *testing.T) {
		for _, limit := range []int{1, 2, 3, 7, len(fx) - 1, len(fx), len(fx) + 1, credo.MaxPageSize} {
			check(t, credo.ListQuery{AsOf: late2000, Limit: limit})
			check(t, credo.ListQuery{List: abnormal, Status: credo.ListActive, AsOf: lday(40).Time, Limit: limit})
			check(t, credo.ListQuery{Division: "340603", AsOf: late2000, Limit: limit})
		}
		page, err := s.ListEntries(ctx, credo.ListQuery{AsOf: late2000, Limit: len(fx)})
		if err != nil || len(page.Entries) != len(fx) || page.Next != "" {
			t.Errorf("limit = count: %v, %d entries, next %q; want all and no next", err, len(page.Entries), page.Next)
		}
		_, err = s.ListEntries(ctx, credo.ListQuery{AsOf: late2000, Limit: -1})
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
		_, err = s.ListEntries(ctx, credo.ListQuery{AsOf: late2000, Cursor: "garbage"})
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})
}
