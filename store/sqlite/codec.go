package sqlite

import (
	"database/sql"
	"fmt"
	"math"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/credo-registry/credo"
)

// Times are stored as unix nanoseconds (1678-2262), which keeps instants
// exact and makes them order as integers. The zero time is stored as 0.
func unixNano(t credo.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) credo.Time {
	if n == 0 {
		return credo.Time{}
	}
	return credo.NewTime(time.Unix(0, n))
}

// recordBody is the stored JSON of a record: what the authority said beyond
// the columns. The columns (subject, authority, external_id, category,
// kind, occurred_at, recorded_at, supersedes) are not repeated in it, which
// saves a third of the bytes a bulk import writes. TestRecordRoundTrip checks that
// every field of credo.Record is either a column or here.
type recordBody struct {
	DecisionNumber       string     `json:"decision_number,omitempty"`
	LegalBasis           string     `json:"legal_basis,omitempty"`
	Description          string     `json:"description,omitempty"`
	Severity             string     `json:"severity,omitempty"`
	PenaltyTypes         []string   `json:"penalty_types,omitempty"`
	Amount               *float64   `json:"amount,omitempty"`
	TaxDue               *float64   `json:"tax_due,omitempty"`
	Currency             string     `json:"currency,omitempty"`
	ValidUntil           credo.Time `json:"valid_until,omitzero"`
	SupersedesExternalID string     `json:"supersedes_external_id,omitempty"`
	Publish              bool       `json:"publish,omitzero"`
}

// encodeRecordBody appends the JSON of r's recordBody to dst. It writes
// what json.Marshal of a recordBody writes, by hand, because it runs for
// every record of a bulk import, where json.Marshal was the largest cost
// outside SQLite itself; TestRecordBodyEncoding holds the two equal.
func encodeRecordBody(dst []byte, r *credo.Record) ([]byte, error) {
	var err error
	sep := byte('{')
	str := func(key, v string) {
		if v == "" || err != nil {
			return
		}
		dst = append(append(append(dst, sep, '"'), key...), '"', ':')
		dst, err = jsontext.AppendQuote(dst, v)
		sep = ','
	}
	num := func(key string, v *float64) {
		if v == nil || err != nil {
			return
		}
		if math.IsNaN(*v) || math.IsInf(*v, 0) {
			err = fmt.Errorf("%s is not a number", key)
			return
		}
		dst = append(append(append(dst, sep, '"'), key...), '"', ':')
		dst = jsontext.AppendFloat(dst, *v, 64)
		sep = ','
	}
	str("decision_number", r.DecisionNumber)
	str("legal_basis", r.LegalBasis)
	str("description", r.Description)
	str("severity", r.Severity)
	if len(r.PenaltyTypes) > 0 && err == nil {
		dst = append(append(dst, sep), `"penalty_types":`...)
		for i, p := range r.PenaltyTypes {
			if i == 0 {
				dst = append(dst, '[')
			} else {
				dst = append(dst, ',')
			}
			if dst, err = jsontext.AppendQuote(dst, p); err != nil {
				break
			}
		}
		dst = append(dst, ']')
		sep = ','
	}
	num("amount", r.Amount)
	num("tax_due", r.TaxDue)
	str("currency", r.Currency)
	if !r.ValidUntil.IsZero() {
		str("valid_until", r.ValidUntil.String())
	}
	str("supersedes_external_id", r.SupersedesExternalID)
	if r.Publish && err == nil {
		dst = append(append(dst, sep), `"publish":true`...)
		sep = ','
	}
	if sep == '{' {
		dst = append(dst, '{')
	}
	return append(dst, '}'), err
}

// submittedHash is the ContentHash of r as its authority submitted it: a
// record read back has Supersedes resolved, its submission had only the
// external id, and a resubmission must hash the same.
func submittedHash(r *credo.Record) []byte {
	c := *r
	if c.SupersedesExternalID != "" {
		c.Supersedes = 0
	}
	h := c.ContentHash()
	return h[:]
}

// recordSelect is the column list every record read scans with scanRecord.
const recordSelect = "id, subject, authority, external_id, category, kind, occurred_at, recorded_at, supersedes, body"

// repairedSelect is recordSelect and the time an approved repair ended the
// record's publicity (NULL when none), for reads FROM repairedRecords: the
// reads that fill RepairedAt. record_repairs.record_id is the rowid, so
// the join costs one lookup in a small table per record.
const (
	repairedSelect  = recordSelect + ", record_repairs.at"
	repairedRecords = "records LEFT JOIN record_repairs ON record_repairs.record_id = records.id"
)

// scanRecord reads one row of recordSelect.
func scanRecord(row interface{ Scan(...any) error }) (*credo.Record, error) {
	return scanRecordWith(row)
}

// scanRepaired reads one row of repairedSelect.
func scanRepaired(row interface{ Scan(...any) error }) (*credo.Record, error) {
	var repaired sql.NullInt64
	r, err := scanRecordWith(row, &repaired)
	if err != nil {
		return nil, err
	}
	r.RepairedAt = fromUnixNano(repaired.Int64)
	return r, nil
}

// scanRecordWith reads one row of recordSelect followed by the columns
// extra scans into.
func scanRecordWith(row interface{ Scan(...any) error }, extra ...any) (*credo.Record, error) {
	r := new(credo.Record)
	var occurred, recorded int64
	var sup sql.NullInt64
	var body []byte
	dest := append([]any{&r.ID, &r.Subject, &r.Authority, &r.ExternalID, &r.Category, &r.Kind,
		&occurred, &recorded, &sup, &body}, extra...)
	if err := row.Scan(dest...); err != nil {
		return nil, err
	}
	r.OccurredAt, r.RecordedAt, r.Supersedes = fromUnixNano(occurred), fromUnixNano(recorded), sup.Int64
	var d bodyDecoder
	if err := d.decode(r, body); err != nil {
		return nil, err
	}
	return r, nil
}

func nullable(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}
