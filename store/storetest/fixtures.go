package storetest

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/credo-registry/credo"
)

// Real codes (python-stdnum's test suite: each passes both checks) and
// real company names (A-share listings), one name per code.
var (
	//go:embed testdata/valid-sample.txt
	validSample []byte
	//go:embed testdata/companies.tsv
	companiesTSV []byte

	codes     = lines(validSample)
	companies = parseCompanies(companiesTSV)
)

// company is a name with the names it had before.
type company struct {
	name   string
	former []string
}

func lines(b []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

func parseCompanies(b []byte) []company {
	var out []company
	for _, l := range lines(b) {
		name, former, _ := strings.Cut(l, "\t")
		c := company{name: name}
		for _, f := range strings.Split(former, "|") {
			if f = strings.TrimSpace(f); f != "" {
				c.former = append(c.former, f)
			}
		}
		out = append(out, c)
	}
	if len(out) != len(codes) {
		panic(fmt.Sprintf("storetest: %d companies for %d codes", len(out), len(codes)))
	}
	return out
}

// Times of the fixtures, whole seconds so that every backend keeps them
// exactly.
var (
	t0       = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	recorded = credo.NewTime(time.Date(2025, 6, 30, 12, 0, 0, 0, time.UTC))
)

// Authorities the fixtures' records come from.
const (
	samr = "samr-340600" // 淮北市市场监督管理局
	tax  = "tax-340600"  // 国家税务总局淮北市税务局
)

// subject returns registration data of the organization with code codes[i]
// and name companies[i], as ingest leaves it for the store.
func subject(i int) *credo.Subject {
	c := companies[i]
	s := &credo.Subject{
		Code: codes[i], Name: c.name, Status: credo.StatusActive, LegalForm: "股份有限公司",
		Established: credo.NewDate(time.Date(1995, 7, 18, 0, 0, 0, 0, time.UTC)),
		Authority:   samr, RecordedAt: recorded,
	}
	for j, f := range c.former {
		s.FormerNames = append(s.FormerNames, credo.FormerName{Name: f,
			Until: credo.NewDate(time.Date(2015+j, 1, 1, 0, 0, 0, 0, time.UTC))})
	}
	s.Normalize()
	return s
}

// named returns registration data for codes[i] under another name.
func named(i int, name string, former ...string) *credo.Subject {
	s := subject(i)
	s.Name, s.FormerNames = name, nil
	for _, f := range former {
		s.FormerNames = append(s.FormerNames, credo.FormerName{Name: f})
	}
	return s
}

// penalty returns a fine by authority samr about codes[i], decided
// `day` days after t0, named ext by the authority.
func penalty(i int, ext string, day int) *credo.Record {
	amount := 5000.0 + float64(day)
	r := &credo.Record{
		Subject: codes[i], Authority: samr, Category: "market", Kind: "penalty", ExternalID: ext,
		DecisionNumber: "淮市监处罚〔2024〕" + ext + "号",
		LegalBasis:     "《中华人民共和国产品质量法》第四十九条",
		Description:    "生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
		Severity:       "general",
		PenaltyTypes:   []string{"warning", "fine"},
		Amount:         &amount,
		Currency:       "CNY",
		OccurredAt:     credo.NewTime(t0.AddDate(0, 0, day)),
		ValidUntil:     credo.NewTime(t0.AddDate(3, 0, day)),
		RecordedAt:     recorded,
	}
	return r
}

// taxRecord returns a tax arrears record by authority tax about codes[i].
func taxRecord(i int, ext string, day int) *credo.Record {
	due := 120000.0
	return &credo.Record{
		Subject: codes[i], Authority: tax, Category: "tax", Kind: "arrears", ExternalID: ext,
		Description: "欠缴增值税", TaxDue: &due, Currency: "CNY",
		OccurredAt: credo.NewTime(t0.AddDate(0, 0, day)), RecordedAt: recorded,
	}
}

// correction returns a record of r's authority about r's subject that
// supersedes the record with id (or, when id is 0, external id target).
func correction(r *credo.Record, ext string, id int64, target string) *credo.Record {
	c := *r
	c.ExternalID, c.Kind, c.Description = ext, "correction", "更正：罚款金额有误"
	c.PenaltyTypes, c.DecisionNumber, c.LegalBasis = nil, "", ""
	c.Supersedes, c.SupersedesExternalID = id, target
	c.OccurredAt = credo.NewTime(r.OccurredAt.AddDate(0, 0, 10))
	return &c
}

func authority(id, name string, divisions ...string) *credo.Authority {
	return &credo.Authority{ID: id, Name: name, Divisions: divisions,
		Categories: []string{"market", "quality"}, CreatedAt: credo.NewTime(t0)}
}
