// Package screening checks lists of counterparties against the registry:
// each row (a code, a name, or both) is matched to an organization
// (search.Index for names), and the organization's grades, active adverse
// list entries and the measures decision for an action are shown as the
// caller may see them. Rows come as CSV (header code,name and optional
// action, note), JSON or NDJSON.
package screening

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/credo-registry/credo"
)

// Input is one counterparty as the caller gave it.
type Input struct {
	Code   string `json:"code,omitempty"`
	Name   string `json:"name,omitempty"`
	Action string `json:"action,omitempty"` // overrides the screening's action for this row
	Note   string `json:"note,omitempty"`
}

// Limits on what one screening takes.
const (
	// MaxRows is the most rows one screening (a job) may have.
	MaxRows = 100_000
	// MaxSyncRows is the most rows answered at once; more make a job.
	MaxSyncRows = 1000
)

// Formats of a screening's rows.
const (
	FormatCSV    = "csv"
	FormatJSON   = "json"
	FormatNDJSON = "ndjson"
)

// columns are the CSV header's names; code and name are required.
var columns = []string{"code", "name", "action", "note"}

// Encodings a CSV file can be read in; Parsed.Encoding says which one was.
const (
	EncodingUTF8    = "UTF-8"
	EncodingUTF8BOM = "UTF-8 with BOM"
	EncodingGB18030 = "GB18030" // GBK is a subset
)

// Parsed is a screening's rows and how they were read.
type Parsed struct {
	Rows     []Input
	Encoding string // for CSV
}

// Parse reads the rows of a screening in format (FormatCSV, FormatJSON or
// FormatNDJSON). Errors are EINVALID naming what is wrong (field "file"
// for the whole body, "header" for the CSV header, "rows[i]" for a row
// that cannot be read); more than MaxRows rows is ETOOLARGE naming the
// limit. Rows that read but are not valid counterparties (neither code
// nor name, a bad code) are returned: Screen reports them as errors and
// goes on.
func Parse(body []byte, format string) (*Parsed, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil, credo.FieldError("file", "empty", "the file is empty: give a header (code,name) and at least one row")
	}
	switch format {
	case FormatCSV:
		return parseCSV(body)
	case FormatJSON:
		var rows []Input
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rows); err != nil {
			return nil, credo.FieldError("file", "format", "is not a JSON array of rows {code, name, action, note}: %v", err)
		}
		if err := checkCount(len(rows)); err != nil {
			return nil, err
		}
		return &Parsed{Rows: rows, Encoding: EncodingUTF8}, nil
	case FormatNDJSON:
		p := &Parsed{Encoding: EncodingUTF8}
		sc := bufio.NewScanner(bytes.NewReader(body))
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var in Input
			dec := json.NewDecoder(bytes.NewReader(line))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&in); err != nil {
				return nil, credo.FieldError(fmt.Sprintf("rows[%d]", len(p.Rows)), "format", "line %d is not a row {code, name, action, note}: %v", n, err)
			}
			p.Rows = append(p.Rows, in)
			if err := checkCount(len(p.Rows)); err != nil {
				return nil, err
			}
		}
		if err := sc.Err(); err != nil {
			return nil, credo.FieldError("file", "format", "cannot be read as NDJSON: %v", err)
		}
		if len(p.Rows) == 0 {
			return nil, credo.FieldError("file", "empty", "the file has no rows")
		}
		return p, nil
	}
	return nil, credo.FieldError("format", "enum", "must be csv, json or ndjson")
}

func checkCount(n int) error {
	if n > MaxRows {
		return &credo.Error{Code: credo.ETOOLARGE, Field: "file", Reason: "too_many_rows",
			Message: fmt.Sprintf("at most %d rows a screening; split the file", MaxRows)}
	}
	return nil
}

// decodeText returns body as UTF-8 and the encoding it was found in: UTF-8
// (a byte order mark is dropped), or GB18030/GBK, which is converted.
func decodeText(body []byte) ([]byte, string, error) {
	if b, ok := bytes.CutPrefix(body, []byte("\xef\xbb\xbf")); ok {
		if !utf8.Valid(b) {
			return nil, "", credo.FieldError("file", "encoding", "starts with a UTF-8 byte order mark but is not valid UTF-8")
		}
		return b, EncodingUTF8BOM, nil
	}
	if utf8.Valid(body) {
		return body, EncodingUTF8, nil
	}
	out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(body)
	if err != nil || !utf8.Valid(out) || bytes.ContainsRune(out, utf8.RuneError) {
		return nil, "", credo.FieldError("file", "encoding", "is neither UTF-8 nor GB18030/GBK; save it as UTF-8")
	}
	return out, EncodingGB18030, nil
}

func parseCSV(body []byte) (*Parsed, error) {
	text, enc, err := decodeText(body)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(text))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err != nil {
		return nil, credo.FieldError("file", "format", "is not CSV: %v", err)
	}
	index := map[string]int{}
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		if !slices.Contains(columns, h) {
			return nil, credo.FieldError("header", "format",
				"column %d is %q: the first line must be the header code,name (and optionally action, note); the file was read as %s", i+1, h, enc)
		}
		if _, dup := index[h]; dup {
			return nil, credo.FieldError("header", "format", "column %q appears twice", h)
		}
		index[h] = i
	}
	for _, need := range columns[:2] {
		if _, ok := index[need]; !ok {
			return nil, credo.FieldError("header", "required", "the header has no %s column: it must be code,name (and optionally action, note)", need)
		}
	}
	get := func(rec []string, col string) string {
		if i, ok := index[col]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	p := &Parsed{Encoding: enc}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, credo.FieldError(fmt.Sprintf("rows[%d]", len(p.Rows)), "format", "cannot be read as CSV: %v", err)
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		p.Rows = append(p.Rows, Input{Code: get(rec, "code"), Name: get(rec, "name"), Action: get(rec, "action"), Note: get(rec, "note")})
		if err := checkCount(len(p.Rows)); err != nil {
			return nil, err
		}
	}
	if len(p.Rows) == 0 {
		return nil, credo.FieldError("file", "empty", "the file has a header but no rows")
	}
	return p, nil
}
