// Package paging is what every backend shares above its SQL dialect for
// paginated reads: opaque cursors and the contract's page bounds.
package paging

import (
	"encoding/base64"
	"strconv"
	"strings"

	"github.com/credo-registry/credo"
)

// Cursor returns the opaque cursor of position pos in a listing of kind.
// Cursors are base64url of a kind letter and the position, so a cursor of
// one listing is refused by another.
func Cursor(kind byte, pos string) string {
	// The kind is one byte, as Position reads it (string(kind) would be
	// the UTF-8 of a rune: two bytes from 0x80).
	return base64.RawURLEncoding.EncodeToString(append([]byte{kind, ':'}, pos...))
}

// Position returns the position a cursor of kind holds, or BadCursor.
func Position(kind byte, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 2 || b[0] != kind || b[1] != ':' {
		return "", BadCursor()
	}
	return string(b[2:]), nil
}

// RecordCursor is the cursor of an organization's records (newest
// decision first) after the record r: its decision time and id. Backends
// issue it, and so may a reader that shows only some of the records of a
// page (the API, for a viewer who may not see them all), so that the
// cursor never names a record the reader did not show.
func RecordCursor(r *credo.Record) string {
	return Cursor('r', strconv.FormatInt(r.OccurredAt.UnixNano(), 10)+","+strconv.FormatInt(r.ID, 10))
}

// IDCursor is the cursor of a listing ordered by id, after id.
func IDCursor(kind byte, id int64) string {
	return Cursor(kind, strconv.FormatInt(id, 10))
}

// ID returns the id an IDCursor of kind holds, or BadCursor.
func ID(kind byte, cursor string) (int64, error) {
	pos, err := Position(kind, cursor)
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(pos, 10, 64)
	if err != nil || id < 1 {
		return 0, BadCursor()
	}
	return id, nil
}

// BadCursor is the error of a cursor the listing did not issue.
func BadCursor() *credo.Error {
	return credo.FieldError("cursor", "format", "is not a cursor this listing issued")
}

// Size applies the contract's page bounds: 0 means the default, more than
// the maximum is cut to the maximum, a negative limit is EINVALID.
func Size(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, credo.FieldError("limit", "range", "must be between 1 and %d", credo.MaxPageSize)
	case limit == 0:
		return credo.DefaultPageSize, nil
	}
	return min(limit, credo.MaxPageSize), nil
}

// Search checks a subject search and returns its page size and, for a
// query with Q, the offset its cursor holds into the ranked results.
// byDivision is set for a division-only listing, which pages by code with
// its own cursor (kind 'd') and leaves offset 0.
func Search(q credo.SubjectQuery) (limit, offset int, byDivision bool, err error) {
	if limit, err = Size(q.Limit); err != nil {
		return 0, 0, false, err
	}
	if strings.TrimSpace(q.Q) == "" && q.Division == "" {
		return 0, 0, false, credo.FieldError("q", "required", "give a name, code or division to search for")
	}
	if q.Division != "" && !digits(q.Division, 6) {
		return 0, 0, false, credo.FieldError("division", "format", "must be a division code prefix of 1 to 6 digits")
	}
	if strings.TrimSpace(q.Q) == "" {
		return limit, 0, true, nil
	}
	if q.Cursor != "" {
		pos, err := Position('s', q.Cursor)
		if err != nil {
			return 0, 0, false, err
		}
		if offset, err = strconv.Atoi(pos); err != nil || offset < 0 {
			return 0, 0, false, BadCursor()
		}
	}
	return limit, offset, false, nil
}

// SearchNext is the cursor of the page of ranked results ending at end,
// or "" when it is the last page.
func SearchNext(end, total int) string {
	if end >= total {
		return ""
	}
	return Cursor('s', strconv.Itoa(end))
}

func digits(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Accounts checks an account listing's cursor and limit and returns the
// id to list after and the page size.
func Accounts(cursor string, limit int) (after string, size int, err error) {
	if size, err = Size(limit); err != nil {
		return "", 0, err
	}
	if cursor != "" {
		if after, err = Position('u', cursor); err != nil || after == "" {
			return "", 0, BadCursor()
		}
	}
	return after, size, nil
}

// AccountPage makes the page of accounts read with one more than size:
// the extra one only says there is a next page.
func AccountPage(got []*credo.Account, size int) *credo.AccountPage {
	page := &credo.AccountPage{Accounts: got}
	if len(got) > size {
		page.Accounts = got[:size]
		page.Next = Cursor('u', got[size-1].ID)
	}
	return page
}
