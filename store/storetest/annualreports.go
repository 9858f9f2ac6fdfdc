package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

// report returns version v of codes[i]'s report for year, filed n minutes
// after the deadline's opening.
func report(i, year, v, n int) *credo.AnnualReport {
	employees := int64(120 + v)
	return &credo.AnnualReport{
		Subject: codes[i], Year: year, Version: v,
		Contact:         credo.ReportContact{Address: "安徽省淮北市相山区人民路1号", Phone: "0561-3000000"},
		OperatingStatus: credo.OperatingOpen, Employees: &employees, Disclosed: []string{"employees"},
		FiledAt: credo.NewTime(credo.AnnualReportOpens(year).Add(time.Duration(n) * time.Minute)), FiledBy: "account:org-" + codes[i],
	}
}

// testAnnualReports checks credo.AnnualReportStore.
func testAnnualReports(t *testing.T, h Harness) {
	s := h.Open(t)
	putAll(t, s)

	t.Run("none is an empty slice", func(t *testing.T) {
		got, err := s.AnnualReports(ctx, codes[0])
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("AnnualReports of an organization with none: %v, %v; want an empty slice", got, err)
		}
	})

	first, second := report(0, 2025, 1, 10), report(0, 2025, 2, 20)
	for _, r := range []*credo.AnnualReport{first, second, report(0, 2024, 1, 5)} {
		if err := s.FileAnnualReport(ctx, r); err != nil {
			t.Fatalf("FileAnnualReport(%d v%d): %v", r.Year, r.Version, err)
		}
	}
	t.Run("every version, by year then version", func(t *testing.T) {
		got, err := s.AnnualReports(ctx, codes[0])
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0].Year != 2024 || got[1].Version != 1 || got[2].Version != 2 {
			t.Fatalf("AnnualReports: %s", jsonOf(t, got))
		}
		wantSame(t, "version 2 as filed", got[2], second)
	})
	t.Run("a version taken is a conflict", func(t *testing.T) {
		wantError(t, "filing version 2 again", s.FileAnnualReport(ctx, report(0, 2025, 2, 30)), credo.ECONFLICT, "year")
		wantError(t, "the same filing again", s.FileAnnualReport(ctx, second), credo.ECONFLICT, "year")
		if got, _ := s.AnnualReports(ctx, codes[0]); len(got) != 3 {
			t.Fatalf("after the conflict: %d versions, want 3", len(got))
		}
	})
	t.Run("two filings at once: one stored", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for k := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[k] = s.FileAnnualReport(ctx, report(1, 2025, 1, k))
			}()
		}
		wg.Wait()
		ok := 0
		for _, err := range errs {
			if err == nil {
				ok++
			} else if credo.ErrorCodeOf(err) != credo.ECONFLICT {
				t.Fatalf("a concurrent filing: %v", err)
			}
		}
		got, _ := s.AnnualReports(ctx, codes[1])
		if ok != 1 || len(got) != 1 {
			t.Fatalf("%d filings succeeded and %d are stored; want 1 and 1", ok, len(got))
		}
	})
	t.Run("each filing is logged; a restore is not, and skips what is stored", func(t *testing.T) {
		changes, err := s.Changes(ctx, credo.ChangeQuery{Types: []string{credo.ChangeAnnualReportFiled}, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		filed := 0
		for _, c := range changes {
			if c.Subject == codes[0] {
				filed++
			}
		}
		if filed != 3 {
			t.Fatalf("%d annual_report.filed changes of %s, want 3", filed, codes[0])
		}
		head, _ := s.Head(ctx)
		restored := report(2, 2025, 1, 40)
		if err := s.RestoreAnnualReports(ctx, []*credo.AnnualReport{restored, report(0, 2025, 1, 99)}); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.AnnualReports(ctx, codes[2]); len(got) != 1 {
			t.Fatalf("restored: %d versions, want 1", len(got))
		} else {
			wantSame(t, "the restored report", got[0], restored)
		}
		if got, _ := s.AnnualReports(ctx, codes[0]); !got[1].FiledAt.Equal(first.FiledAt.Time) {
			t.Fatal("a restore replaced a stored version")
		}
		if after, _ := s.Head(ctx); after != head {
			t.Fatalf("a restore appended to the log: head %d, then %d", head, after)
		}
	})
	t.Run("unfiled: by code, after the cursor, filed before the time", func(t *testing.T) {
		all, err := s.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: 2025, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range all {
			if sub.Code == codes[0] || sub.Code == codes[1] || sub.Code == codes[2] {
				t.Fatalf("%s filed for 2025 but is listed", sub.Code)
			}
		}
		if len(all) != len(codes)-3 {
			t.Fatalf("%d unfiled, want %d", len(all), len(codes)-3)
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].Code >= all[i].Code {
				t.Fatalf("not by code: %s before %s", all[i-1].Code, all[i].Code)
			}
		}
		// Before the first filing of codes[0], it had not filed.
		early, err := s.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: 2025, Before: first.FiledAt.Time, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(early) != len(codes)-1 {
			t.Fatalf("before the first filing: %d unfiled, want %d", len(early), len(codes)-1)
		}
		page, err := s.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: 2025, After: all[0].Code, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) != 2 || page[0].Code != all[1].Code {
			t.Fatalf("after %s, limit 2: %v", all[0].Code, subjectCodes(page))
		}
		div := all[0].Division[:4]
		in, err := s.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: 2025, Division: div, Limit: credo.MaxPageSize})
		if err != nil {
			t.Fatal(err)
		}
		if len(in) == 0 {
			t.Fatalf("none in division %s", div)
		}
		for _, sub := range in {
			if sub.Division[:4] != div {
				t.Fatalf("division %s: got %s (%s)", div, sub.Code, sub.Division)
			}
		}
		if _, err := s.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: 2025, Limit: -1}); credo.ErrorCodeOf(err) != credo.EINVALID {
			t.Fatalf("a negative limit: %v, want EINVALID", err)
		}
	})
}
