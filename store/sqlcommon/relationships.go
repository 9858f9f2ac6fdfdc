package sqlcommon

import (
	"fmt"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// RelationshipColumns are the columns of a relationship version (table
// alias r), in the order both backends scan them.
const RelationshipColumns = `r.id, r.kind, r.source, r.from_code, r.to_code, r.since, r.until, r.share, r.person_key,
	r.person_name, r.roles, r.reference, r.authority, r.declarant, r.account, r.recorded_at, coalesce(r.supersedes, 0)`

// DateNano is the stored form of a date: unix nanoseconds of its
// midnight, UTC; the zero date is 0.
func DateNano(d credo.Date) int64 {
	if d.IsZero() {
		return 0
	}
	return d.UnixNano()
}

// DateOf is the date DateNano stored as n.
func DateOf(n int64) credo.Date {
	if n == 0 {
		return credo.Date{}
	}
	return credo.NewDate(time.Unix(0, n).UTC())
}

// EncodeRoles is the stored form of the roles two organizations share:
// "FROM,...;TO,..."; none (nil) is "".
func EncodeRoles(r *credo.SharedRoles) string {
	if r == nil {
		return ""
	}
	return strings.Join(r.From, ",") + ";" + strings.Join(r.To, ",")
}

// DecodeRoles is the roles EncodeRoles stored as s.
func DecodeRoles(s string) *credo.SharedRoles {
	from, to, ok := strings.Cut(s, ";")
	if !ok {
		return nil
	}
	return &credo.SharedRoles{From: SplitList(from), To: SplitList(to)}
}

// SplitList is the list stored as its items joined by commas; "" is the
// empty list (not nil).
func SplitList(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// The refusals of credo.RelationshipStore's AppendRelationships, the same
// on every backend.

// RelationshipOpen refuses a new version (no supersedes) of a
// relationship stored already, and open, as version open.
func RelationshipOpen(open int64) credo.Outcome {
	return refused(credo.ECONFLICT, "open",
		"this relationship is stored already as %d; to change or end it, send a version with supersedes: %d", open, open)
}

// RelationshipUnknown refuses a version whose supersedes names no version
// of the same relationship (kind, ends and source).
func RelationshipUnknown() credo.Outcome {
	return refused(credo.EINVALID, "unknown", "names no version of this relationship (the same kind, ends and source)")
}

// RelationshipSuperseded refuses a version superseding version, which by
// superseded already with other content.
func RelationshipSuperseded(version, by int64) credo.Outcome {
	return refused(credo.ECONFLICT, "superseded", "version %d was superseded already, by %d; supersede that one", version, by)
}

func refused(code credo.ErrorCode, reason, format string, args ...any) credo.Outcome {
	return credo.Outcome{Status: credo.Refused, Err: &credo.Error{Code: code, Field: "supersedes", Reason: reason,
		Message: fmt.Sprintf(format, args...)}}
}
