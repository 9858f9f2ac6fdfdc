package storetest

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// What a store reads after a migration is the same on every backend; how
// the rows before it are written is not (each schema had its own tables
// and encodings). A backend's migration test writes the rows named here
// with its own SQL at the schema before the migration, opens the store
// (which migrates) and calls the check.

// LedgerAfterLean checks a store migrated past ledger_lean, holding what
// was written before it:
//
//	ledger_leaves (idx, position, type, ref, salt, hash):
//	  (0, 1, 'authority.created', 'samr', x01, xa0)
//	  (1, 2, 'record.accepted', '100000', x02, xa1)
//	  (2, 4, 'record.accepted', '99999', NULL, xa2)
//	  (3, 5, 'case.decided', '7', x03, xa3)
//	ledger_nodes (level, idx, hash): (1, 0, xb0), (1, 1, xb1), (2, 0, xc0), (4, 0, xd0)
//
// The leaves keep their hashes and salts, the leaves the API shows a
// log_index for are found by LedgerIndex, and the nodes below level 4 go.
func LedgerAfterLean(t *testing.T, s credo.LedgerStore) {
	t.Helper()
	for _, c := range []struct {
		typ, ref string
		idx      int64
	}{{"record.accepted", "100000", 1}, {"record.accepted", "99999", 2}, {"case.decided", "7", 3}} {
		if idx, err := s.LedgerIndex(ctx, c.typ, c.ref); err != nil || idx != c.idx {
			t.Errorf("LedgerIndex(%s, %s) = %d, %v; want %d", c.typ, c.ref, idx, err, c.idx)
		}
	}
	if _, err := s.LedgerIndex(ctx, "authority.created", "samr"); err == nil {
		t.Error("LedgerIndex finds a leaf the API shows no log_index for")
	}
	if size, pos, err := s.LedgerSize(ctx); err != nil || size != 4 || pos != 5 {
		t.Errorf("LedgerSize = %d, %d, %v; want 4, 5", size, pos, err)
	}
	if l, err := s.LedgerLeaf(ctx, 2); err != nil || l.Position != 4 || l.Salt != nil || string(l.Hash) != "\xa2" {
		t.Errorf("LedgerLeaf(2) = %+v, %v", l, err)
	}
	if got, err := s.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 4, Index: 0}, {Level: 0, Index: 3}}); err != nil || string(got[0]) != "\xd0" || string(got[1]) != "\xa3" {
		t.Errorf("LedgerNodes = %x, %v", got, err)
	}
	if _, err := s.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 1, Index: 0}}); err == nil {
		t.Error("a node below level 4 is still kept")
	}
}

// StampsDue is the organization of AssessmentsBeforeStamps whose
// assessment is due for a change by time alone, on 2027-01-01.
const StampsDue = "91440300MA5FUTRE4B"

// stampsNever is the other: no change is due by time.
const stampsNever = "91310000132200821H"

// AssessmentsBeforeStamps are the current assessments, by organization,
// that an assessment_stamps migration test stores before the migration:
// each with sequence 1, its grades, its next change (StampsDue's, else
// none) and one history entry at its as_of, cause rescore.
func AssessmentsBeforeStamps() map[string]string {
	return map[string]string{
		StampsDue: `{"subject":"91440300MA5FUTRE4B","as_of":"2026-11-30T08:00:00.5Z","grade":"B","score":72,"public":true,` +
			`"dimensions":{"tax":{"start":100,"score":72,"grade":"B","public":true,"contributions":[]}},` +
			`"rulebooks":[{"id":"national-tax","version":"2026.1"}],"next_change":"2027-01-01T00:00:00Z"}`,
		stampsNever: `{"subject":"91310000132200821H","as_of":"2026-11-30T08:00:00Z","grade":"A","score":95,"reasons":["无不良记录"],"public":true,` +
			`"dimensions":{"tax":{"start":100,"score":95,"grade":"A","public":true,"contributions":[]}},"rulebooks":[]}`,
	}
}

// AssessmentsAfterStamps checks a store migrated past assessment_stamps,
// holding AssessmentsBeforeStamps: the assessments read back the same
// (times included), stay due, and keep their history; the next save of
// the same content records no change.
func AssessmentsAfterStamps(t *testing.T, s credo.AssessmentStore) {
	t.Helper()
	for code, body := range AssessmentsBeforeStamps() {
		var want credo.Assessment
		if err := json.Unmarshal([]byte(body), &want); err != nil {
			t.Fatal(err)
		}
		got, err := s.CurrentAssessment(ctx, code)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, &want) {
			t.Errorf("%s after the migration:\n%+v\nwant\n%+v", code, got, &want)
		}
		page, err := s.AssessmentHistory(ctx, code, "", 0)
		if err != nil || len(page.Changes) != 1 || !reflect.DeepEqual(page.Changes[0].Assessment, &want) {
			t.Errorf("%s history after the migration: %+v, %v", code, page, err)
		}
	}
	if got, err := s.DueAssessments(ctx, time.Date(2027, 1, 2, 0, 0, 0, 0, time.UTC), 10); err != nil || !slices.Equal(got, []string{StampsDue}) {
		t.Errorf("DueAssessments after the migration = %q, %v; want %s", got, err, StampsDue)
	}
	again, err := s.CurrentAssessment(ctx, stampsNever)
	if err != nil {
		t.Fatal(err)
	}
	again.AsOf = credo.NewTime(time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC))
	if err := s.SaveAssessments(ctx, []*credo.AssessmentChange{{Subject: stampsNever, At: again.AsOf, Cause: credo.Cause{Kind: credo.CauseRescore}, Assessment: again}}); err != nil {
		t.Fatal(err)
	}
	if page, err := s.AssessmentHistory(ctx, stampsNever, "", 0); err != nil || len(page.Changes) != 1 {
		t.Errorf("saving the same content after the migration: history %+v, %v; want no new change", page, err)
	}
	if got, err := s.CurrentAssessment(ctx, stampsNever); err != nil || !got.AsOf.Equal(again.AsOf.Time) || got.Reasons[0] != "无不良记录" {
		t.Errorf("CurrentAssessment after a save = %+v, %v", got, err)
	}
}
