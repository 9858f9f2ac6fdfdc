package storecheck

import (
	"strings"
	"testing"

	"github.com/credo-registry/credo"
)

// An annual dimension's provisional figure is part of what a stored
// assessment says: a stale one is a difference.
func TestDiffersProvisional(t *testing.T) {
	mk := func(grade string, score float64) *credo.Assessment {
		return &credo.Assessment{Grade: "A", Dimensions: map[string]*credo.Dimension{
			"tax": {Grade: "A", Score: 90, Evaluation: credo.EvaluationAnnual, Provisional: &credo.Dimension{Grade: grade, Score: score}}}}
	}
	if d := differs(mk("B", 75), mk("B", 75)); d != "" {
		t.Errorf("the same: %q", d)
	}
	if d := differs(mk("A", 95), mk("B", 75)); !strings.Contains(d, "provisional A (95), recomputed B (75)") {
		t.Errorf("a stale provisional figure: %q", d)
	}
	noProv := mk("A", 95)
	noProv.Dimensions["tax"].Provisional = nil
	if d := differs(noProv, mk("A", 95)); d == "" {
		t.Error("a provisional figure missing is no difference")
	}
}
