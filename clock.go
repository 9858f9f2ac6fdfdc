package credo

import (
	"sync"
	"time"
)

// Clock is the registry's clock: the wall clock, except that it never
// goes back. When the wall clock is stepped back (an NTP correction, a
// virtual machine restored from a snapshot), Now keeps returning the
// latest time it returned until the wall clock passes it again, so that
// what the registry records (records, decisions, notices, assessments)
// keeps its order, an assessment is never computed as of a moment before
// what it was told, and what fell due by time is neither undone nor done
// again. It covers one process: a node started while the wall clock is
// behind starts from the wall clock.
type Clock struct {
	wall func() time.Time
	mu   sync.Mutex
	last time.Time
}

// NewClock returns a Clock reading wall (time.Now when nil).
func NewClock(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{wall: wall}
}

// Now returns the wall clock's time, or the latest time Now returned when
// the wall clock is behind it. The time has no monotonic reading, so that
// it compares as the wall times it stands for.
func (c *Clock) Now() time.Time {
	t := c.wall().Round(0)
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.Before(c.last) {
		return c.last
	}
	c.last = t
	return t
}
