package demo

import (
	"fmt"
	"math"
	"time"

	"github.com/credo-registry/credo"
)

// ReportYear is the year whose annual reports the demo holds: the last
// one whose deadline (30 June, Asia/Shanghai) had passed at now.
func ReportYear(now time.Time) int {
	y := now.In(time.FixedZone("CST", 8*3600)).Year() - 1
	if now.Before(credo.AnnualReportDeadline(y)) {
		y--
	}
	return y
}

// AnnualReports calls fn, in subject order, with the report each
// organization that had to file one for ReportYear(Now) filed, between 1
// January and the deadline: enterprises, individual businesses and
// farmers' cooperatives established by the end of that year and not
// deregistered (credo.AnnualReportDue). Real-named and
// clean organizations file; one in eight of the moderate and one in two of
// the bad do not, so the deadline pass has organizations to list. About
// one report in twenty is corrected once, a few weeks later (a second
// version). Each report is new: fn may keep it.
func AnnualReports(cfg Config, fn func(*credo.AnnualReport) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return err
	}
	year := ReportYear(g.nowTime)
	return inOrder(g.n, func() struct{} { return struct{}{} },
		func(_ struct{}, i int) []*credo.AnnualReport { return g.annualReports(i, year) },
		func(rs []*credo.AnnualReport) error {
			for _, r := range rs {
				if err := fn(r); err != nil {
					return err
				}
			}
			return nil
		})
}

// annualReports is what subject i filed for year: none, one or two versions.
func (g *generator) annualReports(i, year int) []*credo.AnnualReport {
	c := g.core(i)
	if c.class != classEnterprise && c.class != classIndividual && c.class != classCooperative {
		return nil
	}
	r := newRNG(g.seed, streamReport, i)
	switch c.risk {
	case riskBad:
		if r.chance(0.5) {
			return nil
		}
	case riskModerate:
		if r.chance(0.125) {
			return nil
		}
	}
	s := g.subject(i)
	if !credo.AnnualReportDue(s, year) {
		return nil
	}
	opens, deadline := credo.AnnualReportOpens(year), credo.AnnualReportDeadline(year)
	filed := time.Unix(r.between64(opens.Unix(), deadline.Unix()-3600), 0).UTC()
	employees := int64(math.Max(1, math.Round(r.logNormal(12, 1.2))))
	if c.class == classIndividual {
		employees = int64(r.between(1, 6))
	}
	insured := employees - int64(r.intn(int(employees/4)+1))
	revenue := math.Round(float64(employees) * r.logNormal(350000, 0.8))
	assets := math.Round(revenue * r.logNormal(0.9, 0.5))
	rep := &credo.AnnualReport{
		Subject: s.Code, Year: year,
		Contact: credo.ReportContact{Address: s.Address, PostalCode: fmt.Sprintf("%06d", r.between(100000, 999999)),
			Phone: fmt.Sprintf("0%d-%08d", r.between(10, 999), r.between(20000000, 89999999))},
		OperatingStatus:          credo.OperatingOpen,
		Employees:                &employees,
		SocialInsuranceHeadcount: &insured,
		TotalAssets:              &assets,
		Liabilities:              ptr(math.Round(assets * r.float() * 0.8)),
		Revenue:                  &revenue,
		Profit:                   ptr(math.Round(revenue * (r.float()*0.2 - 0.05))),
		TaxPaid:                  ptr(math.Round(revenue * 0.03 * r.float())),
		FiledAt:                  credo.NewTime(filed),
	}
	if r.chance(0.04) {
		rep.OperatingStatus = credo.OperatingSuspended
	}
	for _, item := range credo.OptionalReportItems {
		if c.risk == riskReal || r.chance(0.4) {
			rep.Disclosed = append(rep.Disclosed, item)
		}
	}
	capital := 0.0
	if s.RegisteredCapital != nil {
		capital = s.RegisteredCapital.Amount
	}
	for _, sh := range s.Shareholders {
		sub := math.Round(capital * sh.Share / 100)
		paid := math.Round(sub * r.float())
		h := credo.ReportShareholder{Name: sh.Name, Code: sh.Code, Subscribed: sub, SubscribedOn: s.Established, PaidIn: paid, Share: sh.Share}
		if paid > 0 {
			h.PaidInOn = s.Established
		}
		rep.Shareholders = append(rep.Shareholders, h)
	}
	out := []*credo.AnnualReport{rep}
	if r.chance(0.05) {
		fix := *rep
		fix.Version, fix.Corrects = 2, 1
		fix.Employees = ptr(employees + 1)
		fix.FiledAt = credo.NewTime(filed.Add(time.Duration(r.between(3, 40)) * 24 * time.Hour))
		if fix.FiledAt.Before(g.nowTime) {
			rep.Version = 1
			out = append(out, &fix)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
