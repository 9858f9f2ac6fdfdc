package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/credo-registry/credo/internal/cputime"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/uscc"
)

// BenchmarkOrganizationPage renders the organization page of the
// fixture's organization with records, a listing, objections and a
// grade history, in process (no network).
func BenchmarkOrganizationPage(b *testing.B) {
	reg := newRegistry(b)
	benchPage(b, reg, "/zh/organizations/"+codeHuaibei)
}

// BenchmarkSearchPage renders a search by part of a name.
func BenchmarkSearchPage(b *testing.B) {
	reg := newRegistry(b)
	benchPage(b, reg, "/zh/search?q=%E6%B7%AE%E5%8C%97")
}

// BenchmarkSearchPageByName renders the first page of a search by the
// first characters of a name, with the name matcher wired as credo serve
// wires it: 300 organizations match, 20 are shown with their grades.
func BenchmarkSearchPageByName(b *testing.B) {
	reg := newRegistry(b)
	var subjects []map[string]any
	for i := range 300 {
		code, err := uscc.Build('9', '1', "340600", fmt.Sprintf("MB%06d", i+1))
		if err != nil {
			b.Fatal(err)
		}
		subjects = append(subjects, map[string]any{"code": code, "name": fmt.Sprintf("淮北恒信第%d商贸有限公司", i+1), "division": "340600", "status": "active"})
	}
	reg.ingest(reg.in.Subjects, subjects...)
	names := search.NewIndex()
	if err := names.Load(context.Background(), reg.store); err != nil {
		b.Fatal(err)
	}
	reg.portal.Matcher = names
	path := "/zh/search?q=" + url.QueryEscape("淮北恒信")
	if pg := reg.get(path); strings.Count(pg.body, `href="/zh/organizations/91340600MB`) != 20 {
		b.Fatalf("%s: want 20 results on the page: %s", path, pg.body)
	}
	benchPage(b, reg, path)
}

func benchPage(b *testing.B, reg *registry, path string) {
	req := httptest.NewRequest("GET", path, nil)
	cpu := cputime.Self()
	for b.Loop() {
		w := httptest.NewRecorder()
		reg.portal.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("%s: %d", path, w.Code)
		}
	}
	// The process's CPU time per page (the garbage collector's included):
	// steadier than the wall time on a shared machine.
	b.ReportMetric(float64((cputime.Self()-cpu).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
