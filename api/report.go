package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/ledger"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/visibility"
)

// Report is the body of GET /v1/subjects/{code}/report: the due-diligence
// report on one organization as the caller may see it, as of a time.
type Report struct {
	AsOf credo.Time `json:"as_of"`
	// Rulebooks are the rulebook versions the assessment used.
	Rulebooks []credo.RulebookRef `json:"rulebooks"`
	// Subject is the registration data in force at as_of; Registration is
	// every version recorded by then, oldest first.
	Subject      *credo.Subject    `json:"subject"`
	Registration []*credo.Subject  `json:"registration"`
	Assessment   *credo.Assessment `json:"assessment"`
	// GradeHistory is every change of the comprehensive grade and of each
	// dimension's grade, oldest first, with its cause.
	GradeHistory []GradeChange `json:"grade_history"`
	// Records are those the caller may see at as_of (the public: those in
	// their publicity window), newest decision first.
	Records []RecordView `json:"records"`
	// Lists are the list entries the caller may see.
	Lists []dueprocess.EntryView `json:"lists"`
	// Measures is the verdict for every action.
	Measures []lists.Verdict `json:"measures"`
	// Objections are the open objections: to the public, what and until
	// when; in full to those who see the organization.
	Objections []ObjectionView `json:"objections"`
	// Partners are the organizations tied to it, as the caller may see
	// them (omitted when this server does not run partners).
	Partners *ReportPartners `json:"partners,omitempty"`
	// Ledger lets anyone check the report offline (`credo verify`): the
	// latest signed checkpoint, and for each item above with a log_index
	// its ledger entry (content and salt, as far as the caller may see
	// it) and inclusion proof in that checkpoint's tree. Absent on a
	// server that keeps no ledger.
	Ledger *ledger.Evidence `json:"ledger,omitempty"`
	// Replies are the organization's published replies shown beside the
	// items above: the latest to each item, published by as_of.
	Replies []*credo.Reply `json:"replies"`
}

// ReportPartners is a report's partners: the direct partners (the first
// ReportPartnersShown, nearest first, then by code; every one at More),
// and the partner-risk paths: the organizations within RiskDepth that
// have an active adverse list entry the caller may see, each with its
// path.
type ReportPartners struct {
	Total     int                 `json:"total"`
	Partners  []partners.Partner  `json:"partners"`
	More      string              `json:"more,omitempty"`
	RiskDepth int                 `json:"risk_depth"`
	Risk      []screening.Partner `json:"risk"`
}

// ReportPartnersShown bounds the direct partners a report lists.
const ReportPartnersShown = 100

// ReportRiskDepth is how far a report looks for partners on adverse lists.
const ReportRiskDepth = 2

// GradeChange is one change of one grade.
type GradeChange struct {
	At        credo.Time  `json:"at"`
	Dimension string      `json:"dimension"` // "comprehensive" or a dimension id
	From      string      `json:"from,omitempty"`
	To        string      `json:"to"`
	Cause     credo.Cause `json:"cause"`
}

// ObjectionView is an open objection in a report.
type ObjectionView struct {
	ID       int64        `json:"id"`
	Target   credo.Target `json:"target"`
	FiledAt  credo.Time   `json:"filed_at"`
	DecideBy credo.Time   `json:"decide_by"`
	Reasons  string       `json:"reasons,omitempty"` // to those who see the organization
	// LogIndex is the ledger leaf of the objection's case.filed change
	// (absent until integrated, or without a ledger).
	LogIndex *int64 `json:"log_index,omitempty"`
}

// maxReportItems bounds each list of a report (records, grade changes).
const maxReportItems = 1000

// getSubjectReport answers GET /v1/subjects/{code}/report[?as_of=].
func (s *Server) getSubjectReport(w http.ResponseWriter, r *http.Request) error {
	p, err := s.process()
	if err != nil {
		return err
	}
	if s.Grading == nil {
		return credo.Errorf(credo.EUNAVAILABLE, "the report needs grading, which this server does not run")
	}
	code, err := pathCode(r)
	if err != nil {
		return err
	}
	v, err := s.viewer(r)
	if err != nil {
		return err
	}
	asOf, err := s.asOf(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	versions, err := s.Store.SubjectVersions(ctx, code)
	if err != nil {
		return err
	}
	rep := Report{AsOf: credo.NewTime(asOf), Registration: []*credo.Subject{}}
	for _, sub := range versions {
		if !sub.RecordedAt.After(asOf) {
			rep.Registration = append(rep.Registration, sub)
		}
	}
	if len(rep.Registration) == 0 {
		return credo.Errorf(credo.ENOTFOUND, "%s was not registered at %s", code, rep.AsOf.Format("2006-01-02T15:04:05Z07:00"))
	}
	rep.Subject = rep.Registration[len(rep.Registration)-1]
	whole := visibility.Whole(v, code)
	// The assessment and the verdict for every action from one read,
	// assessed once.
	j, err := p.Judge(ctx, v, code, asOf)
	if err != nil {
		return err
	}
	seen := j.Seen
	visible := func(a *credo.Assessment) *credo.Assessment { return s.policy().Assessment(v, a, seen) }
	rep.Assessment = j.Assessment
	rep.Rulebooks = rep.Assessment.Rulebooks
	if rep.GradeHistory, err = s.gradeHistory(r, code, asOf, visible); err != nil {
		return err
	}
	open, err := p.OpenObjections(ctx, code)
	if err != nil {
		return err
	}
	rep.Records = []RecordView{}
	for cursor := ""; len(rep.Records) < maxReportItems; {
		page, err := s.Store.SubjectRecords(ctx, code, credo.RecordFilter{Cursor: cursor, Limit: credo.MaxPageSize})
		if err != nil {
			return err
		}
		for _, rec := range page.Records {
			if !rec.RecordedAt.After(asOf) && seen(rec.ID) && len(rep.Records) < maxReportItems {
				rep.Records = append(rep.Records, s.view(r, rec, open))
			}
		}
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	if rep.Lists, err = p.SubjectLists(ctx, v, code, asOf); err != nil {
		return err
	}
	for i := range rep.Lists {
		rep.Lists[i] = s.entryView(r, rep.Lists[i])
	}
	for _, action := range lists.Actions {
		verdict, err := j.Measures(ctx, action)
		if err != nil {
			return err
		}
		rep.Measures = append(rep.Measures, verdict)
	}
	rep.Objections = []ObjectionView{}
	for _, c := range open {
		if c.FiledAt.After(asOf) {
			continue
		}
		o := ObjectionView{ID: c.ID, Target: c.Target, FiledAt: c.FiledAt, DecideBy: c.DecideBy,
			LogIndex: s.logIndex(ctx, credo.ChangeCaseFiled, c.ID)}
		if whole {
			o.Reasons = c.Reasons
		}
		rep.Objections = append(rep.Objections, o)
	}
	slices.SortFunc(rep.Objections, func(a, b ObjectionView) int { return int(a.ID - b.ID) })
	if s.Partners != nil {
		if rep.Partners, err = s.reportPartners(r, p, v, code, asOf); err != nil {
			return err
		}
	}
	if rep.Replies, err = shownReplies(r, p, v, code, asOf); err != nil {
		return err
	}
	if rep.Ledger, err = s.reportEvidence(r, &rep); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// gradeHistory lists the grade changes recorded by asOf, oldest first, as
// visible shows them.
func (s *Server) gradeHistory(r *http.Request, code string, asOf time.Time, visible func(*credo.Assessment) *credo.Assessment) ([]GradeChange, error) {
	var changes []*credo.AssessmentChange // newest first
	for cursor := ""; len(changes) < maxReportItems; {
		page, err := s.Store.AssessmentHistory(r.Context(), code, cursor, credo.MaxPageSize)
		if err != nil {
			return nil, err
		}
		changes = append(changes, page.Changes...)
		if cursor = page.Next; cursor == "" {
			break
		}
	}
	out := []GradeChange{}
	prev := map[string]string{}
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if c.At.After(asOf) || c.Assessment == nil {
			continue
		}
		a := visible(c.Assessment)
		now := map[string]string{}
		if a.Grade != "" {
			now["comprehensive"] = a.Grade
		}
		for id, d := range a.Dimensions {
			now[id] = d.Grade
		}
		keys := make([]string, 0, len(now))
		for k := range now {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if now[k] != prev[k] {
				out = append(out, GradeChange{At: c.At, Dimension: k, From: prev[k], To: now[k], Cause: c.Cause})
			}
		}
		prev = now
	}
	return out, nil
}

// reportEvidence is the ledger material that proves rep's items: read
// after them, so that the checkpoint covers every log_index they carry
// (leaves and their checkpoint are stored together). Nil without a
// ledger, or before its first checkpoint.
func (s *Server) reportEvidence(r *http.Request, rep *Report) (*ledger.Evidence, error) {
	if s.Ledger == nil {
		return nil, nil
	}
	var indices []int64
	add := func(i *int64) {
		if i != nil {
			indices = append(indices, *i)
		}
	}
	for _, x := range rep.Records {
		add(x.LogIndex)
	}
	for _, x := range rep.Lists {
		add(x.LogIndex)
	}
	for _, x := range rep.Objections {
		add(x.LogIndex)
	}
	// Each index is the leaf of an item the policy showed v above, and its
	// change holds no more than the item shows (a case's deciding
	// authority is the item's own authority): its entry is opened.
	ev, err := s.Ledger.Evidence(r.Context(), indices, func(*credo.Change) (bool, error) { return true, nil })
	if credo.ErrorCodeOf(err) == credo.ENOTFOUND && len(indices) == 0 {
		return nil, nil // no checkpoint yet
	}
	return ev, err
}

// reportPartners reads a report's partners as v may see them at asOf.
func (s *Server) reportPartners(r *http.Request, p *dueprocess.Service, v credo.Viewer, code string, asOf time.Time) (*ReportPartners, error) {
	page, err := s.Partners.Partners(r.Context(), v, partners.Query{Code: code, Depth: 1, AsOf: asOf}, "", ReportPartnersShown)
	if err != nil {
		return nil, err
	}
	out := &ReportPartners{Total: page.Total, Partners: page.Partners, RiskDepth: ReportRiskDepth, Risk: []screening.Partner{}}
	if page.Next != "" {
		out.More = "/v1/subjects/" + code + "/partners?depth=1&as_of=" + asOf.Format(time.RFC3339Nano)
	}
	risk, err := screening.AdversePartners(r.Context(), s.Store, p, v, code, ReportRiskDepth, asOf)
	if err != nil {
		return nil, err
	}
	if len(risk) > maxReportItems {
		risk = risk[:maxReportItems]
	}
	out.Risk = append(out.Risk, risk...)
	return out, nil
}
