package search

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/credo-registry/credo"
)

// Score tiers: each match kind outranks every match of a lower kind, and the
// fine order within a kind (position, length) never crosses a tier.
const (
	tierExactCode    = 10000
	tierCodePrefix   = 9000
	tierExactName    = 8000
	tierNamePrefix   = 7000
	tierNameSubstr   = 6000
	tierFormerExact  = 3000
	tierFormerPrefix = 2000
	tierFormerSubstr = 1000
)

// Score rates how well subject s answers query q, higher first. ok is false
// when s does not match: neither its name nor a former name contains
// Normalize(q), and its code does not start with the code prefix q looks
// like (LooksLikeCode). The order is: exact code, code prefix, exact name,
// name prefix, name substring, then former names (exact, prefix,
// substring). Among substring and prefix matches an earlier position ranks
// higher, then a shorter name. Score is deterministic; callers break ties
// by code, ascending.
func Score(q string, s *credo.Subject) (score float64, ok bool) {
	if prefix, isCode := LooksLikeCode(q); isCode && strings.HasPrefix(s.Code, prefix) {
		if len(prefix) == len(s.Code) {
			return tierExactCode, true
		}
		score, ok = tierCodePrefix, true
	}
	nq := Normalize(q)
	if nq == "" {
		return score, ok
	}
	if v, hit := nameScore(nq, s.Name, tierExactName, tierNamePrefix, tierNameSubstr); hit && v > score {
		return v, true // a current-name match outranks every former-name match
	}
	if ok {
		return score, true
	}
	for _, f := range s.FormerNames {
		if v, hit := nameScore(nq, f.Name, tierFormerExact, tierFormerPrefix, tierFormerSubstr); hit && v > score {
			score, ok = v, true
		}
	}
	return score, ok
}

// nameScore rates normalized query nq against name in the given tiers.
func nameScore(nq, name string, exact, prefix, substr float64) (float64, bool) {
	n := Normalize(name)
	i := strings.Index(n, nq)
	switch {
	case i < 0:
		return 0, false
	case len(n) == len(nq):
		return exact, true
	case i == 0:
		return prefix + fine(0, n, nq), true
	default:
		return substr + fine(utf8.RuneCountInString(n[:i]), n, nq), true
	}
}

// fine orders matches within a tier: earlier position first, then fewer
// characters beyond the query. It stays below 1000 so tiers never mix.
func fine(pos int, n, nq string) float64 {
	extra := utf8.RuneCountInString(n) - utf8.RuneCountInString(nq)
	return float64(500-min(pos, 499)) + 1/float64(1+extra)
}

// Rank keeps the candidates that match q and orders them as every backend
// must: by Score, best first, ties by code.
func Rank(q string, candidates []*credo.Subject) []*credo.Subject {
	type scored struct {
		s     *credo.Subject
		score float64
	}
	var kept []scored
	for _, c := range candidates {
		if score, ok := Score(q, c); ok {
			kept = append(kept, scored{c, score})
		}
	}
	slices.SortFunc(kept, func(a, b scored) int {
		if c := cmp.Compare(b.score, a.score); c != 0 {
			return c
		}
		return strings.Compare(a.s.Code, b.s.Code)
	})
	out := make([]*credo.Subject, len(kept))
	for i, k := range kept {
		out[i] = k.s
	}
	return out
}
