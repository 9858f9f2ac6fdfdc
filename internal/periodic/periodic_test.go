package periodic_test

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/credo-registry/credo/internal/periodic"
)

// passes runs loop with an interval of 10 s in a bubble (fake time), each
// pass taking took or until the context ends, which it does at run. It
// returns when each pass began while the context lasted, and whether loop
// returned once it ended. (One more pass may begin where a tick was due
// as the context ended: select chooses between them at random.)
func passes(t *testing.T, loop func(context.Context, time.Duration, func()), run, took time.Duration) (began []time.Duration, returned bool) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		start, done := time.Now(), make(chan struct{})
		after := 0 // passes begun after ctx ended
		go func() {
			defer close(done)
			loop(ctx, 10*time.Second, func() {
				if ctx.Err() != nil {
					after++
				} else {
					began = append(began, time.Since(start))
				}
				select { // as the real passes, which fail fast once ctx ends
				case <-time.After(took):
				case <-ctx.Done():
				}
			})
		}()
		time.Sleep(run)
		cancel()
		select {
		case <-done:
			returned = true
		case <-time.After(time.Hour):
		}
		if after > 1 {
			t.Errorf("%d passes began after the context ended", after)
		}
	})
	return began, returned
}

func TestLoops(t *testing.T) {
	s := time.Second
	for _, c := range []struct {
		name      string
		loop      func(context.Context, time.Duration, func())
		run, took time.Duration
		want      []time.Duration
	}{
		{"Every", periodic.Every, 35 * s, 0, []time.Duration{10 * s, 20 * s, 30 * s}},
		{"NowAndEvery", periodic.NowAndEvery, 35 * s, 0, []time.Duration{0, 10 * s, 20 * s, 30 * s}},
		{"Every, ended before the first tick", periodic.Every, 9 * s, 0, nil},
		// A pass longer than the interval is followed by the next at
		// once; the ticks it overran are dropped.
		{"Every, overrunning", periodic.Every, 75 * s, 25 * s, []time.Duration{10 * s, 35 * s, 60 * s}},
		{"NowAndEvery, overrunning", periodic.NowAndEvery, 60 * s, 25 * s, []time.Duration{0, 25 * s, 50 * s}},
	} {
		t.Run(c.name, func(t *testing.T) {
			began, returned := passes(t, c.loop, c.run, c.took)
			if !slices.Equal(began, c.want) {
				t.Errorf("passes began at %v, want %v", began, c.want)
			}
			if !returned {
				t.Error("the loop did not return once its context ended")
			}
		})
	}
}

func TestEndedContext(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n := 0
	periodic.Every(ctx, time.Hour, func() { n++ })
	if n != 0 {
		t.Errorf("Every with an ended context ran %d passes, want 0", n)
	}
	periodic.NowAndEvery(ctx, time.Hour, func() { n++ })
	if n != 1 {
		t.Errorf("NowAndEvery with an ended context ran %d passes, want 1 (at once)", n)
	}
}
