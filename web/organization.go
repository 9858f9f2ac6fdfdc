package web

import (
	"html/template"
	"net/http"
	"slices"
	"sort"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/uscc"
)

type entryView = dueprocess.EntryView

// orgPage is the organization page's data: what the public may see.
type orgPage struct {
	Subject    *credo.Subject
	Assessment *credo.Assessment // the public view; Grade "" when not public
	Dimensions []dimensionRow
	History    []gradePoint // oldest first
	Chart      template.HTML
	Records    []recordRow
	Entries    []entryView
	Measures   lists.Verdict
	// Authorities names the authorities of the records and entries shown.
	Authorities map[string]string
	// Replies are the organization's published replies shown beside its
	// items: the latest to each.
	Replies map[credo.Target]*credo.Reply
}

// EntryReply is the reply shown beside list entry id.
func (p *orgPage) EntryReply(id int64) *credo.Reply {
	return p.Replies[credo.Target{Kind: credo.TargetListEntry, ID: id}]
}

func (p *orgPage) PageTitle(l *lang) string { return p.Subject.Name }

type dimensionRow struct {
	ID string
	*credo.Dimension
}

// recordRow is a published record with its publicity window.
type recordRow struct {
	*credo.Record
	AuthorityName           string
	From, RepairFrom, Until time.Time
	UnderObjection          bool
	Objection               int64
	Reply                   *credo.Reply
}

// organization answers /{lang}/organizations/{code}.
func (s *Server) organization(r *http.Request, l *lang) (string, any, error) {
	code, failure := uscc.Check(r.PathValue("code"))
	if failure != "" {
		return "", nil, credo.FieldError("code", failure, "is not a valid unified social credit code (%s)", failure)
	}
	now := s.now()
	// The stored assessment while current, else none (computed).
	stored, err := s.store.CurrentAssessment(ctx(r), code)
	switch {
	case err == nil && stored.HoldsAt(now):
	case err == nil || credo.ErrorCodeOf(err) == credo.ENOTFOUND:
		stored = nil
	default:
		return "", nil, err
	}
	// The records, what the public sees of them, the assessment and the
	// measures from one read, assessed once: the stored assessment stands
	// for the computed one while it holds (no partner is read).
	// The registration shown is the last of the versions judged (Subject
	// reads the same row again); an unknown code is Subject's error.
	var j *dueprocess.Judgement
	var sub *credo.Subject
	if s.process.Grading != nil {
		j, err = s.process.JudgeStored(ctx(r), public, code, now, stored)
		if err == nil && len(j.Versions) > 0 {
			sub = j.Versions[len(j.Versions)-1]
		}
	}
	if sub == nil {
		var serr error
		if sub, serr = s.store.Subject(ctx(r), code); serr != nil {
			return "", nil, serr
		}
		if err != nil {
			return "", nil, err
		}
	}
	out := &orgPage{Subject: sub, Authorities: map[string]string{}}
	switch {
	case stored != nil && j != nil:
		out.Assessment = s.process.Policy.Assessment(public, stored, j.Seen)
	case stored != nil:
		if out.Assessment, err = s.process.AssessmentView(ctx(r), public, stored); err != nil {
			return "", nil, err
		}
	case j != nil:
		out.Assessment = j.Assessment
	}
	if out.Assessment != nil {
		for id, d := range out.Assessment.Dimensions {
			out.Dimensions = append(out.Dimensions, dimensionRow{id, d})
		}
		sort.Slice(out.Dimensions, func(i, j int) bool { return out.Dimensions[i].ID < out.Dimensions[j].ID })
	}
	var records []*credo.Record
	var seen func(int64) bool
	if j != nil {
		records, seen = j.Records, j.Seen
	} else {
		if records, err = s.store.AllRecords(ctx(r), code); err != nil {
			return "", nil, err
		}
		seen = s.process.Policy.Records(public, records, now)
	}
	if out.History, err = s.history(r, code); err != nil {
		return "", nil, err
	}
	out.Chart = gradeChart(l, out.History, now)
	open, err := s.process.OpenObjections(ctx(r), code)
	if err != nil {
		return "", nil, err
	}
	replies, err := s.process.Replies(ctx(r), public, code)
	if err != nil {
		return "", nil, err
	}
	out.Replies = credo.CurrentReplies(replies)
	names := out.Authorities
	for i := len(records) - 1; i >= 0; i-- {
		rec := records[i]
		if !seen(rec.ID) {
			continue
		}
		row := recordRow{Record: maskedRecord(rec)}
		row.From, row.RepairFrom, row.Until, _ = s.grading.Publicity(rec, now)
		if !rec.RepairedAt.IsZero() && (row.Until.IsZero() || rec.RepairedAt.Before(row.Until)) {
			row.Until = rec.RepairedAt.Time
		}
		if c := open[credo.Target{Kind: credo.TargetRecord, ID: rec.ID}]; c != nil {
			row.UnderObjection, row.Objection = true, c.ID
		}
		row.AuthorityName = s.authorityName(r, names, rec.Authority)
		row.Reply = out.Replies[credo.Target{Kind: credo.TargetRecord, ID: rec.ID}]
		out.Records = append(out.Records, row)
	}
	if j != nil {
		out.Entries, err = s.process.SubjectListsOf(ctx(r), public, code, j.Entries(), now)
	} else {
		out.Entries, err = s.process.SubjectLists(ctx(r), public, code, now)
	}
	if err != nil {
		return "", nil, err
	}
	for _, e := range out.Entries {
		s.authorityName(r, names, e.Authority)
	}
	if j != nil {
		if out.Measures, err = j.Measures(ctx(r), ""); err != nil {
			return "", nil, err
		}
	}
	return "organization", out, nil
}

// publicAssessment is code's current assessment as the public sees it
// (nil when never graded): the stored one while current, else computed.
func (s *Server) publicAssessment(r *http.Request, code string) (*credo.Assessment, error) {
	a, err := s.store.CurrentAssessment(ctx(r), code)
	if err == nil && a.HoldsAt(s.now()) {
		return s.process.AssessmentView(ctx(r), public, a)
	}
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, err
	}
	if s.process.Grading == nil {
		return nil, nil
	}
	return s.process.Assessment(ctx(r), public, code, s.now())
}

// publicGrade is code's public comprehensive grade, "" when none. What
// the public sees of a grade does not depend on which records it sees
// (visibility.Policy.Assessment hides the grade of an assessment that is
// not public, whatever the records), so the stored assessment, while
// current, is shown without reading the records.
func (s *Server) publicGrade(r *http.Request, code string) (string, error) {
	a, err := s.store.CurrentAssessment(ctx(r), code)
	if err == nil && a.HoldsAt(s.now()) {
		return s.process.Policy.Assessment(public, a, seesNoRecord).Grade, nil
	}
	if a, err = s.publicAssessment(r, code); err != nil || a == nil {
		return "", err
	}
	return a.Grade, nil
}

func seesNoRecord(int64) bool { return false }

// gradePoint is one public comprehensive grade and when it began.
type gradePoint struct {
	At    time.Time
	Grade string
	Cause string
}

// maxHistory bounds the grade changes the page shows.
const maxHistory = 200

// history is code's public comprehensive grade over time, oldest first:
// one point per change of the grade. What the public sees of a grade does
// not depend on the records it sees (visibility.Policy.Assessment hides
// the grade of an assessment that is not public, whatever the records),
// so the history's grades are read alone (GradeHistory), not its whole
// assessments.
func (s *Server) history(r *http.Request, code string) ([]gradePoint, error) {
	changes, err := s.store.GradeHistory(ctx(r), code, maxHistory)
	if err != nil {
		return nil, err
	}
	var out []gradePoint
	for i := len(changes) - 1; i >= 0; i-- {
		c := changes[i]
		if !c.Public || c.Grade == "" {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Grade == c.Grade {
			continue
		}
		out = append(out, gradePoint{At: c.At.Time, Grade: c.Grade, Cause: c.Cause})
	}
	return out, nil
}

// maskedRecord is rec with resident identity numbers in its free text
// masked (records stored before such text was refused).
func maskedRecord(rec *credo.Record) *credo.Record {
	if !slices.ContainsFunc([]string{rec.Description, rec.LegalBasis, rec.DecisionNumber}, uscc.ContainsResidentID) {
		return rec
	}
	cp := *rec
	for _, f := range []*string{&cp.Description, &cp.LegalBasis, &cp.DecisionNumber} {
		*f = uscc.MaskResidentIDs(*f)
	}
	return &cp
}

// authorityName is the name of the authority with id, remembered in
// names; the id itself when the registry has no such authority (the
// registry's own rules act as "credo").
func (s *Server) authorityName(r *http.Request, names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	names[id] = id
	if a, err := s.store.Authority(ctx(r), id); err == nil && a.Name != "" {
		names[id] = a.Name
	}
	return names[id]
}
