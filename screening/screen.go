package screening

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/uscc"
)

// Row statuses.
const (
	Clear   = "clear"    // matched; no adverse list entry, measures allow the action
	Review  = "review"   // no confident match: candidates to choose from
	Flagged = "flagged"  // matched; an active adverse list entry, or measures restrict or prohibit
	NoMatch = "no_match" // nothing in the registry resembles the row
	Error   = "error"    // the row is not a counterparty (Error says why)
)

// How a row was matched.
const (
	ByCode     = "code"     // the code given is registered
	ByName     = "name"     // a confident name match
	ByDecision = "decision" // the caller marked this candidate as the counterparty
)

// MaxCandidates is how many candidates a row not confidently matched shows.
const MaxCandidates = 5

// MaxDepth is the deepest partner search a screening may ask for.
const MaxDepth = 3

// AuditSupplyChain is the supply-chain audit (Params.Audit): the rows
// are a supplier list, and the suppliers the matched organizations
// declared are screened after them, tier by tier, to Params.Depth.
const AuditSupplyChain = "supply_chain"

// Audits lists the audits a screening may ask for.
var Audits = []string{AuditSupplyChain}

// Params are what applies to every row of a screening.
type Params struct {
	Action string `json:"action,omitempty"` // lists.Actions; a row's own action overrides it
	// Depth is 0..MaxDepth: the partners within it that are on an adverse
	// list are shown with each matched row; in a supply-chain audit, the
	// tiers of declared suppliers screened.
	Depth int `json:"depth"`
	// Audit is "" (screen the rows) or AuditSupplyChain.
	Audit string `json:"audit,omitempty"`
}

// Check validates p.
func (p Params) Check() error {
	if p.Action != "" && !slices.Contains(lists.Actions, p.Action) {
		return credo.FieldError("action", "enum", "must be one of %s", strings.Join(lists.Actions, ", "))
	}
	if p.Depth < 0 || p.Depth > MaxDepth {
		return credo.FieldError("depth", "range", "must be from 0 to %d", MaxDepth)
	}
	if p.Audit != "" && !slices.Contains(Audits, p.Audit) {
		return credo.FieldError("audit", "enum", "must be one of %s", strings.Join(Audits, ", "))
	}
	if p.Audit == AuditSupplyChain && p.Depth == 0 {
		return credo.FieldError("depth", "range", "a supply-chain audit screens declared suppliers to a depth from 1 to %d", MaxDepth)
	}
	return nil
}

// Matched is the organization a row was matched to.
type Matched struct {
	Code  string      `json:"code"`
	Name  string      `json:"name"`
	Score float64     `json:"score"`
	How   string      `json:"how"` // ByCode, ByName or ByDecision
	Why   *search.Why `json:"why,omitempty"`
}

// Candidate is an organization a row may mean.
type Candidate struct {
	Code  string     `json:"code"`
	Name  string     `json:"name"`
	Score float64    `json:"score"`
	Why   search.Why `json:"why"`
}

// Row is the result of screening one input row.
type Row struct {
	Line       int                    `json:"line"` // 1-based, in input order
	Input      Input                  `json:"input"`
	Status     string                 `json:"status"`
	Error      *credo.Error           `json:"error,omitempty"`
	Match      *Matched               `json:"match,omitempty"`
	Candidates []Candidate            `json:"candidates,omitempty"`
	Grades     map[string]string      `json:"grades,omitempty"` // "comprehensive" and each dimension, as the caller may see them
	Lists      []dueprocess.EntryView `json:"lists,omitempty"`  // active adverse list entries the caller may see
	Measures   *lists.Verdict         `json:"measures,omitempty"`
	// Decisions are the caller's earlier judgments of this row's
	// candidates (who, when, note), shown instead of raising them again.
	Decisions []credo.ScreeningDecision `json:"decisions,omitempty"`
	// Partners are the organizations within the screening's depth of the
	// match that are on an adverse list, as the caller may see them,
	// nearest first, each with its path (depth 1 to 3, outside audits).
	Partners []Partner `json:"partners,omitempty"`
	// Via says, for a row a supply-chain audit added, through whom it was
	// reached: the declared suppliers' path from a matched row.
	Via *Via `json:"via,omitempty"`
}

// Partner is an organization within a screening's depth of a matched
// row that is on an adverse list: its path from the match and its active
// adverse entries.
type Partner struct {
	Code     string                 `json:"code"`
	Name     string                 `json:"name,omitempty"`
	Distance int                    `json:"distance"`
	Path     []partners.Hop         `json:"path"`
	Lists    []dueprocess.EntryView `json:"lists"`
}

// Via is how a supply-chain audit reached a supplier: from the input row
// at Line (matched to From), Tier declarations away; Path is the
// relationships followed (each "From is To's supplier", declared by To),
// DeclaredBy the organization that declared the last of them.
type Via struct {
	Line       int            `json:"line"`
	From       string         `json:"from"`
	DeclaredBy string         `json:"declared_by"`
	Tier       int            `json:"tier"`
	Path       []partners.Hop `json:"path"`
}

// Matcher finds organizations by name (search.Index).
type Matcher interface {
	Find(q search.Query) []search.Match
}

// Store is what screening reads and writes.
type Store interface {
	Subject(ctx context.Context, code string) (*credo.Subject, error)
	// GradingInputs reads what screening a code row needs of its
	// organization (credo.GradingStore), for many codes at once.
	GradingInputs(ctx context.Context, codes []string) ([]*credo.Inputs, error)
	Authority(ctx context.Context, id string) (*credo.Authority, error)
	Account(ctx context.Context, id string) (*credo.Account, error)
	credo.ScreeningStore
	partners.AdjacencyReader
}

// Service screens rows.
type Service struct {
	store   Store
	matcher Matcher
	process *dueprocess.Service
	now     func() time.Time
	// Logger reports jobs that fail (slog.DiscardHandler when nil).
	Logger *slog.Logger

	wg  sync.WaitGroup
	mu  sync.Mutex
	ctx context.Context // what running jobs stop with (Run)
}

// New returns a Service. process gives list entries, measures and what the
// public sees; now is the registry clock.
func New(store Store, matcher Matcher, process *dueprocess.Service, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, matcher: matcher, process: process, now: now}
}

// maxName bounds a row's name, in characters.
const maxName = 200

// Screen screens one row for viewer v (line is its 1-based position). A
// row that is not a valid counterparty is returned with status Error; only
// a failure of the registry is an error return.
func (s *Service) Screen(ctx context.Context, v credo.Viewer, p Params, line int, in Input) (Row, error) {
	return s.screen(ctx, v, p, line, in, nil)
}

// check validates row in: its normal code and trimmed name, and the
// action that applies to it; fail says why it is not a counterparty.
func check(p Params, in Input) (code, name, action string, fail *credo.Error) {
	code = uscc.Normalize(in.Code)
	name = strings.TrimSpace(in.Name)
	action = p.Action
	if in.Action != "" {
		if !slices.Contains(lists.Actions, in.Action) {
			return code, name, action, credo.FieldError("action", "enum", "must be one of %s", strings.Join(lists.Actions, ", "))
		}
		action = in.Action
	}
	switch {
	case code == "" && name == "":
		return code, name, action, credo.FieldError("code", "required", "give a code or a name (or both)")
	case !utf8.ValidString(name):
		return code, name, action, credo.FieldError("name", "encoding", "is not valid UTF-8")
	case utf8.RuneCountInString(name) > maxName:
		return code, name, action, credo.FieldError("name", "too_long", "is longer than %d characters", maxName)
	case code == "" && utf8.RuneCountInString(search.Parse(name).Full) < 2:
		return code, name, action, credo.FieldError("name", "too_short", "give at least 2 letters or characters of the name")
	}
	if code != "" {
		if err := credo.ValidateCode("code", code); err != nil {
			if ce, ok := err.(*credo.Error); ok {
				return code, name, action, ce
			}
			return code, name, action, credo.FieldError("code", "format", "%v", err)
		}
	}
	return code, name, action, nil
}

// screen is Screen with what was read already of the codes of a batch of
// rows (read, by code; nil: none): a code row's organization, versions,
// records, entries and stored assessment, all in one read.
func (s *Service) screen(ctx context.Context, v credo.Viewer, p Params, line int, in Input, read map[string]*credo.Inputs) (Row, error) {
	row := Row{Line: line, Input: in}
	code, name, action, fail := check(p, in)
	if fail != nil {
		row.Status, row.Error = Error, fail
		return row, nil
	}
	if code != "" {
		got, err := s.inputs(ctx, code, read)
		if err != nil {
			return row, err
		}
		switch {
		case len(got.Versions) > 0:
			sub := got.Versions[len(got.Versions)-1]
			row.Match = &Matched{Code: sub.Code, Name: sub.Name, Score: 1, How: ByCode}
			return s.describe(ctx, v, p, action, row, got)
		case name == "":
			row.Status = NoMatch
			return row, nil
		}
		// A valid code the registry does not hold: try the name.
	}
	decisions, err := s.store.ScreeningDecisions(ctx, v.Actor(), DecisionKey(name))
	if err != nil {
		return row, err
	}
	rejected := map[string]bool{}
	for _, d := range decisions {
		if d.Verdict == credo.Counterparty {
			sub, err := s.store.Subject(ctx, d.Code)
			if err != nil {
				return row, err
			}
			row.Decisions = []credo.ScreeningDecision{d}
			row.Match = &Matched{Code: sub.Code, Name: sub.Name, Score: 1, How: ByDecision}
			return s.describe(ctx, v, p, action, row, nil)
		}
		rejected[d.Code] = true
		row.Decisions = append(row.Decisions, d)
	}
	matches := s.matcher.Find(search.Query{Q: name, Limit: MaxCandidates + len(rejected) + 1})
	matches = slices.DeleteFunc(matches, func(m search.Match) bool { return rejected[m.Code] })
	if len(matches) > 0 && matches[0].Score >= search.Threshold && (len(matches) == 1 || matches[1].Score < matches[0].Score) {
		m := matches[0]
		why := m.Why
		row.Match = &Matched{Code: m.Code, Name: m.Name, Score: m.Score, How: ByName, Why: &why}
		return s.describe(ctx, v, p, action, row, nil)
	}
	if len(matches) == 0 {
		row.Status = NoMatch
		return row, nil
	}
	row.Status = Review
	for _, m := range matches[:min(len(matches), MaxCandidates)] {
		row.Candidates = append(row.Candidates, Candidate{Code: m.Code, Name: m.Name, Score: m.Score, Why: m.Why})
	}
	return row, nil
}

// inputs is what the registry holds of code (no versions: it is not
// registered): from read when there, else read now.
func (s *Service) inputs(ctx context.Context, code string, read map[string]*credo.Inputs) (*credo.Inputs, error) {
	if in := read[code]; in != nil {
		return in, nil
	}
	got, err := s.store.GradingInputs(ctx, []string{code})
	if err != nil {
		return nil, err
	}
	return got[0], nil
}

// readCodes reads together what the registry holds of the codes of rows
// that are valid (each code once), by code.
func (s *Service) readCodes(ctx context.Context, p Params, rows []Input) (map[string]*credo.Inputs, error) {
	var codes []string
	seen := map[string]bool{}
	for _, in := range rows {
		if code, _, _, fail := check(p, in); fail == nil && code != "" && !seen[code] {
			seen[code] = true
			codes = append(codes, code)
		}
	}
	read := make(map[string]*credo.Inputs, len(codes))
	for i := 0; i < len(codes); i += credo.MaxGradingInputs {
		got, err := s.store.GradingInputs(ctx, codes[i:min(i+credo.MaxGradingInputs, len(codes))])
		if err != nil {
			return nil, err
		}
		for _, in := range got {
			read[in.Code] = in
		}
	}
	return read, nil
}

// describe adds to a matched row the grades, active adverse entries and
// measures decision viewer v may see (package visibility, through
// dueprocess), and sets its status. in is what the registry holds of the
// match (nil: read it now).
func (s *Service) describe(ctx context.Context, v credo.Viewer, p Params, action string, row Row, in *credo.Inputs) (Row, error) {
	code := row.Match.Code
	if in == nil {
		var err error
		if in, err = s.inputs(ctx, code, nil); err != nil {
			return row, err
		}
	}
	now := s.now()
	if p.Depth > 0 && p.Audit == "" {
		ps, err := s.adversePartners(ctx, v, code, p.Depth, now)
		if err != nil {
			return row, err
		}
		row.Partners = ps
	}
	row.Status = Clear
	// The measures are judged, and the grades shown, from one read and
	// one assessment: the stored one while it holds (as GET
	// /v1/subjects/{code}/assessment shows it), else computed now.
	var j *dueprocess.Judgement
	if s.process.Grading != nil {
		var err error
		if j, err = s.process.JudgeInputs(ctx, v, in, now); err != nil {
			return row, fmt.Errorf("measures of %s: %w", code, err)
		}
	}
	a, err := s.assessment(ctx, v, in, j, now)
	if err != nil {
		return row, err
	}
	if a != nil {
		row.Grades = map[string]string{}
		if a.Grade != "" {
			row.Grades["comprehensive"] = a.Grade
		}
		for id, d := range a.Dimensions {
			if d.Grade != "" {
				row.Grades[id] = d.Grade
			}
		}
		if len(row.Grades) == 0 {
			row.Grades = nil
		}
	}
	if row.Lists, err = s.adverse(ctx, v, code, in.Entries, now); err != nil {
		return row, err
	}
	if len(row.Lists) > 0 {
		row.Status = Flagged
	}
	if j != nil {
		verdict, err := j.Measures(ctx, action)
		if err != nil {
			return row, fmt.Errorf("measures of %s: %w", code, err)
		}
		row.Measures = &verdict
		if verdict.Decision != lists.Allowed {
			row.Status = Flagged
		}
	}
	return row, nil
}

// assessment is the current assessment of in's organization as v may see
// it: the stored one while it holds, else computed now (j's, judged for
// v at now); nil when the registry grades nothing (j nil).
func (s *Service) assessment(ctx context.Context, v credo.Viewer, in *credo.Inputs, j *dueprocess.Judgement, now time.Time) (*credo.Assessment, error) {
	if a := in.Current; a != nil && a.HoldsAt(now) {
		if j != nil {
			return s.process.Policy.Assessment(v, a, j.Seen), nil
		}
		return s.process.AssessmentView(ctx, v, a)
	}
	if j == nil {
		return nil, nil
	}
	return j.Assessment, nil
}

// DecisionKey is the form of an input name decisions are remembered by:
// its normal full form (search.Parse), so the same name typed with other
// spaces, widths or characters finds the decision.
func DecisionKey(name string) string {
	return search.Parse(name).Full
}

// adversePartners is AdversePartners with the service's store and due
// process.
func (s *Service) adversePartners(ctx context.Context, v credo.Viewer, code string, depth int, now time.Time) ([]Partner, error) {
	return AdversePartners(ctx, s.store, s.process, v, code, depth, now)
}

// PartnerReader is what AdversePartners reads.
type PartnerReader interface {
	partners.AdjacencyReader
	Subject(ctx context.Context, code string) (*credo.Subject, error)
}

// AdversePartners walks every kind of relationship from code to depth as
// v may see them at asOf (partners.Walk) and returns the organizations
// reached that have an active entry of an adverse list v may see then,
// nearest first, each with its path.
func AdversePartners(ctx context.Context, st PartnerReader, process *dueprocess.Service, v credo.Viewer, code string, depth int, asOf time.Time) ([]Partner, error) {
	g, err := partners.Walk(ctx, st, v, partners.Query{Code: code, Depth: depth, AsOf: asOf})
	if err != nil {
		return nil, fmt.Errorf("partners of %s: %w", code, err)
	}
	var out []Partner
	for _, rc := range g.Reached {
		adverse, err := adverseEntries(ctx, process, v, rc.Code, asOf)
		if err != nil {
			return nil, err
		}
		if len(adverse) == 0 {
			continue
		}
		p := Partner{Code: rc.Code, Distance: rc.Distance, Path: g.Path(rc.Code), Lists: adverse}
		if sub, err := st.Subject(ctx, rc.Code); err == nil {
			p.Name = sub.Name
		} else if credo.ErrorCodeOf(err) != credo.ENOTFOUND {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// adverse is code's active entries of adverse lists as v may see them,
// of its entries (all, as read).
func (s *Service) adverse(ctx context.Context, v credo.Viewer, code string, entries []*credo.ListEntry, now time.Time) ([]dueprocess.EntryView, error) {
	seen, err := s.process.SubjectListsOf(ctx, v, code, entries, now)
	if err != nil {
		return nil, err
	}
	return adverseOf(s.process, seen), nil
}

func adverseEntries(ctx context.Context, process *dueprocess.Service, v credo.Viewer, code string, now time.Time) ([]dueprocess.EntryView, error) {
	entries, err := process.SubjectLists(ctx, v, code, now)
	if err != nil {
		return nil, err
	}
	return adverseOf(process, entries), nil
}

// adverseOf keeps of entries those active on an adverse list.
func adverseOf(process *dueprocess.Service, entries []dueprocess.EntryView) []dueprocess.EntryView {
	var out []dueprocess.EntryView
	for _, e := range entries {
		def := process.Catalogue.List(e.List)
		if e.State.Status == credo.ListActive && def != nil && def.Adverse {
			out = append(out, e)
		}
	}
	return out
}
