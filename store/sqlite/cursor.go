package sqlite

import (
	"encoding/base64"

	"github.com/credo-registry/credo"
)

// Cursors are opaque to clients: base64url of a kind letter and the
// position, so a cursor of one listing is refused by another.
func encodeCursor(kind byte, pos string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(string(kind) + ":" + pos))
}

func decodeCursor(kind byte, cursor string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || len(b) < 2 || b[0] != kind || b[1] != ':' {
		return "", badCursor()
	}
	return string(b[2:]), nil
}

func badCursor() *credo.Error {
	return credo.FieldError("cursor", "format", "is not a cursor this listing issued")
}

// pageSize applies the contract's page bounds: 0 means the default, more
// than the maximum is cut to the maximum.
func pageSize(limit int) (int, error) {
	switch {
	case limit < 0:
		return 0, credo.FieldError("limit", "range", "must be between 1 and %d", credo.MaxPageSize)
	case limit == 0:
		return credo.DefaultPageSize, nil
	}
	return min(limit, credo.MaxPageSize), nil
}
