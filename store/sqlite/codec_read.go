package sqlite

import (
	"bytes"
	"database/sql"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// bodyDecoder reads stored record bodies. A body in the form
// encodeRecordBody writes (every body this package stores) is read by
// hand, which is several times faster than json.Unmarshal and matters
// when a rescore reads every record of the registry; anything else (other
// spacing, escapes, unknown or repeated members, null) goes through
// json.Unmarshal. TestRecordBodyDecoding and FuzzRecordBodyDecoding hold
// the two to the same results. The zero value is ready to use.
type bodyDecoder struct {
	// strs, when not nil, makes the decoder one for many records: it
	// shares the strings that repeat from record to record (legal bases,
	// descriptions, severities, currencies, penalty types) instead of
	// allocating each again, and allocates amounts a slab at a time.
	strs   map[string]string
	floats []float64
}

// maxInterned bounds strs; it starts again when full.
const maxInterned = 1 << 14

// decode sets r's body fields from body.
func (d *bodyDecoder) decode(r *credo.Record, body []byte) error {
	if d.fast(r, body) {
		return nil
	}
	var b recordBody
	if err := json.Unmarshal(body, &b); err != nil {
		return errors.Join(errors.New("sqlite: decoding record body"), err)
	}
	r.DecisionNumber, r.LegalBasis, r.Description, r.Severity = b.DecisionNumber, b.LegalBasis, b.Description, b.Severity
	r.PenaltyTypes, r.Amount, r.TaxDue, r.Currency = b.PenaltyTypes, b.Amount, b.TaxDue, b.Currency
	r.ValidUntil, r.SupersedesExternalID, r.Publish = b.ValidUntil, b.SupersedesExternalID, b.Publish
	return nil
}

// The members of a body, as bits of a set.
const (
	mDecisionNumber = 1 << iota
	mLegalBasis
	mDescription
	mSeverity
	mPenaltyTypes
	mAmount
	mTaxDue
	mCurrency
	mValidUntil
	mSupersedesExternalID
)

// bodyMember returns the bit of the member called key, or 0.
func bodyMember(key []byte) int {
	switch string(key) {
	case "decision_number":
		return mDecisionNumber
	case "legal_basis":
		return mLegalBasis
	case "description":
		return mDescription
	case "severity":
		return mSeverity
	case "penalty_types":
		return mPenaltyTypes
	case "amount":
		return mAmount
	case "tax_due":
		return mTaxDue
	case "currency":
		return mCurrency
	case "valid_until":
		return mValidUntil
	case "supersedes_external_id":
		return mSupersedesExternalID
	}
	return 0
}

// fast reads a body of the form encodeRecordBody writes into r's body
// fields, all of which it sets. It reports false, having set any of them,
// for a body of another form.
func (d *bodyDecoder) fast(r *credo.Record, b []byte) bool {
	r.DecisionNumber, r.LegalBasis, r.Description, r.Severity = "", "", "", ""
	r.PenaltyTypes, r.Amount, r.TaxDue, r.Currency = nil, nil, nil, ""
	r.ValidUntil, r.SupersedesExternalID, r.Publish = credo.Time{}, "", false
	if len(b) < 2 || b[0] != '{' {
		return false
	}
	if b[1] == '}' {
		return len(b) == 2
	}
	seen := 0
	for i := 1; ; {
		key, n := plainString(b[i:])
		if n == 0 || i+n >= len(b) || b[i+n] != ':' {
			return false
		}
		i += n + 1
		m := bodyMember(key)
		if m == 0 || seen&m != 0 {
			return false
		}
		seen |= m
		switch m {
		case mAmount, mTaxDue:
			n = jsonNumber(b[i:])
			if n == 0 {
				return false
			}
			v, err := strconv.ParseFloat(string(b[i:i+n]), 64)
			if err != nil {
				return false
			}
			p := d.float(v)
			if m == mAmount {
				r.Amount = p
			} else {
				r.TaxDue = p
			}
		case mPenaltyTypes:
			if n = d.stringArray(r, b[i:]); n == 0 {
				return false
			}
		default:
			var s []byte
			if s, n = quoted(b[i:]); n == 0 {
				return false
			}
			var ok bool
			switch m {
			case mDecisionNumber:
				r.DecisionNumber, ok = d.plainString(s)
			case mLegalBasis:
				r.LegalBasis, ok = d.intern(s)
			case mDescription:
				r.Description, ok = d.intern(s)
			case mSeverity:
				r.Severity, ok = d.intern(s)
			case mCurrency:
				r.Currency, ok = d.intern(s)
			case mSupersedesExternalID:
				r.SupersedesExternalID, ok = d.plainString(s)
			case mValidUntil:
				ok = plain(s)
				if ok && len(s) > 0 {
					var err error
					r.ValidUntil, err = credo.ParseTime(string(s))
					ok = err == nil
				}
			}
			if !ok {
				return false
			}
		}
		i += n
		switch {
		case i < len(b) && b[i] == ',':
			i++
		case i == len(b)-1 && b[i] == '}':
			return true
		default:
			return false
		}
	}
}

// stringArray reads a non-empty array of plain strings at the start of b
// into r.PenaltyTypes and returns its length, or 0 if there is none.
func (d *bodyDecoder) stringArray(r *credo.Record, b []byte) int {
	if len(b) < 2 || b[0] != '[' {
		return 0
	}
	var out []string
	for i := 1; ; {
		s, n := quoted(b[i:])
		if n == 0 {
			return 0
		}
		v, ok := d.intern(s)
		if !ok {
			return 0
		}
		out = append(out, v)
		i += n
		switch {
		case i < len(b) && b[i] == ',':
			i++
		case i < len(b) && b[i] == ']':
			r.PenaltyTypes = out
			return i + 1
		default:
			return 0
		}
	}
}

// plainString returns the contents of the JSON string at the start of b and
// the string's length with its quotes, or 0 when b does not start with a
// string without escapes or control characters, in valid UTF-8.
func plainString(b []byte) ([]byte, int) {
	s, n := quoted(b)
	if n == 0 || !plain(s) {
		return nil, 0
	}
	return s, n
}

// quoted is plainString without checking the contents.
func quoted(b []byte) ([]byte, int) {
	if len(b) < 2 || b[0] != '"' {
		return nil, 0
	}
	end := bytes.IndexByte(b[1:], '"')
	if end < 0 {
		return nil, 0
	}
	return b[1 : 1+end], end + 2
}

// plain reports whether s, between quotes, is a whole JSON string that
// means itself: no escapes, no control characters, valid UTF-8.
func plain(s []byte) bool {
	for _, c := range s {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(s)
}

// jsonNumber returns the length of the JSON number at the start of b, or 0
// when there is none.
func jsonNumber(b []byte) int {
	i := 0
	digits := func() int {
		n := 0
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
			n++
		}
		return n
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case digits() == 0:
		return 0
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}

func (d *bodyDecoder) float(v float64) *float64 {
	if d.strs == nil {
		return &v
	}
	if len(d.floats) == 0 {
		d.floats = make([]float64, 256)
	}
	p := &d.floats[0]
	d.floats = d.floats[1:]
	*p = v
	return p
}

// plainString returns the contents s of a JSON string as a string, and
// whether s means itself (see plain).
func (d *bodyDecoder) plainString(s []byte) (string, bool) {
	if !plain(s) {
		return "", false
	}
	return string(s), true
}

// intern is plainString sharing the strings it has seen: a string found
// was checked when it was first seen.
func (d *bodyDecoder) intern(s []byte) (string, bool) {
	if d.strs == nil {
		return d.plainString(s)
	}
	if v, ok := d.strs[string(s)]; ok {
		return v, true
	}
	v, ok := d.plainString(s)
	if !ok {
		return "", false
	}
	if len(d.strs) >= maxInterned {
		clear(d.strs)
	}
	d.strs[v] = v
	return v, true
}

// recordScanner reads rows of repairedSelect as scanRepaired does, for
// reads of many records: the records are allocated a slab at a time, the
// body is not copied before it is decoded, and repeated strings are
// shared.
type recordScanner struct {
	bodyDecoder
	slab               []credo.Record
	occurred, recorded int64
	sup, repaired      sql.NullInt64
	body               sql.RawBytes
}

func newRecordScanner() *recordScanner {
	return &recordScanner{bodyDecoder: bodyDecoder{strs: map[string]string{}}}
}

func (s *recordScanner) scan(rows *sql.Rows) (*credo.Record, error) {
	if len(s.slab) == 0 {
		s.slab = make([]credo.Record, 256)
	}
	r := &s.slab[0]
	s.slab = s.slab[1:]
	if err := rows.Scan(&r.ID, &r.Subject, &r.Authority, &r.ExternalID, &r.Category, &r.Kind,
		&s.occurred, &s.recorded, &s.sup, &s.body, &s.repaired); err != nil {
		return nil, err
	}
	r.OccurredAt, r.RecordedAt, r.Supersedes = fromUnixNano(s.occurred), fromUnixNano(s.recorded), s.sup.Int64
	r.RepairedAt = fromUnixNano(s.repaired.Int64)
	return r, s.decode(r, s.body)
}
