package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebook"
)

// pipelineConfig is what every command builds the write path from (package
// pipeline): the store's published rulebooks, the bundled lists and
// measures, and the working-day calendar, China's bundled one unless
// CREDO_HOLIDAYS names a calendar file. The caller adds the person keyer,
// clock, logger and the rest it needs.
func (m *Main) pipelineConfig(ctx context.Context, store credo.Store, warn io.Writer) (pipeline.Config, error) {
	set, err := publishedSet(ctx, store, warn)
	if err != nil {
		return pipeline.Config{}, err
	}
	cat, err := lists.Bundled()
	if err != nil {
		return pipeline.Config{}, fmt.Errorf("bundled lists and measures: %w", err)
	}
	cal := calendar.Default()
	if m != nil {
		if path := m.Getenv("CREDO_HOLIDAYS"); path != "" {
			if cal, err = calendar.Load(path); err != nil {
				return pipeline.Config{}, fmt.Errorf("CREDO_HOLIDAYS: %w", err)
			}
		}
	}
	return pipeline.Config{Store: store, Rulebooks: set, Catalogue: cat, Partners: partnerFacts(store, cat), Calendar: cal}, nil
}

// newPipeline builds the write path over store, with its person-key
// secret (personkey.go).
func (m *Main) newPipeline(ctx context.Context, store credo.Store, sf storeFlags) (*pipeline.Pipeline, error) {
	c, err := m.pipelineConfig(ctx, store, m.Stderr)
	if err != nil {
		return nil, err
	}
	if c.Keyer, err = m.personKeyer(ctx, store, sf); err != nil {
		return nil, err
	}
	return pipeline.New(c), nil
}

// keepProcess does, once a minute, what falls due by time alone:
// escalations and overdue cases (see dueprocess.Service.RunDue).
func keepProcess(ctx context.Context, p *dueprocess.Service) {
	p.Loop(ctx, time.Minute)
}

// withLists returns grading under set that amends grades with the bundled
// lists' effects and partners, and keeps rule-defined lists current
// (rescores).
func withLists(store credo.Store, set *rulebook.Set) (*grading.Service, error) {
	cat, err := lists.Bundled()
	if err != nil {
		return nil, fmt.Errorf("bundled lists and measures: %w", err)
	}
	return pipeline.New(pipeline.Config{Store: store, Rulebooks: set, Catalogue: cat, Partners: partnerFacts(store, cat)}).Grading, nil
}
