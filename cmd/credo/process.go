package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
)

// newProcess wires due process (lists, measures, objections, repairs,
// notices) into grading and ingest. The working-day calendar is China's
// bundled one unless CREDO_HOLIDAYS names a calendar file.
func (m *Main) newProcess(store credo.Store, g *grading.Service, in *ingest.Ingester) (*dueprocess.Service, error) {
	cat, err := lists.Bundled()
	if err != nil {
		return nil, fmt.Errorf("bundled lists and measures: %w", err)
	}
	cal := calendar.Default()
	if path := m.Getenv("CREDO_HOLIDAYS"); path != "" {
		if cal, err = calendar.Load(path); err != nil {
			return nil, fmt.Errorf("CREDO_HOLIDAYS: %w", err)
		}
	}
	return dueprocess.New(store, cat, cal, g, in), nil
}

// keepProcess does, once a minute, what falls due by time alone:
// escalations and overdue cases (see dueprocess.Service.RunDue).
func keepProcess(ctx context.Context, p *dueprocess.Service, logger *slog.Logger) {
	p.Logger = logger
	p.Loop(ctx, time.Minute)
}

// withLists makes g amend grades with list effects and keep rule-defined
// lists current (rescores, the demo), with the bundled calendar.
func withLists(store credo.Store, g *grading.Service) error {
	cat, err := lists.Bundled()
	if err != nil {
		return fmt.Errorf("bundled lists and measures: %w", err)
	}
	dueprocess.New(store, cat, calendar.Default(), g, nil)
	return nil
}
