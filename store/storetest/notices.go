package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// notice returns a notice to audience about codes[i], n minutes after t0,
// keyed by key ("" for none).
func notice(audience string, i, n int, key string) *credo.Notice {
	return &credo.Notice{Audience: audience, Subject: codes[i], Kind: credo.NoticeListing,
		What:    fmt.Sprintf("拟将贵单位列入经营异常名录（第%d号）", n),
		Why:     "未按照规定的期限公示年度报告",
		Options: []string{"在2025年7月10日前补报年度报告", "在2025年7月10日前提出异议"},
		Refs:    credo.Refs{Record: int64(n), ListEntry: int64(100 + n), Measure: "exclusion"},
		At:      credo.NewTime(t0.Add(time.Duration(n) * time.Minute)), Key: key}
}

// mustAddNotices adds notices, failing on an error.
func mustAddNotices(t *testing.T, s credo.Store, notices ...*credo.Notice) {
	t.Helper()
	if err := s.AddNotices(ctx, notices); err != nil {
		t.Fatalf("AddNotices: %v", err)
	}
}

// allNotices pages through audience's notices with limit, checking as
// allEntries does.
func allNotices(t *testing.T, s credo.Store, audience string, limit int) []*credo.Notice {
	t.Helper()
	out := []*credo.Notice{}
	seen := map[int64]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatal("Notices: more than 1000 pages")
		}
		page, err := s.Notices(ctx, audience, cursor, limit)
		if err != nil {
			t.Fatalf("Notices(%s, limit %d): %v", audience, limit, err)
		}
		max := limit
		if max == 0 {
			max = credo.DefaultPageSize
		}
		if len(page.Notices) > max {
			t.Fatalf("Notices: page of %d for limit %d", len(page.Notices), limit)
		}
		if page.Next != "" && len(page.Notices) == 0 {
			t.Fatal("Notices: empty page with a next cursor")
		}
		for _, n := range page.Notices {
			if seen[n.ID] {
				t.Fatalf("Notices(%s): notice %d on two pages", audience, n.ID)
			}
			seen[n.ID] = true
		}
		out = append(out, page.Notices...)
		if page.Next == "" {
			return out
		}
		cursor = page.Next
	}
}

func noticeIDs(ns []*credo.Notice) []int64 {
	out := make([]int64, len(ns))
	for i, n := range ns {
		out[i] = n.ID
	}
	return out
}

// newestFirst is ns by descending id.
func newestFirst(ns ...*credo.Notice) []*credo.Notice {
	out := slices.Clone(ns)
	slices.SortFunc(out, func(a, b *credo.Notice) int { return int(b.ID - a.ID) })
	return out
}

func testNotices(t *testing.T, h Harness) {
	t.Run("AddSetsIDs", func(t *testing.T) {
		s := h.Open(t)
		a, b, c := notice(codes[7], 7, 1, ""), notice(codes[7], 7, 2, "k-2"), notice(credo.AudienceAdmin, 8, 3, "")
		c.Subject, c.Options, c.Refs = "", nil, credo.Refs{Case: 9}
		mustAddNotices(t, s, a, b, c)
		if a.ID <= 0 || b.ID <= 0 || c.ID <= 0 || a.ID == b.ID || b.ID == c.ID || a.ID == c.ID {
			t.Fatalf("ids %d, %d, %d; want distinct positive ids", a.ID, b.ID, c.ID)
		}
		later := notice(codes[7], 7, 4, "")
		mustAddNotices(t, s, later)
		if later.ID <= max(a.ID, b.ID, c.ID) {
			t.Errorf("a later notice has id %d, want above %d, %d, %d", later.ID, a.ID, b.ID, c.ID)
		}
		wantSame(t, "notices of "+codes[7], allNotices(t, s, codes[7], 0), newestFirst(a, b, later))
		wantSame(t, "the administrators' notices", allNotices(t, s, credo.AudienceAdmin, 0), []*credo.Notice{c})
		if got := allNotices(t, s, codes[9], 0); len(got) != 0 {
			t.Errorf("notices of an audience with none: %v", noticeIDs(got))
		}
	})

	t.Run("KeySkipsRepeats", func(t *testing.T) {
		s := h.Open(t)
		first := notice(codes[7], 7, 1, "listing:1")
		mustAddNotices(t, s, first)
		again := notice(codes[7], 7, 5, "listing:1") // other content, same key
		fresh := notice(codes[7], 7, 2, "listing:2")
		mustAddNotices(t, s, again, fresh)
		if again.ID != 0 {
			t.Errorf("a notice whose key is stored got id %d, want 0", again.ID)
		}
		if fresh.ID <= 0 {
			t.Errorf("a new notice beside a repeat got id %d", fresh.ID)
		}
		wantSame(t, "notices after a repeat", allNotices(t, s, codes[7], 0), newestFirst(first, fresh))
	})

	t.Run("KeySkipsRepeatsInOneBatch", func(t *testing.T) {
		s := h.Open(t)
		a, b := notice(codes[7], 7, 1, "escalation:3"), notice(codes[7], 7, 2, "escalation:3")
		c := notice(codes[8], 8, 3, "escalation:3") // another inbox, the same key
		mustAddNotices(t, s, a, b, c)
		if a.ID <= 0 || b.ID != 0 || c.ID != 0 {
			t.Errorf("ids %d, %d, %d; want the first set and the repeats 0", a.ID, b.ID, c.ID)
		}
		wantSame(t, "notices after a repeat in the batch", allNotices(t, s, codes[7], 0), []*credo.Notice{a})
		if got := allNotices(t, s, codes[8], 0); len(got) != 0 {
			t.Errorf("a repeated key was stored in another inbox: %v", noticeIDs(got))
		}
	})

	t.Run("NoKeyNeverSkipped", func(t *testing.T) {
		s := h.Open(t)
		a, b := notice(codes[7], 7, 1, ""), notice(codes[7], 7, 1, "")
		mustAddNotices(t, s, a, b)
		c := notice(codes[7], 7, 1, "")
		mustAddNotices(t, s, c)
		if a.ID <= 0 || b.ID <= 0 || c.ID <= 0 {
			t.Errorf("ids %d, %d, %d of notices without a key; want all stored", a.ID, b.ID, c.ID)
		}
		if got := allNotices(t, s, codes[7], 0); len(got) != 3 {
			t.Errorf("%d notices stored, want 3", len(got))
		}
	})

	t.Run("CursorPagination", func(t *testing.T) {
		s := h.Open(t)
		var mine []*credo.Notice
		for n := range 11 {
			x := notice(codes[7], 7, n, fmt.Sprint("p:", n))
			other := notice(codes[8], 8, n, fmt.Sprint("q:", n))
			mustAddNotices(t, s, x, other)
			mine = append(mine, x)
		}
		want := newestFirst(mine...)
		for _, limit := range []int{1, 2, 3, 10, 11, 12, credo.MaxPageSize} {
			wantSame(t, fmt.Sprint("notices in pages of ", limit), allNotices(t, s, codes[7], limit), want)
		}
		page, err := s.Notices(ctx, codes[7], "", len(want))
		if err != nil || len(page.Notices) != len(want) || page.Next != "" {
			t.Errorf("limit = count: %v, %+v; want every notice and no next", err, page)
		}
		_, err = s.Notices(ctx, codes[7], "", -1)
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
		_, err = s.Notices(ctx, codes[7], "garbage", 2)
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		a, b := notice(codes[7], 7, 1, "d:1"), notice(codes[7], 7, 2, "")
		mustAddNotices(t, s, a, b)
		s = h.Reopen(t, s)
		wantSame(t, "notices after reopening", allNotices(t, s, codes[7], 0), newestFirst(a, b))
		again, c := notice(codes[7], 7, 3, "d:1"), notice(codes[7], 7, 4, "d:2")
		mustAddNotices(t, s, again, c)
		if again.ID != 0 {
			t.Errorf("a key stored before reopening was stored again as %d", again.ID)
		}
		if c.ID <= max(a.ID, b.ID) {
			t.Errorf("id after reopening %d, want above %d", c.ID, max(a.ID, b.ID))
		}
	})
}
