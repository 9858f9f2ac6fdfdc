package credo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/text/width"
)

// HMACKeyer derives person keys as a keyed hash (HMAC-SHA-256) of the
// normalized identity number. The secret lives with the registry's data, so
// the same person gets the same key across organizations while the number
// cannot be recovered from the key or recomputed without the secret.
type HMACKeyer struct{ Secret []byte }

// PersonKey returns "pk_" and 32 hex digits.
func (k HMACKeyer) PersonKey(idNumber string) string {
	n := strings.ToUpper(strings.Join(strings.Fields(width.Fold.String(idNumber)), ""))
	m := hmac.New(sha256.New, k.Secret)
	m.Write([]byte(n))
	return "pk_" + hex.EncodeToString(m.Sum(nil)[:16])
}
