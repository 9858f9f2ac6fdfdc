package search

import (
	"slices"
	"unicode/utf8"
)

// Grams returns the index terms names are found by: every rune and every
// pair of adjacent runes of each normalized name, distinct and sorted. Any
// query whose normalized form is a substring of a normalized name has all
// its QueryGrams among the name's Grams, so an index of Grams can narrow a
// search to candidates that Score then verifies.
func Grams(names ...string) []string {
	var grams []string
	for _, name := range names {
		n := Normalize(name)
		prev := -1 // byte offset of the previous rune
		for i, r := range n {
			grams = append(grams, n[i:i+utf8.RuneLen(r)])
			if prev >= 0 {
				grams = append(grams, n[prev:i+utf8.RuneLen(r)])
			}
			prev = i
		}
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}

// QueryGrams returns the terms a subject's Grams must all contain for its
// name to contain q: the distinct bigrams of Normalize(q), sorted, or its
// single rune when it has one, or nothing when it normalizes to "".
func QueryGrams(q string) []string {
	n := Normalize(q)
	if utf8.RuneCountInString(n) == 1 {
		return []string{n}
	}
	var grams []string
	prev := -1
	for i, r := range n {
		if prev >= 0 {
			grams = append(grams, n[prev:i+utf8.RuneLen(r)])
		}
		prev = i
	}
	slices.Sort(grams)
	return slices.Compact(grams)
}
