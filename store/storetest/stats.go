package storetest

import (
	"testing"

	"github.com/credo-registry/credo"
)

func testStats(t *testing.T, h Harness) {
	s := h.Open(t)
	if got, err := s.Stats(ctx); err != nil || got != (credo.Stats{}) {
		t.Fatalf("empty store: %+v, %v; want zeros", got, err)
	}
	mustPut(t, s, subject(30), subject(31), named(30, "新名称股份有限公司"))
	mustPut(t, s, subject(31)) // a repeat
	a := penalty(30, "2024-300", 1)
	mustAppend(t, s, a, penalty(31, "2024-301", 1), penalty(32, "2024-302", 1)) // 32 is not registered
	mustAppend(t, s, a)                                                         // a repeat
	bad := penalty(33, "2024-303", 1)
	bad.Supersedes = 424242
	mustAppend(t, s, bad) // refused
	_, hash := credo.NewToken()
	if err := s.CreateAuthority(ctx, authority("samr-340600", "淮北市市场监督管理局", "3406"), hash); err != nil {
		t.Fatal(err)
	}
	got, err := s.Stats(ctx)
	want := credo.Stats{Organizations: 2, Records: 3, Authorities: 1}
	if err != nil || got != want {
		t.Errorf("Stats = %+v, %v; want %+v", got, err, want)
	}
}
