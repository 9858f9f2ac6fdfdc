package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/rulebooks"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/web"
)

// Real codes (from the project's sample of published codes).
const (
	codeHuawei   = "914403001922038216" // division 440300
	codeHuaibei  = "91340600MA2PBM9HXD" // division 340600
	codeShanghai = "91310112087994932F" // division 310112
)

// hostile is text with markup in it: every page must show it as text.
const hostile = `<script>alert("x")</script><img src=x onerror=alert(1)>`

// Tokens of the accounts the registry holds: the organization
// codeHuaibei's, another organization's, the national authority's, and the
// server's administrator token.
const (
	tokenOrg       = "credo_test_org_huaibei"
	tokenOtherOrg  = "credo_test_org_shanghai"
	tokenAuthority = "credo_test_national"
	tokenAdmin     = "credo_test_admin_0123456789abcdefghijklmnop"
)

var testNow = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) set(t time.Time) { c.mu.Lock(); defer c.mu.Unlock(); c.now = t }

// registry is a portal over a small registry: three organizations (one
// named with markup), records with markup in every free-text field, and
// an abnormal-operations listing in effect.
type registry struct {
	t       testing.TB
	url     string
	apiURL  string // the API with the portal beside it
	store   credo.Store
	process *dueprocess.Service
	clock   *clock
	auth    *credo.Authority
	in      *ingest.Ingester
	portal  *web.Server
}

func newRegistry(t testing.TB) *registry {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	auth := &credo.Authority{ID: "national-registry", Name: "全国登记机关" + hostile, Divisions: []string{credo.Nationwide}, Categories: []string{"registration", "market", "court", "tax"}}
	if err := st.CreateAuthority(ctx, auth, credo.HashToken("credo_test_national")); err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: testNow.AddDate(0, -6, 0)}
	set, err := rulebooks.Set()
	if err != nil {
		t.Fatal(err)
	}
	cat, err := lists.Bundled()
	if err != nil {
		t.Fatal(err)
	}
	pl := pipeline.New(pipeline.Config{Store: st, Keyer: credo.HMACKeyer{Secret: []byte("0123456789abcdef0123456789abcdef")},
		Rulebooks: set, Catalogue: cat, Now: clk.Now})
	g, in, p := pl.Grading, pl.Ingester, pl.Process
	reg := &registry{t: t, store: st, process: p, clock: clk, auth: auth, in: in}

	reg.ingest(in.Subjects,
		map[string]any{"code": codeHuawei, "name": "华为技术有限公司", "division": "440300", "status": "active", "industry": "I65", "established": "1987-09-15", "address": "深圳市龙岗区坂田华为基地"},
		map[string]any{"code": codeHuaibei, "name": "淮北" + hostile + "有限公司", "division": "340600", "status": "active", "industry": "C13", "address": hostile},
		map[string]any{"code": codeShanghai, "name": "上海测试有限公司", "division": "310112", "status": "revoked", "industry": "I65"},
	)
	reg.ingest(in.Records,
		map[string]any{"subject": codeHuaibei, "category": "market", "kind": "penalty", "external_id": "HB-1", "severity": "general",
			"penalty_types": []string{"fine"}, "amount": 20000, "decision_number": "淮市监罚〔2026〕1号" + hostile,
			"legal_basis": "《中华人民共和国反不正当竞争法》" + hostile, "description": hostile, "occurred_at": "2025-12-01"},
	)
	clk.set(testNow.AddDate(0, -3, 0))
	reg.ingest(in.Records,
		map[string]any{"subject": codeHuaibei, "category": "market", "kind": "penalty", "external_id": "HB-2", "severity": "serious",
			"penalty_types": []string{"fine"}, "amount": 500000, "decision_number": "淮市监罚〔2026〕9号",
			"legal_basis": "《中华人民共和国食品安全法》", "description": "食品安全", "occurred_at": "2026-03-15"},
	)
	entry, _, err := p.List(ctx, credo.Viewer{Role: credo.RoleAuthority, Authority: auth}, dueprocess.ListRequest{
		List: "abnormal-operations", Subject: codeHuaibei, LegalBasis: "《企业经营异常名录管理暂行办法》" + hostile,
		DecisionNumber: "淮市监异〔2026〕3号" + hostile, Reasons: dueprocess.Texts{"未按规定报送年度报告" + hostile},
	})
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	clk.set(testNow)
	// The organization objects to the listing and to its newer record.
	org := credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "acct-huaibei", Role: credo.RoleOrganization, Subject: codeHuaibei}}
	records, err := st.AllRecords(ctx, codeHuaibei)
	if err != nil {
		t.Fatal(err)
	}
	for _, target := range []credo.Target{{Kind: credo.TargetListEntry, ID: entry.ID}, {Kind: credo.TargetRecord, ID: records[len(records)-1].ID}} {
		if _, err := p.File(ctx, org, credo.CaseObjection, dueprocess.CaseRequest{Target: target, Reasons: dueprocess.Texts{"已按期报送年度报告"}}); err != nil {
			t.Fatalf("objecting to %v: %v", target, err)
		}
	}

	if err := st.CreateAccount(ctx, &credo.Account{ID: "acct-huaibei", Role: credo.RoleOrganization, Subject: codeHuaibei}, credo.HashToken(tokenOrg)); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateAccount(ctx, &credo.Account{ID: "acct-shanghai", Role: credo.RoleOrganization, Subject: codeShanghai}, credo.HashToken(tokenOtherOrg)); err != nil {
		t.Fatal(err)
	}
	portal, err := web.New(st, p, g, clk.Now, nil)
	if err != nil {
		t.Fatal(err)
	}
	portal.AdminToken = tokenAdmin
	hs := httptest.NewServer(portal)
	t.Cleanup(hs.Close)
	reg.url = hs.URL
	reg.portal = portal
	// The portal beside the JSON API, as credo serve runs it.
	a := api.New(st, in, nil)
	a.Grading, a.Process, a.Now, a.Portal = g, p, clk.Now, portal
	both := httptest.NewServer(a.Handler())
	t.Cleanup(both.Close)
	reg.apiURL = both.URL
	return reg
}

func (reg *registry) ingest(fn func(context.Context, *credo.Authority, []ingest.Line) ([]ingest.Result, error), items ...map[string]any) {
	reg.t.Helper()
	var lines []ingest.Line
	for i, it := range items {
		b, err := json.Marshal(it)
		if err != nil {
			reg.t.Fatal(err)
		}
		lines = append(lines, ingest.Line{Number: i + 1, Data: b})
	}
	res, err := fn(context.Background(), reg.auth, lines)
	if err != nil {
		reg.t.Fatal(err)
	}
	for _, r := range res {
		if r.Error != nil {
			reg.t.Fatalf("line %d: %v", r.Line, r.Error)
		}
	}
}

// page is a fetched response.
type page struct {
	status int
	header http.Header
	body   string
}

func (reg *registry) get(path string, headers ...string) page {
	reg.t.Helper()
	req, err := http.NewRequest("GET", reg.url+path, nil)
	if err != nil {
		reg.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		reg.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return page{status: res.StatusCode, header: res.Header, body: string(b)}
}

func (p page) has(t *testing.T, what ...string) {
	t.Helper()
	for _, w := range what {
		if !strings.Contains(p.body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

// tlsPortal serves reg's portal over TLS.
func tlsPortal(t *testing.T, reg *registry) *httptest.Server {
	ts := httptest.NewTLSServer(reg.portal)
	t.Cleanup(ts.Close)
	return ts
}

func regexpFirst(t *testing.T, body, expr string) string {
	t.Helper()
	m := regexp.MustCompile(expr).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s in the page", expr)
	}
	return m[1]
}

// rulebookSource is the source of the loaded rulebook version ref (id@version).
func rulebookSource(t *testing.T, reg *registry, ref string) string {
	t.Helper()
	for _, rb := range reg.process.Grading.Set().Rulebooks() {
		if rb.ID+"@"+rb.Version == ref {
			return string(rb.Source)
		}
	}
	t.Fatalf("no rulebook %s", ref)
	return ""
}

// comprehensiveVersion is the version of national-comprehensive in force now.
func comprehensiveVersion(t *testing.T, reg *registry) string {
	t.Helper()
	v := ""
	for _, rb := range reg.process.Grading.Set().Rulebooks() {
		if rb.ID == "national-comprehensive" && !rb.EffectiveFrom.After(reg.clock.Now()) {
			v = rb.Version
		}
	}
	if v == "" {
		t.Fatal("no national-comprehensive in force")
	}
	return v
}
