package sqlite

import (
	"bytes"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// bodyRecords are records with every body field, plain and awkward.
func bodyRecords() []*credo.Record {
	amount, due, tiny, huge, neg := 5000.5, 0.0, 1e-7, 1e12, -12.25
	return []*credo.Record{
		{},
		{Description: "a \"quoted\" <tag> & 反斜杠\\ \t tab\n新行"},
		{DecisionNumber: "深市监罚〔2025〕12号", LegalBasis: "《中华人民共和国产品质量法》第四十九条", Description: "罚款",
			Severity: "general", PenaltyTypes: []string{"warning", "fine"}, Amount: &amount, TaxDue: &due, Currency: "CNY",
			ValidUntil:           credo.NewTime(time.Date(2027, 3, 1, 9, 30, 0, 123456789, time.UTC)),
			SupersedesExternalID: "X-1"},
		{PenaltyTypes: []string{"closure"}, Amount: &tiny, TaxDue: &huge},
		{Currency: "CNY", Amount: &neg, ValidUntil: credo.NewTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))},
		{PenaltyTypes: []string{"a\"b", "c"}, SupersedesExternalID: "外部\u2028编号"},
	}
}

// TestRecordBodyEncoding holds the hand-written encoder to json.Marshal.
func TestRecordBodyEncoding(t *testing.T) {
	for _, r := range bodyRecords() {
		got, err := encodeRecordBody(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		want, err := json.Marshal(&recordBody{
			DecisionNumber: r.DecisionNumber, LegalBasis: r.LegalBasis, Description: r.Description,
			Severity: r.Severity, PenaltyTypes: r.PenaltyTypes, Amount: r.Amount, TaxDue: r.TaxDue,
			Currency: r.Currency, ValidUntil: r.ValidUntil, SupersedesExternalID: r.SupersedesExternalID,
		})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("encodeRecordBody:\n got %s\nwant %s", got, want)
		}
	}
	nan := math.NaN()
	if _, err := encodeRecordBody(nil, &credo.Record{Amount: &nan}); err == nil {
		t.Error("NaN amount encoded")
	}
	if _, err := encodeRecordBody(nil, &credo.Record{Description: "bad \xff utf-8"}); err == nil {
		t.Error("invalid UTF-8 encoded")
	}
}

// TestRecordBodyDecoding holds the hand-written reader to json.Unmarshal:
// on what encodeRecordBody writes, which it must read without falling
// back, and on bodies of other forms.
func TestRecordBodyDecoding(t *testing.T) {
	for _, r := range bodyRecords() {
		body, err := encodeRecordBody(nil, r)
		if err != nil {
			t.Fatal(err)
		}
		var d bodyDecoder
		if !d.fast(new(credo.Record), body) && !bytes.ContainsRune(body, '\\') {
			t.Errorf("%s: not read by hand", body)
		}
		sameAsUnmarshal(t, body)
	}
	for _, body := range bodySeeds {
		sameAsUnmarshal(t, []byte(body))
	}
}

var bodySeeds = []string{
	`{}`, ` {}`, `{} `, `{"amount":1}`, `{"amount":-0}`, `{"amount":1e400}`, `{"amount":01}`, `{"amount":1.}`,
	`{"amount":.5}`, `{"amount":+1}`, `{"amount":0x10}`, `{"amount":1E+2,"tax_due":-3.5e-1}`, `{"amount":null}`,
	`{"amount":"1"}`, `{ "currency" : "CNY" }`, `{"currency":"CNY",}`, `{"currency":"CNY"}x`, `{"currency":"CNY"`,
	`{"currency":"CNY","currency":"USD"}`, `{"Currency":"CNY"}`, `{"unknown":1}`, `{"description":"a\\nb"}`,
	`{"description":"\u00e9"}`, "{\"description\":\"\xff\"}", "{\"description\":\"a\tb\"}", `{"penalty_types":[]}`,
	`{"penalty_types":["fine"]}`, `{"penalty_types":["fine",]}`, `{"penalty_types":["fine" ,"x"]}`, `{"penalty_types":null}`,
	`{"valid_until":""}`, `{"valid_until":"2024-01-02"}`, `{"valid_until":"2024-01-02T03:04:05+08:00"}`,
	`{"valid_until":"tomorrow"}`, `{"valid_until":1}`, `[]`, `null`, ``, `{`, `{"`, `{"amount"`, `{"amount":`,
}

func FuzzRecordBodyDecoding(f *testing.F) {
	for _, r := range bodyRecords() {
		body, _ := encodeRecordBody(nil, r)
		f.Add(body)
	}
	for _, body := range bodySeeds {
		f.Add([]byte(body))
	}
	f.Fuzz(sameAsUnmarshal)
}

// sameAsUnmarshal checks that bodyDecoder reads body as json.Unmarshal of
// a recordBody does: the same fields, or an error for both.
func sameAsUnmarshal(t *testing.T, body []byte) {
	t.Helper()
	var b recordBody
	wantErr := json.Unmarshal(body, &b)
	want := &credo.Record{DecisionNumber: b.DecisionNumber, LegalBasis: b.LegalBasis, Description: b.Description,
		Severity: b.Severity, PenaltyTypes: b.PenaltyTypes, Amount: b.Amount, TaxDue: b.TaxDue, Currency: b.Currency,
		ValidUntil: b.ValidUntil, SupersedesExternalID: b.SupersedesExternalID}
	for _, d := range []*bodyDecoder{{}, {strs: map[string]string{}}} {
		got := &credo.Record{Severity: "stale", Amount: new(float64)}
		err := d.decode(got, body)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, json.Unmarshal's %v", body, err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %+v\nwant %+v", body, got, want)
		}
	}
}

// BenchmarkRecordBodyDecoding reads a typical penalty's body by hand (as
// every read does) and with json.Unmarshal (the fallback).
func BenchmarkRecordBodyDecoding(b *testing.B) {
	amount := 5000.0
	body, err := encodeRecordBody(nil, &credo.Record{DecisionNumber: "深市监罚〔2025〕12号",
		LegalBasis: "《中华人民共和国产品质量法》第四十九条", Description: "生产、销售不符合保障人体健康和人身、财产安全的国家标准、行业标准的产品",
		Severity: "general", PenaltyTypes: []string{"warning", "fine"}, Amount: &amount, Currency: "CNY"})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("hand", func(b *testing.B) {
		d := bodyDecoder{strs: map[string]string{}}
		b.ReportAllocs()
		for b.Loop() {
			var r credo.Record
			if err := d.decode(&r, body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json.Unmarshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var r recordBody
			if err := json.Unmarshal(body, &r); err != nil {
				b.Fatal(err)
			}
		}
	})
}
