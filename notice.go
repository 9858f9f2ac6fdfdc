package credo

// Notice is one message in an inbox: an organization's (Audience is its
// code) or the administrators' (AudienceAdmin). It says what happened,
// why, and what the organization can do about it.
type Notice struct {
	ID       int64  `json:"id,omitempty"`
	Audience string `json:"audience"`
	Subject  string `json:"subject,omitempty"` // the organization it is about
	Kind     string `json:"kind"`
	What     string `json:"what"`
	Why      string `json:"why"`
	// Options are what the organization can do, and until when.
	Options []string `json:"options,omitempty"`
	Refs    Refs     `json:"refs,omitzero"`
	At      Time     `json:"at"`
	// Key makes writing a notice idempotent: one notice per key.
	Key string `json:"-"`
}

// Refs point from a notice to what it is about.
type Refs struct {
	Record    int64  `json:"record,omitempty"`
	ListEntry int64  `json:"list_entry,omitempty"`
	Case      int64  `json:"case,omitempty"`
	Measure   string `json:"measure,omitempty"`
}

// AudienceAdmin is the administrators' inbox.
const AudienceAdmin = "admin"

// Notice kinds.
const (
	NoticePenalty      = "new_penalty"       // a new administrative penalty
	NoticeRecord       = "adverse_record"    // another new adverse record (a failed inspection, an unfulfilled judgment, ...)
	NoticeListing      = "listing_notice"    // to be listed, with the reasons, before it takes effect
	NoticeListEnded    = "list_entry_ended"  // an entry ended (repair, objection, revocation)
	NoticeGradeFall    = "grade_fall"        // a grade fell
	NoticeMeasure      = "measure_applied"   // a punishment now applies
	NoticeObjection    = "objection_decided" // an objection was decided
	NoticeRepair       = "repair_decided"    // a repair application was decided
	NoticeCaseFiled    = "case_filed"        // confirmation of an objection or repair filed
	NoticeOverdue      = "case_overdue"      // administrators: a case is past its deadline
	NoticeEscalation   = "escalation_notice" // to be moved to a more serious list
	NoticeAnnualReport = "annual_report_due" // an annual report is due soon
)
