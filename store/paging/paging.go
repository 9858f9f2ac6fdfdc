// Package paging is what every backend shares above its SQL dialect for
// paginated reads: opaque cursors and the contract's page bounds.
package paging

import (
	"encoding/base64"

	"github.com/credo-registry/credo"
)

// Cursor returns the opaque cursor of position pos in a listing of kind.
// Cursors are base64url of a kind letter and the position, so a cursor of
// one listing is refused by another.
func Cursor(kind byte, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(kind) + ":" + pos))
}

// Position returns the position a cursor of kind holds, or BadCursor.
func Position(kind byte, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 2 || b[0] != kind || b[1] != ':' {
		return "", BadCursor()
	}
	return string(b[2:]), nil
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
