// Package storetest is the conformance suite every credo.Store backend
// runs: one named subtest per clause of the store contract's doc comments
// (store.go and assessment.go), with real Unified Social Credit Codes and
// real company names.
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, storetest.Harness{
//			Open:   func(t *testing.T) credo.Store { return mustOpen(t, t.TempDir()) },
//			Reopen: func(t *testing.T, s credo.Store) credo.Store { ... },
//		})
//	}
package storetest

import (
	"testing"

	"github.com/credo-registry/credo"
)

// Harness gives the suite stores to test. Open returns a fresh, empty store
// for one test and arranges for it to be closed when the test ends (for
// example with t.Cleanup); tests may run in parallel, each with its own
// store. Reopen, when not nil, closes s and opens the same store again, to
// check that what was acknowledged survived; the suite closes the store
// Reopen returns only through the cleanup Open registered, so Reopen should
// register its own.
type Harness struct {
	Open   func(t *testing.T) credo.Store
	Reopen func(t *testing.T, s credo.Store) credo.Store // nil when not supported
}

// Run runs the whole suite against the backend h opens.
func Run(t *testing.T, h Harness) {
	t.Run("Subjects", func(t *testing.T) { t.Parallel(); testSubjects(t, h) })
	t.Run("Search", func(t *testing.T) { t.Parallel(); testSearch(t, h) })
	t.Run("AppendRecords", func(t *testing.T) { t.Parallel(); testAppend(t, h) })
	t.Run("Supersedes", func(t *testing.T) { t.Parallel(); testSupersedes(t, h) })
	t.Run("ReadRecords", func(t *testing.T) { t.Parallel(); testReadRecords(t, h) })
	t.Run("Authorities", func(t *testing.T) { t.Parallel(); testAuthorities(t, h) })
	t.Run("Secrets", func(t *testing.T) { t.Parallel(); testSecrets(t, h) })
	t.Run("Stats", func(t *testing.T) { t.Parallel(); testStats(t, h) })
	t.Run("Copy", func(t *testing.T) { t.Parallel(); testCopy(t, h) })
	t.Run("Concurrency", func(t *testing.T) { t.Parallel(); testConcurrency(t, h) })
	// The stores of rulebooks, assessments and grading inputs; a backend
	// that does not implement one yet has its tests skipped, loudly.
	t.Run("Rulebooks", func(t *testing.T) { t.Parallel(); testRulebooks(t, h) })
	t.Run("Assessments", func(t *testing.T) { t.Parallel(); testAssessments(t, h) })
	t.Run("Grading", func(t *testing.T) { t.Parallel(); testGrading(t, h) })
	t.Run("Grades", func(t *testing.T) { t.Parallel(); testGrades(t, h) })
	// Due process: list entries, cases, accounts, notices.
	t.Run("Lists", func(t *testing.T) { t.Parallel(); testLists(t, h) })
	t.Run("Cases", func(t *testing.T) { t.Parallel(); testCases(t, h) })
	t.Run("Accounts", func(t *testing.T) { t.Parallel(); testAccounts(t, h) })
	t.Run("AccountPages", func(t *testing.T) { t.Parallel(); testAccountPages(t, h) })
	t.Run("Notices", func(t *testing.T) { t.Parallel(); testNotices(t, h) })
	t.Run("Watchlists", func(t *testing.T) { t.Parallel(); testWatchlists(t, h) })
	t.Run("Webhooks", func(t *testing.T) { t.Parallel(); testWebhooks(t, h) })
	t.Run("GivenIDs", func(t *testing.T) { t.Parallel(); testGivenIDs(t, h) })
	// The change log.
	t.Run("Changes", func(t *testing.T) { t.Parallel(); testChanges(t, h) })
	t.Run("AnnualReports", func(t *testing.T) { t.Parallel(); testAnnualReports(t, h) })
	t.Run("Screenings", func(t *testing.T) { t.Parallel(); testScreenings(t, h) })
	t.Run("NameIndex", func(t *testing.T) { t.Parallel(); testNameIndex(t, h) })
	t.Run("Ledger", func(t *testing.T) { t.Parallel(); testLedger(t, h) })
	t.Run("Replies", func(t *testing.T) { t.Parallel(); testReplies(t, h) })
	t.Run("Relationships", func(t *testing.T) { t.Parallel(); testRelationships(t, h) })
	t.Run("Reports", func(t *testing.T) { t.Parallel(); testReports(t, h) })
	t.Run("Publicity", func(t *testing.T) { t.Parallel(); testPublicity(t, h) })
	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		t.Parallel()
		testDurability(t, h)
	})
}
