// Package pipeline builds the registry's write path from its stages, in
// order, each given what it needs when it is made; nothing is wired into
// a service after it exists.
//
// The path of a record (POST /v1/records, an import, a decision's
// correcting record):
//
//	ingest      decode, validate, authorize, pseudonymize
//	store       AppendRecords: the records and their changes, one transaction
//	stages      what follows before the write is acknowledged, in order:
//	  regrade   grading: read inputs and partners, assess; dueprocess.Effects:
//	            settle the rule lists; store the entries and every notice (the
//	            records', listings', grade falls', measures'), then the
//	            assessments; then regrade, the same way, the partners one
//	            relationship away of each organization whose own state
//	            changed (grading.propagateDirect)
//
// The path of a listing decision (POST /v1/list-entries):
//
//	dueprocess  checks, schedule
//	store       AddListEntries: the entry and its change
//	notices     the listing's notices
//	regrade     as above
//
// After a crash anywhere after a store write, dueprocess.Follow redoes
// the rest from the change log (every step is idempotent). Partners
// further away are regraded from the change log too
// (grading.FollowPartners).
package pipeline

import (
	"context"
	"log/slog"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/rulebook"
)

// Config is what the write path is built from.
type Config struct {
	Store     credo.Store
	Keyer     credo.PersonKeyer
	Rulebooks *rulebook.Set
	// Catalogue holds the lists and measures; nil builds grading without
	// list effects and no due process (Pipeline.Process is nil).
	Catalogue *lists.Catalogue
	// Partners brings partner risk into grades (partners/risk.Facts);
	// nil grades without partners.
	Partners grading.PartnerFacts
	Calendar *calendar.Calendar // calendar.Default() when nil
	Now      func() time.Time   // the registry clock; time.Now when nil
	Logger   *slog.Logger       // discarded when nil
	// Registered is told of the registration versions a write created
	// (the name matcher indexes them); optional.
	Registered func(created ...*credo.Subject)
	// Backdate is the operator's backfill of history (ingest.Ingester);
	// optional.
	Backdate func(decided time.Time) time.Time
	// Failpoint is for crash tests only: called at each step of a write
	// by the step's name.
	Failpoint func(step string)
}

// Pipeline is the write path and the services it is made of.
type Pipeline struct {
	Ingester *ingest.Ingester
	Grading  *grading.Service
	Effects  *dueprocess.Effects // nil without a catalogue
	Process  *dueprocess.Service // nil without a catalogue
}

// New builds the write path: the list effects, grading amended by them,
// the ingester with its stages, due process over all three.
func New(c Config) *Pipeline {
	p := &Pipeline{}
	var effects grading.ListEffects
	if c.Catalogue != nil {
		p.Effects = dueprocess.NewEffects(c.Store, c.Catalogue, c.Now, c.Logger, c.Failpoint)
		effects = p.Effects
	}
	p.Grading = grading.New(c.Store, c.Rulebooks, effects, c.Partners)
	p.Grading.Now, p.Grading.Logger = c.Now, c.Logger
	p.Ingester = &ingest.Ingester{
		Store: c.Store, Keyer: c.Keyer, Now: c.Now, Logger: c.Logger,
		Registered: c.Registered, Backdate: c.Backdate, Failpoint: c.Failpoint,
		// What follows a stored write, in order. A new stage is one line
		// here. Partner propagation is part of the regrade: every
		// regrade, not only a write's, reaches direct partners.
		Stages: []ingest.Stage{
			Regrade{p.Grading},
		},
	}
	if p.Effects != nil {
		cal := c.Calendar
		if cal == nil {
			cal = calendar.Default()
		}
		p.Process = dueprocess.New(p.Effects, cal, p.Grading, p.Ingester)
	}
	return p
}

// Regrade is the stage that regrades the organizations a write touched,
// writing the created records' notices with the regrade's own.
type Regrade struct{ Grading *grading.Service }

// Follow implements ingest.Stage.
func (r Regrade) Follow(ctx context.Context, w *ingest.Written) error {
	return r.Grading.Regrade(ctx, w.Touched, w.Created...)
}
