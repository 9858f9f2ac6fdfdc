// Package search holds the name-search rules every store backend shares, as
// pure functions: how names and queries are normalized, which index terms
// (grams) a name is found by, when a query looks like a code, and how a
// subject ranks for a query. A backend narrows candidates with its own index
// of Grams and then verifies and orders them with Score, so every backend
// answers a query with the same subjects in the same order.
package search
