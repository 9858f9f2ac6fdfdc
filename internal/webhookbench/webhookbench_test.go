package webhookbench

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo/uscc"
)

func TestWatchedDistinct(t *testing.T) {
	l := Load{Lists: 3, Members: 400}
	seen := map[string]bool{}
	for list := range l.Lists {
		codes, err := l.Watched(list)
		if err != nil {
			t.Fatal(err)
		}
		if len(codes) != l.Members {
			t.Fatalf("list %d: %d codes, want %d", list, len(codes), l.Members)
		}
		for _, c := range codes {
			if !uscc.Valid(c) {
				t.Errorf("list %d: %s is not a valid code", list, c)
			}
			if seen[c] {
				t.Errorf("list %d: %s is watched twice", list, c)
			}
			seen[c] = true
		}
	}
}

func TestOfferAtRate(t *testing.T) {
	l := Load{Rate: 400, Seconds: 1}
	next, ticks, start := 0, 0, time.Now()
	_, took := l.Offer(func(tick, first, n int) {
		if first != next || n <= 0 {
			t.Errorf("tick %d offered %d from %d; want from %d", tick, n, first, next)
		}
		if due := int(time.Since(start).Seconds() * float64(l.Rate)); first+n > due && first+n != l.Rate*l.Seconds {
			t.Errorf("tick %d offered up to %d, ahead of the %d due", tick, first+n, due)
		}
		next, ticks = first+n, ticks+1
	})
	if next != l.Rate*l.Seconds {
		t.Errorf("offered %d, want %d", next, l.Rate*l.Seconds)
	}
	if took < 900*time.Millisecond || ticks < 2 {
		t.Errorf("offered in %s and %d ticks: not spread over the second", took, ticks)
	}
}

func TestQuantiles(t *testing.T) {
	lags := []time.Duration{5, 1, 4, 2, 3, 10, 9, 8, 7, 6}
	p := Quantiles(lags)
	for q, want := range map[float64]time.Duration{0: 1, 0.5: 6, 0.99: 10, 1: 10} {
		if got := p(q); got != want {
			t.Errorf("p(%v) = %v, want %v", q, got, want)
		}
	}
	if !slices.IsSorted(lags) {
		t.Error("lags not sorted")
	}
}
