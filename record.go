package credo

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/credo-registry/credo/uscc"
)

// Record is one decision an authority reports about an organization: a
// licence, a penalty, a tax event, an inspection result, a judgment, an
// honour. Records are appended and never changed; a correction is a new
// record that Supersedes an earlier one of the same authority, and a
// retraction is a record of kind "retraction" that supersedes what it
// withdraws.
type Record struct {
	ID         int64  `json:"id,omitempty"`
	Subject    string `json:"subject"`
	Authority  string `json:"authority,omitempty"`
	Category   string `json:"category"`
	Kind       string `json:"kind"`
	ExternalID string `json:"external_id"`

	DecisionNumber string   `json:"decision_number,omitempty"`
	LegalBasis     string   `json:"legal_basis,omitempty"`
	Description    string   `json:"description,omitempty"`
	Severity       string   `json:"severity,omitempty"` // minor, general, serious (the 2026 grading)
	PenaltyTypes   []string `json:"penalty_types,omitempty"`
	Amount         *float64 `json:"amount,omitempty"`
	TaxDue         *float64 `json:"tax_due,omitempty"`
	Currency       string   `json:"currency,omitempty"`
	// Publish marks information its authority decided to show although
	// its grade would not normally be shown (minor dishonesty information
	// since 1 April 2026, 国办发〔2025〕22号; a market regulator's warning).
	Publish bool `json:"publish,omitzero"`

	OccurredAt Time `json:"occurred_at"`
	ValidUntil Time `json:"valid_until,omitzero"`

	// Supersedes names an earlier record of the same authority about the
	// same subject, by registry id or by the authority's external id.
	Supersedes           int64  `json:"supersedes,omitempty"`
	SupersedesExternalID string `json:"supersedes_external_id,omitempty"`

	// Set by the registry.
	RecordedAt   Time  `json:"recorded_at,omitzero"`
	SupersededBy int64 `json:"superseded_by,omitempty"`
	// RepairedAt is when an approved credit repair ended the record's
	// publicity; from then on it no longer counts in assessments. It is
	// filled on read from the repair decisions (CaseStore), never part of
	// what the authority said.
	RepairedAt Time `json:"repaired_at,omitzero"`
}

// Categories are the fields of competence records belong to; an authority's
// jurisdiction names the categories it may submit.
var Categories = []string{
	"registration", "market", "tax", "environment", "customs", "quality", "safety",
	"court", "procurement", "honour", "labour", "health", "fire", "transport",
	"finance", "social_security", "agriculture", "housing", "culture", "statistics",
	// The fields whose penalties NDRC Order 58 shows for at least a year
	// (with safety and fire): food, drugs, special equipment.
	"food", "drug", "special_equipment",
}

// PenaltyTypes are the kinds of administrative penalty an organization can
// receive (行政处罚种类).
var PenaltyTypes = []string{
	"warning", "reprimand", "fine", "confiscation", "licence_suspension",
	"licence_revocation", "qualification_downgrade", "business_restriction",
	"closure", "other",
}

// Severities grade dishonesty information since 1 April 2026.
var Severities = []string{"minor", "general", "serious"}

// KindRetraction withdraws the record it supersedes.
const KindRetraction = "retraction"

// Bounds on what a decision date may be.
var (
	EarliestDecision = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)
	// LatestAsOf bounds the as-of times the registry answers for.
	LatestAsOf = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
	// ClockSkew is how far in the future a decision time may lie, to
	// tolerate an authority's clock running ahead.
	ClockSkew = 5 * time.Minute
)

// Normalize fixes what people type and fills defaults.
func (r *Record) Normalize() {
	r.Subject = uscc.Normalize(r.Subject)
	r.ExternalID = strings.TrimSpace(r.ExternalID)
	if r.Currency == "" && (r.Amount != nil || r.TaxDue != nil) {
		r.Currency = "CNY"
	}
}

// Validate checks a submitted record at time now. Authority, ID and
// RecordedAt are the registry's and are not checked here.
func (r *Record) Validate(now time.Time) error {
	if err := ValidateCode("subject", r.Subject); err != nil {
		return err
	}
	if r.Category == "" {
		return FieldError("category", "required", "is required")
	}
	if !slices.Contains(Categories, r.Category) {
		return FieldError("category", "enum", "must be one of %s", strings.Join(Categories, ", "))
	}
	if r.Kind == "" {
		return FieldError("kind", "required", "is required")
	}
	if !isWord(r.Kind, 40) {
		return FieldError("kind", "format", "must be a lower-case word of a-z, 0-9 and _ (at most 40)")
	}
	if err := requireText("external_id", r.ExternalID, 128); err != nil {
		return err
	}
	if err := optionalText("decision_number", r.DecisionNumber, 200); err != nil {
		return err
	}
	if err := optionalText("legal_basis", r.LegalBasis, 1000); err != nil {
		return err
	}
	if err := optionalText("description", r.Description, 4000); err != nil {
		return err
	}
	if r.Severity != "" && !slices.Contains(Severities, r.Severity) {
		return FieldError("severity", "enum", "must be one of minor, general, serious")
	}
	for i, p := range r.PenaltyTypes {
		if !slices.Contains(PenaltyTypes, p) {
			return FieldError(indexed("penalty_types", i), "enum", "must be one of %s", strings.Join(PenaltyTypes, ", "))
		}
		if slices.Index(r.PenaltyTypes, p) != i {
			return FieldError(indexed("penalty_types", i), "duplicate", "is listed twice")
		}
	}
	if r.Amount != nil {
		if err := validAmount("amount", *r.Amount); err != nil {
			return err
		}
	}
	if r.TaxDue != nil {
		if err := validAmount("tax_due", *r.TaxDue); err != nil {
			return err
		}
	}
	if r.Currency != "" && !isCurrency(r.Currency) {
		return FieldError("currency", "format", "must be a 3-letter ISO 4217 code")
	}
	if r.OccurredAt.IsZero() {
		return FieldError("occurred_at", "required", "is required (the decision date)")
	}
	if r.OccurredAt.After(now.Add(ClockSkew)) {
		return FieldError("occurred_at", "future", "is in the future")
	}
	if r.OccurredAt.Before(EarliestDecision) {
		return FieldError("occurred_at", "too_old", "is implausibly old (before %s)", EarliestDecision.Format(time.DateOnly))
	}
	if !r.ValidUntil.IsZero() && !r.ValidUntil.After(r.OccurredAt.Time) {
		return FieldError("valid_until", "order", "must be after occurred_at")
	}
	if r.Supersedes < 0 {
		return FieldError("supersedes", "format", "must be a record id")
	}
	if r.Supersedes != 0 && r.SupersedesExternalID != "" {
		return FieldError("supersedes", "ambiguous", "give supersedes or supersedes_external_id, not both")
	}
	if r.SupersedesExternalID == r.ExternalID {
		return FieldError("supersedes_external_id", "self", "a record cannot supersede itself")
	}
	if r.Kind == KindRetraction && r.Supersedes == 0 && r.SupersedesExternalID == "" {
		return FieldError("supersedes", "required", "a retraction must name the record it retracts")
	}
	if r.Kind == "penalty" || len(r.PenaltyTypes) > 0 {
		// Due process: an adverse decision is traceable to its act and basis.
		if strings.TrimSpace(r.DecisionNumber) == "" {
			return FieldError("decision_number", "required", "is required for a penalty")
		}
		if strings.TrimSpace(r.LegalBasis) == "" {
			return FieldError("legal_basis", "required", "is required for a penalty")
		}
	}
	if slices.Contains(r.PenaltyTypes, "fine") && r.Amount == nil {
		return FieldError("amount", "required", "is required for a fine")
	}
	return nil
}

// Retracted reports whether r withdraws the record it supersedes.
func (r *Record) Retracted() bool { return r.Kind == KindRetraction }

// ContentHash identifies what the authority said in r, so that a resubmitted
// external id can be told apart as a repeat (same hash) or a clash.
func (r *Record) ContentHash() [16]byte {
	var out [16]byte
	copy(out[:], r.contentSum())
	return out
}

// Digest is the SHA-256, in hex, of what the authority said in r as it
// submitted it (ContentHash's fields in full; Supersedes only when it
// named the record by id, not by external id). The record.accepted change
// carries it, so the ledger binds every field of a record: anyone shown
// the record can recompute it (docs/LEDGER.md).
func (r *Record) Digest() string {
	c := *r
	if c.SupersedesExternalID != "" {
		c.Supersedes = 0
	}
	return hex.EncodeToString(c.contentSum())
}

// contentSum hashes the fields ContentHash and Digest identify r by.
func (r *Record) contentSum() []byte {
	h := sha256.New()
	var buf [8]byte
	str := func(s string) {
		binary.LittleEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	num := func(v uint64) {
		binary.LittleEndian.PutUint64(buf[:], v)
		h.Write(buf[:])
	}
	opt := func(p *float64) {
		if p == nil {
			num(0)
			return
		}
		num(1)
		num(math.Float64bits(*p))
	}
	str(r.Subject)
	str(r.Category)
	str(r.Kind)
	str(r.ExternalID)
	str(r.DecisionNumber)
	str(r.LegalBasis)
	str(r.Description)
	str(r.Severity)
	num(uint64(len(r.PenaltyTypes)))
	for _, p := range r.PenaltyTypes {
		str(p)
	}
	opt(r.Amount)
	opt(r.TaxDue)
	str(r.Currency)
	num(uint64(r.OccurredAt.UnixNano()))
	num(uint64(r.ValidUntil.UnixNano()))
	num(uint64(r.Supersedes))
	str(r.SupersedesExternalID)
	if r.Publish { // only when set, so that the hashes of records before it stay
		str("publish")
	}
	return h.Sum(nil)
}

// ContentHashHex is ContentHash in hex.
func (r *Record) ContentHashHex() string {
	h := r.ContentHash()
	return hex.EncodeToString(h[:])
}

func isWord(s string, max int) bool {
	if len(s) == 0 || len(s) > max || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
