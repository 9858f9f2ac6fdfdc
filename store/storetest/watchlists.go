package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// testWatchlists checks credo.WatchlistStore: create, read, list by
// owner, member changes (idempotent, appended, bounded), deletion.
func testWatchlists(t *testing.T, h Harness) {
	s := h.Open(t)
	at := t0.Add(time.Hour)
	w := &credo.Watchlist{Owner: "acct-client", Name: "供应商", Types: []string{"credo.grade.changed", "credo.list_entry.active"},
		PartnerDepth: 1, CreatedAt: credo.NewTime(at)}
	if err := s.CreateWatchlist(ctx, w); err != nil {
		t.Fatalf("CreateWatchlist: %v", err)
	}
	if w.ID == 0 {
		t.Fatal("CreateWatchlist set no id")
	}
	other := &credo.Watchlist{Owner: "acct-other", Name: "x", Types: []string{}, CreatedAt: credo.NewTime(at)}
	if err := s.CreateWatchlist(ctx, other); err != nil {
		t.Fatalf("CreateWatchlist: %v", err)
	}
	if other.ID == w.ID {
		t.Fatal("two watchlists share an id")
	}

	got, err := s.Watchlist(ctx, w.ID)
	if err != nil {
		t.Fatalf("Watchlist: %v", err)
	}
	if got.Owner != w.Owner || got.Name != w.Name || !slices.Equal(got.Types, w.Types) || got.PartnerDepth != 1 ||
		!got.CreatedAt.Equal(at) || !got.DeletedAt.IsZero() || got.Members != 0 {
		t.Fatalf("Watchlist = %+v, want %+v", got, w)
	}
	if _, err := s.Watchlist(ctx, w.ID+other.ID+100); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("Watchlist(unknown) = %v, want ENOTFOUND", err)
	}
	if ws, err := s.Watchlists(ctx, "acct-client"); err != nil || len(ws) != 1 || ws[0].ID != w.ID {
		t.Fatalf("Watchlists(acct-client) = %v, %v; want [%d]", ws, err, w.ID)
	}
	if ws, err := s.Watchlists(ctx, "nobody"); err != nil || ws == nil || len(ws) != 0 {
		t.Fatalf("Watchlists(nobody) = %#v, %v; want an empty slice", ws, err)
	}

	// Adding twice, removing a non-member: the set is what it should be.
	if err := s.ChangeWatchlistMembers(ctx, w.ID, []string{codes[2], codes[0], codes[1]}, nil, at); err != nil {
		t.Fatalf("ChangeWatchlistMembers: %v", err)
	}
	if err := s.ChangeWatchlistMembers(ctx, w.ID, []string{codes[0], codes[3]}, []string{codes[1], codes[4]}, at); err != nil {
		t.Fatalf("ChangeWatchlistMembers: %v", err)
	}
	want := slices.Sorted(slices.Values([]string{codes[0], codes[2], codes[3]}))
	if m, err := s.WatchlistMembers(ctx, w.ID); err != nil || !slices.Equal(m, want) {
		t.Fatalf("WatchlistMembers = %v, %v; want %v", m, err, want)
	}
	if got, err := s.Watchlist(ctx, w.ID); err != nil || got.Members != 3 {
		t.Fatalf("Watchlist members = %v, %v; want 3", got, err)
	}
	if m, err := s.WatchlistMembers(ctx, other.ID); err != nil || m == nil || len(m) != 0 {
		t.Fatalf("WatchlistMembers(other) = %#v, %v; want an empty slice", m, err)
	}
	if err := s.ChangeWatchlistMembers(ctx, w.ID+other.ID+100, []string{codes[0]}, nil, at); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("ChangeWatchlistMembers(unknown) = %v, want ENOTFOUND", err)
	}

	// The limit: up to MaxWatchlistMembers; one more is refused and
	// nothing of that call is stored.
	many := make([]string, credo.MaxWatchlistMembers-3)
	for i := range many {
		many[i] = fmt.Sprintf("Z%017d", i)
	}
	if err := s.ChangeWatchlistMembers(ctx, w.ID, many, nil, at); err != nil {
		t.Fatalf("ChangeWatchlistMembers(up to the limit): %v", err)
	}
	err = s.ChangeWatchlistMembers(ctx, w.ID, []string{codes[5], codes[6]}, []string{codes[0]}, at)
	if e := credo.AsError(err); e == nil || e.Code != credo.EINVALID || e.Field != "members" || e.Reason != "limit" {
		t.Fatalf("ChangeWatchlistMembers(over the limit) = %v, want EINVALID members limit", err)
	}
	if got, err := s.Watchlist(ctx, w.ID); err != nil || got.Members != credo.MaxWatchlistMembers {
		t.Fatalf("after a refused change: %v, %v; want %d members", got, err, credo.MaxWatchlistMembers)
	}

	// Deletion is stored; the watchlist reads deleted, lists no more, and
	// takes no more changes.
	if err := s.DeleteWatchlist(ctx, w.ID, at.Add(time.Minute)); err != nil {
		t.Fatalf("DeleteWatchlist: %v", err)
	}
	if got, err := s.Watchlist(ctx, w.ID); err != nil || !got.DeletedAt.Equal(at.Add(time.Minute)) {
		t.Fatalf("deleted Watchlist = %v, %v", got, err)
	}
	if ws, err := s.Watchlists(ctx, "acct-client"); err != nil || len(ws) != 0 {
		t.Fatalf("Watchlists after deletion = %v, %v", ws, err)
	}
	if err := s.DeleteWatchlist(ctx, w.ID, at); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("DeleteWatchlist twice = %v, want ENOTFOUND", err)
	}
	if err := s.ChangeWatchlistMembers(ctx, w.ID, []string{codes[7]}, nil, at); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("ChangeWatchlistMembers(deleted) = %v, want ENOTFOUND", err)
	}
}
