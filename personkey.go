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
// normalized identity number, so the same person gets the same key across
// organizations while the number cannot be recovered from the key or
// recomputed without the secret. Identity numbers are few (a region, a
// birth date, a sequence), so anyone holding both the keys and the secret
// can find the number behind a key by trying them all: the secret is kept
// outside the registry's data, in a file the operator provides
// (docs/SECURITY.md), and the store holds only PersonKeyCheck of it.
type HMACKeyer struct{ Secret []byte }

// Names of the registry's secrets (SecretStore).
const (
	// PersonKeySecret is where stores kept the person-key secret before
	// it moved out of the data; a store still holding it gives it up on
	// the next start (cmd/credo moves it to the key file).
	PersonKeySecret = "person-key"
	// PersonKeyCheckSecret holds PersonKeyCheck of the person-key secret,
	// so every node (and every restart) proves it has the secret the
	// stored keys were made with.
	PersonKeyCheckSecret = "person-key-check"
)

// PersonKeyCheck is a fingerprint of a person-key secret: an HMAC of a
// fixed text, which tells whether two secrets are the same and nothing
// else about them.
func PersonKeyCheck(secret []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("credo person-key check v1"))
	return m.Sum(nil)
}

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
