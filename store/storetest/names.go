package storetest

import (
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/search"
)

// testNameIndex: the name matcher's index loaded from the store
// (search.Index.Load, through ScanSubjects) holds each organization's
// latest version with every name field, and answers exactly as an index
// fed the same versions directly: the ranking does not depend on the
// backend.
func testNameIndex(t *testing.T, h Harness) {
	s := h.Open(t)
	var direct []*credo.Subject
	for i := range companies {
		sub := subject(i)
		if i == 0 {
			sub.ShortName, sub.EnglishName = "旧简称", "Old English Name Co., Ltd."
		}
		mustPut(t, s, sub)
		direct = append(direct, sub)
	}
	// A second version: its names replace the first's.
	v2 := subject(0)
	v2.ShortName, v2.EnglishName = "新简称", "New English Name Co., Ltd."
	v2.FormerNames = append(v2.FormerNames, credo.FormerName{Name: "旧简称", Kind: credo.FormerShortName})
	mustPut(t, s, v2)
	direct[0] = v2

	loaded := search.NewIndex()
	if err := loaded.Load(ctx, s); err != nil {
		t.Fatal(err)
	}
	want := search.NewIndex()
	want.Put(direct...)
	if loaded.Len() != len(companies) || loaded.Names() != want.Names() {
		t.Fatalf("loaded %d organizations, %d names; want %d, %d", loaded.Len(), loaded.Names(), len(companies), want.Names())
	}
	queries := []string{"新简称", "旧简称", "New English Name", "Old English Name", "XJC"}
	for i := range companies {
		queries = append(queries, companies[i].name)
	}
	for _, q := range queries {
		got, exp := loaded.Find(search.Query{Q: q, Limit: 5}), want.Find(search.Query{Q: q, Limit: 5})
		if !slices.EqualFunc(got, exp, func(a, b search.Match) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
			t.Errorf("%s: loaded index found %v, direct %v", q, got, exp)
		}
	}
	if got := loaded.Find(search.Query{Q: "新简称", Limit: 1}); len(got) != 1 || got[0].Code != codes[0] || !got[0].Match {
		t.Errorf("the latest short name: %v", got)
	}
	if got := loaded.Find(search.Query{Q: "Old English Name", Limit: 1}); len(got) > 0 && got[0].Code == codes[0] && got[0].Match {
		t.Errorf("the first version's English name still matches: %v", got)
	}
}
