package credo

import (
	"bytes"
	"time"
)

// Case is an organization's application about one item held on it: an
// objection (异议) to a record or list entry, or a credit repair (信用修复)
// application to end a record's publicity or a list entry early. It is
// filed once and decided once, by the responsible authority, within a
// deadline counted in working days; both are kept forever.
type Case struct {
	ID      int64  `json:"id,omitempty"`
	Kind    string `json:"kind"` // CaseObjection or CaseRepair
	Subject string `json:"subject"`
	Target  Target `json:"target"`
	// Authority is the authority responsible for deciding (the one that
	// made the record or the listing decision; RegistryActor for entries
	// made by rule, which administrators decide).
	Authority   string       `json:"authority"`
	Reasons     string       `json:"reasons"`
	Attachments []Attachment `json:"attachments,omitempty"`
	// Commitment is the signed credit commitment a repair needs.
	Commitment bool   `json:"commitment,omitempty"`
	FiledBy    string `json:"filed_by"` // "account:{id}"
	FiledAt    Time   `json:"filed_at"`
	// DecideBy is the deadline for the decision.
	DecideBy Time `json:"decide_by"`

	// Set by the registry on read.
	Decision *CaseDecision `json:"decision,omitempty"`
}

// Case kinds.
const (
	CaseObjection = "objection"
	CaseRepair    = "repair"
)

// Target names what a case is about: a record or a list entry.
type Target struct {
	Kind string `json:"kind"` // TargetRecord or TargetListEntry
	ID   int64  `json:"id"`
}

// Target kinds.
const (
	TargetRecord    = "record"
	TargetListEntry = "list_entry"
)

// Attachment is a document filed with a case: its name, media type, size
// and SHA-256, and its bytes (kept with the case).
type Attachment struct {
	Name      string `json:"name"`
	MediaType string `json:"media_type"`
	Size      int64  `json:"size"`
	SHA256    string `json:"sha256"`
	Data      []byte `json:"data,omitempty"`
}

// CaseDecision is the one decision on a case.
type CaseDecision struct {
	Case    int64  `json:"case"`
	Outcome string `json:"outcome"`
	Reasons string `json:"reasons"`
	Actor   string `json:"actor"`
	// Record is the correcting or retracting record an objection's
	// decision appended.
	Record int64 `json:"record,omitempty"`
	At     Time  `json:"at"`
}

// Outcomes of objections and repairs.
const (
	OutcomeUpheld    = "upheld"    // the item stands as it is
	OutcomeCorrected = "corrected" // a superseding record corrects it
	OutcomeRetracted = "retracted" // the record is retracted / the listing overturned
	OutcomeApproved  = "approved"  // repair: publicity or the listing ends now
	OutcomeRejected  = "rejected"  // repair refused, with reasons; a new application may follow
)

// Open reports whether c is undecided.
func (c *Case) Open() bool { return c.Decision == nil }

// Overdue reports whether c is undecided after its deadline at t.
func (c *Case) Overdue(t time.Time) bool { return c.Open() && t.After(c.DecideBy.Time) }

// AttachmentTypes are the media types an attachment may have: documents
// and scans, nothing a browser would run.
var AttachmentTypes = []string{"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}

// SniffAttachment returns the media type data's first bytes show, one of
// AttachmentTypes, or "" when they show none of them. What a file is
// called or claims to be is not trusted.
func SniffAttachment(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("%PDF-")):
		return "application/pdf"
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return "image/png"
	case bytes.HasPrefix(data, []byte("\xff\xd8\xff")):
		return "image/jpeg"
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		return "image/gif"
	case len(data) >= 12 && string(data[:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		return "image/webp"
	}
	return ""
}
