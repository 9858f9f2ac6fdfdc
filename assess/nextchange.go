package assess

import (
	"time"
)

// nextChange keeps the earliest time after asOf.
type nextChange struct {
	asOf, t time.Time
}

func newNext(asOf time.Time) *nextChange { return &nextChange{asOf: asOf} }

func (n *nextChange) add(t time.Time) {
	if t.After(n.asOf) && (n.t.IsZero() || t.Before(n.t)) {
		n.t = t
	}
}

// anchor adds t+o and t-o for the offsets o (sorted, the first 0) that
// are after asOf.
func (n *nextChange) anchor(t time.Time, offsets []time.Duration) {
	if t.IsZero() {
		return
	}
	d := t.Sub(n.asOf) // t = asOf + d
	if d+offsets[len(offsets)-1] <= 0 {
		return // every threshold from t has passed
	}
	for _, o := range offsets {
		if d+o > 0 {
			n.add(t.Add(o))
			break // offsets are sorted: later ones are later
		}
	}
	if d > 0 {
		for i := len(offsets) - 1; i >= 0; i-- {
			if d-offsets[i] > 0 {
				n.add(t.Add(-offsets[i]))
				break
			}
		}
	}
}
