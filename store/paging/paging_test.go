package paging_test

import (
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

func TestCursor(t *testing.T) {
	c := paging.Cursor('r', "1700000000,42")
	if pos, err := paging.Position('r', c); err != nil || pos != "1700000000,42" {
		t.Fatalf("round trip: %q %v", pos, err)
	}
	for _, bad := range []string{"", "!!", paging.Cursor('s', "1")} {
		if _, err := paging.Position('r', bad); credo.ErrorCodeOf(err) != credo.EINVALID {
			t.Errorf("cursor %q accepted by another listing: %v", bad, err)
		}
	}
}

func TestSize(t *testing.T) {
	for _, tt := range []struct{ in, want int }{{0, credo.DefaultPageSize}, {1, 1}, {credo.MaxPageSize + 5, credo.MaxPageSize}} {
		if got, err := paging.Size(tt.in); err != nil || got != tt.want {
			t.Errorf("Size(%d) = %d, %v", tt.in, got, err)
		}
	}
	if _, err := paging.Size(-1); credo.ErrorCodeOf(err) != credo.EINVALID {
		t.Error("a negative limit was accepted")
	}
}

func TestIDCursor(t *testing.T) {
	c := paging.IDCursor('l', 42)
	if id, err := paging.ID('l', c); err != nil || id != 42 {
		t.Fatalf("round trip: %d %v", id, err)
	}
	for _, bad := range []string{paging.IDCursor('n', 42), paging.Cursor('l', "x"), paging.Cursor('l', "0"), "!!"} {
		if _, err := paging.ID('l', bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
