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
	"log/slog"
	"sync"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
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

// Service runs due process over a store.
type Service struct {
	Store     Store
	Catalogue *lists.Catalogue
	Calendar  *calendar.Calendar
	Grading   *grading.Service
	// Ingester appends the correcting and retracting records objection
	// decisions make, as their authority, exactly as a submission.
	Ingester *ingest.Ingester
	// Policy decides what each viewer sees (New makes it from the
	// grading's rulebooks and the catalogue).
	Policy *visibility.Policy
	Now    func() time.Time // the registry clock; time.Now when nil
	Logger *slog.Logger

	// Working days an authority has to decide about a record: the
	// catalogue's (lists.Catalogue.Records) when New made the Service;
	// list entries take theirs from their list's definition.
	RecordObjectionDays int
	RecordRepairDays    int

	// Failpoint, when set (crash tests only), is called at each step of a
	// decision by the step's name ("entry.stored", "case.decided", ...).
	Failpoint func(step string)

	// The annual-report steps this node scanned, and the day (annual.go).
	annualMu    sync.Mutex
	annualScans map[string]string
}

func (s *Service) fail(step string) {
	if s.Failpoint != nil {
		s.Failpoint(step)
	}
}

// Default deadlines for records, in working days, when the catalogue sets
// none (Credit China answers a repair application within 10 working days).
const (
	DefaultRecordObjectionDays = 10
	DefaultRecordRepairDays    = 10
)

// New returns a Service and wires it into grading (list effects) and
// ingest (notices of adverse records).
func New(store Store, cat *lists.Catalogue, cal *calendar.Calendar, g *grading.Service, in *ingest.Ingester) *Service {
	var rules visibility.Rules
	if g != nil {
		rules = g
	}
	s := &Service{Store: store, Catalogue: cat, Calendar: cal, Grading: g, Ingester: in,
		Policy:              visibility.New(rules, cat),
		RecordObjectionDays: DefaultRecordObjectionDays, RecordRepairDays: DefaultRecordRepairDays}
	if cat != nil && cat.Records.ObjectionDays > 0 {
		s.RecordObjectionDays, s.RecordRepairDays = cat.Records.ObjectionDays, cat.Records.RepairDays
	}
	if g != nil {
		g.Lists = s
	}
	if in != nil {
		in.Recorded = s.Recorded
	}
	return s
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC().Truncate(time.Microsecond)
	}
	return time.Now().UTC().Truncate(time.Microsecond)
}

func (s *Service) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
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
