package storetest

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// allChanges reads the whole log, a page of limit at a time.
func allChanges(t *testing.T, s credo.Store, q credo.ChangeQuery) []*credo.Change {
	t.Helper()
	var out []*credo.Change
	for {
		page, err := s.Changes(ctx, q)
		if err != nil {
			t.Fatalf("Changes(%+v): %v", q, err)
		}
		out = append(out, page...)
		if len(page) == 0 || q.Limit == 0 || len(page) < q.Limit {
			return out
		}
		q.After = page[len(page)-1].Position
	}
}

// summary is what a change says, without its position and time.
func summary(cs []*credo.Change) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Type + " " + c.Subject + " " + c.Ref
	}
	return out
}

func testChanges(t *testing.T, h Harness) {
	t.Run("EveryWriteAppends", func(t *testing.T) {
		s := h.Open(t)
		if head, err := s.Head(ctx); err != nil || head != 0 {
			t.Fatalf("Head of an empty store = %d, %v; want 0", head, err)
		}
		if err := s.CreateAuthority(ctx, authority(samr, "淮北市市场监督管理局", "3406"), "hash-a"); err != nil {
			t.Fatal(err)
		}
		mustPut(t, s, subject(0))
		mustPut(t, s, subject(0)) // the same content: no new version, no change
		p := penalty(0, "2024-001", 1)
		ids := mustCreate(t, s, p)
		mustAppend(t, s, p) // exists: no change
		corr := mustCreate(t, s, correction(p, "2024-001-c", ids[0], ""))
		retr := *penalty(0, "2024-002-r", 2)
		retr.Kind, retr.PenaltyTypes, retr.SupersedesExternalID = credo.KindRetraction, nil, "2024-001-c"
		rid := mustCreate(t, s, &retr)
		e := listEntry(0, abnormal, "7", 3)
		eo := mustAddEntries(t, s, e)
		if err := s.AddListTransitions(ctx, []*credo.ListTransition{transition(eo[0].ID, credo.EndRevoked, 5)}); err != nil {
			t.Fatal(err)
		}
		rep := repairCase(0, samr, recordTarget(ids[0]), 1)
		mustFile(t, s, rep)
		mustDecide(t, s, decision(rep.ID, credo.OutcomeApproved, 3))
		mustCreateAccount(t, s, orgAccount(0, "org-0"))
		if err := s.PublishRulebook(ctx, rulebook("national-market", "2025.1", 1)); err != nil {
			t.Fatal(err)
		}
		mustSave(t, s, change(assessment(0, 1, "A", dim{"market", "A", 100}, dim{"tax", "A", 95}), 1, credo.Cause{Kind: "record"}))
		mustSave(t, s, change(assessment(0, 2, "A", dim{"market", "A", 100}, dim{"tax", "A", 95}), 2, credo.Cause{Kind: "record"}))
		mustSave(t, s, change(assessment(0, 3, "B", dim{"market", "B", 80}, dim{"tax", "A", 95}), 3, credo.Cause{Kind: "record"}))

		got := allChanges(t, s, credo.ChangeQuery{})
		c0 := codes[0]
		id := func(n int64) string { return fmt.Sprint(n) }
		want := []string{
			"authority.created  " + samr,
			"registration.changed " + c0 + " 1",
			"record.accepted " + c0 + " " + id(ids[0]),
			"record.accepted " + c0 + " " + id(corr[0]),
			"record.withdrawn " + c0 + " " + id(ids[0]),
			"record.accepted " + c0 + " " + id(rid[0]),
			"record.withdrawn " + c0 + " " + id(corr[0]),
			"list_entry.notified " + c0 + " " + id(eo[0].ID),
			"list_entry.ended " + c0 + " " + id(eo[0].ID),
			"case.filed " + c0 + " " + id(rep.ID),
			"case.decided " + c0 + " " + id(rep.ID),
			"record.withdrawn " + c0 + " " + id(ids[0]),
			"account.created " + c0 + " org-0",
			"rulebook.published  national-market@2025.1",
			"grade.changed " + c0 + " comprehensive",
			"grade.changed " + c0 + " market",
			"grade.changed " + c0 + " tax",
			"grade.changed " + c0 + " comprehensive",
			"grade.changed " + c0 + " market",
		}
		wantSame(t, "the log", summary(got), want)
		for i, c := range got {
			if i > 0 && c.Position <= got[i-1].Position {
				t.Errorf("position %d after %d", c.Position, got[i-1].Position)
			}
			if c.At.IsZero() || !c.Data.IsValid() {
				t.Errorf("change %d: time %v, data %s", c.Position, c.At, c.Data)
			}
		}
		if head, err := s.Head(ctx); err != nil || head != got[len(got)-1].Position {
			t.Errorf("Head = %d, %v; want %d", head, err, got[len(got)-1].Position)
		}
		// What the data says.
		var w credo.RecordWithdrawnChange
		if err := json.Unmarshal(got[6].Data, &w); err != nil || w != (credo.RecordWithdrawnChange{Record: corr[0], Reason: credo.WithdrawnRetracted, By: rid[0]}) {
			t.Errorf("retraction's withdrawal: %+v, %v", w, err)
		}
		if err := json.Unmarshal(got[11].Data, &w); err != nil || w != (credo.RecordWithdrawnChange{Record: ids[0], Reason: credo.WithdrawnRepaired, By: rep.ID}) {
			t.Errorf("repair's withdrawal: %+v, %v", w, err)
		}
		var g credo.GradeChangedChange
		if err := json.Unmarshal(got[17].Data, &g); err != nil || g.PreviousGrade != "A" || g.Grade != "B" {
			t.Errorf("grade change: %+v, %v", g, err)
		}
		if err := json.Unmarshal(got[18].Data, &g); err != nil ||
			g != (credo.GradeChangedChange{Dimension: "market", PreviousGrade: "A", PreviousScore: 100, Grade: "B", Score: 80}) {
			t.Errorf("dimension change: %+v, %v", g, err)
		}
		var l credo.ListEntryChange
		if err := json.Unmarshal(got[8].Data, &l); err != nil || l.Reason != credo.EndRevoked || l.List != abnormal {
			t.Errorf("entry's end: %+v, %v", l, err)
		}
		if !got[8].At.Equal(lday(5).Time) || got[8].Key == "" {
			t.Errorf("entry's end at %v key %q; want %v and a key", got[8].At, got[8].Key, lday(5))
		}
	})

	t.Run("Query", func(t *testing.T) {
		s := h.Open(t)
		for i := range 5 {
			mustPut(t, s, subject(i))
			mustCreate(t, s, penalty(i, fmt.Sprintf("q-%d", i), i))
		}
		all := allChanges(t, s, credo.ChangeQuery{})
		if len(all) != 10 {
			t.Fatalf("%d changes, want 10", len(all))
		}
		paged := allChanges(t, s, credo.ChangeQuery{Limit: 3})
		wantSame(t, "paged", summary(paged), summary(all))
		after := allChanges(t, s, credo.ChangeQuery{After: all[3].Position, Upto: all[7].Position})
		wantSame(t, "after and upto", summary(after), summary(all[4:8]))
		typed := allChanges(t, s, credo.ChangeQuery{Types: []string{credo.ChangeRecordAccepted}})
		if len(typed) != 5 || typed[0].Type != credo.ChangeRecordAccepted {
			t.Errorf("records only: %v", summary(typed))
		}
		subj := allChanges(t, s, credo.ChangeQuery{Subjects: []string{codes[1], codes[3], "91340600000000000X"}})
		wantSame(t, "two subjects", summary(subj), []string{summary(all[2:3])[0], summary(all[3:4])[0], summary(all[6:7])[0], summary(all[7:8])[0]})
		none, err := s.Changes(ctx, credo.ChangeQuery{After: all[9].Position + 100})
		if err != nil || len(none) != 0 {
			t.Errorf("beyond the head: %v, %v", summary(none), err)
		}
		_, err = s.Changes(ctx, credo.ChangeQuery{Limit: -1})
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
	})

	t.Run("AppendChangesOnce", func(t *testing.T) {
		s := h.Open(t)
		e := listEntry(1, abnormal, "9", 1)
		eo := mustAddEntries(t, s, e)
		e.ID = eo[0].ID
		active := credo.ListEntryActiveChange(e)
		n, err := s.AppendChanges(ctx, []*credo.Change{active, credo.ListEntryActiveChange(e)})
		if err != nil || n != 1 || active.Position == 0 {
			t.Fatalf("AppendChanges = %d, %v (position %d); want 1 appended", n, err, active.Position)
		}
		again := credo.ListEntryActiveChange(e)
		if n, err := s.AppendChanges(ctx, []*credo.Change{again}); err != nil || n != 0 {
			t.Errorf("the same key again: %d, %v; want 0", n, err)
		}
		// Ended by time, then by an authority: one end.
		ended := credo.ListEntryEndedChange(e, e.Until.Time, credo.EndExpired)
		if n, err := s.AppendChanges(ctx, []*credo.Change{ended}); err != nil || n != 1 {
			t.Fatalf("expiry: %d, %v", n, err)
		}
		if err := s.AddListTransitions(ctx, []*credo.ListTransition{transition(e.ID, credo.EndRevoked, 2)}); err != nil {
			t.Fatal(err)
		}
		got := allChanges(t, s, credo.ChangeQuery{Types: []string{credo.ChangeListEntryEnded, credo.ChangeListEntryActive}})
		if len(got) != 2 || got[0].Position != active.Position || got[1].Position != ended.Position || !got[0].At.Equal(e.EffectiveAt.Time) {
			t.Errorf("time changes: %+v", got)
		}
		_, err = s.AppendChanges(ctx, []*credo.Change{{Type: credo.ChangeListEntryActive}})
		wantError(t, "a change without time or data", err, credo.EINVALID, "changes")
	})

	t.Run("Cursors", func(t *testing.T) {
		s := h.Open(t)
		if pos, err := s.Cursor(ctx, "grading"); err != nil || pos != 0 {
			t.Errorf("new cursor = %d, %v", pos, err)
		}
		for _, p := range []int64{5, 3} {
			if err := s.SaveCursor(ctx, "grading", p); err != nil {
				t.Fatal(err)
			}
		}
		if pos, err := s.Cursor(ctx, "grading"); err != nil || pos != 5 {
			t.Errorf("cursor = %d, %v; want 5 (never back)", pos, err)
		}
		if pos, err := s.Cursor(ctx, "notices"); err != nil || pos != 0 {
			t.Errorf("another cursor = %d, %v", pos, err)
		}
	})

	t.Run("RestoreChanges", func(t *testing.T) {
		src := h.Open(t)
		mustPut(t, src, subject(2))
		mustCreate(t, src, penalty(2, "r-1", 1), penalty(2, "r-2", 2))
		from := allChanges(t, src, credo.ChangeQuery{})
		if err := src.SaveCursor(ctx, "derive", from[1].Position); err != nil {
			t.Fatal(err)
		}
		dst := h.Open(t)
		for range 2 { // again: what is stored is skipped
			if err := dst.RestoreChanges(ctx, from); err != nil {
				t.Fatalf("RestoreChanges: %v", err)
			}
		}
		wantSame(t, "restored", jsonOf(t, allChanges(t, dst, credo.ChangeQuery{})), jsonOf(t, from))
		cursors, err := src.Cursors(ctx)
		if err != nil || len(cursors) != 1 || cursors["derive"] != from[1].Position {
			t.Errorf("Cursors = %v, %v", cursors, err)
		}
		// Later writes go after every restored position.
		mustPut(t, dst, subject(3))
		after := allChanges(t, dst, credo.ChangeQuery{After: from[len(from)-1].Position})
		if len(after) != 1 || after[0].Type != credo.ChangeRegistrationChanged {
			t.Errorf("after the restored log: %v", summary(after))
		}
		if head, err := dst.Head(ctx); err != nil || head != after[0].Position {
			t.Errorf("Head = %d, %v; want %d", head, err, after[0].Position)
		}
	})

	t.Run("ConcurrentWriters", func(t *testing.T) { ConcurrentLog(t, []credo.Store{h.Open(t)}) })
}

// ConcurrentLog checks the log's promise under concurrent writers on the
// stores given (several stores on one database: several nodes): a reader
// that follows the log, always asking after the last position it saw,
// ends up having seen every change. A change committed below a position
// the reader had already passed would be missed.
func ConcurrentLog(t *testing.T, nodes []credo.Store) {
	const writers, batches = 6, 15
	for i := range writers {
		mustPut(t, nodes[0], subject(i))
	}
	start, err := nodes[0].Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var seen []int64
	done := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		last := start
		r := nodes[len(nodes)-1]
		for finished := false; ; {
			select {
			case <-done:
				finished = true
			default:
			}
			head, err := r.Head(ctx)
			if err != nil {
				readerDone <- err
				return
			}
			page, err := r.Changes(ctx, credo.ChangeQuery{After: last, Upto: head, Limit: credo.MaxPageSize})
			if err != nil {
				readerDone <- err
				return
			}
			for _, c := range page {
				seen = append(seen, c.Position)
				last = c.Position
			}
			if len(page) < credo.MaxPageSize {
				last = max(last, head)
			}
			if finished && len(page) == 0 {
				readerDone <- nil
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		s := nodes[w%len(nodes)]
		wg.Go(func() {
			for b := range batches {
				var err error
				if b%3 == 2 {
					err = s.SaveAssessments(ctx, []*credo.AssessmentChange{change(
						assessment(w, b, string(rune('A'+b%4)), dim{"market", string(rune('A' + b%4)), float64(100 - b)}), b, credo.Cause{Kind: "record"})})
				} else {
					_, err = s.AppendRecords(ctx, []*credo.Record{penalty(w, fmt.Sprintf("c-%d-%d", w, b), b), penalty(w, fmt.Sprintf("c-%d-%d-b", w, b), b)})
				}
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				time.Sleep(time.Duration(b%3) * time.Millisecond)
			}
		})
	}
	wg.Wait()
	close(done)
	if err := <-readerDone; err != nil {
		t.Fatal(err)
	}
	all := allChanges(t, nodes[0], credo.ChangeQuery{After: start, Limit: credo.MaxPageSize})
	var want []int64
	for _, c := range all {
		want = append(want, c.Position)
	}
	if !slices.Equal(seen, want) {
		missed := []string{}
		for _, p := range want {
			if !slices.Contains(seen, p) {
				missed = append(missed, fmt.Sprint(p))
			}
		}
		t.Fatalf("the reader saw %d changes of %d; missed positions %s", len(seen), len(want), strings.Join(missed, ", "))
	}
	if len(want) < writers*batches {
		t.Fatalf("%d changes, want at least %d", len(want), writers*batches)
	}
}
