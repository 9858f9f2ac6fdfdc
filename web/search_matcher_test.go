package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/credo-registry/credo/search"
)

// TestSearchByNameMatcher: with the name matcher wired (as credo serve
// wires it), the search page finds a name written in traditional
// characters and without its legal form, which the store's substring
// search does not; codes and divisions still go to the store; a
// one-character name is refused.
func TestSearchByNameMatcher(t *testing.T) {
	reg := newRegistry(t)
	const traditional = "/en/search?q=%E8%8F%AF%E7%82%BA%E6%8A%80%E8%A1%93" // 華為技術
	reg.get(traditional).has(t, "0 organizations")
	names := search.NewIndex()
	if err := names.Load(context.Background(), reg.store); err != nil {
		t.Fatal(err)
	}
	reg.portal.Matcher = names
	reg.get(traditional).has(t, "1 organizations", "华为技术有限公司", "/en/organizations/"+codeHuawei)
	reg.get(traditional+"&division=3").has(t, "0 organizations")
	reg.get(traditional+"&status=revoked").has(t, "0 organizations")
	reg.get("/en/search?q="+codeHuawei).has(t, "1 organizations", "华为技术有限公司")
	reg.get("/en/search?division=3").has(t, "2 organizations")
	if got := reg.get("/en/search?q=%E5%8D%8E"); got.status != http.StatusBadRequest { // 华
		t.Errorf("a one-character name: %d, want 400", got.status)
	}
	if got := reg.get("/en/search.csv?q=%E8%8F%AF%E7%82%BA%E6%8A%80%E8%A1%93"); got.status != 200 || !strings.Contains(got.body, codeHuawei) {
		t.Errorf("CSV export by name: %d %s", got.status, got.body)
	}
}
