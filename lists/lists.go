// Package lists holds the versioned definitions of credo's lists (the red
// list, the abnormal operations list, the serious dishonesty list, domain
// lists) and the catalogue of joint rewards and punishments (联合奖惩
// measures), read from YAML with CEL conditions, and evaluates them
// purely: whether a list's rule holds for an organization (Rule.Holds),
// and what an agency must do before acting about one (Catalogue.Check).
// The bundled definitions live in definitions/*.yaml and measures.yaml
// (see docs/LISTS.md); storing entries and deciding objections and
// repairs is the service's.
package lists

import (
	"embed"
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

// APIVersion is the apiVersion of list definition files.
const APIVersion = rulebook.APIVersion

// List kinds.
const (
	KindRed          = "red"
	KindIrregularity = "irregularity"
	KindSerious      = "serious"
	KindDomain       = "domain"
)

// Kinds are the kinds a list may be.
var Kinds = []string{KindRed, KindIrregularity, KindSerious, KindDomain}

// Measure kinds.
const (
	Reward     = "reward"
	Punishment = "punishment"
)

// Actions are what an agency may be about to do about an organization.
var Actions = []string{"public_procurement", "bond_issuance", "subsidies", "customs_clearance", "inspection_frequency", "administrative_approval", "honours"}

// Effects are what a measure does to an action: punishments prohibit,
// restrict or add extra scrutiny; rewards expedite or reduce (inspections).
var Effects = []string{"prohibit", "restrict", "extra_scrutiny", "expedite", "reduce"}

// Effects of punishments and of rewards.
var (
	punishmentEffects = []string{"prohibit", "restrict", "extra_scrutiny"}
	rewardEffects     = []string{"expedite", "reduce"}
)

// Definition is one version of a list: what it is, who may put
// organizations on it, its periods, and its rule when entries are made by
// rule.
type Definition struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Title   string `json:"title"`
	// Kind is "red", "irregularity", "serious" or "domain".
	Kind string `json:"kind"`
	// Adverse is false for lists that reward (red lists).
	Adverse bool `json:"adverse"`
	// Public: entries are shown to the public while active.
	Public bool `json:"public"`
	// LegalBasis names the texts the list rests on, as an entry made by
	// rule cites them; Basis says whether what credo encodes of the list
	// (its rule, its terms) is set by a published text or is credo's model.
	LegalBasis string       `json:"legal_basis"`
	Basis      *credo.Basis `json:"basis"`
	// Criteria and Removal are the published entry criteria and removal
	// conditions, in words.
	Criteria string `json:"criteria"`
	Removal  string `json:"removal"`
	// Listers are the record categories (credo.Categories) whose
	// authorities may list by decision; empty: by rule only.
	Listers []string `json:"listers"`
	// Notice is the time from notification to effect.
	Notice rulebook.Period `json:"notice"`
	// TermMin is the earliest removal by repair; TermMax the longest
	// term (zero: none, the entry is held while the rule holds or until
	// escalated); TermDefault the term when a decision names none.
	TermMin     rulebook.Period `json:"term_min"`
	TermMax     rulebook.Period `json:"term_max"`
	TermDefault rulebook.Period `json:"term_default"`
	// ObjectionDays and RepairDays are the working days the authority has
	// to decide an objection and a repair application.
	ObjectionDays int `json:"objection_days"`
	RepairDays    int `json:"repair_days"`
	// Grade is the comprehensive grade while an entry is active ("" none).
	Grade      string      `json:"grade,omitempty"`
	Escalation *Escalation `json:"escalation,omitempty"`
	Rule       *Rule       `json:"rule,omitempty"`
	// Where the definition was read from.
	File string `json:"-"`
	Line int    `json:"-"`
}

// Escalation moves an entry still active After its effective date to the
// list To, with Notice before the new entry takes effect.
type Escalation struct {
	After  rulebook.Period `json:"after"`
	To     string          `json:"to"`
	Notice rulebook.Period `json:"notice"`
}

// Rule makes entries by rule: an organization for which When holds is
// listed with Reason.
type Rule struct {
	When   string `json:"when"`
	Reason string `json:"reason"`
	cond   *condition
}

// Measure is one joint reward or punishment: when its Trigger holds for an
// organization, agencies apply Effect to each of its Actions.
type Measure struct {
	ID          string `json:"id"`
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	Kind        string `json:"kind"` // "reward" or "punishment"
	LegalBasis  string `json:"legal_basis"`
	// Basis: the text that provides for the measure, or credo's model.
	Basis   *credo.Basis `json:"basis"`
	Trigger Trigger      `json:"trigger"`
	Actions []string     `json:"actions"`
	Effect  string       `json:"effect"`
}

// Trigger says when a measure applies: every condition given must hold.
type Trigger struct {
	// List: the organization has an active entry of that list.
	List string `json:"list,omitempty"`
	// Dimension and Grades: the dimension's grade is one of Grades
	// ("comprehensive" is the comprehensive grade).
	Dimension string   `json:"dimension,omitempty"`
	Grades    []string `json:"grades,omitempty"`
	// When is a CEL condition over Facts.
	When string `json:"when,omitempty"`
	// Flag: a flag of that kind stands against the organization's
	// registration (credo.RegistrationFlag; one of Flags).
	Flag string `json:"flag,omitempty"`
	cond *condition
}

// Flags are the registration flags a measure may follow from.
var Flags = []string{credo.FlagOfficerDisqualified}

// Catalogue is a set of list definitions and the measures over them.
type Catalogue struct {
	Version  string        `json:"version"`
	Lists    []*Definition `json:"lists"`
	Measures []*Measure    `json:"measures"`
	// Records are the deadlines, in working days, of objections and
	// repair applications about records (list entries take theirs from
	// their list): the measures file's records section, 10 and 10 when
	// it has none.
	Records RecordDeadlines `json:"records"`

	lists    map[string]*Definition
	measures map[string]*Measure
}

// List returns the definition of list id, or nil.
func (c *Catalogue) List(id string) *Definition {
	if c == nil {
		return nil
	}
	return c.lists[id]
}

// RecordDeadlines are the working days an authority has to decide an
// objection to one of its records, and a credit repair application.
type RecordDeadlines struct {
	ObjectionDays int `json:"objection_days"`
	RepairDays    int `json:"repair_days"`
}

// Find returns the list a caller names: by id, with "_" read as "-", or
// by a common name (the kind of a list that is the only one of its kind:
// "serious", "irregularity", "red"; and "blacklist", "serious_dishonesty",
// "abnormal_operations", "red_list"), or nil.
func (c *Catalogue) Find(name string) *Definition {
	if c == nil || name == "" {
		return nil
	}
	if d := c.lists[name]; d != nil {
		return d
	}
	n := strings.ToLower(strings.TrimSpace(strings.ReplaceAll(name, "_", "-")))
	if d := c.lists[n]; d != nil {
		return d
	}
	kind := map[string]string{
		"serious": KindSerious, "blacklist": KindSerious, "black": KindSerious, "black-list": KindSerious,
		"serious-dishonesty-list": KindSerious, "dishonesty": KindSerious,
		"irregularity": KindIrregularity, "abnormal": KindIrregularity, "abnormal-operations-list": KindIrregularity,
		"abnormal-operation": KindIrregularity, "abnormal-business-operations": KindIrregularity,
		"red": KindRed, "red-list": KindRed, "redlist": KindRed,
	}[n]
	if kind == "" {
		return nil
	}
	var found *Definition
	for _, d := range c.Lists {
		if d.Kind == kind {
			if found != nil {
				return nil // ambiguous
			}
			found = d
		}
	}
	return found
}

// Measure returns measure id, or nil.
func (c *Catalogue) Measure(id string) *Measure {
	if c == nil {
		return nil
	}
	return c.measures[id]
}

// Facts are what list rules and measure conditions see.
type Facts struct {
	Code       string
	Org        *credo.Subject    // latest registration at AsOf; may be nil
	Records    []*credo.Record   // the records in force at AsOf (the caller filters)
	Assessment *credo.Assessment // grades at AsOf (before list effects); may be nil
	Lists      []string          // ids of lists with an active entry at AsOf (measures only)
	AsOf       time.Time
	// converted, once Share is called, holds the CEL values made from
	// these facts, for every rule evaluated over them (and copies of them).
	converted map[string]any
}

// Share makes the rules evaluated over f (and its copies) convert its
// records and registration for CEL once between them, rather than once
// each: the caller must not change f's fields afterwards.
func (f *Facts) Share() {
	if f.converted == nil {
		f.converted = map[string]any{}
	}
}

// Holds reports whether the rule's condition holds for f.
func (r *Rule) Holds(f Facts) (bool, error) {
	if r == nil || r.cond == nil {
		return false, credo.Errorf(credo.EINTERNAL, "lists: the rule %q was not compiled (read it with Parse)", ruleSource(r))
	}
	return r.cond.eval(&lazyVars{f: &f, vals: f.converted})
}

func ruleSource(r *Rule) string {
	if r == nil {
		return ""
	}
	return r.When
}

// bundle holds the bundled definitions.
//
//go:embed definitions/*.yaml measures.yaml
var bundle embed.FS

var bundled = sync.OnceValues(func() (*Catalogue, error) {
	files, err := BundledFiles()
	if err != nil {
		return nil, err
	}
	return Parse(files)
})

// BundledFiles returns the sources of the bundled catalogue, by name
// ("lists/definitions/serious-dishonesty.yaml", "lists/measures.yaml").
func BundledFiles() (map[string][]byte, error) {
	files := map[string][]byte{}
	err := fs.WalkDir(bundle, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".yaml" {
			return err
		}
		src, err := bundle.ReadFile(p)
		files["lists/"+p] = src
		return err
	})
	return files, err
}

// Check reads list definitions or a measures file given by name and
// source as they would replace or join the bundled catalogue (a
// definition with a bundled list's id replaces it; the measures file
// replaces the bundled one) and returns the catalogue they make, or every
// error, each at file:line:col.
func Check(given map[string][]byte) (*Catalogue, error) {
	files, err := BundledFiles()
	if err != nil {
		return nil, err
	}
	byID := map[string]string{}
	for name, src := range files {
		byID[peekID(src)] = name
	}
	for name, src := range given {
		id := peekID(src)
		if old, ok := byID[id]; ok && id != "" {
			delete(files, old)
		}
		if isMeasures(src) {
			delete(files, "lists/measures.yaml")
		}
		files[name] = src
	}
	return Parse(files)
}

// peekID returns a YAML file's top-level id, "" when it has none.
func peekID(src []byte) string {
	var top struct {
		ID string `yaml:"id"`
	}
	if yaml.Unmarshal(src, &top) != nil {
		return ""
	}
	return top.ID
}

// isMeasures reports whether a YAML file is a measures file.
func isMeasures(src []byte) bool {
	var top map[string]any
	if yaml.Unmarshal(src, &top) != nil {
		return false
	}
	_, ok := top["measures"]
	return ok
}

// Bundled returns the catalogue credo ships (parsed once; shared, do not
// modify it).
func Bundled() (*Catalogue, error) { return bundled() }

// Periods are written in JSON as their string form ("3y"), zero as "".

func period(p rulebook.Period) string {
	if p.IsZero() {
		return ""
	}
	return p.String()
}

// MarshalJSON writes d with its periods as strings.
func (d Definition) MarshalJSON() ([]byte, error) {
	type plain Definition
	return json.Marshal(struct {
		plain
		Notice      string `json:"notice"`
		TermMin     string `json:"term_min"`
		TermMax     string `json:"term_max"`
		TermDefault string `json:"term_default"`
	}{plain(d), period(d.Notice), period(d.TermMin), period(d.TermMax), period(d.TermDefault)})
}

// MarshalJSON writes e with its periods as strings.
func (e Escalation) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		After  string `json:"after"`
		To     string `json:"to"`
		Notice string `json:"notice"`
	}{period(e.After), e.To, period(e.Notice)})
}
