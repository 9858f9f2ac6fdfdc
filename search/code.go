package search

import (
	"strings"

	"github.com/credo-registry/credo/uscc"
)

// codeChars are the 31 characters of a Unified Social Credit Code.
const codeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// authorityChars are the registration-authority characters a code starts
// with (GB 32100 position 1).
const authorityChars = "123456789ANY"

// LooksLikeCode reports whether q, after uscc.Normalize, could be the start
// of a Unified Social Credit Code: 2 to 18 characters of the code's
// alphabet, the first a registration-authority character. It returns that
// normalized prefix. A query of one character is too short to mean a code.
func LooksLikeCode(q string) (prefix string, ok bool) {
	p := uscc.Normalize(q)
	if len(p) < 2 || len(p) > 18 || !strings.ContainsRune(authorityChars, rune(p[0])) {
		return "", false
	}
	for i := 0; i < len(p); i++ {
		if strings.IndexByte(codeChars, p[i]) < 0 {
			return "", false
		}
	}
	return p, true
}
