package events

import (
	"context"
	"sync"
	"time"
)

// Header reads the log's head.
type Header interface {
	Head(ctx context.Context) (int64, error)
}

// Tail tells waiting streams that the log has grown: while anyone waits,
// one goroutine per process polls the head every interval (the log may
// grow on any node, so polling the store is what sees every write), and
// wakes every waiter at once when it moves.
type Tail struct {
	store    Header
	interval time.Duration

	mu      sync.Mutex
	head    int64
	changed chan struct{} // closed when head moves
	waiters int
	polling bool
}

// DefaultTailInterval keeps the lag from a write to its event on a stream
// to a few tens of milliseconds at one small query per interval per node.
const DefaultTailInterval = 20 * time.Millisecond

// NewTail returns a Tail over store (interval 0: DefaultTailInterval).
func NewTail(store Header, interval time.Duration) *Tail {
	if interval <= 0 {
		interval = DefaultTailInterval
	}
	return &Tail{store: store, interval: interval, changed: make(chan struct{})}
}

// Wait returns when the head is above after, or with ctx's error.
func (t *Tail) Wait(ctx context.Context, after int64) error {
	for {
		t.mu.Lock()
		if t.head > after {
			t.mu.Unlock()
			return nil
		}
		ch := t.changed
		t.waiters++
		if !t.polling {
			t.polling = true
			go t.poll()
		}
		t.mu.Unlock()
		var err error
		select {
		case <-ch:
		case <-ctx.Done():
			err = ctx.Err()
		}
		t.mu.Lock()
		t.waiters--
		t.mu.Unlock()
		if err != nil {
			return err
		}
	}
}

// poll runs while anyone waits.
func (t *Tail) poll() {
	tick := time.NewTicker(t.interval)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		head, err := t.store.Head(ctx)
		cancel()
		t.mu.Lock()
		if err == nil && head > t.head {
			t.head = head
			close(t.changed)
			t.changed = make(chan struct{})
		}
		if t.waiters == 0 {
			t.polling = false
			t.mu.Unlock()
			return
		}
		t.mu.Unlock()
		<-tick.C
	}
}
