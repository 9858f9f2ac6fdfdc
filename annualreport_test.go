package credo_test

import (
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

func TestAnnualReportDeadline(t *testing.T) {
	// The end of 30 June, Asia/Shanghai, is 16:00 UTC that day.
	if got, want := credo.AnnualReportDeadline(2025), time.Date(2026, 6, 30, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("deadline of 2025: %s, want %s", got, want)
	}
	if got, want := credo.AnnualReportOpens(2025), time.Date(2025, 12, 31, 16, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("2025 opens: %s, want %s", got, want)
	}
	for code, want := range map[string]bool{"92340621MA2PBKRXXG": true, "91340600MA2PBM9HXD": false, "93340621MA2PEMUHX8": false} {
		if credo.IndividualBusiness(code) != want {
			t.Errorf("IndividualBusiness(%s) = %v", code, !want)
		}
	}
	est := func(d string, st credo.Status) *credo.Subject {
		t.Helper()
		date, err := credo.ParseDate(d)
		if err != nil {
			t.Fatal(err)
		}
		return &credo.Subject{Code: "91340600MA2PBM9HXD", Established: date, Status: st}
	}
	for _, c := range []struct {
		s    *credo.Subject
		year int
		want bool
	}{
		{est("2025-12-31", credo.StatusActive), 2025, true}, // established in the year: files for it
		{est("2026-01-01", credo.StatusActive), 2025, false},
		{est("2010-05-01", credo.StatusCancelled), 2025, false},
		{est("2010-05-01", credo.StatusSuspended), 2025, true},
		{&credo.Subject{Code: "91340600MA2PBM9HXD"}, 2025, false},                                                 // no establishment date: not shown to have existed
		{&credo.Subject{Code: "121200004013590816", Established: est("2010-05-01", "").Established}, 2025, false}, // a public institution reports elsewhere
	} {
		if got := credo.AnnualReportDue(c.s, c.year); got != c.want {
			t.Errorf("AnnualReportDue(%s %s, %d) = %v", c.s.Established, c.s.Status, c.year, got)
		}
	}
}

func TestAnnualReportPublic(t *testing.T) {
	n, v := int64(9), 100.0
	r := &credo.AnnualReport{Subject: "91340600MA2PBM9HXD", Year: 2025, Employees: &n, Revenue: &v, Profit: &v,
		SocialInsuranceHeadcount: &n, Disclosed: []string{"revenue"}}
	p := r.Public()
	if p.Employees != nil || p.Profit != nil || p.Revenue == nil || p.SocialInsuranceHeadcount == nil {
		t.Errorf("public view %+v", p)
	}
	// Items never given are not named as withheld.
	if !slices.Equal(p.Withheld, []string{"employees", "profit"}) {
		t.Errorf("withheld %v", p.Withheld)
	}
	if r.Employees == nil || r.Withheld != nil {
		t.Error("Public changed the report")
	}
}
