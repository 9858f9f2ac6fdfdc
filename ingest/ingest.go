// Package ingest turns submitted JSON (one object or NDJSON lines) into
// validated, authorized, stored records and subject versions. The API and
// the import command both go through it, so a record is judged the same
// way whichever door it comes in by.
package ingest

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/credo-registry/credo"
)

// MaxLine is the longest NDJSON line accepted (1 MiB); longer lines are
// refused with ETOOLARGE.
const MaxLine = 1 << 20

// Ingester validates and stores submissions.
type Ingester struct {
	Store credo.Store
	Keyer credo.PersonKeyer
	Now   func() time.Time // the registry clock; time.Now when nil
	// Stages are what follows a committed write before it is
	// acknowledged, in order (package pipeline builds them: the regrade,
	// with its rule lists and notices).
	Stages []Stage
	// Registered, when set, is told of the registration versions a
	// committed write created: the name matcher (search.Index) indexes
	// them before the write is acknowledged.
	Registered func(created ...*credo.Subject)
	// Backdate, when set, gives the time a submission counts as recorded
	// (never after now). Only an operator's backfill of history uses it,
	// such as the demo registry, whose records are recorded a few days
	// after their decisions so that past as-of questions have answers;
	// otherwise a submission is recorded when it is accepted.
	Backdate func(decided time.Time) time.Time
	// Failpoint, when set (crash tests only), is called at each step of a
	// commit by the step's name ("records.stored").
	Failpoint func(step string)
	// Logger receives what fails after a write was stored (discarded when
	// nil).
	Logger *slog.Logger

	pending     pending
	mu          sync.Mutex
	authorities map[string]*credo.Authority
}

// Stage is one step of what follows a committed write before it is
// acknowledged. Each step is idempotent: one that fails is done again
// later (Pending), and after a crash the change log's follower does it.
type Stage interface {
	Follow(ctx context.Context, w *Written) error
}

// Written is what a committed write stored, handed from stage to stage.
type Written struct {
	// Created are the records the write created, with their ids.
	Created []*credo.Record
	// Touched is, for each organization the write stored a new record or
	// registration version of, the cause of its regrading.
	Touched map[string]credo.Cause
}

// Result is the outcome of one submitted line.
type Result struct {
	Line    int          `json:"line"`
	Status  string       `json:"status"` // created, exists or refused
	ID      int64        `json:"id,omitempty"`
	Version int          `json:"version,omitempty"`
	Error   *credo.Error `json:"error,omitempty"`
	// Record is the record a line created, as stored (with its id), so
	// that the caller's answer needs no read; nil otherwise (and for a
	// correction naming what it supersedes by external id, which the
	// store resolves).
	Record *credo.Record `json:"-"`
}

func (in *Ingester) now() time.Time {
	if in.Now != nil {
		return in.Now()
	}
	return time.Now()
}

// authority resolves the submitting authority. When as is set (a token),
// a line naming another authority is forbidden; otherwise (an operator's
// import) the line must name one.
func (in *Ingester) authority(ctx context.Context, as *credo.Authority, named string) (*credo.Authority, *credo.Error) {
	if as != nil {
		if named != "" && named != as.ID {
			return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "authority", Reason: "authority",
				Message: fmt.Sprintf("token of authority %s cannot submit for authority %s", as.ID, named)}
		}
		return as, nil
	}
	if named == "" {
		return nil, credo.FieldError("authority", "required", "is required (or pass --authority)")
	}
	in.mu.Lock()
	a, ok := in.authorities[named]
	in.mu.Unlock()
	if ok {
		return a, nil
	}
	a, err := in.Store.Authority(ctx, named)
	if err != nil {
		if e := credo.AsError(err); e != nil && e.Code == credo.ENOTFOUND {
			return nil, &credo.Error{Code: credo.EINVALID, Field: "authority", Reason: "unknown", Message: "unknown authority " + named}
		}
		return nil, &credo.Error{Code: credo.EINTERNAL, Message: "looking up authority: " + err.Error()}
	}
	in.mu.Lock()
	if in.authorities == nil {
		in.authorities = map[string]*credo.Authority{}
	}
	in.authorities[named] = a
	in.mu.Unlock()
	return a, nil
}

func (in *Ingester) fail(step string) {
	if in.Failpoint != nil {
		in.Failpoint(step)
	}
}

// refusal turns any error into the *credo.Error a Result carries.
func refusal(err error) *credo.Error {
	if e := credo.AsError(err); e != nil {
		return e
	}
	return &credo.Error{Code: credo.EINTERNAL, Message: err.Error()}
}

func tooLong(n int) *credo.Error {
	return &credo.Error{Code: credo.ETOOLARGE, Reason: "too_large",
		Message: fmt.Sprintf("line is longer than %d bytes", n)}
}

// parallel runs fn(i) for i in [0,n) on all cores; small batches run inline.
func parallel(n int, fn func(i int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 256 || workers == 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	chunk := (n + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, n)
		if lo >= hi {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// recordedAt is when a submission decided at decided counts as recorded.
func (in *Ingester) recordedAt(decided, now time.Time) credo.Time {
	if in.Backdate != nil {
		if t := in.Backdate(decided); !t.IsZero() && t.Before(now) {
			return credo.NewTime(t)
		}
	}
	return credo.NewTime(now)
}
