package search

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
)

// ChangeSource is what Follow reads: the change log and the latest
// registration of an organization.
type ChangeSource interface {
	Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error)
	Subject(ctx context.Context, code string) (*credo.Subject, error)
}

// DefaultFollowInterval is how often Follow reads the log: a registration
// made on another node is found within about this long.
const DefaultFollowInterval = time.Second

// Follow keeps ix current with registrations made anywhere, on any node
// sharing the store: every interval (0: DefaultFollowInterval) it reads
// the registration.changed changes after position after (the log's head
// read before Load) and indexes the latest registration of each
// organization they name. A version indexed already (the node's own
// writes, fed by ingest) is not indexed again. It returns when ctx ends;
// a failed read is logged and tried again at the next interval.
func (ix *Index) Follow(ctx context.Context, src ChangeSource, after int64, interval time.Duration, logger *slog.Logger) {
	if interval <= 0 {
		interval = DefaultFollowInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	periodic.Every(ctx, interval, func() {
		next, err := ix.CatchUp(ctx, src, after)
		if err != nil && ctx.Err() == nil {
			logger.Warn("search: following registrations in the change log", "after", after, "err", err)
		}
		after = next
	})
}

// CatchUp indexes the registrations the log holds after position after,
// and returns the position read up to (after, when there was nothing new
// or on an error before any change was indexed).
func (ix *Index) CatchUp(ctx context.Context, src ChangeSource, after int64) (int64, error) {
	for {
		changes, err := src.Changes(ctx, credo.ChangeQuery{After: after, Types: []string{credo.ChangeRegistrationChanged}, Limit: credo.MaxPageSize})
		if err != nil {
			return after, err
		}
		if len(changes) == 0 {
			return after, nil
		}
		var codes []string
		for _, c := range changes {
			codes = append(codes, c.Subject)
		}
		slices.Sort(codes)
		for _, code := range slices.Compact(codes) {
			s, err := src.Subject(ctx, code)
			if err != nil {
				return after, err
			}
			ix.Put(s)
		}
		after = changes[len(changes)-1].Position
		if len(changes) < credo.MaxPageSize {
			return after, nil
		}
	}
}
