package storetest

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// testReplies checks credo.ReplyStore: append-only, oldest first, each
// logged in the same write.
func testReplies(t *testing.T, h Harness) {
	s := h.Open(t)
	putAll(t, s)

	t.Run("none is an empty slice", func(t *testing.T) {
		got, err := s.Replies(ctx, codes[0])
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("Replies of an organization with none: %v, %v; want an empty slice", got, err)
		}
	})
	at := time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	first := &credo.Reply{Subject: codes[0], Target: credo.Target{Kind: credo.TargetRecord, ID: 7},
		Text: "罚款已于2026年2月缴清，整改报告已报送。", By: "account:org-" + codes[0], At: credo.NewTime(at)}
	second := &credo.Reply{Subject: codes[0], Target: credo.Target{Kind: credo.TargetRecord, ID: 7},
		Text: "The fine was paid in full; <b>not</b> markup.", By: "account:org-" + codes[0], At: credo.NewTime(at.Add(time.Hour))}
	other := &credo.Reply{Subject: codes[1], Target: credo.Target{Kind: credo.TargetListEntry, ID: 3},
		Text: "已申请信用修复。", By: "account:org-" + codes[1], At: credo.NewTime(at)}
	for _, r := range []*credo.Reply{first, second, other} {
		if err := s.AddReply(ctx, r); err != nil {
			t.Fatalf("AddReply: %v", err)
		}
		if r.ID <= 0 {
			t.Fatalf("AddReply left the id %d", r.ID)
		}
	}
	if first.ID == second.ID || second.ID <= first.ID {
		t.Fatalf("ids %d then %d: want growing ids", first.ID, second.ID)
	}
	t.Run("every reply of the organization, oldest first, as stored", func(t *testing.T) {
		got, err := s.Replies(ctx, codes[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 {
			t.Fatalf("Replies: %s; want 2", jsonOf(t, got))
		}
		wantSame(t, "the first reply", got[0], first)
		wantSame(t, "the second reply", got[1], second)
		cur := credo.CurrentReplies(got)
		if cur[first.Target].ID != second.ID {
			t.Fatalf("the reply shown is %d, want the latest %d", cur[first.Target].ID, second.ID)
		}
	})
	t.Run("each reply is logged as reply.published", func(t *testing.T) {
		changes, err := s.Changes(ctx, credo.ChangeQuery{Types: []string{credo.ChangeReplyPublished}, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 3 {
			t.Fatalf("%d reply.published changes, want 3", len(changes))
		}
		want := credo.ReplyPublishedChange(first)
		if c := changes[0]; c.Subject != codes[0] || c.Ref != want.Ref || string(c.Data) != string(want.Data) {
			t.Fatalf("the first change: %s; want %s", jsonOf(t, c), jsonOf(t, want))
		}
	})
	t.Run("restored into another store with their ids, then appended above them", func(t *testing.T) {
		all, err := s.Replies(ctx, codes[0])
		if err != nil || len(all) != 2 || all[0].ID != first.ID || all[1].ID != second.ID {
			t.Fatalf("Replies: %v %v", all, err)
		}
		more, err := s.Replies(ctx, other.Subject)
		if err != nil || len(more) != 1 {
			t.Fatalf("Replies of %s: %v %v", other.Subject, more, err)
		}
		all = append(all, more...)
		dst := h.Open(t)
		if err := dst.RestoreReplies(ctx, all[:2]); err != nil {
			t.Fatal(err)
		}
		if err := dst.RestoreReplies(ctx, all); err != nil { // resumed: the first two are skipped
			t.Fatal(err)
		}
		got, err := dst.Replies(ctx, codes[0])
		if err != nil {
			t.Fatal(err)
		}
		more, err = dst.Replies(ctx, other.Subject)
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "restored replies", append(got, more...), all)
		if cs, _ := dst.Changes(ctx, credo.ChangeQuery{Types: []string{credo.ChangeReplyPublished}}); len(cs) != 0 {
			t.Fatalf("a restore logged %d changes", len(cs))
		}
		next := &credo.Reply{Subject: codes[0], Target: first.Target, Text: "补充说明。", By: first.By, At: credo.NewTime(at.Add(2 * time.Hour))}
		if err := dst.AddReply(ctx, next); err != nil || next.ID <= other.ID {
			t.Fatalf("AddReply after a restore: id %d (%v), want above %d", next.ID, err, other.ID)
		}
	})
}
