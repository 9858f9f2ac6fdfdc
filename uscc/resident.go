package uscc

import (
	"strings"
	"time"
	"unicode/utf8"
)

// residentWeights are the ISO 7064 MOD 11-2 weights of positions 1-17 of a
// resident identity number (GB 11643).
var residentWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// residentCheck is the check character for each weighted sum mod 11.
const residentCheck = "10X98765432"

// IsResidentID reports whether s, after Normalize, is a PRC resident identity
// number (居民身份号码, GB 11643): 17 digits and a digit or X, a birth date
// YYYYMMDD at positions 7-14 that exists in the calendar, from 1900 and not
// after today, and a valid ISO 7064 MOD 11-2 check character.
//
// A valid Unified Social Credit Code is never reported as a resident
// identity number, though some all-digit codes would pass these checks.
// It exists so that a person's number is recognized and kept out of places
// meant for organization codes.
func IsResidentID(s string) bool {
	n := Normalize(s)
	if len(n) != 18 || check(n) == "" {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return false
		}
		sum += int(n[i]-'0') * residentWeights[i]
	}
	return residentCheck[sum%11] == n[17] && plausibleBirth(n[6:14], time.Now())
}

// plausibleBirth reports whether the 8 digits ymd are a calendar date from
// 1 January 1900 up to now.
func plausibleBirth(ymd string, now time.Time) bool {
	d, err := time.Parse("20060102", ymd)
	if err != nil {
		return false
	}
	return d.Year() >= 1900 && !d.After(now)
}

// ResidentIDsIn returns the byte ranges [start, end) of text that hold a
// resident identity number: 17 digits and a digit or X (full-width forms
// too), written as one run or in groups separated by single spaces or
// hyphens ("110105 19491231 002X"), with no letter or digit right before
// or after. It is how free text (a record's description, a URL path) is
// kept free of people's numbers.
func ResidentIDsIn(text string) [][2]int {
	if !mayHoldResidentID(text) {
		return nil
	}
	var out [][2]int
	for i := 0; i < len(text); {
		// Skip what cannot start a number without decoding it: ASCII
		// other than digits, and any multi-byte rune but the full-width
		// forms (lead byte 0xEF).
		switch c := text[i]; {
		case c < utf8.RuneSelf && (c < '0' || c > '9'):
			i++
			continue
		case c >= 0xF0 && c != 0xEF:
			i += 4
			continue
		case c >= 0xE0 && c != 0xEF:
			i += 3
			continue
		case c >= 0xC0 && c != 0xEF:
			i += 2
			continue
		}
		r, size := utf8.DecodeRuneInString(text[i:])
		if _, ok := asciiDigit(r); !ok || r == 'X' || r == 'x' || r == 0xFF38 || r == 0xFF58 || alnumBefore(text, i) {
			i += size
			continue
		}
		// A group of tokens (digits, then perhaps an X) joined by single
		// separators.
		var digits []byte
		var tokens [][2]int
		j := i
		for {
			start := j
			var last byte
			for j < len(text) {
				r, size := utf8.DecodeRuneInString(text[j:])
				c, ok := asciiDigit(r)
				if !ok || last == 'X' {
					break
				}
				digits, last, j = append(digits, c), c, j+size
			}
			tokens = append(tokens, [2]int{start, j})
			if last == 'X' || j+1 >= len(text) || (text[j] != ' ' && text[j] != '-') {
				break
			}
			if _, ok := asciiDigit(rune(text[j+1])); !ok {
				if r, _ := utf8.DecodeRuneInString(text[j+1:]); r < 0xFF10 || r > 0xFF19 {
					break
				}
			}
			j++
		}
		end := tokens[len(tokens)-1][1]
		if len(tokens) > 1 && len(digits) == 18 && !alnumAt(text, end) && IsResidentID(string(digits)) {
			out = append(out, [2]int{i, end})
		} else {
			for _, t := range tokens {
				if !alnumAt(text, t[1]) && isResidentRun(text[t[0]:t[1]]) {
					out = append(out, t)
				}
			}
		}
		i = end
	}
	return out
}

// mayHoldResidentID reports whether text has the 17 digits a number needs,
// ASCII or full-width (EF BC 90 to EF BC 99).
func mayHoldResidentID(text string) bool {
	n := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= '0' && c <= '9' || c == 0xEF && i+2 < len(text) && text[i+1] == 0xBC && text[i+2] >= 0x90 && text[i+2] <= 0x99 {
			if n++; n >= 17 {
				return true
			}
		}
	}
	return false
}

// ContainsResidentID reports whether text holds a resident identity
// number (see ResidentIDsIn).
func ContainsResidentID(text string) bool { return len(ResidentIDsIn(text)) > 0 }

// MaskResidentIDs returns text with every resident identity number in it
// replaced by "[resident-id]".
func MaskResidentIDs(text string) string {
	found := ResidentIDsIn(text)
	if len(found) == 0 {
		return text
	}
	var b strings.Builder
	at := 0
	for _, f := range found {
		b.WriteString(text[at:f[0]])
		b.WriteString("[resident-id]")
		at = f[1]
	}
	b.WriteString(text[at:])
	return b.String()
}

func isResidentRun(s string) bool {
	return utf8.RuneCountInString(s) == 18 && IsResidentID(s)
}

// asciiDigit maps a digit or X, ASCII or full-width, to its ASCII form.
func asciiDigit(r rune) (byte, bool) {
	switch {
	case r >= '0' && r <= '9':
		return byte(r), true
	case r >= 0xFF10 && r <= 0xFF19:
		return byte(r-0xFF10) + '0', true
	case r == 'X' || r == 'x' || r == 0xFF38 || r == 0xFF58:
		return 'X', true
	}
	return 0, false
}

// alnumBefore reports whether the rune before text[i] is a letter or digit.
func alnumBefore(text string, i int) bool {
	if i == 0 {
		return false
	}
	r, _ := utf8.DecodeLastRuneInString(text[:i])
	return isAlnum(r)
}

// alnumAt reports whether the rune at text[i] is a letter or digit.
func alnumAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return isAlnum(r)
}

func isAlnum(r rune) bool {
	return r < utf8.RuneSelf && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') ||
		r >= 0xFF10 && r <= 0xFF19 || r >= 0xFF21 && r <= 0xFF3A || r >= 0xFF41 && r <= 0xFF5A
}
