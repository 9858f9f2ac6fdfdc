package ingest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
)

// pending is what committed writes still owe: the notices of the records
// they created and the regrading of the organizations they touched, when
// doing so failed after the write itself was stored (a full disk, a lost
// database). The write is answered as committed; this is completed later
// (CompletePending) and reported meanwhile (Pending).
type pending struct {
	mu      sync.Mutex
	records []*credo.Record
	causes  map[string]credo.Cause
	err     error     // the last failure
	since   time.Time // when the first of what is pending failed
}

// afterCommit does what follows a stored write: the stages (the
// regrade, its rule lists and notices). When that fails, the write stays acknowledged and what
// failed is kept to be completed later.
func (in *Ingester) afterCommit(ctx context.Context, created []*credo.Record, touched map[string]credo.Cause) {
	err := in.follow(ctx, created, touched)
	if err == nil {
		// Writes work again: complete what earlier ones owe now rather
		// than at the next tick (a failure is kept and logged there).
		if _, _, owed, _ := in.Pending(); owed != nil {
			in.CompletePending(ctx)
		}
		return
	}
	p := &in.pending
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.causes == nil {
		p.causes = map[string]credo.Cause{}
	}
	if p.err == nil {
		p.since = in.now()
	}
	p.err = err
	p.records = append(p.records, created...)
	for code, c := range touched {
		p.causes[code] = c
	}
	in.log().ErrorContext(ctx, "a committed write's notices or grades failed; they will be completed later",
		"records", len(created), "organizations", len(touched), "error", err.Error())
}

// follow runs the stages over what a write stored.
func (in *Ingester) follow(ctx context.Context, created []*credo.Record, touched map[string]credo.Cause) error {
	if len(created) == 0 && len(touched) == 0 {
		return nil
	}
	w := &Written{Created: created, Touched: touched}
	for _, st := range in.Stages {
		if err := st.Follow(ctx, w); err != nil {
			return fmt.Errorf("after a write: %w", err)
		}
	}
	return nil
}

// Pending reports what committed writes still owe: how many records'
// notices and organizations' grades, the last failure, and since when;
// 0 and nil when nothing is pending.
func (in *Ingester) Pending() (records, organizations int, err error, since time.Time) {
	p := &in.pending
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.records), len(p.causes), p.err, p.since
}

// CompletePending does what committed writes still owe (see Pending).
// Notices are idempotent by key and regrading is idempotent, so doing
// again what had partly succeeded changes nothing.
func (in *Ingester) CompletePending(ctx context.Context) error {
	p := &in.pending
	p.mu.Lock()
	records, causes := p.records, p.causes
	p.records, p.causes = nil, nil
	p.mu.Unlock()
	if len(records) == 0 && len(causes) == 0 {
		return nil
	}
	err := in.follow(ctx, records, causes)
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		// Put it back, before what failed since.
		p.records = append(records, p.records...)
		if p.causes == nil {
			p.causes = map[string]credo.Cause{}
		}
		for code, c := range causes {
			if _, newer := p.causes[code]; !newer {
				p.causes[code] = c
			}
		}
		p.err = err
		return err
	}
	if len(p.records) == 0 && len(p.causes) == 0 {
		p.err, p.since = nil, time.Time{}
	}
	return nil
}

// KeepCompleting runs CompletePending every interval until ctx ends.
func (in *Ingester) KeepCompleting(ctx context.Context, every time.Duration) {
	periodic.Every(ctx, every, func() {
		if err := in.CompletePending(ctx); err != nil && !errors.Is(err, context.Canceled) {
			in.log().Error("completing committed writes' notices and grades", "error", err.Error())
		}
	})
}

func (in *Ingester) log() *slog.Logger {
	if in.Logger != nil {
		return in.Logger
	}
	return slog.New(slog.DiscardHandler)
}
