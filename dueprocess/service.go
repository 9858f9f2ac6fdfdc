// Package dueprocess is what the registry does to organizations and how
// they answer back: list entries (by an authority's decision, by a list's
// rule, by escalation) through their lifecycle, the measures that follow
// from them, objections and credit repair decided within working-day
// deadlines, and the notices that tell an organization of each adverse
// change. Grades follow at once: the service regrades after each decision,
// and it amends every assessment with the effects of lists (grading.ListEffects).
//
// What the rules are lives elsewhere: list definitions and measures in
// package lists, working days in package calendar, publicity periods in the
// rulebooks. Nothing here edits anything: entries, transitions, cases,
// decisions and notices are appended.
package dueprocess

import (
	"context"
	"sync"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/visibility"
)

// Store is what the service needs of a backend.
type Store interface {
	credo.SubjectStore
	credo.RecordStore
	credo.AuthorityStore
	credo.AssessmentStore
	credo.GradingStore
	credo.ListStore
	credo.CaseStore
	credo.NoticeStore
	credo.AnnualReportStore
	credo.ReplyStore
}

// Service runs due process over a store: decisions, cases, what falls
// due, and what a viewer sees. It shares the list effects (Effects) that
// grading amends every grade with.
type Service struct {
	*Effects
	Calendar *calendar.Calendar
	Grading  *grading.Service
	// Ingester appends the correcting and retracting records objection
	// decisions make, as their authority, exactly as a submission.
	Ingester *ingest.Ingester
	// Policy decides what each viewer sees (made from the grading's
	// rulebooks and the catalogue).
	Policy *visibility.Policy

	// The annual-report steps this node scanned, and the day (annual.go).
	annualMu    sync.Mutex
	annualScans map[string]string
}

func (s *Service) fail(step string) {
	if s.Effects.failpoint != nil {
		s.Effects.failpoint(step)
	}
}

// Default deadlines for records, in working days, when the catalogue sets
// none (Credit China answers a repair application within 10 working days).
const (
	DefaultRecordObjectionDays = 10
	DefaultRecordRepairDays    = 10
)

// New returns a Service over fx (the list effects g was made with),
// deciding deadlines by cal, regrading through g and appending the
// records decisions make through in. fx's failpoint (crash tests) is
// also called at each step of a decision by the step's name
// ("entry.stored", "case.decided", ...).
func New(fx *Effects, cal *calendar.Calendar, g *grading.Service, in *ingest.Ingester) *Service {
	var rules visibility.Rules
	if g != nil {
		rules = g
	}
	return &Service{Effects: fx, Calendar: cal, Grading: g, Ingester: in,
		Policy: visibility.New(rules, fx.Catalogue)}
}

// regrade regrades code now with cause.
func (s *Service) regrade(ctx context.Context, code string, cause credo.Cause) error {
	if s.Grading == nil {
		return nil
	}
	return s.Grading.Regrade(ctx, map[string]credo.Cause{code: cause})
}

// division is code's division for filtering: its registration's when it
// has one, else code positions 3-8.
func (s *Service) division(ctx context.Context, code string) string {
	sub, err := s.Store.Subject(ctx, code)
	if err != nil {
		return division(nil, code)
	}
	return division([]*credo.Subject{sub}, code)
}
