package credo

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"slices"
	"strings"
)

// Authority is a body that submits records within its jurisdiction: the
// divisions (GB/T 2260 code prefixes, "*" for the whole country) whose
// organizations it may report on, and the record categories it may submit.
type Authority struct {
	ID         string   `json:"id"`
	Name       string   `json:"name"`
	Divisions  []string `json:"divisions"`
	Categories []string `json:"categories"`
	CreatedAt  Time     `json:"created_at,omitzero"`
}

// Nationwide is the division prefix that covers every organization.
const Nationwide = "*"

// Validate checks an authority's definition.
func (a *Authority) Validate() error {
	if a.ID == "" {
		return FieldError("id", "required", "is required")
	}
	if !isAuthorityID(a.ID) {
		return FieldError("id", "format", "must be 2-64 characters of a-z, 0-9, '-', '_' and '.', starting with a letter or digit")
	}
	if err := requireText("name", a.Name, 200); err != nil {
		return err
	}
	if len(a.Divisions) == 0 {
		return FieldError("divisions", "required", "name at least one division code prefix (or * for the whole country)")
	}
	for i, d := range a.Divisions {
		if d == Nationwide {
			continue
		}
		if !isDigits(d) || len(d) < 2 || len(d) > 6 {
			return FieldError(indexed("divisions", i), "format", "must be a division code prefix of 2 to 6 digits, or *")
		}
	}
	if len(a.Categories) == 0 {
		return FieldError("categories", "required", "name at least one record category")
	}
	for i, c := range a.Categories {
		if !slices.Contains(Categories, c) {
			return FieldError(indexed("categories", i), "enum", "must be one of %s", strings.Join(Categories, ", "))
		}
	}
	return nil
}

// CoversDivision reports whether the authority's jurisdiction includes the
// organization with this (valid) code, by the division at positions 3-8.
func (a *Authority) CoversDivision(code string) bool {
	if len(code) < 8 {
		return false
	}
	div := code[2:8]
	for _, p := range a.Divisions {
		if p == Nationwide || strings.HasPrefix(div, p) {
			return true
		}
	}
	return false
}

// Authorize checks that the authority may submit a record of category
// about the organization with code. It returns an EFORBIDDEN error that
// names what is outside the jurisdiction.
func (a *Authority) Authorize(code, category string) error {
	if !slices.Contains(a.Categories, category) {
		return &Error{Code: EFORBIDDEN, Field: "category", Reason: "category",
			Message: "authority " + a.ID + " may not submit records of category " + category + " (its categories: " + strings.Join(a.Categories, ", ") + ")"}
	}
	if !a.CoversDivision(code) {
		div := ""
		if len(code) >= 8 {
			div = code[2:8]
		}
		return &Error{Code: EFORBIDDEN, Field: "subject", Reason: "division",
			Message: "division " + div + " is outside the jurisdiction of authority " + a.ID + " (its divisions: " + strings.Join(a.Divisions, ", ") + ")"}
	}
	return nil
}

// NewToken returns a new bearer token and the hash under which it is stored.
// The token itself is shown once and never stored.
func NewToken() (token, hash string) {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	token = "credo_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
	return token, HashToken(token)
}

// HashToken is the stored form of a bearer token.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func isAuthorityID(s string) bool {
	if len(s) < 2 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || (i > 0 && (c == '-' || c == '_' || c == '.'))
		if !ok {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
