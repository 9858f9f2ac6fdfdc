package uscc

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/width"
)

// Normalize returns s as a code is compared and stored: full-width
// characters folded to their ASCII forms, white space (including the
// ideographic space U+3000) and hyphens and dashes dropped, and letters
// upper-cased. It does not validate; Normalize(Normalize(s)) ==
// Normalize(s).
func Normalize(s string) string {
	if isNormalASCII(s) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || isDash(r) {
			return -1
		}
		return unicode.ToUpper(r)
	}, width.Fold.String(s))
}

// isDash reports whether r is one of the hyphens and dashes people put
// between groups of a code. Full-width forms have been folded already.
func isDash(r rune) bool {
	switch r {
	case '-', '\u00AD', // hyphen-minus, soft hyphen
		'\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', // hyphen .. horizontal bar
		'\u2212', '\uFE58', '\uFE63', '\uFF0D': // minus sign, small em dash, small and full-width hyphen-minus
		return true
	}
	return false
}

// isNormalASCII reports whether s is ASCII that Normalize leaves as it is,
// the common case, which then costs no allocation.
func isNormalASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf, c == '-', 'a' <= c && c <= 'z', unicode.IsSpace(rune(c)):
			return false
		}
	}
	return true
}
