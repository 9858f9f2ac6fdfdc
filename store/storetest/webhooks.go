package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// testWebhooks checks credo.WebhookStore: endpoints of live watchlists,
// rotation, endpoints and the watched state's mark, the membership
// history, the cursor's compare-and-set, claims (heads of each
// endpoint and organization with their runs, leases), outcomes, dead
// letters, pausing and replay, deletion.
func testWebhooks(t *testing.T, h Harness) {
	s := h.Open(t)
	at := t0.Add(time.Hour)
	const a, b = "91340600MA2MT9X45R", "91310000MA1FL5JD4B"
	wl := &credo.Watchlist{Owner: "acct-client", Name: "供应商", Types: []string{"credo.grade.changed"}, CreatedAt: credo.NewTime(at)}
	if err := s.CreateWatchlist(ctx, wl); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeWatchlistMembers(ctx, wl.ID, []string{a, b}, nil, at); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateWebhook(ctx, &credo.Webhook{Owner: "acct-client", Watchlist: 999999, URL: "https://203.0.113.10/", Secret: "whsec_x", CreatedAt: credo.NewTime(at)}); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("endpoint of an unknown watchlist: %v", err)
	}
	hook := &credo.Webhook{Owner: "acct-client", Watchlist: wl.ID, URL: "https://203.0.113.10/credo", Secret: "whsec_one", CreatedAt: credo.NewTime(at)}
	if err := s.CreateWebhook(ctx, hook); err != nil || hook.ID == 0 {
		t.Fatalf("CreateWebhook: %v (id %d)", err, hook.ID)
	}
	if err := s.RotateWebhookSecret(ctx, hook.ID, "whsec_two", at.Add(24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Webhook(ctx, hook.ID)
	if err != nil || got.Secret != "whsec_two" || got.Previous != "whsec_one" || !got.PreviousUntil.Equal(at.Add(24*time.Hour)) ||
		got.URL != hook.URL || got.Watchlist != wl.ID || !got.CreatedAt.Equal(at) || !got.PausedAt.IsZero() {
		t.Fatalf("Webhook: %+v, %v", got, err)
	}
	if _, err := s.Webhook(ctx, 999999); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("unknown webhook: %v", err)
	}
	if hs, err := s.Webhooks(ctx, "acct-client"); err != nil || len(hs) != 1 || hs[0].ID != hook.ID {
		t.Fatalf("Webhooks: %+v, %v", hs, err)
	}
	targets, err := s.WebhookEndpoints(ctx)
	if err != nil || len(targets) != 1 || targets[0].Code != "" || targets[0].Watchlist != wl.ID || targets[0].Webhook != hook.ID ||
		targets[0].Owner != "acct-client" || !slices.Equal(targets[0].Types, wl.Types) || targets[0].PartnerDepth != 0 {
		t.Fatalf("WebhookEndpoints: %+v, %v", targets, err)
	}
	// The membership history, in id order, from any point; the mark moves
	// with the history and with endpoints and watchlists made.
	history, err := s.WatchlistMemberChanges(ctx, 0, 10)
	if err != nil || len(history) != 2 || history[0].Watchlist != wl.ID || !history[0].Added || history[0].ID >= history[1].ID ||
		!slices.Equal([]string{history[0].Code, history[1].Code}, []string{a, b}) {
		t.Fatalf("WatchlistMemberChanges: %+v, %v", history, err)
	}
	if rest, err := s.WatchlistMemberChanges(ctx, history[0].ID, 10); err != nil || len(rest) != 1 || rest[0] != history[1] {
		t.Fatalf("WatchlistMemberChanges after the first: %+v, %v", rest, err)
	}
	if first, err := s.WatchlistMemberChanges(ctx, 0, 1); err != nil || len(first) != 1 || first[0] != history[0] {
		t.Fatalf("WatchlistMemberChanges, limit 1: %+v, %v", first, err)
	}
	mark, err := s.WebhookWatchMark(ctx)
	if err != nil || mark != (credo.WebhookWatchMark{MemberChange: history[1].ID, LiveWatchlists: 1, LastWatchlist: wl.ID, WatchlistSum: wl.ID, LiveWebhooks: 1, LastWebhook: hook.ID, WebhookSum: hook.ID}) {
		t.Fatalf("WebhookWatchMark: %+v, %v", mark, err)
	}
	if again, _ := s.WebhookWatchMark(ctx); again != mark {
		t.Fatalf("the mark moved with nothing changed: %+v, then %+v", mark, again)
	}
	// A second watchlist (depth 1) with an endpoint; a member removed.
	wl2 := &credo.Watchlist{Owner: "acct-other", Name: "关联方", Types: []string{}, PartnerDepth: 1, CreatedAt: credo.NewTime(at)}
	if err := s.CreateWatchlist(ctx, wl2); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeWatchlistMembers(ctx, wl2.ID, []string{a}, nil, at); err != nil {
		t.Fatal(err)
	}
	hook2 := &credo.Webhook{Owner: "acct-other", Watchlist: wl2.ID, URL: "https://203.0.113.11/", Secret: "whsec_3", CreatedAt: credo.NewTime(at)}
	if err := s.CreateWebhook(ctx, hook2); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeWatchlistMembers(ctx, wl2.ID, nil, []string{a}, at); err != nil {
		t.Fatal(err)
	}
	more, err := s.WatchlistMemberChanges(ctx, history[1].ID, 10)
	if err != nil || len(more) != 2 || more[0].Watchlist != wl2.ID || more[0].Code != a || !more[0].Added || more[1].Added || more[1].ID <= more[0].ID {
		t.Fatalf("WatchlistMemberChanges after a change of members: %+v, %v", more, err)
	}
	mark2, _ := s.WebhookWatchMark(ctx)
	if mark2 != (credo.WebhookWatchMark{MemberChange: more[1].ID, LiveWatchlists: 2, LastWatchlist: wl2.ID, WatchlistSum: wl.ID + wl2.ID, LiveWebhooks: 2, LastWebhook: hook2.ID, WebhookSum: hook.ID + hook2.ID}) {
		t.Fatalf("WebhookWatchMark after a second watchlist: %+v", mark2)
	}
	if targets, _ := s.WebhookEndpoints(ctx); len(targets) != 2 || targets[1].Webhook != hook2.ID || targets[1].PartnerDepth != 1 || targets[1].Owner != "acct-other" {
		t.Fatalf("WebhookEndpoints with a second watchlist: %+v", targets)
	}
	// A deleted watchlist's endpoint is no target; the mark counts it out.
	if err := s.DeleteWatchlist(ctx, wl2.ID, at); err != nil {
		t.Fatal(err)
	}
	if targets, _ := s.WebhookEndpoints(ctx); len(targets) != 1 || targets[0].Webhook != hook.ID {
		t.Fatalf("WebhookEndpoints after a watchlist's deletion: %+v", targets)
	}
	if m, _ := s.WebhookWatchMark(ctx); m.LiveWatchlists != 1 || m.WatchlistSum != wl.ID || m.LiveWebhooks != 2 || m == mark2 {
		t.Fatalf("WebhookWatchMark after a watchlist's deletion: %+v", m)
	}

	// The cursor moves only from where it is.
	if c, err := s.WebhookCursor(ctx); err != nil || c != 0 {
		t.Fatalf("WebhookCursor: %d, %v", c, err)
	}
	var ds []*credo.WebhookDelivery
	for i, code := range []string{a, a, b, a} {
		ds = append(ds, &credo.WebhookDelivery{Webhook: hook.ID, Position: int64(10 + i), Subject: code, Event: []byte(`{"id":"x"}`), NextAt: credo.NewTime(at)})
	}
	if err := s.EnqueueWebhookDeliveries(ctx, 0, 20, ds); err != nil {
		t.Fatal(err)
	}
	if err := s.EnqueueWebhookDeliveries(ctx, 0, 30, ds[:1]); credo.ErrorCodeOf(err) != credo.ECONFLICT {
		t.Fatalf("enqueue from a cursor that moved: %v", err)
	}
	if c, _ := s.WebhookCursor(ctx); c != 20 {
		t.Fatalf("cursor %d after a refused enqueue", c)
	}

	// Claims: each organization's head with its run; nothing another node holds.
	claimed, err := s.ClaimWebhookDeliveries(ctx, nil, "n1", at, time.Minute, 10, 2)
	if err != nil || len(claimed) != 3 || claimed[0].ID != ds[0].ID || claimed[1].ID != ds[1].ID || claimed[2].ID != ds[2].ID {
		t.Fatalf("claimed %v, %v; want the first two of a and the one of b", deliveryIDs(claimed), err)
	}
	if again, err := s.ClaimWebhookDeliveries(ctx, nil, "n2", at, time.Minute, 10, 8); err != nil || len(again) != 0 {
		t.Fatalf("a second node claimed %v, %v", deliveryIDs(again), err)
	}
	// Outcomes stored and the next claimed in one call: a delivered, a's
	// second failed, b released (and claimed again, while a's head waits).
	claimed, err = s.ClaimWebhookDeliveries(ctx, []credo.WebhookResult{
		{Delivery: ds[0].ID, Webhook: hook.ID, Delivered: true},
		{Delivery: ds[1].ID, Webhook: hook.ID, Attempts: 1, FirstFailedAt: at, NextAt: at.Add(time.Minute), Status: 500, Error: "answered 500", At: at},
		{Delivery: ds[2].ID, Webhook: hook.ID, Released: true},
	}, "n2", at, time.Minute, 10, 8)
	if err != nil || len(claimed) != 1 || claimed[0].ID != ds[2].ID {
		t.Fatalf("while a's head waits: claimed %v, %v", deliveryIDs(claimed), err)
	}
	if got, _ := s.Webhook(ctx, hook.ID); !got.FailingSince.Equal(at) {
		t.Fatalf("failing since %v", got.FailingSince)
	}
	// A lease that ran out is taken over.
	claimed, _ = s.ClaimWebhookDeliveries(ctx, nil, "n3", at.Add(2*time.Minute), time.Minute, 10, 8)
	if len(claimed) != 3 || claimed[0].ID != ds[1].ID || claimed[0].Attempts != 1 || claimed[0].LastStatus != 500 || claimed[2].ID != ds[3].ID {
		t.Fatalf("after the leases ran out: %v", deliveryIDs(claimed))
	}
	// Dead: listed, paused, replayed.
	err = s.FinishWebhookDeliveries(ctx, []credo.WebhookResult{
		{Delivery: ds[1].ID, Webhook: hook.ID, Attempts: 9, FirstFailedAt: at, NextAt: at.Add(25 * time.Hour), Status: 0, Error: "no answer in time", Dead: true, At: at.Add(25 * time.Hour)},
		{Delivery: ds[2].ID, Webhook: hook.ID, Delivered: true},
		{Delivery: ds[3].ID, Webhook: hook.ID, Released: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if paused, err := s.PauseWebhook(ctx, hook.ID, at.Add(25*time.Hour)); err != nil || !paused {
		t.Fatalf("PauseWebhook: %v, %v", paused, err)
	}
	if paused, _ := s.PauseWebhook(ctx, hook.ID, at.Add(26*time.Hour)); paused {
		t.Fatal("paused twice")
	}
	dead, err := s.WebhookDeadLetters(ctx, hook.ID, 0, 10)
	if err != nil || len(dead) != 1 || dead[0].ID != ds[1].ID || dead[0].DeadAt.IsZero() || dead[0].LastError != "no answer in time" || dead[0].Attempts != 9 {
		t.Fatalf("dead letters %+v, %v", dead, err)
	}
	if claimed, _ := s.ClaimWebhookDeliveries(ctx, nil, "n1", at.Add(48*time.Hour), time.Minute, 10, 8); len(claimed) != 0 {
		t.Fatalf("claimed for a paused endpoint: %v", deliveryIDs(claimed))
	}
	if n, err := s.ReplayWebhook(ctx, hook.ID, at.Add(26*time.Hour)); err != nil || n != 1 {
		t.Fatalf("ReplayWebhook: %d, %v", n, err)
	}
	claimed, _ = s.ClaimWebhookDeliveries(ctx, nil, "n1", at.Add(26*time.Hour), time.Minute, 10, 8)
	if len(claimed) != 2 || claimed[0].ID != ds[1].ID || !claimed[0].Replayed || claimed[0].Attempts != 0 || claimed[1].ID != ds[3].ID {
		t.Fatalf("after replay: %+v", claimed)
	}
	if got, _ := s.Webhook(ctx, hook.ID); !got.PausedAt.IsZero() || !got.FailingSince.IsZero() || got.DeadLetters != 0 {
		t.Fatalf("after replay: %+v", got)
	}
	if err := s.ReleaseWebhookLeases(ctx); err != nil {
		t.Fatal(err)
	}
	if claimed, _ := s.ClaimWebhookDeliveries(ctx, nil, "n2", at.Add(26*time.Hour), time.Minute, 10, 8); len(claimed) != 2 {
		t.Fatalf("after releasing leases: %v", deliveryIDs(claimed))
	}
	// Deleted: no targets, no claims, not listed.
	if err := s.DeleteWebhook(ctx, hook.ID, at.Add(27*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteWebhook(ctx, hook.ID, at.Add(27*time.Hour)); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("deleted twice: %v", err)
	}
	if targets, _ := s.WebhookEndpoints(ctx); len(targets) != 0 {
		t.Fatalf("targets of a deleted endpoint: %+v", targets)
	}
	if m, _ := s.WebhookWatchMark(ctx); m.LiveWebhooks != 1 || m.LastWebhook != hook2.ID || m.WebhookSum != hook2.ID {
		t.Fatalf("WebhookWatchMark after an endpoint's deletion: %+v", m)
	}
	if hs, _ := s.Webhooks(ctx, "acct-client"); len(hs) != 0 {
		t.Fatalf("deleted endpoint listed: %+v", hs)
	}
	if claimed, _ := s.ClaimWebhookDeliveries(ctx, nil, "n1", at.Add(30*time.Hour), time.Minute, 10, 8); len(claimed) != 0 {
		t.Fatalf("claimed for a deleted endpoint: %v", deliveryIDs(claimed))
	}
}

func deliveryIDs(ds []*credo.WebhookDelivery) []int64 {
	var out []int64
	for _, d := range ds {
		out = append(out, d.ID)
	}
	return out
}

// testGivenIDs: a watchlist and an endpoint created with an ID (as a copy
// does) keep it, one that names a taken id changes nothing, and the next
// ones created draw ids above the given ones.
func testGivenIDs(t *testing.T, h Harness) {
	s := h.Open(t)
	at := credo.NewTime(t0)
	wl := &credo.Watchlist{ID: 41, Owner: "acct-client", Name: "copied", Types: []string{}, CreatedAt: at}
	if err := s.CreateWatchlist(ctx, wl); err != nil || wl.ID != 41 {
		t.Fatalf("CreateWatchlist with id 41: id %d, %v", wl.ID, err)
	}
	hook := &credo.Webhook{ID: 17, Owner: "acct-client", Watchlist: 41, URL: "https://203.0.113.10/credo", Secret: "whsec_one", CreatedAt: at}
	if err := s.CreateWebhook(ctx, hook); err != nil || hook.ID != 17 {
		t.Fatalf("CreateWebhook with id 17: id %d, %v", hook.ID, err)
	}
	if err := s.CreateWatchlist(ctx, &credo.Watchlist{ID: 41, Owner: "acct-other", Name: "again", Types: []string{}, CreatedAt: at}); err == nil {
		t.Fatal("a second watchlist 41 was stored")
	}
	if got, err := s.Watchlist(ctx, 41); err != nil || got.Owner != "acct-client" || got.Name != "copied" {
		t.Fatalf("watchlist 41 = %+v, %v; want the first", got, err)
	}
	next := &credo.Watchlist{Owner: "acct-client", Name: "new", Types: []string{}, CreatedAt: at}
	if err := s.CreateWatchlist(ctx, next); err != nil || next.ID <= 41 {
		t.Fatalf("the next watchlist: id %d, %v; want above 41", next.ID, err)
	}
	nextHook := &credo.Webhook{Owner: "acct-client", Watchlist: next.ID, URL: "https://203.0.113.10/b", Secret: "whsec_two", CreatedAt: at}
	if err := s.CreateWebhook(ctx, nextHook); err != nil || nextHook.ID <= 17 {
		t.Fatalf("the next webhook: id %d, %v; want above 17", nextHook.ID, err)
	}
}
