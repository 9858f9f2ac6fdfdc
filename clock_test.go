package credo_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

func TestClockNeverGoesBack(t *testing.T) {
	base := time.Date(2026, 6, 1, 10, 0, 0, 0, time.UTC)
	wall := base
	c := credo.NewClock(func() time.Time { return wall })
	for _, step := range []struct {
		name string
		wall time.Time
		want time.Time
	}{
		{"start", base, base},
		{"forward", base.Add(time.Minute), base.Add(time.Minute)},
		{"stepped back an hour", base.Add(-time.Hour), base.Add(time.Minute)},
		{"still behind", base.Add(30 * time.Second), base.Add(time.Minute)},
		{"past it again", base.Add(2 * time.Minute), base.Add(2 * time.Minute)},
	} {
		wall = step.wall
		if got := c.Now(); !got.Equal(step.want) {
			t.Errorf("%s: wall %s, Now %s, want %s", step.name, step.wall, got, step.want)
		}
	}
	real := credo.NewClock(nil)
	if a, b := real.Now(), real.Now(); b.Before(a) || a != a.Round(0) {
		t.Errorf("the default clock: %v then %v", a, b)
	}
}
