package sqlite

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// TestRecordBodyEncoding holds the hand-written encoder to json.Marshal.
func TestRecordBodyEncoding(t *testing.T) {
	amount, due, tiny, huge := 5000.5, 0.0, 1e-7, 1e12
	for _, r := range []*credo.Record{
		{},
		{Description: "a \"quoted\" <tag> & 反斜杠\\ \t tab\n新行"},
		{DecisionNumber: "深市监罚〔2025〕12号", LegalBasis: "《中华人民共和国产品质量法》第四十九条", Description: "罚款",
			Severity: "general", PenaltyTypes: []string{"warning", "fine"}, Amount: &amount, TaxDue: &due, Currency: "CNY",
			ValidUntil:           credo.NewTime(time.Date(2027, 3, 1, 9, 30, 0, 123456789, time.UTC)),
			SupersedesExternalID: "X-1"},
		{PenaltyTypes: []string{"closure"}, Amount: &tiny, TaxDue: &huge},
		{Currency: "CNY"},
	} {
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
