package dueprocess_test

import (
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestOnPostgres runs the lifecycle tests again on PostgreSQL (each on a
// schema of its own), so that due process behaves the same on both
// backends, to the second.
func TestOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("PostgreSQL: skipped in -short mode")
	}
	sqliteStore := openStore
	defer func() { openStore = sqliteStore }()
	openStore = func(t *testing.T) credo.Store { return pgtest.Open(t) }
	for name, test := range map[string]func(*testing.T){
		"ListingLifecycle":          TestListingLifecycle,
		"ListingAsOf":               TestListingAsOf,
		"ListingRefusals":           TestListingRefusals,
		"Revoke":                    TestRevoke,
		"RuleEntries":               TestRuleEntries,
		"Escalation":                TestEscalation,
		"RedListExcludesSerious":    TestRedListExcludesSerious,
		"ObjectionOutcomes":         TestObjectionOutcomes,
		"ObjectionRefusals":         TestObjectionRefusals,
		"ObjectionOverturnsListing": TestObjectionOverturnsListing,
		"RecordRepair":              TestRecordRepair,
		"ListingRepair":             TestListingRepair,
		"Overdue":                   TestOverdue,
		"Measures":                  TestMeasures,
		"AnnualReportDeadline":      TestAnnualReportDeadline,
		"AnnualReportFiling":        TestAnnualReportFiling,
	} {
		t.Run(name, test)
	}
}
