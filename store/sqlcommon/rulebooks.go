package sqlcommon

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/credo-registry/credo"
)

// RulebookVersion checks a version given to credo.RulebookStore's
// PublishRulebook and returns what a backend stores of it, as both do
// where the contract is silent: ID and Version are required (EINVALID);
// an empty Hash is computed from Source, and a Hash that is not the
// SHA-256 of Source is EINVALID; a zero PublishedAt is now, to the
// microsecond (as PostgreSQL keeps it); Source is never nil (which would
// be NULL). rb itself is not changed.
func RulebookVersion(rb *credo.Rulebook) (*credo.Rulebook, error) {
	if rb == nil || rb.ID == "" {
		return nil, credo.FieldError("id", "required", "is required")
	}
	if rb.Version == "" {
		return nil, credo.FieldError("version", "required", "is required")
	}
	sum := sha256.Sum256(rb.Source)
	hash := hex.EncodeToString(sum[:])
	if rb.Hash != "" && rb.Hash != hash {
		return nil, credo.FieldError("hash", "mismatch", "is not the SHA-256 of the source (%s)", hash)
	}
	v := &credo.Rulebook{ID: rb.ID, Version: rb.Version, Hash: hash, Source: rb.Source, PublishedAt: rb.PublishedAt}
	if v.PublishedAt.IsZero() {
		v.PublishedAt = credo.NewTime(time.Now().Truncate(time.Microsecond))
	}
	if v.Source == nil {
		v.Source = []byte{}
	}
	return v, nil
}

// RulebookExists is PublishRulebook's refusal of a version published
// already.
func RulebookExists(rb *credo.Rulebook) *credo.Error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "version", Reason: "exists",
		Message: fmt.Sprintf("rulebook %s version %s is already published; publish a new version", rb.ID, rb.Version)}
}
