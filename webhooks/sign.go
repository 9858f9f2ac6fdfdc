// Package webhooks delivers events to the endpoints watchlists name:
// Standard Webhooks signatures (webhook-id, webhook-timestamp,
// webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>),
// secrets shown once and rotated with both valid for a grace period,
// the URL checks that keep deliveries off the registry's own network,
// one delivery attempt (what counts as failure) and the retry schedule.
package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// Header names of the Standard Webhooks scheme.
const (
	HeaderID        = "webhook-id"
	HeaderTimestamp = "webhook-timestamp"
	HeaderSignature = "webhook-signature"
)

// SecretPrefix starts every signing secret; the rest is the key in
// standard base64.
const SecretPrefix = "whsec_"

// RotationGrace is how long a rotated-out secret keeps signing beside the
// new one, so that a receiver may switch at any moment within it.
const RotationGrace = 24 * time.Hour

// Tolerance is how far a receiver should accept a timestamp from its own
// clock (Verify), against replays.
const Tolerance = 5 * time.Minute

// NewSecret returns a new signing secret: whsec_ and 32 random bytes.
func NewSecret() string {
	key := make([]byte, 32)
	rand.Read(key) // never fails (crypto/rand)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

// key decodes a secret; field names the input in errors.
func key(field, secret string) ([]byte, error) {
	b64, found := strings.CutPrefix(secret, SecretPrefix)
	if !found {
		return nil, credo.FieldError(field, "format", "a signing secret starts with %s", SecretPrefix)
	}
	k, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(k) < 24 || len(k) > 64 {
		return nil, credo.FieldError(field, "format", "a signing secret is %s and 24 to 64 bytes in base64", SecretPrefix)
	}
	return k, nil
}

// Signature returns the v1 signature of one delivery under secret.
func Signature(secret, id string, timestamp time.Time, body []byte) (string, error) {
	k, err := key("secret", secret)
	if err != nil {
		return "", err
	}
	return "v1," + sign(k, id, timestamp.Unix(), body), nil
}

func sign(k []byte, id string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, k)
	m.Write([]byte(id))
	m.Write([]byte{'.'})
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// Secrets are an endpoint's signing secrets: Current, and Previous while
// a rotation's grace lasts (until PreviousUntil).
type Secrets struct {
	Current       string
	Previous      string
	PreviousUntil time.Time
}

// Rotate returns s with a new current secret (returned too, to be shown
// this once); the old one keeps signing for RotationGrace after now.
func (s Secrets) Rotate(now time.Time) (Secrets, string) {
	fresh := NewSecret()
	return Secrets{Current: fresh, Previous: s.Current, PreviousUntil: now.Add(RotationGrace)}, fresh
}

// Sign sets the three headers of a delivery of body with id at now: one
// signature per secret in force (both, during a rotation's grace),
// space-separated as the scheme has it.
func (s Secrets) Sign(h http.Header, id string, now time.Time, body []byte) error {
	sig, err := Signature(s.Current, id, now, body)
	if err != nil {
		return err
	}
	if s.Previous != "" && now.Before(s.PreviousUntil) {
		old, err := Signature(s.Previous, id, now, body)
		if err != nil {
			return err
		}
		sig += " " + old
	}
	h.Set(HeaderID, id)
	h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	h.Set(HeaderSignature, sig)
	return nil
}

// Verify is what a receiver does: it checks that one of the headers'
// v1 signatures is body's under secret, and that the timestamp is within
// Tolerance of now. docs/WEBHOOKS.md shows it without this package.
func Verify(secret string, h http.Header, body []byte, now time.Time) error {
	k, err := key("secret", secret)
	if err != nil {
		return err
	}
	id, tsText := h.Get(HeaderID), h.Get(HeaderTimestamp)
	ts, err := strconv.ParseInt(tsText, 10, 64)
	if id == "" || err != nil {
		return credo.FieldError(HeaderTimestamp, "format", "a delivery needs %s and a %s in unix seconds", HeaderID, HeaderTimestamp)
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return credo.FieldError(HeaderTimestamp, "tolerance", "the timestamp is %s from now, beyond %s", d.Round(time.Second), Tolerance)
	}
	want := []byte(sign(k, id, ts, body))
	for sig := range strings.FieldsSeq(h.Get(HeaderSignature)) {
		if v, found := strings.CutPrefix(sig, "v1,"); found && hmac.Equal([]byte(v), want) {
			return nil
		}
	}
	return credo.FieldError(HeaderSignature, "mismatch", "no signature matches the body under this secret")
}
