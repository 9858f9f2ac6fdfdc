package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/credo-registry/credo/internal/cputime"
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
