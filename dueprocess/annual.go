package dueprocess

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/lists"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/visibility"
)

// The lists the annual-report deadline pass enters organizations on: an
// enterprise on the abnormal operations list (企业经营异常名录管理暂行办法
// art. 6), an individual business marked with the abnormal operations
// status (个体工商户年度报告暂行办法 art. 13), which is never escalated.
const (
	AbnormalOperations = "abnormal-operations"
	AbnormalStatus     = "abnormal-status"
)

// Legal bases of the pass's entries, per list.
var annualReportBasis = map[string]string{
	AbnormalOperations: "《企业信息公示暂行条例》第八条、第十七条；《企业经营异常名录管理暂行办法》（国家工商行政管理总局令第68号）第六条",
	AbnormalStatus:     "《个体工商户年度报告暂行办法》（国家工商行政管理总局令第69号）第十三条",
}

// annualKeyPrefix starts the key of every entry the deadline pass makes:
// "annual-report:{list}:{code}:{year}", one entry per organization and
// year on any number of nodes.
const annualKeyPrefix = "annual-report:"

func annualKey(list, code string, year int) string {
	return annualKeyPrefix + list + ":" + code + ":" + strconv.Itoa(year)
}

// annualYear returns the year an entry of the deadline pass is about, or 0.
func annualYear(e *credo.ListEntry) int {
	if !strings.HasPrefix(e.Key, annualKeyPrefix) {
		return 0
	}
	i := strings.LastIndexByte(e.Key, ':')
	y, _ := strconv.Atoi(e.Key[i+1:])
	return y
}

// FileAnnualReport files r, the report of the organization with code, by
// its own account v. The year's first filing names no version; a
// correction names the latest version it corrects (corrects) and is
// stored as the next one. Of two filings of the same version at once, one
// is stored and the other is an ECONFLICT error.
func (s *Service) FileAnnualReport(ctx context.Context, v credo.Viewer, code string, r *credo.AnnualReport) (*credo.AnnualReport, error) {
	code = uscc.Normalize(code)
	if err := credo.ValidateCode("code", code); err != nil {
		return nil, err
	}
	if v.Role != credo.RoleOrganization || v.Account == nil {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "an annual report is filed by the organization's own account"}
	}
	if v.Account.Subject != code {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "code", Reason: "subject",
			Message: fmt.Sprintf("this account is %s's; an organization files only its own annual report", v.Account.Subject)}
	}
	r.Normalize()
	if r.Subject == "" {
		r.Subject = code
	}
	if r.Subject != code {
		return nil, credo.FieldError("subject", "mismatch", "the report is filed at %s's address; it cannot be about %s", code, r.Subject)
	}
	r.Version, r.FiledAt, r.FiledBy, r.Withheld = 0, credo.Time{}, "", nil
	sub, err := s.Store.Subject(ctx, code)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return nil, err
	}
	now := s.now()
	if err := r.Validate(sub, now); err != nil {
		return nil, err
	}
	all, err := s.Store.AnnualReports(ctx, code)
	if err != nil {
		return nil, err
	}
	var latest *credo.AnnualReport
	for _, x := range all {
		if x.Year == r.Year {
			latest = x
		}
	}
	switch {
	case latest == nil && r.Corrects != 0:
		return nil, credo.FieldError("corrects", "none", "there is no %d report to correct: file it without corrects", r.Year)
	case latest != nil && r.Corrects == 0:
		return nil, &credo.Error{Code: credo.ECONFLICT, Field: "year", Reason: "filed",
			Message: fmt.Sprintf("the %d report was filed already (version %d, at %s); to correct it, file again with corrects: %d", r.Year, latest.Version, latest.FiledAt, latest.Version)}
	case latest != nil && r.Corrects != latest.Version:
		return nil, &credo.Error{Code: credo.ECONFLICT, Field: "corrects", Reason: "stale",
			Message: fmt.Sprintf("version %d is not the latest %d report: version %d is (filed at %s)", r.Corrects, r.Year, latest.Version, latest.FiledAt)}
	}
	r.Version = r.Corrects + 1
	r.FiledAt, r.FiledBy = credo.NewTime(now), v.Actor()
	if err := s.Store.FileAnnualReport(ctx, r); err != nil {
		return nil, err
	}
	if err := s.notifyCured(ctx, r); err != nil {
		return nil, err
	}
	return r, nil
}

// notifyCured tells an organization that filed a late report that the
// entry the deadline pass made for that year may now be removed, by the
// list's procedure (credit repair).
func (s *Service) notifyCured(ctx context.Context, r *credo.AnnualReport) error {
	if r.Version != 1 {
		return nil
	}
	entries, err := s.Store.SubjectListEntries(ctx, r.Subject)
	if err != nil {
		return err
	}
	var ns []*credo.Notice
	for _, e := range entries {
		if annualYear(e) != r.Year || e.StateAt(r.FiledAt.Time).Status == credo.ListEnded {
			continue
		}
		def := s.Catalogue.List(e.List)
		days := 0
		if def != nil {
			days = def.RepairDays
		}
		ns = append(ns, &credo.Notice{
			Audience: r.Subject, Subject: r.Subject, Kind: credo.NoticeListing, At: r.FiledAt,
			What: fmt.Sprintf("Your %d annual report is filed: list entry %d, made because it was missing, may now be removed.", r.Year, e.ID),
			Why:  "The cause of the listing is cured; removal follows the list's procedure (an application, decided within " + strconv.Itoa(days) + " working days).",
			Options: []string{fmt.Sprintf("Apply for removal: POST /v1/repairs {\"target\": {\"kind\": \"list_entry\", \"id\": %d}}, attaching the filed report (GET /v1/subjects/%s/annual-reports/%d).",
				e.ID, r.Subject, r.Year)},
			Refs: credo.Refs{ListEntry: e.ID},
			Key:  "annual-report-filed:" + strconv.FormatInt(e.ID, 10),
		})
	}
	return s.notify(ctx, ns...)
}

// deriveFiled completes, from the log, what follows from a filed report
// (notifyCured).
func (s *Service) deriveFiled(ctx context.Context, c *credo.Change) error {
	var d credo.AnnualReportChange
	if err := json.Unmarshal(c.Data, &d); err != nil {
		return fmt.Errorf("change %d: %w", c.Position, err)
	}
	reports, err := s.Store.AnnualReports(ctx, c.Subject)
	if err != nil {
		return err
	}
	for _, r := range reports {
		if r.Year == d.Year && r.Version == d.Version {
			return s.notifyCured(ctx, r)
		}
	}
	return nil
}

// AnnualReports returns every version of code's reports the registry held
// at asOf, by year and version, as v may see them (visibility.Policy).
func (s *Service) AnnualReports(ctx context.Context, v credo.Viewer, code string, asOf time.Time) ([]*credo.AnnualReport, error) {
	all, err := s.Store.AnnualReports(ctx, code)
	if err != nil {
		return nil, err
	}
	out := []*credo.AnnualReport{}
	for _, r := range all {
		if r.FiledAt.After(asOf) {
			continue
		}
		out = append(out, s.Policy.AnnualReport(v, r))
	}
	return out, nil
}

// OverdueQuery asks who has not filed a year's report.
type OverdueQuery struct {
	Division string
	Year     int
	AsOf     time.Time
	Cursor   string // the code of the last organization of the previous page
	Limit    int
}

// Unfiled is an organization that had to file a report and had not.
type Unfiled struct {
	Code        string     `json:"code"`
	Name        string     `json:"name"`
	Division    string     `json:"division"`
	Established credo.Date `json:"established,omitzero"`
	// List is what follows after the deadline: the abnormal operations
	// list, or for an individual business the abnormal operations status.
	List string `json:"list"`
}

// OverduePage is one page of who has not filed.
type OverduePage struct {
	Year     int        `json:"year"`
	Division string     `json:"division,omitempty"`
	Deadline credo.Time `json:"deadline"`
	// Overdue is whether the deadline had passed at as_of.
	Overdue       bool       `json:"overdue"`
	AsOf          credo.Time `json:"as_of"`
	Organizations []Unfiled  `json:"organizations"`
	Next          string     `json:"next,omitempty"`
}

// Overdue lists the organizations of a division that had to file a
// report for the year and had not by q.AsOf: for the authorities over the
// division (region and field, visibility.AnnualReportFields) and
// administrators.
func (s *Service) Overdue(ctx context.Context, v credo.Viewer, q OverdueQuery) (*OverduePage, error) {
	if q.Division != "" && (len(q.Division) > 6 || len(q.Division)%2 != 0 || !digits(q.Division)) {
		return nil, credo.FieldError("division", "format", "must be a division code prefix: 2, 4 or 6 digits")
	}
	switch v.Role {
	case credo.RoleAdmin:
	case credo.RoleAuthority:
		a := v.Authority
		if a == nil || !overseesReports(a) {
			return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "field",
				Message: "annual reports are overseen by authorities of " + strings.Join(visibility.AnnualReportFields, " or ")}
		}
		if !coversPrefix(a, q.Division) {
			return nil, &credo.Error{Code: credo.EFORBIDDEN, Field: "division", Reason: "division",
				Message: fmt.Sprintf("division %q is not within the jurisdiction of authority %s (its divisions: %s)", q.Division, a.ID, strings.Join(a.Divisions, ", "))}
		}
	default:
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "who has not filed is for the authorities over the division and administrators"}
	}
	now := s.now()
	if q.AsOf.IsZero() {
		q.AsOf = now
	}
	if q.Year == 0 {
		q.Year = LastDueYear(q.AsOf)
	}
	if q.Year < credo.EarliestDecision.Year() || q.AsOf.Before(credo.AnnualReportOpens(q.Year)) {
		return nil, credo.FieldError("year", "not_ended", "the year %d had not ended at %s: no report was due", q.Year, credo.NewTime(q.AsOf))
	}
	limit := q.Limit
	switch {
	case limit < 0:
		return nil, credo.FieldError("limit", "range", "must not be negative")
	case limit == 0:
		limit = credo.DefaultPageSize
	case limit > credo.MaxPageSize:
		limit = credo.MaxPageSize
	}
	if q.Cursor != "" && credo.ValidateCode("cursor", q.Cursor) != nil {
		return nil, credo.FieldError("cursor", "format", "is not a cursor of this list")
	}
	page := &OverduePage{Year: q.Year, Division: q.Division, Deadline: credo.NewTime(credo.AnnualReportDeadline(q.Year)),
		Overdue: !q.AsOf.Before(credo.AnnualReportDeadline(q.Year)), AsOf: credo.NewTime(q.AsOf), Organizations: []Unfiled{}}
	after := q.Cursor
	for len(page.Organizations) <= limit {
		subs, err := s.Store.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: q.Year, Division: q.Division,
			Before: q.AsOf.Add(time.Microsecond), After: after, Limit: credo.MaxPageSize})
		if err != nil {
			return nil, err
		}
		for _, sub := range subs {
			if !credo.AnnualReportDue(sub, q.Year) || !sub.RecordedAt.IsZero() && sub.RecordedAt.After(q.AsOf) {
				continue
			}
			list := AbnormalOperations
			if credo.IndividualBusiness(sub.Code) {
				list = AbnormalStatus
			}
			page.Organizations = append(page.Organizations, Unfiled{Code: sub.Code, Name: sub.Name, Division: sub.Division, Established: sub.Established, List: list})
			if len(page.Organizations) > limit {
				break
			}
		}
		if len(subs) < credo.MaxPageSize {
			break
		}
		after = subs[len(subs)-1].Code
	}
	if len(page.Organizations) > limit {
		page.Organizations = page.Organizations[:limit]
		page.Next = page.Organizations[limit-1].Code
	}
	return page, nil
}

func digits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// overseesReports reports whether a is in a field that oversees reports.
func overseesReports(a *credo.Authority) bool {
	for _, c := range a.Categories {
		for _, f := range visibility.AnnualReportFields {
			if c == f {
				return true
			}
		}
	}
	return false
}

// coversPrefix reports whether a's jurisdiction covers every division that
// starts with prefix ("" is the whole country).
func coversPrefix(a *credo.Authority, prefix string) bool {
	for _, d := range a.Divisions {
		if d == credo.Nationwide || strings.HasPrefix(prefix, d) {
			return true
		}
	}
	return false
}

// LastDueYear is the latest year whose report was due by t: the year
// before last until the deadline passes on 30 June, then last year.
func LastDueYear(t time.Time) int {
	y := t.In(cst).Year() - 1
	if t.Before(credo.AnnualReportDeadline(y)) {
		return y - 1
	}
	return y
}

var cst = time.FixedZone("CST", 8*3600)

// Obligation is a report the organization must still file.
type Obligation struct {
	Kind string `json:"kind"` // "annual_report"
	Year int    `json:"year"`
	// DueBy is the deadline (the end of 30 June, Asia/Shanghai).
	DueBy credo.Time `json:"due_by"`
	// Status is "due" before the deadline, "overdue" after it.
	Status string `json:"status"`
	// Consequence says what follows if it is not filed (or followed).
	Consequence string `json:"consequence"`
	// File is how to file it.
	File string `json:"file"`
	// ListEntry is the entry made because it was missing, when there is one.
	ListEntry int64 `json:"list_entry,omitempty"`
}

// ObligationKindAnnualReport is an annual report to file.
const ObligationKindAnnualReport = "annual_report"

// Obligations returns what the organization whose account v is must still
// file, by when, and what happens if it does not.
func (s *Service) Obligations(ctx context.Context, v credo.Viewer) ([]Obligation, error) {
	if v.Role != credo.RoleOrganization || v.Account == nil {
		return nil, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "obligations are an organization's: ask with its own account"}
	}
	code := v.Account.Subject
	sub, err := s.Store.Subject(ctx, code)
	if err != nil {
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			return []Obligation{}, nil // not registered: the registry cannot say what it owes
		}
		return nil, err
	}
	return s.obligations(ctx, sub, s.now())
}

func (s *Service) obligations(ctx context.Context, sub *credo.Subject, now time.Time) ([]Obligation, error) {
	reports, err := s.Store.AnnualReports(ctx, sub.Code)
	if err != nil {
		return nil, err
	}
	filed := map[int]bool{}
	for _, r := range reports {
		filed[r.Year] = true
	}
	entries, err := s.Store.SubjectListEntries(ctx, sub.Code)
	if err != nil {
		return nil, err
	}
	list := AbnormalOperations
	if credo.IndividualBusiness(sub.Code) {
		list = AbnormalStatus
	}
	title := list
	if def := s.Catalogue.List(list); def != nil {
		title = def.Title + " (" + def.ID + ")"
	}
	// The year whose report may be filed now, and the years of entries
	// made because a report was missing that are still in force.
	last := now.In(cst).Year() - 1
	years := []int{last}
	entryOf := map[int]*credo.ListEntry{}
	for _, e := range entries {
		if y := annualYear(e); y != 0 && e.StateAt(now).Status != credo.ListEnded {
			entryOf[y] = e
			if y != last {
				years = append(years, y)
			}
		}
	}
	slices.Sort(years)
	out := []Obligation{}
	for _, y := range slices.Compact(years) {
		if filed[y] || !credo.AnnualReportDue(sub, y) {
			continue
		}
		deadline := credo.AnnualReportDeadline(y)
		o := Obligation{Kind: ObligationKindAnnualReport, Year: y, DueBy: credo.NewTime(deadline), Status: "due",
			File: "POST /v1/subjects/" + sub.Code + "/annual-reports"}
		switch e := entryOf[y]; {
		case now.Before(deadline):
			o.Consequence = fmt.Sprintf("If it is not filed by %s (30 June %d, Asia/Shanghai), the registry enters the organization on the %s.", o.DueBy, y+1, title)
		case e != nil:
			o.Status, o.ListEntry = "overdue", e.ID
			o.Consequence = fmt.Sprintf("It was due by %s; list entry %d (%s) was made. File it, then apply for removal: POST /v1/repairs {\"target\": {\"kind\": \"list_entry\", \"id\": %d}}.", o.DueBy, e.ID, title, e.ID)
		default:
			o.Status = "overdue"
			o.Consequence = fmt.Sprintf("It was due by %s; the registry enters the organization on the %s.", o.DueBy, title)
		}
		out = append(out, o)
	}
	return out, nil
}

// Reminders are sent this long before the deadline, once each.
var reminderDays = []int{7, 30} // nearest first

// RunAnnualReports does what falls due by time for annual reports, as of
// now, and is safe on several nodes at once (every write is keyed):
//   - from 30 and from 7 days before a deadline, each organization that
//     must file and has not is reminded in its inbox, once per reminder;
//   - after the deadline, each that had not filed by it is entered on the
//     abnormal operations list (an individual business: the abnormal
//     operations status), once: with the reason and legal basis, notified,
//     and regraded.
//
// A node scans each step at most once a day (a day's later registrations
// are found the next day). Entries are made only within ListingWorkingDays
// after the deadline, the period in which the regulator decides (企业经营
// 异常名录管理暂行办法 art. 6): a registry that starts later, or whose
// reports were never imported, does not list a whole register for a year
// it did not watch.
func (s *Service) RunAnnualReports(ctx context.Context) (reminded, listed int, err error) {
	now := s.now()
	day := now.In(cst).Format("2006-01-02")
	// The year whose report may be filed now, and the last one overdue.
	current := now.In(cst).Year() - 1
	if now.Before(credo.AnnualReportDeadline(current)) {
		for _, days := range reminderDays {
			if now.Before(credo.AnnualReportDeadline(current).AddDate(0, 0, -days)) {
				continue
			}
			key := fmt.Sprintf("remind:%d:%d", current, days)
			if s.scanned(key, day) {
				break
			}
			n, err := s.remind(ctx, current, days, now)
			reminded += n
			if err != nil {
				return reminded, listed, err
			}
			s.markScanned(key, day)
			break // the nearer reminder only: the farther one is past
		}
	}
	due := LastDueYear(now)
	key := fmt.Sprintf("list:%d", due)
	if !now.Before(s.listingEnds(due)) || s.scanned(key, day) {
		return reminded, listed, nil
	}
	listed, err = s.ListUnfiled(ctx, due)
	if err != nil {
		return reminded, listed, err
	}
	s.markScanned(key, day)
	return reminded, listed, nil
}

// ListingWorkingDays is how long after the deadline the pass makes
// entries for a year: the regulator lists within 10 working days of 30 June.
const ListingWorkingDays = 10

// listingEnds is when the pass stops making entries for year.
func (s *Service) listingEnds(year int) time.Time {
	return s.Calendar.Deadline(credo.AnnualReportDeadline(year), ListingWorkingDays)
}

func (s *Service) scanned(key, day string) bool {
	s.annualMu.Lock()
	defer s.annualMu.Unlock()
	return s.annualScans[key] == day
}

func (s *Service) markScanned(key, day string) {
	s.annualMu.Lock()
	defer s.annualMu.Unlock()
	if s.annualScans == nil {
		s.annualScans = map[string]string{}
	}
	s.annualScans[key] = day
}

// unfiledPage is how many organizations the pass reads and writes at once.
const unfiledPage = 1000

// eachUnfiled calls fn with the organizations, a page at a time, that had
// to file a report for year and had not before before.
func (s *Service) eachUnfiled(ctx context.Context, year int, before time.Time, fn func([]*credo.Subject) error) error {
	after := ""
	for {
		subs, err := s.Store.UnfiledAnnualReports(ctx, credo.UnfiledQuery{Year: year, Before: before, After: after, Limit: unfiledPage})
		if err != nil {
			return err
		}
		due := subs[:0:0]
		for _, sub := range subs {
			if credo.AnnualReportDue(sub, year) {
				due = append(due, sub)
			}
		}
		if len(due) > 0 {
			if err := fn(due); err != nil {
				return err
			}
		}
		if len(subs) < unfiledPage {
			return nil
		}
		after = subs[len(subs)-1].Code
	}
}

// remind writes the reminder days before the deadline of year to each
// organization that must file and has not.
func (s *Service) remind(ctx context.Context, year, days int, now time.Time) (int, error) {
	deadline := credo.NewTime(credo.AnnualReportDeadline(year))
	n := 0
	err := s.eachUnfiled(ctx, year, now.Add(time.Microsecond), func(subs []*credo.Subject) error {
		ns := make([]*credo.Notice, 0, len(subs))
		for _, sub := range subs {
			list := s.Catalogue.List(AbnormalOperations)
			if credo.IndividualBusiness(sub.Code) {
				list = s.Catalogue.List(AbnormalStatus)
			}
			then := "the registry enters you on the abnormal operations list"
			if list != nil {
				then = "the registry enters you on the " + list.Title + " (" + list.ID + ")"
			}
			ns = append(ns, &credo.Notice{
				Audience: sub.Code, Subject: sub.Code, Kind: credo.NoticeAnnualReport, At: credo.NewTime(now),
				What:    fmt.Sprintf("Your annual report for %d is due by %s (30 June %d, Asia/Shanghai): %d days left.", year, deadline, year+1, days),
				Why:     fmt.Sprintf("Every enterprise files its report for the previous year between 1 January and 30 June (《企业信息公示暂行条例》第八条); if it is not filed by then, %s.", then),
				Options: []string{"File it: POST /v1/subjects/" + sub.Code + "/annual-reports", "See what is due: GET /v1/me/obligations"},
				Key:     fmt.Sprintf("annual-report-due:%s:%d:%d", sub.Code, year, days),
			})
		}
		if err := s.notify(ctx, ns...); err != nil {
			return err
		}
		for _, x := range ns {
			if x.ID != 0 {
				n++
			}
		}
		return nil
	})
	return n, err
}

// ListUnfiled enters each organization that had to file a report for
// year and had not by its deadline on the abnormal operations list (an
// individual business: the abnormal operations status), once, by rule:
// with the reason and legal basis, notified and regraded. It returns how
// many entries it made (another node's count none).
func (s *Service) ListUnfiled(ctx context.Context, year int) (int, error) {
	enterprise, individual := s.Catalogue.List(AbnormalOperations), s.Catalogue.List(AbnormalStatus)
	if enterprise == nil {
		return 0, nil // no definitions: nothing is listed
	}
	deadline := credo.AnnualReportDeadline(year)
	now := s.now()
	n := 0
	err := s.eachUnfiled(ctx, year, deadline, func(subs []*credo.Subject) error {
		entries := make([]*credo.ListEntry, 0, len(subs))
		defs := make([]*lists.Definition, 0, len(subs))
		for _, sub := range subs {
			def := enterprise
			if credo.IndividualBusiness(sub.Code) {
				if def = individual; def == nil {
					continue
				}
			}
			e := &credo.ListEntry{
				List: def.ID, ListVersion: def.Version, Subject: sub.Code, Division: division([]*credo.Subject{sub}, sub.Code),
				Authority: credo.RegistryActor, Source: credo.SourceRule, LegalBasis: annualReportBasis[def.ID],
				DecisionNumber: "credo:annual-report:" + sub.Code + ":" + strconv.Itoa(year),
				Reasons: []string{fmt.Sprintf("未按照规定期限公示%d年度报告：截至%d年6月30日未报送（no annual report for %d filed by 30 June %d）",
					year, year+1, year, year+1)},
				DecidedAt: credo.NewTime(now),
				Key:       annualKey(def.ID, sub.Code, year),
			}
			s.schedule(e, def, now, def.Notice, def.TermDefault)
			entries, defs = append(entries, e), append(defs, def)
		}
		if len(entries) == 0 {
			return nil
		}
		out, err := s.Store.AddListEntries(ctx, entries)
		if err != nil {
			return err
		}
		var ns []*credo.Notice
		causes := map[string]credo.Cause{}
		for i, o := range out {
			// Exists: made before; Refused (a conflict): another node made
			// it at its own time. Either way it is not this pass's.
			if o.Status != credo.Created {
				continue
			}
			entries[i].ID = o.ID
			ns = append(ns, s.listingNotices(defs[i], entries[i])...)
			causes[entries[i].Subject] = credo.Cause{Kind: credo.CauseList, ListEntry: o.ID}
			n++
		}
		if err := s.notify(ctx, ns...); err != nil {
			return err
		}
		if s.Grading != nil && len(causes) > 0 {
			return s.Grading.Regrade(ctx, causes)
		}
		return nil
	})
	return n, err
}

// KindFalseDisclosure is the kind of record an authority makes when a
// spot check finds a report false (公示信息隐瞒真实情况、弄虚作假): a ground
// of the abnormal operations list, whose rule then lists.
const KindFalseDisclosure = "false_disclosure"

// FalseDisclosureRequest is an authority's finding, after a spot check,
// that a report is false (the body of POST
// /v1/subjects/{code}/annual-reports/{year}/false-disclosures).
type FalseDisclosureRequest struct {
	// Version is the version found false; the latest when absent.
	Version        int    `json:"version,omitempty"`
	DecisionNumber string `json:"decision_number"`
	LegalBasis     string `json:"legal_basis"`
	// Findings say what the check found false.
	Findings string `json:"findings"`
	// DecidedAt is the date of the decision; now when absent.
	DecidedAt credo.Time `json:"decided_at,omitzero"`
}

// FalseDisclosureExternalID is the external id of the record of a
// finding: "annual-report-{year}-v{version}-false-{hash of the decision
// number}", so that the same decision again is the same record.
func FalseDisclosureExternalID(year, version int, decisionNumber string) string {
	h := sha256.Sum256([]byte(strings.TrimSpace(decisionNumber)))
	return fmt.Sprintf("annual-report-%d-v%d-false-%s", year, version, hex.EncodeToString(h[:8]))
}

// FalseDisclosure records, as the authority v over the organization (its
// region, and the market or registration field), that the report of code
// for year was found false: a record of kind false_disclosure with the
// decision, through the one submission path, after which the list
// definitions' rules follow (the abnormal operations list). created is
// false when the same decision was recorded before.
func (s *Service) FalseDisclosure(ctx context.Context, v credo.Viewer, code string, year int, req FalseDisclosureRequest) (rec *credo.Record, created bool, err error) {
	if v.Role != credo.RoleAuthority || v.Authority == nil {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Reason: "role", Message: "a report is found false by an authority, with its own token"}
	}
	a := v.Authority
	category := ""
	for _, f := range visibility.AnnualReportFields {
		if slices.Contains(a.Categories, f) {
			category = f
			break
		}
	}
	if category == "" {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Reason: "field",
			Message: fmt.Sprintf("annual reports are checked by authorities of %s (the categories of %s: %s)", strings.Join(visibility.AnnualReportFields, " or "), a.ID, strings.Join(a.Categories, ", "))}
	}
	if !a.CoversDivision(code) {
		return nil, false, &credo.Error{Code: credo.EFORBIDDEN, Field: "code", Reason: "division",
			Message: fmt.Sprintf("division %s is outside the jurisdiction of authority %s (its divisions: %s)", code[2:8], a.ID, strings.Join(a.Divisions, ", "))}
	}
	if s.Ingester == nil {
		return nil, false, credo.Errorf(credo.EUNAVAILABLE, "findings are not available on this server")
	}
	reports, err := s.Store.AnnualReports(ctx, code)
	if err != nil {
		return nil, false, err
	}
	latest := 0
	for _, r := range reports {
		if r.Year == year {
			latest = r.Version
		}
	}
	if latest == 0 {
		return nil, false, &credo.Error{Code: credo.ENOTFOUND, Field: "year", Reason: "unknown", Message: fmt.Sprintf("%s filed no report for %d", code, year)}
	}
	switch {
	case req.Version == 0:
		req.Version = latest
	case req.Version < 0 || req.Version > latest:
		return nil, false, credo.FieldError("version", "range", "must be a version of the %d report, 1 to %d", year, latest)
	}
	if err := text("decision_number", req.DecisionNumber, 200); err != nil {
		return nil, false, err
	}
	if err := text("legal_basis", req.LegalBasis, 1000); err != nil {
		return nil, false, err
	}
	if err := text("findings", req.Findings, 3000); err != nil {
		return nil, false, err
	}
	decided := req.DecidedAt
	if decided.IsZero() {
		decided = credo.NewTime(s.now())
	}
	line, err := encodeLine(&credo.Record{
		Subject: code, Category: category, Kind: KindFalseDisclosure,
		ExternalID:     FalseDisclosureExternalID(year, req.Version, req.DecisionNumber),
		DecisionNumber: strings.TrimSpace(req.DecisionNumber), LegalBasis: strings.TrimSpace(req.LegalBasis),
		Description: fmt.Sprintf("%d年度报告（第%d版）经抽查，公示信息隐瞒真实情况、弄虚作假：%s", year, req.Version, strings.TrimSpace(req.Findings)),
		OccurredAt:  decided,
	})
	if err != nil {
		return nil, false, err
	}
	res, err := s.Ingester.Commit(ctx, s.Ingester.PrepareRecords(ctx, a, []ingest.Line{{Number: 1, Data: line}}))
	if err != nil {
		return nil, false, err
	}
	if res[0].Status == credo.Refused {
		e := *res[0].Error
		if e.Field == "occurred_at" {
			e.Field = "decided_at"
		}
		return nil, false, &e
	}
	rec, err = s.Store.Record(ctx, res[0].ID)
	return rec, res[0].Status == credo.Created, err
}

// FalseDisclosures returns the records of findings that code's report for
// year was false, as v may see them at asOf.
func (s *Service) FalseDisclosures(ctx context.Context, v credo.Viewer, code string, year int, asOf time.Time) ([]*credo.Record, error) {
	page, err := s.Store.SubjectRecords(ctx, code, credo.RecordFilter{Kind: KindFalseDisclosure, Limit: credo.MaxPageSize})
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("annual-report-%d-v", year)
	out := []*credo.Record{}
	for _, r := range page.Records {
		if strings.HasPrefix(r.ExternalID, prefix) && !r.RecordedAt.After(asOf) && s.Policy.Record(v, r, asOf) {
			out = append(out, r)
		}
	}
	return out, nil
}
