package paging_test

import (
	"errors"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

// FuzzCursor: a cursor gives back the position it was made of, and only
// to its own kind of listing; any other string is refused as the cursor
// field's format error, never misread as another position.
func FuzzCursor(f *testing.F) {
	f.Add(byte('s'), "20", paging.Cursor('s', "20"), int64(7))
	f.Add(byte('d'), "91340621MA2PEMUHX8", "ZDo5MTM0MDYyMU1BMlBFTVVIWDg", int64(1))
	f.Add(byte('n'), "", "bjoyNzU4", int64(2758))
	f.Add(byte('r'), "x", "%%%", int64(-1))
	f.Fuzz(func(t *testing.T, kind byte, pos, cursor string, id int64) {
		got, err := paging.Position(kind, paging.Cursor(kind, pos))
		if err != nil || got != pos {
			t.Fatalf("Position(Cursor(%q, %q)) = %q, %v", kind, pos, got, err)
		}
		if other := kind + 1; other != kind {
			if _, err := paging.Position(other, paging.Cursor(kind, pos)); !isBadCursor(err) {
				t.Fatalf("a cursor of %q taken for %q: %v", kind, other, err)
			}
		}
		if id > 0 {
			if got, err := paging.ID(kind, paging.IDCursor(kind, id)); err != nil || got != id {
				t.Fatalf("ID(IDCursor(%d)) = %d, %v", id, got, err)
			}
		}
		if p, err := paging.Position(kind, cursor); err != nil {
			if !isBadCursor(err) {
				t.Fatalf("Position(%q): %v", cursor, err)
			}
		} else if again, _ := paging.Position(kind, paging.Cursor(kind, p)); again != p {
			t.Fatalf("Position(%q) = %q does not round-trip", cursor, p)
		}
		if n, err := paging.ID(kind, cursor); err == nil && n < 1 {
			t.Fatalf("ID(%q) = %d", cursor, n)
		} else if err != nil && !isBadCursor(err) {
			t.Fatalf("ID(%q): %v", cursor, err)
		}
		limit, offset, _, err := paging.Search(credo.SubjectQuery{Q: pos, Cursor: cursor, Limit: int(id % 1000)})
		if err == nil && (limit < 1 || limit > credo.MaxPageSize || offset < 0) {
			t.Fatalf("Search(%q, %q, %d) = %d, %d", pos, cursor, id%1000, limit, offset)
		}
		var e *credo.Error
		if err != nil && (!errors.As(err, &e) || e.Code != credo.EINVALID || e.Field == "") {
			t.Fatalf("Search: %v", err)
		}
	})
}

func isBadCursor(err error) bool {
	var e *credo.Error
	return errors.As(err, &e) && e.Code == credo.EINVALID && e.Field == "cursor"
}
