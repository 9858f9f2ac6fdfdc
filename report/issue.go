package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/visibility"
)

// Issuer issues credit reports: it reads what a viewer may see of an
// organization as of a time (through due process and the visibility
// policy, as the JSON report does), renders it, and stores the issue
// (number, viewer class, times, rulebook versions, SHA-256 of the bytes)
// before the bytes are handed out.
type Issuer struct {
	Store   credo.Store
	Process *dueprocess.Service // with Grading
	// Now is the registry clock (time.Now when nil); Number makes report
	// numbers (credo.NewReportNumber when nil).
	Now    func() time.Time
	Number func(issued time.Time) string
}

// MaxItems bounds the records, entries and measures a report lists.
const MaxItems = 1000

// ViewerClass is the class of reader v is for the organization with code,
// which decides what a report shows it: "public" (the public, client
// accounts, other organizations), "organization" (its own account),
// "administrator", or "authority:{id}" (each authority sees its own
// jurisdiction and categories).
func ViewerClass(v credo.Viewer, code string) string {
	switch {
	case v.Role == credo.RoleAdmin:
		return "administrator"
	case visibility.Whole(v, code):
		return "organization"
	case v.Role == credo.RoleAuthority && v.Authority != nil:
		return "authority:" + v.Authority.ID
	}
	return "public"
}

func (is *Issuer) now() time.Time {
	if is.Now != nil {
		return is.Now()
	}
	return time.Now()
}

// Issue issues a report on code as of asOf to v: it builds the Report
// (numbered, issued now, printing verify(number) as its verify address),
// renders it with render (PDF, or a page), stores the issue and returns
// the bytes and the stored issue. asOf after now is EINVALID (field
// "as_of"); an organization not registered by asOf is ENOTFOUND.
func (is *Issuer) Issue(ctx context.Context, v credo.Viewer, code string, asOf time.Time, format string,
	verify func(number string) string, render func(*Report) ([]byte, error)) ([]byte, *credo.IssuedReport, error) {
	issued := is.now().UTC().Truncate(time.Microsecond)
	if asOf.IsZero() {
		asOf = issued
	}
	if asOf.After(issued) {
		return nil, nil, credo.FieldError("as_of", "future", "a report is of what is known: as_of must not be after now (%s)", issued.Format(time.RFC3339))
	}
	newNumber := is.Number
	if newNumber == nil {
		newNumber = credo.NewReportNumber
	}
	r, err := is.Build(ctx, v, code, asOf)
	if err != nil {
		return nil, nil, err
	}
	// A number drawn twice (40 random bits) is refused by the store; the
	// report is then numbered again, a few times.
	for attempt := 0; ; attempt++ {
		number := newNumber(issued)
		r.Number, r.IssuedAt, r.VerifyURL = number, issued, verify(number)
		b, err := render(r)
		if err != nil {
			return nil, nil, err
		}
		sum := sha256.Sum256(b)
		rec := &credo.IssuedReport{Number: number, Subject: code, Viewer: ViewerClass(v, code), Format: format,
			IssuedAt: credo.NewTime(issued), AsOf: credo.NewTime(r.AsOf), Rulebooks: []credo.RulebookRef{},
			SHA256: hex.EncodeToString(sum[:])}
		if r.Assessment != nil && r.Assessment.Rulebooks != nil {
			rec.Rulebooks = r.Assessment.Rulebooks
		}
		err = is.Store.IssueReport(ctx, rec)
		if credo.ErrorCodeOf(err) == credo.ECONFLICT && attempt < 2 {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		rec.Status = credo.ReportValid
		return b, rec, nil
	}
}

// Build reads the report on code as of asOf as v may see it: the
// registration data in force then, the assessment, the records v may see
// that were recorded by then (newest decision first), list entries and the
// measures that apply. Number, IssuedAt and VerifyURL are left to the
// caller.
func (is *Issuer) Build(ctx context.Context, v credo.Viewer, code string, asOf time.Time) (*Report, error) {
	p := is.Process
	if p == nil || p.Grading == nil {
		return nil, credo.Errorf(credo.EUNAVAILABLE, "reports need grading, which this server does not run")
	}
	// The assessment and the measures from one read, computed once.
	j, err := p.Judge(ctx, v, code, asOf)
	if err != nil {
		return nil, err
	}
	if len(j.Versions) == 0 {
		return nil, credo.ErrNotFound("organization", code)
	}
	r := &Report{AsOf: asOf.UTC()}
	for _, s := range j.Versions {
		if !s.RecordedAt.After(asOf) {
			r.Subject = s
		}
	}
	if r.Subject == nil {
		return nil, credo.Errorf(credo.ENOTFOUND, "%s was not registered at %s", code, asOf.UTC().Format(time.RFC3339))
	}
	r.Assessment = j.Assessment
	records := j.Records
	seen := p.Policy.Records(v, records, is.now())
	open, err := p.OpenObjections(ctx, code)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for i := len(records) - 1; i >= 0; i-- {
		rec := records[i]
		if rec.RecordedAt.After(asOf) || !seen(rec.ID) {
			continue
		}
		if r.RecordsTotal++; len(r.Records) == MaxItems {
			continue
		}
		from, _, until, _ := p.Grading.Publicity(rec, asOf)
		if !rec.RepairedAt.IsZero() && (until.IsZero() || rec.RepairedAt.Before(until)) {
			until = rec.RepairedAt.Time
		}
		r.Records = append(r.Records, Record{
			Authority: is.authority(ctx, names, rec.Authority), Category: rec.Category, Kind: rec.Kind,
			DecisionNumber: rec.DecisionNumber, LegalBasis: rec.LegalBasis, Description: rec.Description,
			Decided: rec.OccurredAt.Time, PublicFrom: from, PublicUntil: until,
			UnderObjection: open[credo.Target{Kind: credo.TargetRecord, ID: rec.ID}] != nil,
		})
	}
	entries, err := p.SubjectLists(ctx, v, code, asOf)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if len(r.Entries) == MaxItems {
			break
		}
		title := e.ListTitle
		if title == "" {
			title = e.List
		}
		r.Entries = append(r.Entries, Entry{List: title, Authority: is.authority(ctx, names, e.Authority),
			DecisionNumber: e.DecisionNumber, LegalBasis: e.LegalBasis, State: e.State.Status,
			Decided: e.DecidedAt.Time, Effective: e.EffectiveAt.Time, UnderObjection: e.UnderObjection})
	}
	verdict, err := j.Measures(ctx, "")
	if err != nil {
		return nil, err
	}
	r.Decision = verdict.Decision
	for _, m := range verdict.Reasons {
		if len(r.Measures) == MaxItems {
			break
		}
		r.Measures = append(r.Measures, Measure{Title: m.Title, Effect: m.Effect, LegalBasis: m.LegalBasis, Why: m.Why})
	}
	return r, nil
}

// authority is the name of the authority with id (the id when unknown),
// remembered in names.
func (is *Issuer) authority(ctx context.Context, names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	names[id] = id
	if a, err := is.Store.Authority(ctx, id); err == nil && a.Name != "" {
		names[id] = a.Name
	}
	return names[id]
}

// VerifyURL is the verify address of number under base (a scheme and
// host, "https://credo.example"), the page anyone may open.
func VerifyURL(base, number string) string {
	return strings.TrimSuffix(base, "/") + "/verify/" + number
}

// Filename is the name a report's download is offered under.
func Filename(r *credo.IssuedReport) string {
	return fmt.Sprintf("%s.%s", r.Number, r.Format)
}
