package web

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
)

// The organization's own area: everything the registry holds about it
// (what is no longer public included), what it may do about each item and
// from when, its cases, its notices and its replies.

// myPage is the area's start page.
type myPage struct {
	Subject    *credo.Subject
	Assessment *credo.Assessment // as the organization sees it: every dimension
	Records    []myRecord
	Entries    []myEntry
	Cases      []caseRow
	Now        time.Time
}

func (p *myPage) PageTitle(l *lang) string { return l.T["my.title"] + " · " + p.Subject.Name }

// myRecord is one record as its organization sees it, with what it may do.
type myRecord struct {
	*credo.Record
	AuthorityName           string
	Status                  string // in_force, superseded, retracted, repaired, retraction
	Public                  bool   // shown to the public now
	From, RepairFrom, Until time.Time
	Adverse                 bool // shown as dishonesty information (a publicity rule names it)
	CanObject, CanRepair    bool
	Open                    []*credo.Case
	Reply                   *credo.Reply
}

// myEntry is one list entry with what the organization may do.
type myEntry struct {
	dueprocess.EntryView
	Public               bool
	Adverse              bool
	CanObject, CanRepair bool
	Open                 []*credo.Case
	Reply                *credo.Reply
}

// caseRow is a case in a list.
type caseRow struct {
	*credo.Case
	Overdue bool
}

// my answers /{lang}/my/.
func (s *Server) my(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	code := v.Account.Subject
	sub, err := s.store.Subject(ctx(r), code)
	if err != nil {
		return "", nil, err
	}
	now := s.now()
	out := &myPage{Subject: sub, Now: now}
	if s.process.Grading != nil {
		if out.Assessment, err = s.process.Assessment(ctx(r), v, code, now); err != nil {
			return "", nil, err
		}
	}
	cases, err := s.allCases(r, credo.CaseQuery{Subject: code})
	if err != nil {
		return "", nil, err
	}
	openBy := map[credo.Target][]*credo.Case{}
	for _, c := range cases {
		out.Cases = append(out.Cases, caseRow{c, c.Overdue(now)})
		if c.Open() {
			openBy[c.Target] = append(openBy[c.Target], c)
		}
	}
	replies, err := s.store.Replies(ctx(r), code)
	if err != nil {
		return "", nil, err
	}
	current := credo.CurrentReplies(replies)
	records, err := s.store.AllRecords(ctx(r), code)
	if err != nil {
		return "", nil, err
	}
	shown := s.process.Policy.Records(public, records, now)
	names := map[string]string{}
	for i := len(records) - 1; i >= 0; i-- {
		rec := records[i]
		t := credo.Target{Kind: credo.TargetRecord, ID: rec.ID}
		row := myRecord{Record: rec, Public: shown(rec.ID), Open: openBy[t], Reply: current[t], AuthorityName: s.authorityName(r, names, rec.Authority)}
		var rule string
		row.From, row.RepairFrom, row.Until, rule = s.grading.Publicity(rec, now)
		row.Adverse = rule != ""
		switch {
		case rec.Retracted():
			row.Status = "retraction"
		case rec.SupersededBy != 0:
			row.Status = "superseded"
		case !rec.RepairedAt.IsZero():
			row.Status = "repaired"
		default:
			row.Status = "in_force"
		}
		inForce := row.Status == "in_force"
		row.CanObject = inForce && !hasKind(row.Open, credo.CaseObjection)
		row.CanRepair = inForce && row.Adverse && (row.Until.IsZero() || row.Until.After(now)) &&
			!row.RepairFrom.After(now) && !hasKind(row.Open, credo.CaseRepair)
		out.Records = append(out.Records, row)
	}
	entries, err := s.process.SubjectLists(ctx(r), v, code, now)
	if err != nil {
		return "", nil, err
	}
	for _, e := range entries {
		t := credo.Target{Kind: credo.TargetListEntry, ID: e.ID}
		def := s.process.Catalogue.List(e.List)
		row := myEntry{EntryView: e, Open: openBy[t], Reply: current[t], Public: s.process.Policy.Entry(public, e.ListEntry, now, now)}
		row.Adverse = def != nil && def.Adverse
		live := e.State.Status != credo.ListEnded
		row.CanObject = live && !hasKind(row.Open, credo.CaseObjection)
		row.CanRepair = live && row.Adverse && !e.RepairFrom.After(now) && !hasKind(row.Open, credo.CaseRepair)
		out.Entries = append(out.Entries, row)
	}
	return "my", out, nil
}

func hasKind(cs []*credo.Case, kind string) bool {
	return slices.ContainsFunc(cs, func(c *credo.Case) bool { return c.Kind == kind })
}

// allCases reads every case q selects, of both kinds, newest first (at
// most maxCases).
func (s *Server) allCases(r *http.Request, q credo.CaseQuery) ([]*credo.Case, error) {
	var out []*credo.Case
	q.Limit = credo.MaxPageSize
	for {
		page, err := s.store.Cases(ctx(r), q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Cases...)
		if page.Next == "" || len(out) >= maxCases {
			break
		}
		q.Cursor = page.Next
	}
	return out, nil
}

// maxCases bounds the cases a page lists.
const maxCases = 500

// parseTarget reads a target written kind-id ("record-12",
// "list_entry-3") from field.
func parseTarget(field, v string) (credo.Target, error) {
	kind, id, ok := strings.Cut(v, "-")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || (kind != credo.TargetRecord && kind != credo.TargetListEntry) {
		return credo.Target{}, credo.FieldError(field, "format", "must name a record or list entry, as record-12 or list_entry-3")
	}
	return credo.Target{Kind: kind, ID: n}, nil
}

func targetString(t credo.Target) string { return t.Kind + "-" + strconv.FormatInt(t.ID, 10) }

// caseForm is the data of the objection and repair forms.
type caseForm struct {
	Kind   string // objection or repair
	Target credo.Target
	Item   string // what the target is, in words
	// Days and DecideBy: the working days the authority has, and the date
	// that gives if filed now.
	Days       int
	DecideBy   time.Time
	RepairFrom time.Time // the earliest repair date
	Eligible   bool
	Why        string // why not eligible
	MaxFiles   int
	MaxSize    string
}

func (p *caseForm) PageTitle(l *lang) string { return l.T["case.new."+p.Kind] }

// Upload limits of the case forms.
const (
	maxUploads = 3
	maxUpload  = dueprocess.MaxAttachmentSize
)

// newCase answers GET /{lang}/my/{objections,repairs}/new?target=record-12
// (and shows the form again after a refused POST, its target posted):
// the form, with the deadline the authority would have and, for a
// repair, the earliest date it may be applied for.
func (s *Server) newCase(kind string) areaFunc {
	return func(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
		t, err := parseTarget("target", r.FormValue("target"))
		if err != nil {
			return "", nil, err
		}
		now := s.now()
		f := &caseForm{Kind: kind, Target: t, MaxFiles: maxUploads, MaxSize: sizeWords(maxUpload), Eligible: true}
		switch t.Kind {
		case credo.TargetRecord:
			rec, err := s.store.Record(ctx(r), t.ID)
			if err != nil || rec.Subject != v.Account.Subject {
				return "", nil, credo.ErrNotFound("record", t.ID)
			}
			f.Item = rec.Kind + " · " + rec.DecisionNumber
			var rule string
			_, f.RepairFrom, _, rule = s.grading.Publicity(rec, now)
			f.Days = s.process.RecordObjectionDays
			if kind == credo.CaseRepair {
				f.Days = s.process.RecordRepairDays
				if rule == "" {
					f.Eligible, f.Why = false, "not_adverse"
				}
			}
		default:
			e, err := s.store.ListEntry(ctx(r), t.ID)
			if err != nil || e.Subject != v.Account.Subject {
				return "", nil, credo.ErrNotFound("list entry", t.ID)
			}
			def := s.process.Catalogue.List(e.List)
			f.Item, f.RepairFrom = def.Title+" · "+e.DecisionNumber, e.RepairFrom.Time
			f.Days = def.ObjectionDays
			if kind == credo.CaseRepair {
				f.Days = def.RepairDays
				if !def.Adverse {
					f.Eligible, f.Why = false, "not_adverse"
				}
			}
		}
		if kind == credo.CaseRepair && f.Eligible && f.RepairFrom.After(now) {
			f.Eligible, f.Why = false, "too_early"
		}
		if f.Days > 0 {
			f.DecideBy = s.process.Calendar.Deadline(now, f.Days)
		}
		return "caseform", f, nil
	}
}

// fileCase answers POST /{lang}/my/objections and /my/repairs
// (multipart: target, reasons, attachments, commitment).
func (s *Server) fileCase(kind string) actionFunc {
	return func(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, error) {
		t, err := parseTarget("target", r.PostFormValue("target"))
		if err != nil {
			return "", err
		}
		reasons := r.PostFormValue("reasons")
		if strings.TrimSpace(reasons) == "" {
			return "", credo.FieldError("reasons", "required", "is required: say why")
		}
		atts, err := uploads(r, "attachments")
		if err != nil {
			return "", err
		}
		c, err := s.process.File(ctx(r), v, kind, dueprocess.CaseRequest{
			Target: t, Reasons: dueprocess.Texts{reasons}, Attachments: atts, Commitment: r.PostFormValue("commitment") == "yes",
		})
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("/%s/my/cases/%d", l.Code, c.ID), nil
	}
}

// uploads reads the files of field: PDF documents and images only,
// judged by their content (the name and the browser's type are not
// trusted), each at most maxUpload bytes. A file input left empty sends
// nothing and is skipped.
func uploads(r *http.Request, field string) ([]credo.Attachment, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []credo.Attachment
	for _, fh := range r.MultipartForm.File[field] {
		if fh.Filename == "" && fh.Size == 0 {
			continue
		}
		f := field + "[" + strconv.Itoa(len(out)) + "]"
		if len(out) == maxUploads {
			return nil, credo.FieldError(field, "too_many", "at most %d files", maxUploads)
		}
		if fh.Size > maxUpload {
			return nil, &credo.Error{Code: credo.ETOOLARGE, Field: f, Reason: "too_large", Message: fmt.Sprintf("%s is larger than %s", fh.Filename, sizeWords(maxUpload))}
		}
		file, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(file, maxUpload+1))
		file.Close()
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			return nil, credo.FieldError(f, "empty", "%s is empty", fh.Filename)
		}
		mt := credo.SniffAttachment(data)
		if mt == "" {
			return nil, credo.FieldError(f, "media_type", "%s is not a PDF document or an image (PNG, JPEG, GIF, WebP), judged by its content", fh.Filename)
		}
		name := fh.Filename
		if name == "" {
			name = "upload"
		}
		out = append(out, credo.Attachment{Name: name, MediaType: mt, Data: data})
	}
	return out, nil
}

// casePage is a case's status page.
type casePage struct {
	*credo.Case
	Overdue bool
	Console bool // shown in the console, with the decision form
	// Outcomes a decision may have.
	Outcomes []string
}

func (p *casePage) PageTitle(l *lang) string {
	return l.T["case."+p.Kind] + " " + strconv.FormatInt(p.ID, 10)
}

// myCase answers /{lang}/my/cases/{id}.
func (s *Server) myCase(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	c, err := s.visibleCase(r, v)
	if err != nil {
		return "", nil, err
	}
	return "case", &casePage{Case: c, Overdue: c.Overdue(s.now())}, nil
}

// visibleCase is the case of the path's id, when v may see it.
func (s *Server) visibleCase(r *http.Request, v credo.Viewer) (*credo.Case, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, credo.ErrNotFound("case", r.PathValue("id"))
	}
	c, err := s.store.Case(ctx(r), id)
	if err != nil {
		return nil, err
	}
	if !s.process.Policy.Case(v, c) {
		return nil, credo.ErrNotFound("case", id)
	}
	return c, nil
}

// noticesPage is the organization's inbox.
type noticesPage struct {
	Notices []*credo.Notice
	Next    string
}

// myNotices answers /{lang}/my/notices[?cursor=].
func (s *Server) myNotices(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	page, err := s.store.Notices(ctx(r), v.Account.Subject, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		return "", nil, err
	}
	return "notices", noticesPage{Notices: page.Notices, Next: page.Next}, nil
}

// repliesPage lists the organization's replies and holds the form.
type repliesPage struct {
	Replies []*credo.Reply // newest first
	Target  string         // the item the form replies to ("" : no form)
	Max     int
}

// myReplies answers /{lang}/my/replies[?target=record-12].
func (s *Server) myReplies(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	all, err := s.store.Replies(ctx(r), v.Account.Subject)
	if err != nil {
		return "", nil, err
	}
	slices.Reverse(all)
	p := repliesPage{Replies: all, Max: credo.MaxReplyLength}
	if t := r.FormValue("target"); t != "" {
		tt, err := parseTarget("target", t)
		if err != nil {
			return "", nil, err
		}
		p.Target = targetString(tt)
	}
	return "replies", p, nil
}

// postReply answers POST /{lang}/my/replies.
func (s *Server) postReply(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, error) {
	t, err := parseTarget("target", r.PostFormValue("target"))
	if err != nil {
		return "", err
	}
	if _, err := s.process.Reply(ctx(r), v, v.Account.Subject, credo.Reply{Target: t, Text: r.PostFormValue("text")}); err != nil {
		return "", err
	}
	return "/" + l.Code + "/my/replies", nil
}

// whatIfPage shows the grades now and if the chosen records were gone
// (repaired, say).
type whatIfPage struct {
	Records      []myRecord // the records in force, to choose from
	LeftOut      map[int64]bool
	Actual, What *credo.Assessment
	Rows         []whatIfRow
}

type whatIfRow struct {
	ID, Title, Now, Then string
}

// whatIf answers /{lang}/my/what-if?leave_out=12&leave_out=15.
func (s *Server) whatIf(w http.ResponseWriter, r *http.Request, l *lang, v credo.Viewer) (string, any, error) {
	if s.process.Grading == nil {
		return "", nil, credo.Errorf(credo.EUNAVAILABLE, "grading is not available")
	}
	code := v.Account.Subject
	now := s.now()
	records, err := s.store.AllRecords(ctx(r), code)
	if err != nil {
		return "", nil, err
	}
	p := &whatIfPage{LeftOut: map[int64]bool{}}
	known := map[int64]bool{}
	for i := len(records) - 1; i >= 0; i-- {
		rec := records[i]
		if rec.Retracted() || rec.SupersededBy != 0 || !rec.RepairedAt.IsZero() {
			continue
		}
		known[rec.ID] = true
		row := myRecord{Record: rec}
		row.From, row.RepairFrom, row.Until, _ = s.grading.Publicity(rec, now)
		p.Records = append(p.Records, row)
	}
	var leave []int64
	for _, q := range r.URL.Query()["leave_out"] {
		id, err := strconv.ParseInt(q, 10, 64)
		if err != nil || !known[id] {
			return "", nil, credo.FieldError("leave_out", "unknown", "must name one of your records in force")
		}
		leave = append(leave, id)
		p.LeftOut[id] = true
	}
	if p.Actual, p.What, err = s.process.Grading.WhatIf(ctx(r), code, nil, leave, nil, now); err != nil {
		return "", nil, err
	}
	p.Rows = append(p.Rows, whatIfRow{ID: credo.ComprehensiveDimension, Title: l.T["org.grade"], Now: p.Actual.Grade, Then: p.What.Grade})
	ids := make([]string, 0, len(p.Actual.Dimensions))
	for id := range p.Actual.Dimensions {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		d := p.Actual.Dimensions[id]
		row := whatIfRow{ID: id, Title: d.Title, Now: d.Grade}
		if h := p.What.Dimensions[id]; h != nil {
			row.Then = h.Grade
		}
		if row.Title == "" {
			row.Title = id
		}
		p.Rows = append(p.Rows, row)
	}
	return "whatif", p, nil
}
