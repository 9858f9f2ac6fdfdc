package api

import "testing"

// Every POST route that stores nothing, and only those, is left out of
// the write health /healthz reports.
func TestReadOnlyPostsAreRoutes(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range (&Server{}).routes() {
		routes[r.Method+" "+r.Pattern] = true
	}
	for p := range readOnlyPosts {
		if !routes[p] {
			t.Errorf("readOnlyPosts names %q, which is not a route", p)
		}
	}
}
