package credo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// IssuedReport is a credit report the registry issued: what identifies
// the document (its number and the SHA-256 of its bytes) and what it was
// made from. The document itself is not kept: its holder has it, and
// anyone can check it against the SHA-256 at /verify/{number}.
type IssuedReport struct {
	// Number identifies the report (NewReportNumber).
	Number  string `json:"number"`
	Subject string `json:"subject"`
	// Viewer is the class of reader it was issued to, which decides what
	// it shows (ReportViewerClass): "public", "organization",
	// "administrator" or "authority:{id}".
	Viewer string `json:"viewer"`
	// Format is the document's: "pdf", or "html" (the portal's page).
	Format    string        `json:"format"`
	IssuedAt  Time          `json:"issued_at"`
	AsOf      Time          `json:"as_of"`
	Rulebooks []RulebookRef `json:"rulebooks"`
	// SHA256 is the hex SHA-256 of the issued bytes.
	SHA256 string `json:"sha256"`

	// Filled on read: Status (ReportValid, ReportSuperseded,
	// ReportWithdrawn), the number of the newest report for the same
	// organization and viewer class when superseded, and the withdrawal.
	Status       string            `json:"status"`
	SupersededBy string            `json:"superseded_by,omitempty"`
	Withdrawal   *ReportWithdrawal `json:"withdrawal,omitempty"`
}

// ReportWithdrawal is an administrator's withdrawal of an issued report.
type ReportWithdrawal struct {
	At     Time   `json:"at"`
	By     string `json:"by"` // the administrator (Viewer.Actor)
	Reason string `json:"reason"`
}

// Statuses of an issued report, judged when it is read: withdrawn wins
// over superseded (a newer report for the same organization and viewer
// class, issued after it), which wins over valid.
const (
	ReportValid      = "valid"
	ReportSuperseded = "superseded"
	ReportWithdrawn  = "withdrawn"
)

// Report formats.
const (
	ReportPDF  = "pdf"
	ReportHTML = "html"
)

// MaxWithdrawalReason bounds a withdrawal's reason, in characters.
const MaxWithdrawalReason = 2000

// ReportStore keeps issued reports, append-only: an issue is one row, a
// withdrawal another, at most one per report; status is derived on read.
type ReportStore interface {
	// IssueReport stores r (Status and what follows it are ignored)
	// durably with its report.issued change. A number stored already is
	// ECONFLICT (field "number"), unless the stored report is r itself
	// (same SHA-256: a retried write), which succeeds.
	IssueReport(ctx context.Context, r *IssuedReport) error
	// IssuedReport returns the report with number, with its status, or
	// ENOTFOUND.
	IssuedReport(ctx context.Context, number string) (*IssuedReport, error)
	// WithdrawReport stores w as the withdrawal of the report with
	// number, with its report.withdrawn change, and returns the report as
	// it now reads. An unknown number is ENOTFOUND; a report withdrawn
	// already is ECONFLICT (field "number").
	WithdrawReport(ctx context.Context, number string, w ReportWithdrawal) (*IssuedReport, error)
}

// reportNumber is what a report number looks like: "CR", the issue date
// (UTC, YYYYMMDD), and 10 upper-case hexadecimal digits drawn at random
// (40 bits), joined by "-": CR-20261207-3FA94C01BD.
var reportNumber = regexp.MustCompile(`^CR-[0-9]{8}-[0-9A-F]{10}$`)

// NewReportNumber returns a fresh report number for a report issued at
// at. Its random part keeps numbers apart across nodes without asking
// the store; the store's unique number refuses the rare collision.
func NewReportNumber(at time.Time) string {
	var b [5]byte
	rand.Read(b[:])
	return "CR-" + at.UTC().Format("20060102") + "-" + strings.ToUpper(hex.EncodeToString(b[:]))
}

// CheckReportNumber checks the form of a report number (as typed: spaces
// around it and lower case are accepted) and returns it normalized, or an
// EINVALID error on field "number".
func CheckReportNumber(s string) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(s))
	if !reportNumber.MatchString(n) {
		return "", FieldError("number", "format", "a report number looks like CR-20261207-3FA94C01BD, not %q", clipRunes(s, 40))
	}
	return n, nil
}

func clipRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// ReportIssuedChange is the data of report.issued.
type ReportIssuedChange struct {
	Number    string        `json:"number"`
	Viewer    string        `json:"viewer"`
	Format    string        `json:"format"`
	AsOf      Time          `json:"as_of"`
	Rulebooks []RulebookRef `json:"rulebooks"`
	SHA256    string        `json:"sha256"`
}

// ReportWithdrawnChange is the data of report.withdrawn.
type ReportWithdrawnChange struct {
	Number string `json:"number"`
	By     string `json:"by"`
	Reason string `json:"reason"`
}

// ReportIssuedChangeOf is the change an issued report makes; its Ref is
// the number.
func ReportIssuedChangeOf(r *IssuedReport) *Change {
	rbs := r.Rulebooks
	if rbs == nil {
		rbs = []RulebookRef{}
	}
	return newChange(ChangeReportIssued, r.Subject, r.Number, r.IssuedAt.Time, "", ReportIssuedChange{
		Number: r.Number, Viewer: r.Viewer, Format: r.Format, AsOf: r.AsOf, Rulebooks: rbs, SHA256: r.SHA256})
}

// ReportWithdrawnChangeOf is the change a withdrawal makes.
func ReportWithdrawnChangeOf(r *IssuedReport, w ReportWithdrawal) *Change {
	return newChange(ChangeReportWithdrawn, r.Subject, r.Number, w.At.Time, "", ReportWithdrawnChange{
		Number: r.Number, By: w.By, Reason: w.Reason})
}
