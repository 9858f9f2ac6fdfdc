package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// testReports checks credo.ReportStore: an issued report reads back as
// issued and valid; a later one for the same organization and viewer
// class supersedes it (another class or organization does not); a
// withdrawal is stored once, wins over superseded, and each write appends
// its change; unknown numbers are ENOTFOUND, a number taken is ECONFLICT.
func testReports(t *testing.T, h Harness) {
	s := h.Open(t)
	at := t0.Add(2 * time.Hour)
	issue := func(n int, code, viewer string, issued time.Time) *credo.IssuedReport {
		t.Helper()
		r := &credo.IssuedReport{Number: fmt.Sprintf("CR-%s-%010X", issued.Format("20060102"), n), Subject: code, Viewer: viewer,
			Format: credo.ReportPDF, IssuedAt: credo.NewTime(issued), AsOf: credo.NewTime(issued.Add(-time.Hour)),
			Rulebooks: []credo.RulebookRef{{ID: "national-comprehensive", Version: "2026.1"}, {ID: "national-tax", Version: "2025.1"}},
			SHA256:    fmt.Sprintf("%064x", n)}
		if err := s.IssueReport(ctx, r); err != nil {
			t.Fatalf("IssueReport(%s): %v", r.Number, err)
		}
		return r
	}
	read := func(number string) *credo.IssuedReport {
		t.Helper()
		r, err := s.IssuedReport(ctx, number)
		if err != nil {
			t.Fatalf("IssuedReport(%s): %v", number, err)
		}
		return r
	}

	first := issue(1, codes[0], "public", at)
	got := read(first.Number)
	if got.Subject != codes[0] || got.Viewer != "public" || got.Format != credo.ReportPDF || !got.IssuedAt.Equal(at) ||
		!got.AsOf.Equal(at.Add(-time.Hour)) || !slices.Equal(got.Rulebooks, first.Rulebooks) || got.SHA256 != first.SHA256 {
		t.Fatalf("IssuedReport = %+v, want %+v", got, first)
	}
	if got.Status != credo.ReportValid || got.SupersededBy != "" || got.Withdrawal != nil {
		t.Fatalf("a fresh report reads %s (superseded by %q, withdrawal %v), want valid", got.Status, got.SupersededBy, got.Withdrawal)
	}

	// The same issue again (a retried write) succeeds and stores nothing
	// more; another report under the same number is refused.
	if err := s.IssueReport(ctx, first); err != nil {
		t.Fatalf("IssueReport(the same report again): %v", err)
	}
	taken := *first
	taken.SHA256 = fmt.Sprintf("%064x", 99)
	wantError(t, "IssueReport(a number taken)", s.IssueReport(ctx, &taken), credo.ECONFLICT, "number")

	// Other viewer classes and organizations do not supersede it.
	org := issue(2, codes[0], "organization", at.Add(time.Minute))
	issue(3, codes[1], "public", at.Add(time.Minute))
	if got := read(first.Number); got.Status != credo.ReportValid {
		t.Fatalf("after reports of another class and organization, the first reads %s, want valid", got.Status)
	}
	// Two later public reports: the first is superseded by the newest.
	second := issue(4, codes[0], "public", at.Add(2*time.Minute))
	third := issue(5, codes[0], "public", at.Add(3*time.Minute))
	if got := read(first.Number); got.Status != credo.ReportSuperseded || got.SupersededBy != third.Number {
		t.Fatalf("first reads %s superseded by %q, want superseded by %s", got.Status, got.SupersededBy, third.Number)
	}
	if got := read(second.Number); got.Status != credo.ReportSuperseded || got.SupersededBy != third.Number {
		t.Fatalf("second reads %s superseded by %q, want superseded by %s", got.Status, got.SupersededBy, third.Number)
	}
	if got := read(third.Number); got.Status != credo.ReportValid {
		t.Fatalf("the newest reads %s, want valid", got.Status)
	}
	if got := read(org.Number); got.Status != credo.ReportValid {
		t.Fatalf("the organization's own report reads %s, want valid", got.Status)
	}

	// Withdrawal: once, with its reason; it wins over superseded.
	w := credo.ReportWithdrawal{At: credo.NewTime(at.Add(time.Hour)), By: "admin", Reason: "issued from a record later found forged"}
	got, err := s.WithdrawReport(ctx, second.Number, w)
	if err != nil {
		t.Fatalf("WithdrawReport: %v", err)
	}
	if got.Status != credo.ReportWithdrawn || got.Withdrawal == nil || got.Withdrawal.Reason != w.Reason {
		t.Fatalf("WithdrawReport = %+v, want withdrawn", got)
	}
	got = read(second.Number)
	if got.Status != credo.ReportWithdrawn || got.Withdrawal == nil || !got.Withdrawal.At.Equal(w.At.Time) || got.Withdrawal.By != "admin" ||
		got.Withdrawal.Reason != w.Reason || got.SupersededBy != third.Number {
		t.Fatalf("a withdrawn report reads %+v (withdrawal %+v)", got, got.Withdrawal)
	}
	again := w
	again.Reason = "twice"
	_, err = s.WithdrawReport(ctx, second.Number, again)
	wantError(t, "WithdrawReport(withdrawn already)", err, credo.ECONFLICT, "number")
	if got := read(second.Number); got.Withdrawal.Reason != w.Reason {
		t.Fatalf("a second withdrawal changed the reason to %q", got.Withdrawal.Reason)
	}
	if got := read(third.Number); got.Status != credo.ReportValid {
		t.Fatalf("withdrawing an older report changed the newest to %s", got.Status)
	}

	_, err = s.IssuedReport(ctx, "CR-20240301-FFFFFFFFFF")
	wantError(t, "IssuedReport(unknown)", err, credo.ENOTFOUND, "number")
	_, err = s.WithdrawReport(ctx, "CR-20240301-FFFFFFFFFF", w)
	wantError(t, "WithdrawReport(unknown)", err, credo.ENOTFOUND, "number")

	// Each issue and the withdrawal are in the change log, in order.
	changes, err := s.Changes(ctx, credo.ChangeQuery{Types: []string{credo.ChangeReportIssued, credo.ChangeReportWithdrawn}, Limit: credo.MaxPageSize})
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	var log []string
	for _, c := range changes {
		log = append(log, c.Type+" "+c.Ref)
	}
	want := []string{"report.issued " + first.Number, "report.issued " + org.Number, "report.issued " + fmt.Sprintf("CR-%s-%010X", at.Add(time.Minute).Format("20060102"), 3),
		"report.issued " + second.Number, "report.issued " + third.Number, "report.withdrawn " + second.Number}
	if !slices.Equal(log, want) {
		t.Fatalf("change log:\n%v\nwant\n%v", log, want)
	}
	if changes[0].Subject != codes[0] || !changes[0].At.Equal(at) {
		t.Fatalf("report.issued change = %+v", changes[0])
	}

	// A restore (a copy) stores them as read, withdrawal and all, logs
	// nothing, and skips what it holds when resumed.
	var all []*credo.IssuedReport
	for _, c := range changes {
		if c.Type == credo.ChangeReportIssued {
			all = append(all, read(c.Ref))
		}
	}
	dst := h.Open(t)
	if err := dst.RestoreIssuedReports(ctx, all[:2]); err != nil {
		t.Fatalf("RestoreIssuedReports: %v", err)
	}
	if err := dst.RestoreIssuedReports(ctx, all); err != nil {
		t.Fatalf("RestoreIssuedReports (resumed): %v", err)
	}
	for _, r := range all {
		got, err := dst.IssuedReport(ctx, r.Number)
		if err != nil {
			t.Fatalf("restored IssuedReport(%s): %v", r.Number, err)
		}
		wantSame(t, "restored report "+r.Number, got, r)
	}
	if head, err := dst.Head(ctx); err != nil || head != 0 {
		t.Fatalf("a restore logged changes: head %d, %v", head, err)
	}
}
