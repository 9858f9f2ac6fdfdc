package demo_test

import (
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/demo"
)

// The demo's reports are valid filings for the report year, made by
// organizations that had to file, and some that had to file did not (so
// the deadline pass has organizations to list).
func TestAnnualReports(t *testing.T) {
	cfg := config(11, 3000, 1)
	year := demo.ReportYear(cfg.Now)
	if year != 2024 { // 1 May 2026: the 2025 reports are not yet due
		t.Fatalf("report year %d at %s", year, cfg.Now)
	}
	subjects := map[string]*credo.Subject{}
	due := 0
	for _, s := range mustSubjects(t, cfg) {
		subjects[s.Code] = s
		if credo.AnnualReportDue(s, year) {
			due++
		}
	}
	filed := map[string]bool{}
	n := 0
	if err := demo.AnnualReports(cfg, func(r *credo.AnnualReport) error {
		n++
		s := subjects[r.Subject]
		if !credo.AnnualReportDue(s, year) || r.Year != year {
			t.Fatalf("%s filed for %d without having to", r.Subject, r.Year)
		}
		if r.FiledAt.Before(credo.AnnualReportOpens(year)) || !r.FiledAt.Before(credo.AnnualReportDeadline(year)) && r.Version < 2 {
			t.Fatalf("%s filed at %s", r.Subject, r.FiledAt)
		}
		if err := r.Validate(s, r.FiledAt.Time.Add(time.Second)); err != nil {
			t.Fatalf("%s: %v", r.Subject, err)
		}
		filed[r.Subject] = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(filed) == 0 || len(filed) >= due || n < len(filed) {
		t.Fatalf("%d of %d that had to file filed (%d reports)", len(filed), due, n)
	}
}
