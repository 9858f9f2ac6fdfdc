package credo

import (
	"crypto/sha256"
	"encoding/hex"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo/uscc"
)

// AnnualReport is what an organization discloses about itself for one
// year (企业年度报告, 企业信息公示暂行条例 art. 8-9). It is filed by the
// organization's own account between 1 January and 30 June of the next
// year. A correction is a new version of the same year's report; every
// version is kept with its time, and none is changed.
type AnnualReport struct {
	Subject string `json:"subject"`
	Year    int    `json:"year"`
	// Corrects is, in a filing, the version this one corrects: 0 (absent)
	// for the year's first filing. A filing that does not name the latest
	// version is refused, so of two filings sent at once one is stored.
	Corrects int `json:"corrects,omitempty"`

	// The items the law requires be published (art. 9 items 1-6).
	Contact         ReportContact       `json:"contact"`
	OperatingStatus string              `json:"operating_status"`
	Websites        []ReportWebsite     `json:"websites,omitempty"`
	Investments     []ReportInvestment  `json:"investments,omitempty"`
	Shareholders    []ReportShareholder `json:"shareholders,omitempty"`
	// SocialInsuranceHeadcount is the number of employees insured.
	SocialInsuranceHeadcount *int64 `json:"social_insurance_headcount,omitempty"`

	// The items the enterprise chooses whether to publish (art. 9 item 7:
	// 从业人数、资产总额、负债总额、营业总收入、利润总额、纳税总额).
	// Amounts are in CNY.
	Employees   *int64   `json:"employees,omitempty"`
	TotalAssets *float64 `json:"total_assets,omitempty"`
	Liabilities *float64 `json:"liabilities,omitempty"`
	Revenue     *float64 `json:"revenue,omitempty"`
	Profit      *float64 `json:"profit,omitempty"` // may be negative (a loss)
	TaxPaid     *float64 `json:"tax_paid,omitempty"`
	// Disclosed names the optional items the public sees; the others are
	// shown only to the organization, the authorities over it and
	// administrators.
	Disclosed []string `json:"disclosed,omitempty"`

	// Set by the registry.
	Version int    `json:"version,omitempty"`
	FiledAt Time   `json:"filed_at,omitzero"`
	FiledBy string `json:"filed_by,omitempty"`
	// Withheld, in what a viewer is shown, names the optional items left
	// out because the organization did not disclose them.
	Withheld []string `json:"withheld,omitempty"`
}

// ReportContact is the organization's contact details (art. 9 item 1).
type ReportContact struct {
	Address    string `json:"address"`
	PostalCode string `json:"postal_code,omitempty"`
	Phone      string `json:"phone,omitempty"`
	Email      string `json:"email,omitempty"`
}

// ReportWebsite is a website or online shop the organization runs.
type ReportWebsite struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// ReportInvestment is an organization the reporting one invested in.
type ReportInvestment struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// ReportShareholder is a shareholder's subscribed and paid-in capital
// (CNY) with their dates. A shareholder that is an organization is named
// by its code as well; a person by name only (no identity number).
type ReportShareholder struct {
	Name         string  `json:"name"`
	Code         string  `json:"code,omitempty"`
	Subscribed   float64 `json:"subscribed"`
	SubscribedOn Date    `json:"subscribed_on,omitzero"`
	PaidIn       float64 `json:"paid_in"`
	PaidInOn     Date    `json:"paid_in_on,omitzero"`
	// Share is the percentage held (0-100]; the total is at most 100.
	Share float64 `json:"share,omitempty"`
}

// Operating statuses (存续状态: 开业、歇业、清算).
const (
	OperatingOpen        = "operating"
	OperatingSuspended   = "suspended"
	OperatingLiquidating = "liquidating"
)

// OperatingStatuses are the statuses a report may give.
var OperatingStatuses = []string{OperatingOpen, OperatingSuspended, OperatingLiquidating}

// OptionalReportItems are the items an enterprise may choose not to
// publish: 企业信息公示暂行条例 art. 9 para. 2 (item 7, 从业人数、资产总额、
// 负债总额、营业总收入、利润总额、纳税总额 among them).
var OptionalReportItems = []string{"employees", "total_assets", "liabilities", "revenue", "profit", "tax_paid"}

// shanghai is China Standard Time: annual-report years and deadlines are
// counted in it (China has kept UTC+8 without daylight saving since 1991).
var shanghai = time.FixedZone("CST", 8*3600)

// AnnualReportDeadline is the moment a report for year is late: the end
// of 30 June of the next year, Asia/Shanghai (art. 8).
func AnnualReportDeadline(year int) time.Time {
	return time.Date(year+1, time.July, 1, 0, 0, 0, 0, shanghai).UTC()
}

// AnnualReportOpens is the first moment a report for year may be filed:
// 1 January of the next year, Asia/Shanghai, when the year has ended.
func AnnualReportOpens(year int) time.Time {
	return time.Date(year+1, time.January, 1, 0, 0, 0, 0, shanghai).UTC()
}

// IndividualBusiness reports whether code is an individual business
// (个体工商户: registered by the market regulator, type 2; USCC positions
// 1-2 "92"), which files under its own measures and is marked with an
// abnormal operations status rather than listed.
func IndividualBusiness(code string) bool { return strings.HasPrefix(code, "92") }

// AnnualReportDue reports whether s must file a report for year: it is
// registered by the market regulator (USCC position 1 "9": an
// enterprise, an individual business or a farmers' cooperative; public
// institutions, social organizations and others report elsewhere), it
// existed on 31 December of year (established by then) and is not
// deregistered or revoked. An organization with no establishment date is
// not held to it: the registry cannot show that it existed.
func AnnualReportDue(s *Subject, year int) bool {
	if s == nil || !strings.HasPrefix(s.Code, "9") || s.Established.IsZero() || s.Established.Year() > year {
		return false
	}
	return s.Status != StatusCancelled && s.Status != StatusRevoked
}

// Normalize fixes what people type: codes and surrounding space.
func (r *AnnualReport) Normalize() {
	r.Subject = uscc.Normalize(r.Subject)
	r.Contact.Address = strings.TrimSpace(r.Contact.Address)
	r.Contact.PostalCode = strings.TrimSpace(r.Contact.PostalCode)
	r.Contact.Phone = strings.TrimSpace(r.Contact.Phone)
	r.Contact.Email = strings.TrimSpace(r.Contact.Email)
	r.OperatingStatus = strings.TrimSpace(r.OperatingStatus)
	for i := range r.Investments {
		r.Investments[i].Code = uscc.Normalize(r.Investments[i].Code)
		r.Investments[i].Name = strings.TrimSpace(r.Investments[i].Name)
	}
	for i := range r.Shareholders {
		r.Shareholders[i].Name = strings.TrimSpace(r.Shareholders[i].Name)
		if r.Shareholders[i].Code != "" {
			r.Shareholders[i].Code = uscc.Normalize(r.Shareholders[i].Code)
		}
	}
	for i := range r.Websites {
		r.Websites[i].Name = strings.TrimSpace(r.Websites[i].Name)
		r.Websites[i].URL = strings.TrimSpace(r.Websites[i].URL)
	}
}

// Validate checks a filing at now by the organization registered as s
// (nil when the registry holds no registration for its code). It returns
// the first problem as an *Error naming the field.
func (r *AnnualReport) Validate(s *Subject, now time.Time) error {
	if err := ValidateCode("subject", r.Subject); err != nil {
		return err
	}
	switch {
	case r.Year == 0:
		return FieldError("year", "required", "is required: the year reported on")
	case r.Year < EarliestDecision.Year():
		return FieldError("year", "range", "must be %d or later", EarliestDecision.Year())
	case now.Before(AnnualReportOpens(r.Year)):
		return FieldError("year", "not_ended", "the year %d has not ended (Asia/Shanghai): its report may be filed from %s", r.Year, AnnualReportOpens(r.Year).In(shanghai).Format("2006-01-02"))
	case s != nil && !s.Established.IsZero() && r.Year < s.Established.Year():
		return FieldError("year", "before_established", "the organization was established on %s, after the year %d", s.Established, r.Year)
	}
	if r.Corrects < 0 {
		return FieldError("corrects", "range", "must be the version corrected (1, 2, ...), or absent for the first filing")
	}
	if err := requireText("contact.address", r.Contact.Address, 300); err != nil {
		return err
	}
	if err := optionalText("contact.postal_code", r.Contact.PostalCode, 6); err != nil {
		return err
	}
	if r.Contact.PostalCode != "" && (len(r.Contact.PostalCode) != 6 || !isDigits(r.Contact.PostalCode)) {
		return FieldError("contact.postal_code", "format", "must be 6 digits")
	}
	if err := optionalText("contact.phone", r.Contact.Phone, 40); err != nil {
		return err
	}
	if err := optionalText("contact.email", r.Contact.Email, 200); err != nil {
		return err
	}
	if r.Contact.Email != "" && !strings.Contains(r.Contact.Email, "@") {
		return FieldError("contact.email", "format", "is not an e-mail address")
	}
	if r.OperatingStatus == "" {
		return FieldError("operating_status", "required", "is required: one of %s", strings.Join(OperatingStatuses, ", "))
	}
	if !slices.Contains(OperatingStatuses, r.OperatingStatus) {
		return FieldError("operating_status", "enum", "must be one of %s", strings.Join(OperatingStatuses, ", "))
	}
	for i, w := range r.Websites {
		p := indexed("websites", i)
		if err := requireText(p+".name", w.Name, 200); err != nil {
			return err
		}
		u, err := url.Parse(w.URL)
		if w.URL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(w.URL) > 500 {
			return FieldError(p+".url", "format", "must be an http or https address")
		}
	}
	seen := map[string]bool{}
	for i, inv := range r.Investments {
		p := indexed("investments", i)
		if err := ValidateCode(p+".code", inv.Code); err != nil {
			return err
		}
		if inv.Code == r.Subject {
			return FieldError(p+".code", "self", "an organization does not invest in itself")
		}
		if seen[inv.Code] {
			return FieldError(p+".code", "duplicate", "%s is named twice", inv.Code)
		}
		seen[inv.Code] = true
		if err := optionalText(p+".name", inv.Name, 200); err != nil {
			return err
		}
	}
	total := 0.0
	for i, sh := range r.Shareholders {
		p := indexed("shareholders", i)
		if err := requireText(p+".name", sh.Name, 200); err != nil {
			return err
		}
		if sh.Code != "" {
			if err := ValidateCode(p+".code", sh.Code); err != nil {
				return err
			}
		}
		if err := validAmount(p+".subscribed", sh.Subscribed); err != nil {
			return err
		}
		if err := validAmount(p+".paid_in", sh.PaidIn); err != nil {
			return err
		}
		if sh.PaidIn > sh.Subscribed {
			return FieldError(p+".paid_in", "above_subscribed", "paid-in capital %s is above the subscribed %s", amount(sh.PaidIn), amount(sh.Subscribed))
		}
		if sh.PaidIn > 0 && sh.PaidInOn.IsZero() {
			return FieldError(p+".paid_in_on", "required", "give the date the capital was paid in")
		}
		if !sh.PaidInOn.IsZero() && sh.PaidInOn.After(now.Add(ClockSkew)) {
			return FieldError(p+".paid_in_on", "future", "must not be in the future")
		}
		if math.IsNaN(sh.Share) || sh.Share < 0 || sh.Share > 100 {
			return FieldError(p+".share", "range", "must be a percentage from 0 to 100")
		}
		total += sh.Share
	}
	if total > 100+1e-9 {
		return FieldError("shareholders", "share_total", "the shares add up to %s%%, over 100%%", amount(total))
	}
	for _, c := range []struct {
		field string
		v     *int64
	}{{"employees", r.Employees}, {"social_insurance_headcount", r.SocialInsuranceHeadcount}} {
		if c.v != nil && *c.v < 0 {
			return FieldError(c.field, "negative", "must not be negative")
		}
		if c.v != nil && *c.v > 10_000_000 {
			return FieldError(c.field, "absurd", "is implausibly large")
		}
	}
	for _, c := range []struct {
		field string
		v     *float64
	}{{"total_assets", r.TotalAssets}, {"liabilities", r.Liabilities}, {"revenue", r.Revenue}, {"tax_paid", r.TaxPaid}} {
		if c.v != nil {
			if err := validAmount(c.field, *c.v); err != nil {
				return err
			}
		}
	}
	if r.Profit != nil {
		if p := *r.Profit; math.IsNaN(p) || math.IsInf(p, 0) || math.Abs(p) > MaxAmount {
			return FieldError("profit", "format", "must be a number from -%.0f to %.0f", float64(MaxAmount), float64(MaxAmount))
		}
	}
	for i, d := range r.Disclosed {
		if !slices.Contains(OptionalReportItems, d) {
			return FieldError(indexed("disclosed", i), "enum",
				"only the items an enterprise may choose not to publish are chosen (企业信息公示暂行条例 art. 9): %s; the others are always public",
				strings.Join(OptionalReportItems, ", "))
		}
	}
	return nil
}

func amount(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// ContentHash identifies what the organization reported (not the
// registry's fields), so that a filing repeated after an interruption is
// recognised.
func (r *AnnualReport) ContentHash() string {
	c := *r
	c.Version, c.FiledAt, c.FiledBy, c.Withheld, c.Corrects = 0, Time{}, "", nil, 0
	b, _ := json.Marshal(&c, json.Deterministic(true))
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:16])
}

// Public returns the report as the public sees it: the optional items the
// organization did not disclose are left out and named in Withheld.
func (r *AnnualReport) Public() *AnnualReport {
	c := *r
	c.Withheld = nil
	for _, item := range OptionalReportItems {
		if slices.Contains(r.Disclosed, item) {
			continue
		}
		had := true
		switch item {
		case "employees":
			had, c.Employees = c.Employees != nil, nil
		case "total_assets":
			had, c.TotalAssets = c.TotalAssets != nil, nil
		case "liabilities":
			had, c.Liabilities = c.Liabilities != nil, nil
		case "revenue":
			had, c.Revenue = c.Revenue != nil, nil
		case "profit":
			had, c.Profit = c.Profit != nil, nil
		case "tax_paid":
			had, c.TaxPaid = c.TaxPaid != nil, nil
		}
		if had {
			c.Withheld = append(c.Withheld, item)
		}
	}
	return &c
}
