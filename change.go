package credo

import (
	"context"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// Change is one entry of the change log: a committed change, in the order
// the registry committed it. The store appends it in the same transaction
// as the change it describes, so the log holds exactly what was committed.
//
// Its canonical form, which a ledger hashes, is its JSON encoding with the
// fields in the order declared here (position, type, subject, ref, at,
// key, data) and Data as the store holds it, byte for byte.
type Change struct {
	// Position orders the log: it only grows, and may skip numbers.
	Position int64 `json:"position"`
	// Type is one of the Change* constants.
	Type string `json:"type"`
	// Subject is the organization's code, "" for changes about none (an
	// authority, an administrator's account, a rulebook).
	Subject string `json:"subject,omitempty"`
	// Ref is the id of what changed: a record, entry or case id, a
	// subject version, a dimension, an authority or account id, or a
	// rulebook's id@version.
	Ref string `json:"ref"`
	// At is when the change happened: when it was recorded, or for a
	// change by time alone, the moment it took effect.
	At Time `json:"at"`
	// Key, when set, is unique in the log: a change whose key is there
	// already is not appended again (transitions by time, which every
	// node may find due at once).
	Key string `json:"key,omitempty"`
	// Data is the change's content, JSON (one of the *Change structs).
	Data jsontext.Value `json:"data"`
}

// Change types. Each names what changed; the events feed turns those a
// reader cares about into events of type "credo." + the change type.
const (
	ChangeRecordAccepted      = "record.accepted"
	ChangeRecordWithdrawn     = "record.withdrawn"
	ChangeGradeChanged        = "grade.changed"
	ChangeListEntryNotified   = "list_entry.notified"
	ChangeListEntryActive     = "list_entry.active"
	ChangeListEntryEnded      = "list_entry.ended"
	ChangeCaseFiled           = "case.filed"
	ChangeCaseDecided         = "case.decided"
	ChangeRegistrationChanged = "registration.changed"
	ChangeAccountCreated      = "account.created"
	ChangeAuthorityCreated    = "authority.created"
	ChangeRulebookPublished   = "rulebook.published"
	ChangeAnnualReportFiled   = "annual_report.filed"
	ChangeReplyPublished      = "reply.published"
	ChangeRelationshipChanged = "relationship.changed"
	ChangeReportIssued        = "report.issued"
	ChangeReportWithdrawn     = "report.withdrawn"
)

// ChangeTypes lists every change type.
var ChangeTypes = []string{
	ChangeRecordAccepted, ChangeRecordWithdrawn, ChangeGradeChanged,
	ChangeListEntryNotified, ChangeListEntryActive, ChangeListEntryEnded,
	ChangeCaseFiled, ChangeCaseDecided, ChangeRegistrationChanged,
	ChangeAccountCreated, ChangeAuthorityCreated, ChangeRulebookPublished,
	ChangeAnnualReportFiled, ChangeReplyPublished, ChangeRelationshipChanged, ChangeReportIssued, ChangeReportWithdrawn,
}

// Why a record was withdrawn (RecordWithdrawnChange.Reason).
const (
	WithdrawnSuperseded = "superseded"
	WithdrawnRetracted  = "retracted"
	WithdrawnRepaired   = "repaired"
	// WithdrawnExpired: its publicity window ended (DOMAIN section 4), a
	// change by time alone (RecordExpiredChange).
	WithdrawnExpired = "expired"
)

// ChangeLog is the ordered log of committed changes. Every backend write
// that commits a change listed under Change* appends its Change in the
// same transaction; nothing else writes the log but AppendChanges.
type ChangeLog interface {
	// Head returns the position of the last change committed (0 for an
	// empty log). Every change at or below it is committed and is read
	// by Changes: a reader that has read up to Head never later finds an
	// unseen change at or below it, on any node.
	Head(ctx context.Context) (int64, error)

	// Changes returns up to q.Limit changes with After < Position <= Upto
	// (Upto 0: the head), in position order, of q.Types and q.Subjects
	// when set (none: all). Limit 0 means DefaultPageSize; above
	// MaxPageSize it is cut to it.
	Changes(ctx context.Context, q ChangeQuery) ([]*Change, error)

	// AppendChanges appends changes that no other write makes (the
	// transitions that happen by time alone), atomically, in order; a
	// change whose Key is in the log already (or earlier in the batch) is
	// skipped. It sets the Position of each appended change and returns
	// how many were appended.
	AppendChanges(ctx context.Context, changes []*Change) (int, error)

	// Cursor returns the durable position a consumer called name has
	// reached (0 when it never saved one).
	Cursor(ctx context.Context, name string) (int64, error)
	// SaveCursor stores name's position; a position below the stored one
	// is ignored, so a consumer never goes back.
	SaveCursor(ctx context.Context, name string, position int64) error
	// Cursors returns every consumer's position, by name (a copy takes
	// them along).
	Cursors(ctx context.Context) (map[string]int64, error)

	// RestoreChanges stores changes read from another store's log with
	// their positions, keys and content as given, atomically; a position
	// already stored is skipped, so a copy can be resumed. Later appends
	// go after every restored position.
	RestoreChanges(ctx context.Context, changes []*Change) error
}

// ChangeQuery selects changes (ChangeLog.Changes).
type ChangeQuery struct {
	After    int64
	Upto     int64
	Types    []string
	Subjects []string
	Limit    int
}

// RecordAcceptedChange is the data of a record.accepted change. The ids
// come last: what precedes them is encoded before the store assigns them
// (RecordChanger).
type RecordAcceptedChange struct {
	Authority  string `json:"authority"`
	Category   string `json:"category"`
	Kind       string `json:"kind"`
	ExternalID string `json:"external_id"`
	OccurredAt Time   `json:"occurred_at"`
	// Digest is the record's Record.Digest: it binds every field the
	// authority gave (amount, decision number, description, ...) to
	// the change, and so to the ledger. Absent from changes made
	// before it was added.
	Digest     string `json:"digest,omitempty"`
	Record     int64  `json:"record"`
	Supersedes int64  `json:"supersedes,omitzero"`
}

// RecordWithdrawnChange is the data of a record.withdrawn change: the
// record no longer counts or shows, for Reason (Withdrawn*), because of
// record By (superseded, retracted) or case By (repaired); By is absent
// when time alone withdrew it (expired).
type RecordWithdrawnChange struct {
	Record int64  `json:"record"`
	Reason string `json:"reason"`
	By     int64  `json:"by,omitzero"`
}

// GradeChangedChange is the data of a grade.changed change: one dimension
// (ComprehensiveDimension for the comprehensive grade) moved.
type GradeChangedChange struct {
	Dimension     string  `json:"dimension"`
	PreviousGrade string  `json:"previous_grade,omitempty"`
	PreviousScore float64 `json:"previous_score"`
	Grade         string  `json:"grade"`
	Score         float64 `json:"score"`
	// Public reports whether the public may see this grade.
	Public bool `json:"public"`
}

// ComprehensiveDimension names the comprehensive grade in grade changes.
const ComprehensiveDimension = "comprehensive"

// ListEntryChange is the data of the list entry changes.
type ListEntryChange struct {
	Entry          int64  `json:"entry"`
	List           string `json:"list"`
	Authority      string `json:"authority"`
	Source         string `json:"source"`
	DecisionNumber string `json:"decision_number"`
	NotifiedAt     Time   `json:"notified_at"`
	EffectiveAt    Time   `json:"effective_at"`
	Until          Time   `json:"until,omitzero"`
	// Reason is why it ended (End*), on list_entry.ended only.
	Reason string `json:"reason,omitempty"`
}

// CaseChange is the data of case.filed and case.decided.
type CaseChange struct {
	Case      int64  `json:"case"`
	Kind      string `json:"kind"`
	Target    Target `json:"target"`
	Authority string `json:"authority,omitempty"`
	DecideBy  Time   `json:"decide_by,omitzero"`
	Outcome   string `json:"outcome,omitempty"`
	Record    int64  `json:"record,omitzero"`
}

// RegistrationChange is the data of registration.changed.
type RegistrationChange struct {
	Version   int    `json:"version"`
	Authority string `json:"authority"`
	Name      string `json:"name"`
	Status    Status `json:"status,omitempty"`
}

// IdentityChange is the data of account.created and authority.created.
type IdentityChange struct {
	ID   string `json:"id"`
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
}

// RulebookChange is the data of rulebook.published.
type RulebookChange struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

func newChange(typ, subject, ref string, at time.Time, key string, data any) *Change {
	if at.IsZero() {
		at = time.Now() // an account or authority made without a time
	}
	b, err := json.Marshal(data)
	if err != nil {
		panic("credo: encoding a change: " + err.Error()) // the data types above always encode
	}
	// Microseconds, what every backend keeps, so that a change reads the
	// same from any of them.
	return &Change{Type: typ, Subject: subject, Ref: ref, At: NewTime(at.Truncate(time.Microsecond)), Key: key, Data: b}
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

// RecordChanges are the changes a stored record makes: it is accepted,
// and the record it supersedes, if any, is withdrawn (superseded, or
// retracted when r is a retraction). r has its ID, RecordedAt and resolved
// Supersedes.
func RecordChanges(r *Record) []*Change {
	return NewRecordChanger(r).Changes(r.ID, r.Supersedes)
}

// RecordChanger makes a record's changes in two steps: NewRecordChanger
// encodes what does not depend on the ids (on any core, before the batch
// waits for the writer), Changes adds the ids the store assigned.
type RecordChanger struct {
	r      *Record
	prefix []byte // RecordAcceptedChange's JSON up to the ids, without its closing brace
}

// NewRecordChanger prepares r's changes; r needs RecordedAt.
func NewRecordChanger(r *Record) RecordChanger { return RecordChangerWithDigest(r, r.Digest()) }

// RecordChangerWithDigest is NewRecordChanger with r.Digest() given, by
// a store that kept it: r then needs only the fields the change shows.
func RecordChangerWithDigest(r *Record, digest string) RecordChanger {
	b, err := json.Marshal(RecordAcceptedChange{Authority: r.Authority, Category: r.Category, Kind: r.Kind,
		ExternalID: r.ExternalID, OccurredAt: r.OccurredAt, Digest: digest})
	if err != nil {
		panic("credo: encoding a change: " + err.Error())
	}
	// b ends `,"record":0}`: cut there, the ids are appended by Changes.
	return RecordChanger{r: r, prefix: b[:len(b)-len(`,"record":0}`)]}
}

// Changes returns the record's changes with its id and the id of the
// record it supersedes (0: none), exactly as RecordAcceptedChange encodes.
func (rc RecordChanger) Changes(recordID, supersedes int64) []*Change {
	r := rc.r
	data := make([]byte, 0, len(rc.prefix)+48)
	data = append(data, rc.prefix...)
	data = append(data, `,"record":`...)
	data = strconv.AppendInt(data, recordID, 10)
	if supersedes != 0 {
		data = append(data, `,"supersedes":`...)
		data = strconv.AppendInt(data, supersedes, 10)
	}
	data = append(data, '}')
	at := r.RecordedAt.Time
	if at.IsZero() {
		at = time.Now()
	}
	out := []*Change{{Type: ChangeRecordAccepted, Subject: r.Subject, Ref: id(recordID),
		At: NewTime(at.Truncate(time.Microsecond)), Data: data}}
	if supersedes != 0 {
		reason := WithdrawnSuperseded
		if r.Retracted() {
			reason = WithdrawnRetracted
		}
		out = append(out, newChange(ChangeRecordWithdrawn, r.Subject, id(supersedes), at, "",
			RecordWithdrawnChange{Record: supersedes, Reason: reason, By: recordID}))
	}
	return out
}

// RecordExpiredChange is the change of r's publicity window ending at
// until: the record is withdrawn from publicity, once (keyed by the
// record).
func RecordExpiredChange(r *Record, until time.Time) *Change {
	return newChange(ChangeRecordWithdrawn, r.Subject, id(r.ID), until,
		ChangeRecordWithdrawn+":"+WithdrawnExpired+":"+id(r.ID),
		RecordWithdrawnChange{Record: r.ID, Reason: WithdrawnExpired})
}

// SubjectChange is the change a stored registration version makes.
func SubjectChange(s *Subject) *Change {
	return newChange(ChangeRegistrationChanged, s.Code, strconv.Itoa(s.Version), s.RecordedAt.Time, "",
		RegistrationChange{Version: s.Version, Authority: s.Authority, Name: s.Name, Status: s.Status})
}

func entryData(e *ListEntry) ListEntryChange {
	return ListEntryChange{Entry: e.ID, List: e.List, Authority: e.Authority, Source: e.Source,
		DecisionNumber: e.DecisionNumber, NotifiedAt: e.NotifiedAt, EffectiveAt: e.EffectiveAt, Until: e.Until}
}

// ListEntryNotifiedChange is the change a stored list entry makes.
func ListEntryNotifiedChange(e *ListEntry) *Change {
	return newChange(ChangeListEntryNotified, e.Subject, id(e.ID), e.RecordedAt.Time, "", entryData(e))
}

// ListEntryActiveChange is the change of e taking effect, at its
// EffectiveAt, once (keyed by the entry).
func ListEntryActiveChange(e *ListEntry) *Change {
	return newChange(ChangeListEntryActive, e.Subject, id(e.ID), e.EffectiveAt.Time,
		ChangeListEntryActive+":"+id(e.ID), entryData(e))
}

// ListEntryEndedChange is the change of e ending at at for reason (End*),
// once per entry however it ends (keyed by the entry).
func ListEntryEndedChange(e *ListEntry, at time.Time, reason string) *Change {
	d := entryData(e)
	d.Reason = reason
	return newChange(ChangeListEntryEnded, e.Subject, id(e.ID), at, ChangeListEntryEnded+":"+id(e.ID), d)
}

// CaseFiledChange is the change a filed case makes.
func CaseFiledChange(c *Case) *Change {
	return newChange(ChangeCaseFiled, c.Subject, id(c.ID), c.FiledAt.Time, "", CaseChange{
		Case: c.ID, Kind: c.Kind, Target: c.Target, Authority: c.Authority, DecideBy: c.DecideBy})
}

// CaseDecidedChanges are the changes a decision on c makes: the case is
// decided, and an approved repair of a record withdraws the record.
func CaseDecidedChanges(c *Case, d *CaseDecision) []*Change {
	out := []*Change{newChange(ChangeCaseDecided, c.Subject, id(c.ID), d.At.Time, "", CaseChange{
		Case: c.ID, Kind: c.Kind, Target: c.Target, Authority: c.Authority, Outcome: d.Outcome, Record: d.Record})}
	if c.Kind == CaseRepair && d.Outcome == OutcomeApproved && c.Target.Kind == TargetRecord {
		out = append(out, newChange(ChangeRecordWithdrawn, c.Subject, id(c.Target.ID), d.At.Time, "",
			RecordWithdrawnChange{Record: c.Target.ID, Reason: WithdrawnRepaired, By: c.ID}))
	}
	return out
}

// GradeChanges are the changes from prev (nil: never assessed) to cur of
// code's assessment at at: one per dimension whose grade or score moved
// (or that appeared or went), and one for the comprehensive grade when it
// moved, in dimension order.
func GradeChanges(code string, at time.Time, prev, cur *Assessment) []*Change {
	var out []*Change
	var pg string
	var ps float64
	if prev != nil {
		pg, ps = prev.Grade, prev.Score
	}
	if prev == nil || pg != cur.Grade {
		out = append(out, newChange(ChangeGradeChanged, code, ComprehensiveDimension, at, "", GradeChangedChange{
			Dimension: ComprehensiveDimension, PreviousGrade: pg, PreviousScore: ps,
			Grade: cur.Grade, Score: cur.Score, Public: cur.Public}))
	}
	names := map[string]bool{}
	for n, d := range cur.Dimensions {
		if d != nil {
			names[n] = true
		}
	}
	if prev != nil {
		for n, d := range prev.Dimensions {
			if d != nil {
				names[n] = true
			}
		}
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		var p, c Dimension
		var had, has bool
		if prev != nil && prev.Dimensions[n] != nil {
			p, had = *prev.Dimensions[n], true
		}
		if cur.Dimensions[n] != nil {
			c, has = *cur.Dimensions[n], true
		}
		if had == has && p.Grade == c.Grade && p.Score == c.Score {
			continue
		}
		out = append(out, newChange(ChangeGradeChanged, code, n, at, "", GradeChangedChange{
			Dimension: n, PreviousGrade: p.Grade, PreviousScore: p.Score + 0,
			Grade: c.Grade, Score: c.Score + 0, Public: c.Public || !has && p.Public}))
	}
	return out
}

// AccountChange is the change a created account makes.
func AccountChange(a *Account) *Change {
	return newChange(ChangeAccountCreated, a.Subject, a.ID, a.CreatedAt.Time, "",
		IdentityChange{ID: a.ID, Role: a.Role, Name: a.Name})
}

// AuthorityChange is the change a created authority makes.
func AuthorityChange(a *Authority) *Change {
	return newChange(ChangeAuthorityCreated, "", a.ID, a.CreatedAt.Time, "",
		IdentityChange{ID: a.ID, Role: RoleAuthority, Name: a.Name})
}

// RulebookPublishedChange is the change a published rulebook version makes.
func RulebookPublishedChange(rb *Rulebook) *Change {
	return newChange(ChangeRulebookPublished, "", rb.ID+"@"+rb.Version, rb.PublishedAt.Time, "",
		RulebookChange{ID: rb.ID, Version: rb.Version, Hash: rb.Hash})
}

// AnnualReportChange is the data of an annual_report.filed change: which
// version of which year's report was filed, when (At) and by whom. The
// report's items are not in the log: a reader reads the report through
// the policy, which withholds what the organization did not disclose.
type AnnualReportChange struct {
	Year     int    `json:"year"`
	Version  int    `json:"version"`
	Corrects int    `json:"corrects,omitempty"`
	FiledBy  string `json:"filed_by"`
}

// AnnualReportFiledChange is the change a stored report version makes;
// its Ref is "{year}/{version}".
func AnnualReportFiledChange(r *AnnualReport) *Change {
	return newChange(ChangeAnnualReportFiled, r.Subject, strconv.Itoa(r.Year)+"/"+strconv.Itoa(r.Version), r.FiledAt.Time, "",
		AnnualReportChange{Year: r.Year, Version: r.Version, Corrects: r.Corrects, FiledBy: r.FiledBy})
}
