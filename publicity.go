package credo

import (
	"context"
	"time"
)

// PublicityEnd is when a record's publicity window ends (DOMAIN section
// 4: at the maximum period publicity ends by itself).
type PublicityEnd struct {
	Record  int64
	Subject string
	Until   Time
}

// PublicityIndex keeps, for each record whose publicity window ends, when
// it ends, so that the pass over what falls due by time (events.LogDue)
// reads only the records whose publicity ended since it last looked. The
// window comes from the rulebooks, which the store does not read: the pass
// computes it and keeps the index up to date from the change log. The
// index is derived: a copy does not carry it, and a store without one
// (new, copied or migrated) has it built by the next pass.
type PublicityIndex interface {
	// IndexPublicity stores ends, each replacing what was stored for its
	// record (a zero Until removes it), and that the index now covers
	// the change log up to position (a position below the stored one is
	// ignored; a negative one leaves it, and an index never built stays
	// so), atomically.
	IndexPublicity(ctx context.Context, ends []PublicityEnd, position int64) error
	// PublicityIndexed returns the log position the index covers, and
	// false when it was never built.
	PublicityIndexed(ctx context.Context) (position int64, built bool, err error)
	// PublicityEnding returns up to limit ends (0: DefaultPageSize; above
	// MaxPageSize, cut to it) with from <= Until < to, in (Until, Record)
	// order, after the end after (zero: from the first).
	PublicityEnding(ctx context.Context, from, to time.Time, after PublicityEnd, limit int) ([]PublicityEnd, error)
}
