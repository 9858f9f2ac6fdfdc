package search

import (
	"slices"
	"unicode"

	"github.com/mozillazg/go-pinyin"
)

// maxInitials bounds the spellings Initials returns for one name.
const maxInitials = 8

// Initials returns the pinyin initials of the Han characters of a short
// name ("必贝特-U" → "bbt"), nothing when it has fewer than two. A
// character with several readings (晟: sheng, cheng) gives each spelling,
// up to maxInitials; the first is that of every character's most common
// reading.
func Initials(short string) []string {
	args := pinyin.NewArgs()
	args.Style = pinyin.FirstLetter
	args.Heteronym = true
	out := []string{""}
	n := 0
	for _, r := range short {
		if !unicode.Is(unicode.Han, r) {
			continue
		}
		p := pinyin.SinglePinyin(r, args)
		if len(p) == 0 || p[0] == "" {
			return nil
		}
		p = slices.Compact(p) // initials of readings that differ only in tone or final
		var next []string
		for _, prefix := range out {
			for _, l := range p {
				if len(next) < maxInitials {
					next = append(next, prefix+l)
				}
			}
		}
		out = next
		n++
	}
	if n < 2 {
		return nil
	}
	return out
}

// initialsQuery reports whether a query can be pinyin initials: 2 to 8
// Latin letters and nothing else.
func initialsQuery(n Name) bool {
	if !n.Latin || len(n.Full) < 2 || len(n.Full) > 8 {
		return false
	}
	for i := 0; i < len(n.Full); i++ {
		if n.Full[i] < 'a' || n.Full[i] > 'z' {
			return false
		}
	}
	return true
}
