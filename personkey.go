package credo

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"golang.org/x/text/width"

	"github.com/credo-registry/credo/uscc"
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

// NoIdentityNumber refuses free text that holds a resident identity
// number (uscc.ResidentIDsIn): credo keeps no person's number, so a
// number typed into a description, a reason or a name is refused, naming
// the field, before anything is stored or logged. Officers' and
// shareholders' numbers go in their id_number fields, which are replaced
// by person keys.
func NoIdentityNumber(field, v string) error {
	if uscc.ContainsResidentID(v) {
		return FieldError(field, "person", "holds a resident identity number; credo keeps no person's identity number: remove it (an officer's number belongs in officers[].id_number, which is kept only as a person key)")
	}
	return nil
}
