package main

import (
	"context"
	"fmt"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/calendar"
	"github.com/credo-registry/credo/demo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
)

// demoAccess is what the demo prints once, when it creates the registry:
// the tokens of an organization's account and of an administrator.
type demoAccess struct {
	org, orgToken, adminToken string
	entry                     int64
}

func (d *demoAccess) print(m *Main) {
	if d == nil || d.orgToken == "" {
		return
	}
	fmt.Fprintf(m.Stdout, "organization %s (on the serious dishonesty list, entry %d), its own account's bearer token:\n%s\n", d.org, d.entry, d.orgToken)
	fmt.Fprintf(m.Stdout, "an administrator's bearer token:\n%s\n", d.adminToken)
	fmt.Fprintln(m.Stdout, "these two are shown only this once; credo account add makes more")
}

// demoDueProcess lists the organizations of serious, one each, on the
// serious dishonesty list by the national market regulator's decision,
// 60 days before the demo's today (so the entries are in effect), runs the
// annual-report deadline pass of the demo's report year, and creates an
// account for the first of the serious and an administrator's.
func demoDueProcess(ctx context.Context, store credo.Store, cfg demo.Config, g *grading.Service, in *ingest.Ingester, serious []*credo.Record) (*demoAccess, error) {
	cat, err := lists.Bundled()
	if err != nil {
		return nil, err
	}
	listed := cfg.Now.Add(-60 * 24 * time.Hour)
	fx := dueprocess.NewEffects(store, cat, func() time.Time { return listed }, nil, nil)
	p := dueprocess.New(fx, calendar.Default(), g, in)
	samr := demoAuthority(cfg)
	access := &demoAccess{}
	for i, r := range serious {
		e, _, err := p.List(ctx, credo.Viewer{Role: credo.RoleAuthority, Authority: samr}, dueprocess.ListRequest{
			List: "serious-dishonesty", Subject: r.Subject,
			LegalBasis:     "《市场监督管理严重违法失信名单管理办法》（国家市场监督管理总局令第44号）第二条",
			DecisionNumber: fmt.Sprintf("国市监信〔%d〕%d号", listed.Year(), i+1),
			Reasons:        []string{"受到较重行政处罚（" + r.DecisionNumber + "），违法情节严重、社会危害较大"},
			DecidedAt:      credo.NewTime(listed.Add(-24 * time.Hour)),
		})
		if err != nil {
			return nil, fmt.Errorf("demo listing of %s: %w", r.Subject, err)
		}
		if i == 0 {
			access.org, access.entry = r.Subject, e.ID
		}
	}
	// The deadline pass of the demo's report year, run as it would have
	// run at the deadline: those that did not file are listed by rule.
	year := demo.ReportYear(cfg.Now)
	pass := credo.AnnualReportDeadline(year).Add(time.Second)
	p.Now = func() time.Time { return pass }
	if _, err := p.ListUnfiled(ctx, year); err != nil {
		return nil, fmt.Errorf("demo annual-report deadline pass: %w", err)
	}
	if access.org == "" {
		return access, nil
	}
	token, hash := credo.NewToken()
	if err := store.CreateAccount(ctx, &credo.Account{ID: "demo-org", Role: credo.RoleOrganization, Subject: access.org,
		Name: "demo organization", CreatedAt: credo.NewTime(time.Now())}, hash); err != nil {
		return nil, err
	}
	access.orgToken = token
	token, hash = credo.NewToken()
	if err := store.CreateAccount(ctx, &credo.Account{ID: "demo-admin", Role: credo.RoleAdmin, Name: "demo administrator",
		CreatedAt: credo.NewTime(time.Now())}, hash); err != nil {
		return nil, err
	}
	access.adminToken = token
	return access, nil
}
