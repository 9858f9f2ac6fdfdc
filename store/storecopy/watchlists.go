package storecopy

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/credo-registry/credo"
)

// eachWatchlist: monitoring, through the ordinary writes (which keep the
// ids given them): every account's watchlists with their members, and
// their webhook endpoints with their secrets (the one rotated out too,
// while it still signs) and pause; the deleted watchlists a live endpoint
// still names, deleted after it is made; then the position up to which
// the source's worker has queued deliveries, so that the target's does
// not deliver the log's past again. Not carried: deleted endpoints and the
// deleted watchlists no endpoint names (nothing reads them), the history
// of members (the members are), and the delivery queue and dead letters,
// which are the worker's working state (credo.WebhookStore): deliveries
// the source had queued and not made are not made by the target.
func eachWatchlist(ctx context.Context, st credo.Store, s *sums, fn func(int, putFunc) error) error {
	accounts, err := st.Accounts(ctx)
	if err != nil {
		return fmt.Errorf("listing accounts: %w", err)
	}
	lists, members := map[int64]*credo.Watchlist{}, map[int64][]string{}
	var hooks []*credo.Webhook
	for _, a := range accounts {
		ws, err := st.Watchlists(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("reading the watchlists of %s: %w", a.ID, err)
		}
		for _, w := range ws {
			lists[w.ID] = w
		}
		hs, err := st.Webhooks(ctx, a.ID)
		if err != nil {
			return fmt.Errorf("reading the webhooks of %s: %w", a.ID, err)
		}
		hooks = append(hooks, hs...)
	}
	slices.SortFunc(hooks, func(a, b *credo.Webhook) int { return int(a.ID - b.ID) })
	for _, h := range hooks {
		if lists[h.Watchlist] == nil {
			if lists[h.Watchlist], err = st.Watchlist(ctx, h.Watchlist); err != nil {
				return fmt.Errorf("reading watchlist %d of webhook %d: %w", h.Watchlist, h.ID, err)
			}
		}
	}
	ids := slices.Sorted(maps.Keys(lists))
	for _, id := range ids {
		if members[id], err = st.WatchlistMembers(ctx, id); err != nil {
			return fmt.Errorf("reading the members of watchlist %d: %w", id, err)
		}
		s.add(partWatchlists, id, jsonOf(lists[id]), strings.Join(members[id], ","))
	}
	for _, h := range hooks {
		c := *h
		c.FailingSince, c.DeadLetters = credo.Time{}, 0 // the worker's state, not carried
		s.add(partWebhooks, h.ID, jsonOf(&c), h.Secret, h.Previous, h.PreviousUntil.UnixNano())
	}
	return fn(len(ids)+len(hooks), func(ctx context.Context, to credo.Store) (copied bool, err error) {
		live := map[int64]bool{} // on the target
		for _, id := range ids {
			have, err := to.Watchlist(ctx, id)
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				c := *lists[id]
				c.DeletedAt, have, copied = credo.Time{}, &c, true
				if err = to.CreateWatchlist(ctx, have); err == nil && have.ID != id {
					err = fmt.Errorf("%w: stored as %d", ErrMismatch, have.ID)
				}
			}
			if err != nil {
				return copied, fmt.Errorf("watchlist %d: %w", id, err)
			}
			if live[id] = have.DeletedAt.IsZero(); live[id] && len(members[id]) > 0 {
				if err := to.ChangeWatchlistMembers(ctx, id, members[id], nil, lists[id].CreatedAt.Time); err != nil {
					return copied, err
				}
			}
		}
		for _, h := range hooks {
			have, err := to.Webhook(ctx, h.ID)
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				c := *h
				c.PausedAt, c.FailingSince, have, copied = credo.Time{}, credo.Time{}, &c, true
				c.Secret = cmp.Or(h.Previous, h.Secret) // rotated to h.Secret below
				if err = to.CreateWebhook(ctx, have); err == nil && have.ID != h.ID {
					err = fmt.Errorf("%w: stored as %d", ErrMismatch, have.ID)
				}
			}
			if err != nil {
				return copied, fmt.Errorf("webhook %d: %w", h.ID, err)
			}
			if have.Secret != h.Secret {
				err = to.RotateWebhookSecret(ctx, h.ID, h.Secret, h.PreviousUntil.Time)
			}
			if err == nil && !h.PausedAt.IsZero() && have.PausedAt.IsZero() {
				_, err = to.PauseWebhook(ctx, h.ID, h.PausedAt.Time)
			}
			if err != nil {
				return copied, err
			}
		}
		for _, id := range ids {
			if w := lists[id]; live[id] && !w.DeletedAt.IsZero() {
				if err := to.DeleteWatchlist(ctx, id, w.DeletedAt.Time); err != nil {
					return copied, err
				}
			}
		}
		return copied, copyWebhookCursor(ctx, st, to)
	})
}

// copyWebhookCursor moves the target's delivery cursor up to the source's.
func copyWebhookCursor(ctx context.Context, from, to credo.Store) error {
	want, err := from.WebhookCursor(ctx)
	if err != nil {
		return err
	}
	have, err := to.WebhookCursor(ctx)
	if err != nil || have >= want {
		return err
	}
	return to.EnqueueWebhookDeliveries(ctx, have, want, nil)
}
