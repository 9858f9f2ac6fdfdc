package search

import (
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Normalize returns s in the form names and queries are compared in:
// full-width characters folded to their ASCII forms (Ａ → A, （ → (),
// letters lower-cased, and everything that is not a letter, digit or mark
// dropped: spaces, punctuation, brackets of every shape (() （） 【】 [] 〔〕),
// dots, hyphens and symbols. So "深圳市振业（集团）股份有限公司" and
// "深圳市振业(集团)股份有限公司" are both "深圳市振业集团股份有限公司", and
// "Ping An Bank Co., Ltd." is "pinganbankcoltd". Normalize is idempotent.
func Normalize(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case unicode.IsLetter(r):
			return unicode.ToLower(r)
		case unicode.IsNumber(r), unicode.IsMark(r):
			return r
		}
		return -1
	}, width.Fold.String(s))
}
