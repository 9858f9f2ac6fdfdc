// Package periodic runs a pass every interval until a context ends: the
// loop of the background work that follows the change log or the clock
// (the name index's and the adjacency cache's followers, serve's passes,
// the ledger's integration, what committed writes still owe).
//
// Ticks are those of a time.Ticker: a pass that takes longer than the
// interval is followed by the next at once, and the ticks it overran are
// dropped, not run in a burst. A pass is never interrupted: the loop
// returns when ctx ends while it waits for a tick, or after the pass
// running then (and, where a tick was due as well, perhaps one more:
// select chooses at random, as the loops this package replaced did).
package periodic

import (
	"context"
	"time"
)

// Every calls pass at each interval, the first time one interval from
// now, until ctx ends.
func Every(ctx context.Context, interval time.Duration, pass func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		pass()
	}
}

// NowAndEvery calls pass at once (even when ctx has ended), then at each
// interval from now until ctx ends.
func NowAndEvery(ctx context.Context, interval time.Duration, pass func()) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pass()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
