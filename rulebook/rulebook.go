package rulebook

import (
	"time"

	"github.com/credo-registry/credo"
)

// APIVersion is the only rulebook format version.
const APIVersion = "credo/v1"

// Rulebook is one rulebook version, parsed and compiled. Its expressions
// are compiled once, by Parse, and evaluated by package assess.
type Rulebook struct {
	ID, Version, Title, Extends string
	// Jurisdiction lists the division-code prefixes the rulebook applies
	// to; nil means national.
	Jurisdiction  []string
	EffectiveFrom time.Time
	// EffectiveUntil, when not zero, is the first instant the version no
	// longer applies (`effective_until:`, exclusive): the regime it
	// encodes ended then. Without it a version applies until the next.
	EffectiveUntil         time.Time
	LegalBasis, ModelledOn string
	// Public is `public:` at the top level (false when not given): the
	// default of its dimensions' Public and its comprehensive section's.
	// An overlay that gives it explicitly also sets the Public of the
	// dimensions it overlays (unless an overlay entry gives its own).
	Public bool
	// Source is the file as given to Parse.
	Source []byte
	File   string

	Publicity     []*PublicityRow
	Dimensions    []*Dimension
	Overlays      []*Overlay
	Comprehensive *Comprehensive

	pos, extendsPos Pos
	hasPublic       bool // public: was given
}

// Ref names the rulebook version.
func (rb *Rulebook) Ref() credo.RulebookRef {
	return credo.RulebookRef{ID: rb.ID, Version: rb.Version}
}

// AppliesTo reports whether the rulebook's jurisdiction covers division.
func (rb *Rulebook) AppliesTo(division string) bool {
	if rb.Jurisdiction == nil {
		return true
	}
	for _, p := range rb.Jurisdiction {
		if len(division) >= len(p) && division[:len(p)] == p {
			return true
		}
	}
	return false
}

// Pos is where something is written.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) errorf(rule, format string, args ...any) *Error {
	e := &Error{File: p.File, Line: p.Line, Col: p.Col, Rule: rule}
	e.Message = sprintf(format, args...)
	return e
}

// Dimension is one graded domain (tax, customs, environment, ...). In a
// Plan it is the dimension as combined from its rulebook and the overlays
// that apply.
type Dimension struct {
	ID, Title string
	// Public reports whether the public may see the grade: the
	// dimension's `public:`, or its rulebook's; in a Plan, as the
	// overlays that apply set it.
	Public     bool
	Categories []string
	Grades     []string // best first
	// Applies decides whether the organization is graded at all; nil: it
	// has a record of one of the categories.
	Applies *Expr
	Start   *Expr
	Rules   []*Rule
	// Adjustments are points for the organization as a whole (not for a
	// record), counted after the rules.
	Adjustments []*Adjustment
	Direct      []*Direct
	Caps        []*Cap
	Special     []*Special
	Floor       *float64
	Ceiling     *float64
	Bands       []Band
	// Basis is what sets the start score and the bands.
	Basis *credo.Basis
	// Partners is the dimension's partners section (nil: none).
	Partners *Partners
	// Evaluation is credo.EvaluationContinuous or EvaluationAnnual. An
	// annual dimension is evaluated per calendar year and its grade is
	// published on Publication of the next year; its periods (counts_for,
	// for) count evaluation years.
	Evaluation  string
	Publication MonthDay
	// Rulebook is the rulebook that defines the dimension.
	Rulebook *Rulebook
	Pos      Pos
	// Index is the dimension's place in its Plan's Dimensions.
	Index int

	rank         map[string]int
	byKind       map[string]KindRules
	usesRecords  bool
	usesPrevious bool
}

// MonthDay is a day of the year ("04-30").
type MonthDay struct{ Month, Day int }

// In returns the day in year, at midnight UTC.
func (m MonthDay) In(year int) time.Time {
	return time.Date(year, time.Month(m.Month), m.Day, 0, 0, 0, 0, time.UTC)
}

func (m MonthDay) String() string {
	if m.Month == 0 {
		return ""
	}
	return sprintf("%02d-%02d", m.Month, m.Day)
}

// Annual reports whether the dimension is evaluated once a year.
func (d *Dimension) Annual() bool { return d.Evaluation == credo.EvaluationAnnual }

// UsesPrevious reports whether an expression of the dimension reads
// previous (the evaluation of the year before).
func (d *Dimension) UsesPrevious() bool { return d.usesPrevious }

// Rule is a per-record point rule.
type Rule struct {
	ID, Description string
	Basis           *credo.Basis
	Kinds           []string
	When            *Expr // nil: always
	Points          *Expr
	CountsFor       Period
	MaxTimes        int // 0: no limit
	Rulebook        *Rulebook
	Pos             Pos
	// Order is the rule's place among the dimension's rules, direct
	// grades, specials and caps, in that order (set in a Plan).
	Order int
}

// Adjustment adds Points to the score while When holds (the tax
// measures' extra 11 points in the year after a score-based D).
type Adjustment struct {
	ID, Description string
	Basis           *credo.Basis
	When            *Expr
	Points          *Expr
	Rulebook        *Rulebook
	Pos             Pos
	Order           int
}

// Direct is a grade a record assigns directly.
type Direct struct {
	ID, Description, Reason string
	Basis                   *credo.Basis
	Kinds                   []string
	When                    *Expr
	Grade                   string
	For                     Period
	Rulebook                *Rulebook
	Pos                     Pos
	Order                   int
}

// Cap holds the grade to at most MaxGrade while When holds.
type Cap struct {
	ID, Description, Reason string
	Basis                   *credo.Basis
	When                    *Expr
	MaxGrade                string
	Rulebook                *Rulebook
	Pos                     Pos
	Order                   int
}

// Special is a grade that replaces the band while When holds.
type Special struct {
	ID, Description, Reason string
	Basis                   *credo.Basis
	When                    *Expr
	Grade                   string
	UnlessDirect            bool
	Rulebook                *Rulebook
	Pos                     Pos
	Order                   int
}

// Band maps scores from Min up (to the previous band's min) to Grade; the
// last band has no Min and takes every score below.
type Band struct {
	Grade string
	Min   *float64
	Pos   Pos
}

// Comprehensive is the overall grade from the dimensions' grades.
type Comprehensive struct {
	Description string
	// Public reports whether the public may see the comprehensive grade:
	// the section's `public:`, or its rulebook's.
	Public   bool
	Grades   []string
	Score    *Expr
	Bands    []Band
	Caps     []*Cap
	Basis    *credo.Basis // what sets the score and the bands
	Rulebook *Rulebook
	Pos      Pos

	rank map[string]int
}

// Overlay is a regional change to one dimension of the rulebook extended.
// A nil list leaves the dimension's list as it is.
type Overlay struct {
	Dimension string
	// Public, when given, sets the dimension's Public.
	Public  *bool
	Grades  []string
	Bands   []Band
	Caps    []*Cap
	Special []*Special
	Direct  []*Direct
	Add     []*Rule
	Replace []*Rule
	Disable []IDRef
	Pos     Pos
	// which lists were given (an empty list given clears the list)
	hasCaps, hasSpecial, hasDirect bool
}

// IDRef is a rule id named in a rulebook, with where.
type IDRef struct {
	ID  string
	Pos Pos
}

// PublicityRow is one row of a publicity table: how long records it
// matches are shown under one regime.
type PublicityRow struct {
	ID           string
	From, Until  time.Time // the regime's period; Until zero: still in force
	Kinds        []string
	PenaltyTypes []string
	Severity     []string
	Categories   []string
	Min, Max     Period
	HasMin       bool
	// MarkedOnly: a record the row matches is published only when its
	// authority marked it so (record.publish); otherwise not at all.
	MarkedOnly bool
	// OnlyPenaltyTypes: the record's penalty types must all be among
	// PenaltyTypes (a warning alone), not just one of them.
	OnlyPenaltyTypes bool
	Basis            *credo.Basis
	Rulebook         *Rulebook
	Pos              Pos
}

// Rank returns the place of grade in the dimension's grades (0 best), or
// -1. Rank, ForKind and UsesRecords answer for a Plan's dimensions.
func (d *Dimension) Rank(grade string) int {
	if r, ok := d.rank[grade]; ok {
		return r
	}
	return -1
}

// KindRules are the rules that judge records of one kind.
type KindRules struct {
	Rules  []*Rule
	Direct []*Direct
}

// ForKind returns the point rules and direct grades that judge records of
// kind: the index by which a record is evaluated only by the rules that
// can apply to it.
func (d *Dimension) ForKind(kind string) KindRules { return d.byKind[kind] }

// UsesRecords reports whether any expression of the dimension reads the
// records list (so that evaluation builds it).
func (d *Dimension) UsesRecords() bool { return d.usesRecords }

// Band returns the grade of score.
func (d *Dimension) Band(score float64) string { return band(d.Bands, score) }

// Rank returns the place of grade in the comprehensive grades, or -1.
func (c *Comprehensive) Rank(grade string) int {
	if r, ok := c.rank[grade]; ok {
		return r
	}
	return -1
}

// Band returns the comprehensive grade of score.
func (c *Comprehensive) Band(score float64) string { return band(c.Bands, score) }

func band(bands []Band, score float64) string {
	for _, b := range bands {
		if b.Min == nil || score >= *b.Min {
			return b.Grade
		}
	}
	return ""
}

func ranks(grades []string) map[string]int {
	m := make(map[string]int, len(grades))
	for i, g := range grades {
		m[g] = i
	}
	return m
}
