package webhooks_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/webhooks"
)

// timedStore counts the worker's store calls and the time they took (the
// wall time, so on PostgreSQL the round trips and the server's work: what
// a CPU profile of this process does not show).
type timedStore struct {
	webhooks.Store
	mu    sync.Mutex
	calls map[string]*callStat
}

type callStat struct {
	n     int
	total time.Duration
}

func newTimedStore(s webhooks.Store) *timedStore {
	return &timedStore{Store: s, calls: map[string]*callStat{}}
}

func (t *timedStore) time(name string, began time.Time) {
	d := time.Since(began)
	t.mu.Lock()
	c := t.calls[name]
	if c == nil {
		c = &callStat{}
		t.calls[name] = c
	}
	c.n++
	c.total += d
	t.mu.Unlock()
}

// reset forgets what was counted (the setup's calls).
func (t *timedStore) reset() {
	t.mu.Lock()
	t.calls = map[string]*callStat{}
	t.mu.Unlock()
}

// String lists the calls by total time.
func (t *timedStore) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	names := make([]string, 0, len(t.calls))
	for n := range t.calls {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return int(t.calls[b].total - t.calls[a].total) })
	var sb strings.Builder
	for _, n := range names {
		c := t.calls[n]
		fmt.Fprintf(&sb, "\n  %-26s %7d calls, %9s in all, %8s each", n, c.n, c.total.Round(time.Millisecond), (c.total / time.Duration(c.n)).Round(time.Microsecond))
	}
	return sb.String()
}

func (t *timedStore) Head(ctx context.Context) (int64, error) {
	defer t.time("Head", time.Now())
	return t.Store.Head(ctx)
}

func (t *timedStore) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	defer t.time("Changes", time.Now())
	return t.Store.Changes(ctx, q)
}

func (t *timedStore) WebhookCursor(ctx context.Context) (int64, error) {
	defer t.time("WebhookCursor", time.Now())
	return t.Store.WebhookCursor(ctx)
}

func (t *timedStore) WebhookWatchMark(ctx context.Context) (credo.WebhookWatchMark, error) {
	defer t.time("WebhookWatchMark", time.Now())
	return t.Store.WebhookWatchMark(ctx)
}

func (t *timedStore) WebhookEndpoints(ctx context.Context) ([]credo.WebhookTarget, error) {
	defer t.time("WebhookEndpoints", time.Now())
	return t.Store.WebhookEndpoints(ctx)
}

func (t *timedStore) WatchlistMemberChanges(ctx context.Context, after int64, limit int) ([]credo.WatchlistMemberChange, error) {
	defer t.time("WatchlistMemberChanges", time.Now())
	return t.Store.WatchlistMemberChanges(ctx, after, limit)
}

func (t *timedStore) EnqueueWebhookDeliveries(ctx context.Context, from, to int64, ds []*credo.WebhookDelivery) error {
	defer t.time("EnqueueWebhookDeliveries", time.Now())
	return t.Store.EnqueueWebhookDeliveries(ctx, from, to, ds)
}

func (t *timedStore) ClaimWebhookDeliveries(ctx context.Context, done []credo.WebhookResult, node string, now time.Time, lease time.Duration, limit, runs int) ([]*credo.WebhookDelivery, error) {
	defer t.time("ClaimWebhookDeliveries", time.Now())
	return t.Store.ClaimWebhookDeliveries(ctx, done, node, now, lease, limit, runs)
}

func (t *timedStore) FinishWebhookDeliveries(ctx context.Context, rs []credo.WebhookResult) error {
	defer t.time("FinishWebhookDeliveries", time.Now())
	return t.Store.FinishWebhookDeliveries(ctx, rs)
}

func (t *timedStore) Webhook(ctx context.Context, id int64) (*credo.Webhook, error) {
	defer t.time("Webhook", time.Now())
	return t.Store.Webhook(ctx, id)
}

func (t *timedStore) Account(ctx context.Context, id string) (*credo.Account, error) {
	defer t.time("Account", time.Now())
	return t.Store.Account(ctx, id)
}

// Adjacent forwards the store's relationships to the worker (it walks
// partners only where the store reads them).
func (t *timedStore) Adjacent(ctx context.Context, q credo.RelationshipQuery) ([]credo.Edge, error) {
	defer t.time("Adjacent", time.Now())
	return t.Store.(partners.AdjacencyReader).Adjacent(ctx, q)
}
