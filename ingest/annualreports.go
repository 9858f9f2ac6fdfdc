package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/credo-registry/credo"
)

// AnnualReports stores annual reports an operator loads (an earlier
// registry's history: `credo import`), one per line, each validated as a
// filing is (credo.AnnualReport.Validate, against the organization's
// registration when the registry holds it). A line may give version,
// filed_at and filed_by, which are kept; without them the report is the
// year's next version, filed now, by "import". A line whose version is
// stored with the same content (ContentHash) is Exists, with other content
// Refused (ECONFLICT); a report without a version whose content equals the
// year's latest version is Exists. Lines are stored one by one; a refused
// line changes nothing.
func (in *Ingester) AnnualReports(ctx context.Context, lines []Line) ([]Result, error) {
	results := make([]Result, len(lines))
	now := in.now().UTC().Truncate(time.Microsecond)
	for i, l := range lines {
		res := &results[i]
		res.Line, res.Status = l.Number, credo.Refused
		if l.TooLong {
			res.Error = credo.Errorf(credo.ETOOLARGE, "line is longer than %d bytes", MaxLine)
			continue
		}
		var r credo.AnnualReport
		if err := credo.Decode(l.Data, &r); err != nil {
			res.Error = credo.AsError(err)
			continue
		}
		status, err := in.annualReport(ctx, &r, now)
		if err != nil {
			if res.Error = credo.AsError(err); res.Error == nil {
				return results[:i], err // the store failed: stop
			}
			continue
		}
		res.Status, res.Version = status, r.Version
	}
	return results, nil
}

func (in *Ingester) annualReport(ctx context.Context, r *credo.AnnualReport, now time.Time) (string, error) {
	r.Normalize()
	if err := credo.ValidateCode("subject", r.Subject); err != nil {
		return "", err
	}
	sub, err := in.Store.Subject(ctx, r.Subject)
	if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		return "", err
	}
	filedAt := now
	if !r.FiledAt.IsZero() {
		filedAt = r.FiledAt.Time
		if filedAt.After(now.Add(credo.ClockSkew)) {
			return "", credo.FieldError("filed_at", "future", "must not be in the future")
		}
		if filedAt.Before(credo.AnnualReportOpens(r.Year)) {
			return "", credo.FieldError("filed_at", "range", "a report for %d is filed from %s", r.Year, credo.NewTime(credo.AnnualReportOpens(r.Year)))
		}
	}
	version := r.Version
	if version < 0 {
		return "", credo.FieldError("version", "range", "must be 1 or more")
	}
	r.Withheld = nil
	if err := r.Validate(sub, filedAt); err != nil {
		return "", err
	}
	stored, err := in.Store.AnnualReports(ctx, r.Subject)
	if err != nil {
		return "", err
	}
	latest := 0
	hash := r.ContentHash()
	for _, x := range stored {
		if x.Year != r.Year {
			continue
		}
		latest = x.Version
		if x.Version == version || version == 0 && x.ContentHash() == hash {
			if x.ContentHash() != hash {
				return "", &credo.Error{Code: credo.ECONFLICT, Field: "version", Reason: "exists",
					Message: fmt.Sprintf("version %d of the %d report of %s is stored with other content", x.Version, r.Year, r.Subject)}
			}
			r.Version = x.Version
			return credo.Exists, nil
		}
	}
	if version == 0 {
		version = latest + 1
	}
	if r.Corrects == 0 && version > 1 {
		r.Corrects = version - 1
	}
	r.Version, r.FiledAt = version, credo.NewTime(filedAt)
	if r.FiledBy == "" {
		r.FiledBy = "import"
	}
	if err := in.Store.FileAnnualReport(ctx, r); err != nil {
		return "", err
	}
	return credo.Created, nil
}
