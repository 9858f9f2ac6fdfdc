package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// endsOf summarizes publicity ends as "record@until".
func endsOf(es []credo.PublicityEnd) []string {
	out := []string{}
	for _, e := range es {
		out = append(out, fmt.Sprintf("%d@%s", e.Record, e.Until.UTC().Format(time.RFC3339Nano)))
	}
	return out
}

func testPublicity(t *testing.T, h Harness) {
	at := func(day int) credo.Time {
		return credo.NewTime(time.Date(2027, 4, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, day))
	}
	end := func(id int64, i, day int) credo.PublicityEnd {
		return credo.PublicityEnd{Record: id, Subject: codes[i], Until: at(day)}
	}
	ending := func(t *testing.T, s credo.Store, from, to int, after credo.PublicityEnd, limit int) []credo.PublicityEnd {
		t.Helper()
		page, err := s.PublicityEnding(ctx, at(from).Time, at(to).Time, after, limit)
		if err != nil {
			t.Fatalf("PublicityEnding(%d, %d): %v", from, to, err)
		}
		return page
	}
	t.Run("NeverBuilt", func(t *testing.T) {
		s := h.Open(t)
		if pos, built, err := s.PublicityIndexed(ctx); err != nil || built || pos != 0 {
			t.Fatalf("PublicityIndexed of a new store = %d, %v, %v; want 0, false", pos, built, err)
		}
		if page := ending(t, s, -1000, 1000, credo.PublicityEnd{}, 0); len(page) != 0 {
			t.Fatalf("a new store's index holds %v", endsOf(page))
		}
	})
	t.Run("PositionOnlyGrows", func(t *testing.T) {
		s := h.Open(t)
		// Rows alone (a build under way) leave the index unbuilt.
		if err := s.IndexPublicity(ctx, []credo.PublicityEnd{end(1, 0, 1)}, -1); err != nil {
			t.Fatal(err)
		}
		if pos, built, err := s.PublicityIndexed(ctx); err != nil || built || pos != 0 {
			t.Fatalf("after IndexPublicity(ends, -1) on a new store: %d, %v, %v; want 0, false", pos, built, err)
		}
		for _, c := range []struct{ save, want int64 }{{0, 0}, {7, 7}, {3, 7}, {-1, 7}, {12, 12}} {
			if err := s.IndexPublicity(ctx, nil, c.save); err != nil {
				t.Fatal(err)
			}
			if pos, built, err := s.PublicityIndexed(ctx); err != nil || !built || pos != c.want {
				t.Fatalf("after IndexPublicity(nil, %d): %d, %v, %v; want %d, true", c.save, pos, built, err, c.want)
			}
		}
	})
	t.Run("Window", func(t *testing.T) {
		s := h.Open(t)
		// Given out of order; record 5 twice in one batch: the last wins.
		err := s.IndexPublicity(ctx, []credo.PublicityEnd{end(4, 1, 10), end(2, 0, 3), end(5, 2, 1), end(3, 0, 10), end(5, 2, 20), end(1, 0, 0)}, 9)
		if err != nil {
			t.Fatal(err)
		}
		if pos, built, err := s.PublicityIndexed(ctx); err != nil || !built || pos != 9 {
			t.Fatalf("PublicityIndexed = %d, %v, %v; want 9, true", pos, built, err)
		}
		want := func(what string, got []credo.PublicityEnd, ends ...credo.PublicityEnd) {
			t.Helper()
			if !slices.Equal(endsOf(got), endsOf(ends)) {
				t.Errorf("%s: %v, want %v", what, endsOf(got), endsOf(ends))
			}
			for i := range min(len(got), len(ends)) {
				if got[i].Subject != ends[i].Subject {
					t.Errorf("%s: record %d of %q, want %q", what, got[i].Record, got[i].Subject, ends[i].Subject)
				}
			}
		}
		want("[0, 21)", ending(t, s, 0, 21, credo.PublicityEnd{}, 0), end(1, 0, 0), end(2, 0, 3), end(3, 0, 10), end(4, 1, 10), end(5, 2, 20))
		// From is in the window, to is not.
		want("[3, 10)", ending(t, s, 3, 10, credo.PublicityEnd{}, 0), end(2, 0, 3))
		want("[4, 20)", ending(t, s, 4, 20, credo.PublicityEnd{}, 0), end(3, 0, 10), end(4, 1, 10))
		// Pages, ties by record.
		p1 := ending(t, s, 0, 21, credo.PublicityEnd{}, 3)
		want("first page", p1, end(1, 0, 0), end(2, 0, 3), end(3, 0, 10))
		want("second page", ending(t, s, 0, 21, p1[2], 3), end(4, 1, 10), end(5, 2, 20))
		want("after the last", ending(t, s, 0, 21, end(5, 2, 20), 3))
		// An end given again replaces the record's; a zero one removes it.
		if err := s.IndexPublicity(ctx, []credo.PublicityEnd{end(3, 0, 30), {Record: 2, Subject: codes[0]}, {Record: 99, Subject: codes[0]}}, -1); err != nil {
			t.Fatal(err)
		}
		want("after moving 3 and removing 2", ending(t, s, 0, 100, credo.PublicityEnd{}, 0), end(1, 0, 0), end(4, 1, 10), end(5, 2, 20), end(3, 0, 30))
		if pos, _, _ := s.PublicityIndexed(ctx); pos != 9 {
			t.Errorf("position %d after IndexPublicity(..., -1), want 9 kept", pos)
		}
		// Nanoseconds are kept.
		fine := credo.PublicityEnd{Record: 6, Subject: codes[1], Until: credo.NewTime(at(40).Add(1500 * time.Nanosecond))}
		if err := s.IndexPublicity(ctx, []credo.PublicityEnd{fine}, 0); err != nil { // 0 is below 9: kept
			t.Fatal(err)
		}
		want("an end between microseconds", ending(t, s, 40, 41, credo.PublicityEnd{}, 0), fine)
		_, err = s.PublicityEnding(ctx, at(0).Time, at(1).Time, credo.PublicityEnd{}, -1)
		wantError(t, "PublicityEnding(limit -1)", err, credo.EINVALID, "limit")
	})
	t.Run("ConcurrentIndexers", func(t *testing.T) {
		// Two passes indexing the same records at once, in other orders.
		s := h.Open(t)
		var a, b []credo.PublicityEnd
		for i := range 200 {
			a = append(a, end(int64(i+1), i%len(codes), i))
			b = append([]credo.PublicityEnd{end(int64(i+1), i%len(codes), i)}, b...)
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for n, batch := range [][]credo.PublicityEnd{a, b} {
			wg.Go(func() { errs[n] = s.IndexPublicity(ctx, batch, int64(n+1)) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if got := ending(t, s, 0, 1000, credo.PublicityEnd{}, credo.MaxPageSize); len(got) != 200 {
			t.Fatalf("%d ends indexed, want 200", len(got))
		}
		if pos, _, _ := s.PublicityIndexed(ctx); pos != 2 {
			t.Errorf("position %d, want 2", pos)
		}
	})
}
