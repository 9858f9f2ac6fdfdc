package credo

import (
	"context"
	"time"
)

// Assessment is what the rulebooks say of one organization at one time:
// every dimension's score and grade with the contributions that make it,
// and the comprehensive grade. It is a pure function of the organization's
// registration data and records as the registry knew them at AsOf, and of
// the rulebook versions named in Rulebooks, so it can be recomputed,
// explained and replayed exactly.
type Assessment struct {
	Subject string  `json:"subject"`
	AsOf    Time    `json:"as_of"`
	Grade   string  `json:"grade"` // the comprehensive grade
	Score   float64 `json:"score"` // the comprehensive score
	// ScoreWithheld is set, where an assessment is shown, when the score
	// and reasons are withheld from a viewer because they derive from
	// grades the viewer may not see (never stored).
	ScoreWithheld bool                  `json:"score_withheld,omitempty"`
	Reasons       []string              `json:"reasons,omitempty"`
	Public        bool                  `json:"public"` // the public may see the comprehensive grade (its rulebook says so)
	Dimensions    map[string]*Dimension `json:"dimensions"`
	Rulebooks     []RulebookRef         `json:"rulebooks"`
	// NextChange is the earliest time after AsOf at which the assessment
	// changes by time alone (a record stops counting, a direct grade ends,
	// the organization ages past a threshold); zero when none is known.
	NextChange Time `json:"next_change,omitzero"`
}

// Dimension is one domain grade (tax, customs, environment, ...).
type Dimension struct {
	Title string  `json:"title,omitempty"`
	Start float64 `json:"start"`
	Score float64 `json:"score"`
	Grade string  `json:"grade"`
	// Public reports whether the public may see this grade (the rulebook
	// that defines the dimension, or an overlay of it, says so).
	Public bool `json:"public"`
	// Reasons explain a grade that is not the band of the score: a grade
	// assigned directly, a cap ("held to B"), a special grade (M).
	Reasons       []string       `json:"reasons,omitempty"`
	Contributions []Contribution `json:"contributions"`
	// ByPartners reports that Grade was set by a direct partner rule (an
	// officer link); OwnGrade is then the grade of the organization's own
	// records ("" when they give none), the one its partners read
	// (Partner.Grades).
	ByPartners bool   `json:"by_partners,omitempty"`
	OwnGrade   string `json:"own_grade,omitempty"`
	// Basis is what sets the start score and the bands (the dimension's
	// basis in its rulebook).
	Basis *Basis `json:"basis,omitempty"`
	// Evaluation is "annual" for a dimension the law evaluates once a
	// year ("" for a continuous one). Then Score, Grade, Reasons and
	// Contributions are those of the grade in force: the evaluation of
	// Year, published at PublishedAt (Grade "" when none is in force);
	// Provisional is the running figure for the current year.
	Evaluation  string     `json:"evaluation,omitempty"`
	Year        int        `json:"year,omitempty"`
	PublishedAt Time       `json:"published_at,omitzero"`
	Provisional *Dimension `json:"provisional,omitempty"`
}

// Evaluation kinds of a dimension.
const (
	EvaluationContinuous = "continuous"
	EvaluationAnnual     = "annual"
)

// Basis says what sets a rule: a published legal text (Law) or credo's
// own model (Model, a sentence saying what credo assumes and why).
// Exactly one is given.
type Basis struct {
	Law   *Citation `json:"law,omitempty"`
	Model string    `json:"model,omitempty"`
}

// Citation names a published text: the document, its number (文号 or
// order number) and, where confirmed, the article.
type Citation struct {
	Document string `json:"document"`
	Number   string `json:"number"`
	Article  string `json:"article,omitempty"`
}

// String renders the basis in one line, as a citation or "model: ...".
func (b *Basis) String() string {
	switch {
	case b == nil:
		return ""
	case b.Law != nil:
		s := b.Law.Document + "（" + b.Law.Number + "）"
		if b.Law.Article != "" {
			s += b.Law.Article
		}
		return s
	}
	return "model: " + b.Model
}

// Contribution is one rule's effect on a dimension: which record (0 when
// the rule looked at the organization rather than a record), how many
// points, why, on what basis (law or credo's model), and until when it counts.
type Contribution struct {
	Record   int64   `json:"record,omitempty"`
	Rule     string  `json:"rule"`
	Rulebook string  `json:"rulebook,omitempty"`
	Points   float64 `json:"points"`
	Grade    string  `json:"grade,omitempty"` // set when the rule assigns or caps a grade
	Reason   string  `json:"reason"`
	Basis    *Basis  `json:"basis,omitempty"`
	Until    Time    `json:"until,omitzero"`
	// Partner and Path name the partner a partner rule judged and the
	// relationships that reach it from the organization.
	Partner string `json:"partner,omitempty"`
	Path    []Hop  `json:"path,omitempty"`
	// UnderObjection marks, where an assessment is shown, a contribution
	// whose record has an open objection (never stored).
	UnderObjection bool `json:"under_objection,omitempty"`
}

// RulebookRef names one published rulebook version.
type RulebookRef struct {
	ID      string `json:"id"`
	Version string `json:"version"`
}

// Rulebook is a published rulebook version: its source as submitted, which
// is kept forever so that every past assessment can be recomputed.
type Rulebook struct {
	ID          string `json:"id"`
	Version     string `json:"version"`
	Hash        string `json:"hash"` // sha256 of Source, hex
	Source      []byte `json:"-"`
	PublishedAt Time   `json:"published_at"`
}

// AssessmentChange is one entry in an organization's assessment history:
// the assessment from At on, and what caused the change.
type AssessmentChange struct {
	Subject    string      `json:"subject"`
	At         Time        `json:"at"`
	Cause      Cause       `json:"cause"`
	Assessment *Assessment `json:"assessment"`
}

// Cause says why an assessment changed.
type Cause struct {
	// Kind is "record" (a new record), "registration" (new registration
	// data), "expiry" (time alone: a record stopped counting, a list entry
	// took effect or ended), "rulebook" (a new rulebook version), "list" (a
	// list entry made or ended), "case" (an objection or repair decided) or
	// "rescore".
	Kind      string       `json:"kind"`
	Record    int64        `json:"record,omitempty"`
	Rulebook  *RulebookRef `json:"rulebook,omitempty"`
	ListEntry int64        `json:"list_entry,omitempty"`
	Case      int64        `json:"case,omitempty"`
	Partner   string       `json:"partner,omitempty"`
}

// Cause kinds.
const (
	CauseRecord = "record"
	// CauseRegistration: new registration data (an established date, say).
	CauseRegistration = "registration"
	CauseExpiry       = "expiry"
	CauseRulebook     = "rulebook"
	CauseRescore      = "rescore"
	// CauseList: a list entry was made or ended (ListEntry).
	CauseList = "list"
	// CauseCase: an objection or repair was decided (Case).
	CauseCase = "case"
	// CausePartner: a partner's own state (grades, adverse list entries)
	// or the relationships to partners changed (Cause.Partner names the
	// organization whose change it was).
	CausePartner = "partner"
)

// RulebookStore keeps published rulebook versions, immutably.
type RulebookStore interface {
	// PublishRulebook stores a new version. It returns an ECONFLICT error
	// when (ID, Version) is already published, whatever its content.
	PublishRulebook(ctx context.Context, rb *Rulebook) error
	// Rulebook returns one version (with Source), or ENOTFOUND.
	Rulebook(ctx context.Context, id, version string) (*Rulebook, error)
	// Rulebooks lists every published version (with Source), by id then
	// publication order.
	Rulebooks(ctx context.Context) ([]*Rulebook, error)
}

// AssessmentStore keeps each organization's current assessment and the
// history of its changes.
type AssessmentStore interface {
	// SaveAssessments stores changes atomically and durably. For each, the
	// organization's current assessment becomes change.Assessment; the
	// change is appended to its history only when the grade or a dimension's
	// grade or score differs from the current one (so saving an unchanged
	// assessment again records nothing but its new NextChange). "Differs"
	// compares the grade and each dimension's grade and score (a dimension
	// appearing or disappearing differs); reasons, contributions, AsOf and
	// NextChange do not count. Several changes of one code in a batch apply
	// in order. Concurrent savers, on any node, record a change once.
	SaveAssessments(ctx context.Context, changes []*AssessmentChange) error
	// CurrentAssessment returns the stored current assessment, or ENOTFOUND.
	CurrentAssessment(ctx context.Context, code string) (*Assessment, error)
	// AssessmentHistory returns code's changes, newest (last stored) first,
	// one page at a time (cursor and limit as elsewhere). An organization
	// never assessed gives an empty page.
	AssessmentHistory(ctx context.Context, code, cursor string, limit int) (*AssessmentPage, error)
	// GradeHistory returns what the last limit (at most MaxPageSize)
	// changes of code's history say of its comprehensive grade, newest
	// first, as AssessmentHistory's first page would, without reading the
	// whole assessments (the organization page's grade history).
	GradeHistory(ctx context.Context, code string, limit int) ([]GradeChange, error)
	// DueAssessments returns up to limit codes (0: DefaultPageSize) whose
	// current assessment's NextChange is at or before t, earliest first,
	// ties by code. A zero NextChange is never due.
	DueAssessments(ctx context.Context, t time.Time, limit int) ([]string, error)
}

// GradeChange is what one change of an assessment history says of the
// comprehensive grade: when, the grade, whether the public may see it
// (Assessment.Public) and the cause's kind.
type GradeChange struct {
	At     Time
	Grade  string
	Public bool
	Cause  string
}

// AssessmentPage is one page of an assessment history.
type AssessmentPage struct {
	Changes []*AssessmentChange `json:"changes"`
	Next    string              `json:"next,omitempty"`
}

// GradingStore gives the grading engine its inputs.
type GradingStore interface {
	// AllRecords returns every record of code (superseded and retracted
	// ones included, with SupersededBy filled), by id. A code with no
	// records gives an empty slice.
	AllRecords(ctx context.Context, code string) ([]*Record, error)
	// EachSubject calls fn for every code that has registration data or
	// records, in code order, starting after the code after, with all its
	// records by id (as AllRecords). It stops at fn's first error, which it
	// returns unwrapped. fn may use the store (read, save assessments). Each
	// organization's records are consistent; the walk as a whole is not one
	// snapshot.
	EachSubject(ctx context.Context, after string, fn func(code string, records []*Record) error) error
	// GradingInputs returns what regrading reads of each code (at most
	// MaxGradingInputs), in the order given, read together (on PostgreSQL
	// in one round trip): what SubjectVersions (none: empty), AllRecords,
	// SubjectListEntries and CurrentAssessment (none: nil) return.
	GradingInputs(ctx context.Context, codes []string) ([]*Inputs, error)
}

// MaxGradingInputs bounds the codes of one GradingInputs call.
const MaxGradingInputs = 1000

// Inputs is what a regrade of one organization reads.
type Inputs struct {
	Code     string
	Versions []*Subject
	Records  []*Record
	Entries  []*ListEntry
	Current  *Assessment
}

// HoldsAt reports whether a, stored, is still the assessment at t: no
// change by time alone (NextChange) has come by then.
func (a *Assessment) HoldsAt(t time.Time) bool {
	return a.NextChange.IsZero() || a.NextChange.After(t)
}
