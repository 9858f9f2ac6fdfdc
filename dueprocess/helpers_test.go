package dueprocess_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/sqlite"
)

// Real codes: a Shanghai company (division 310112), a Beijing one
// (110000) and one of Huaibei, Anhui (340600).
const (
	codeShanghai = "91310112087994932F"
	codeBeijing  = "91110000600037341L"
	codeHuaibei  = "91340600MA2PBM9HXD"
)

// Authorities of the test registry.
var (
	shAMR = &credo.Authority{ID: "sh-amr", Name: "上海市市场监督管理局", Divisions: []string{"31"}, Categories: []string{"market", "registration"}}
	shTax = &credo.Authority{ID: "sh-tax", Name: "国家税务总局上海市税务局", Divisions: []string{"31"}, Categories: []string{"tax"}}
	bjAMR = &credo.Authority{ID: "bj-amr", Name: "北京市市场监督管理局", Divisions: []string{"11"}, Categories: []string{"market", "registration"}}
	court = &credo.Authority{ID: "spc", Name: "最高人民法院", Divisions: []string{credo.Nationwide}, Categories: []string{"court"}}
)

// clock is the registry clock the tests move, to the second.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func (c *clock) set(t time.Time)         { c.t = t }
func at(s string) time.Time              { t, _ := time.Parse(time.RFC3339, s); return t }
func viewerOf(a *credo.Authority) credo.Viewer {
	return credo.Viewer{Role: credo.RoleAuthority, Authority: a}
}

type registry struct {
	t     *testing.T
	ctx   context.Context
	db    credo.Store
	clock *clock
	g     *grading.Service
	in    *ingest.Ingester
	p     *dueprocess.Service
}

// openStore opens the empty store a test runs on: SQLite, or PostgreSQL
// when TestOnPostgres runs the tests again.
var openStore = func(t *testing.T) credo.Store {
	db, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// start is a Monday in Shanghai: 2026-06-01 10:00 +08:00.
var start = at("2026-06-01T02:00:00Z")

func newRegistry(t *testing.T) *registry {
	t.Helper()
	ctx := context.Background()
	db := openStore(t)
	for _, a := range []*credo.Authority{shAMR, shTax, bjAMR, court} {
		_, hash := credo.NewToken()
		if err := db.CreateAuthority(ctx, a, hash); err != nil {
			t.Fatal(err)
		}
	}
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := lists.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t: start}
	pl := pipeline.New(pipeline.Config{Store: db, Keyer: credo.HMACKeyer{Secret: make([]byte, 32)}, Rulebooks: set, Catalogue: cat, Now: c.now})
	g, in, p := pl.Grading, pl.Ingester, pl.Process
	r := &registry{t: t, ctx: ctx, db: db, clock: c, g: g, in: in, p: p}
	for _, code := range []string{codeShanghai, codeBeijing, codeHuaibei} {
		auth := shAMR
		if code == codeBeijing {
			auth = bjAMR
		}
		if code == codeHuaibei {
			continue // known by its records only
		}
		r.submit(auth, in.Subjects, map[string]any{"code": code, "name": "测试有限公司" + code[2:8], "established": "2015-03-01"})
	}
	return r
}

// submit ingests one object as authority a and returns its id.
func (r *registry) submit(a *credo.Authority, run func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error), v any) int64 {
	r.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		r.t.Fatal(err)
	}
	res, err := run(r.ctx, a, []ingest.Line{{Number: 1, Data: b}})
	if err != nil {
		r.t.Fatal(err)
	}
	if res[0].Error != nil {
		r.t.Fatalf("submission refused: %v", res[0].Error)
	}
	return res[0].ID
}

// penalty records a serious market penalty on code, decided now.
func (r *registry) penalty(a *credo.Authority, code, ext, severity string) int64 {
	r.t.Helper()
	return r.submit(a, r.in.Records, map[string]any{
		"subject": code, "category": "market", "kind": "penalty", "external_id": ext,
		"decision_number": "沪市监处〔2026〕" + ext + "号", "legal_basis": "《中华人民共和国反不正当竞争法》第二十条",
		"severity": severity, "penalty_types": []string{"fine"}, "amount": 50000,
		"occurred_at": r.clock.t.Format(time.RFC3339),
	})
}

// list lists code on list by a's decision.
func (r *registry) list(a *credo.Authority, list, code, number, term string) *credo.ListEntry {
	r.t.Helper()
	e, created, err := r.p.List(r.ctx, viewerOf(a), dueprocess.ListRequest{
		List: list, Subject: code, LegalBasis: "《市场监督管理严重违法失信名单管理办法》第十条", DecisionNumber: number,
		Reasons: []string{"提交虚假材料取得登记"}, DecidedAt: credo.NewTime(r.clock.t.Add(-24 * time.Hour)), Term: dueprocess.Period(term),
	})
	if err != nil || !created {
		r.t.Fatalf("list: %v (created %v)", err, created)
	}
	return e
}

func (r *registry) assess(code string, t time.Time) *credo.Assessment {
	r.t.Helper()
	a, err := r.g.Assess(r.ctx, code, t)
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

func (r *registry) current(code string) *credo.Assessment {
	r.t.Helper()
	a, err := r.db.CurrentAssessment(r.ctx, code)
	if err != nil {
		r.t.Fatal(err)
	}
	return a
}

func (r *registry) entry(id int64) *credo.ListEntry {
	r.t.Helper()
	e, err := r.db.ListEntry(r.ctx, id)
	if err != nil {
		r.t.Fatal(err)
	}
	return e
}

func (r *registry) entries(code string) []*credo.ListEntry {
	r.t.Helper()
	es, err := r.db.SubjectListEntries(r.ctx, code)
	if err != nil {
		r.t.Fatal(err)
	}
	return es
}

func (r *registry) notices(audience string) []*credo.Notice {
	r.t.Helper()
	page, err := r.db.Notices(r.ctx, audience, "", credo.MaxPageSize)
	if err != nil {
		r.t.Fatal(err)
	}
	return page.Notices
}

func noticeKinds(ns []*credo.Notice) map[string]int {
	out := map[string]int{}
	for _, n := range ns {
		out[n.Kind]++
	}
	return out
}

// wantError checks err is a *credo.Error with code and field.
func wantError(t *testing.T, what string, err error, code credo.ErrorCode, field string) {
	t.Helper()
	ce := credo.AsError(err)
	if ce == nil {
		t.Fatalf("%s: got %v, want a %s error on %q", what, err, code, field)
	}
	if ce.Code != code || (field != "" && ce.Field != field) {
		t.Fatalf("%s: got %s on %q (%s), want %s on %q", what, ce.Code, ce.Field, ce.Message, code, field)
	}
}

// orgViewer is code's own account.
func orgViewer(code string) credo.Viewer {
	return credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "org", Role: credo.RoleOrganization, Subject: code}}
}

var admin = credo.Viewer{Role: credo.RoleAdmin}
