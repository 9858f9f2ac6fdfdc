package credo_test

import (
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// TestRecordChangerEncodesAsTheStruct: the two-step encoding of a record's
// change is byte for byte the JSON of RecordAcceptedChange, its canonical
// form.
func TestRecordChangerEncodesAsTheStruct(t *testing.T) {
	r := &credo.Record{Subject: "91340600MA2PBM9HXD", Authority: "huaibei-amr", Category: "market", Kind: "penalty",
		ExternalID: `淮"罚"\1`, OccurredAt: credo.NewTime(time.Date(2026, 3, 2, 8, 0, 0, 123456789, time.UTC)),
		RecordedAt: credo.NewTime(time.Date(2026, 7, 1, 12, 0, 0, 987654321, time.UTC))}
	for _, sup := range []int64{0, 41} {
		cs := credo.NewRecordChanger(r).Changes(42, sup)
		want, _ := json.Marshal(credo.RecordAcceptedChange{Authority: r.Authority, Category: r.Category, Kind: r.Kind,
			ExternalID: r.ExternalID, OccurredAt: r.OccurredAt, Record: 42, Supersedes: sup})
		if string(cs[0].Data) != string(want) {
			t.Errorf("supersedes %d: data %s, want %s", sup, cs[0].Data, want)
		}
		if cs[0].Ref != "42" || cs[0].Type != credo.ChangeRecordAccepted || !cs[0].At.Equal(r.RecordedAt.Truncate(time.Microsecond)) {
			t.Errorf("change %+v", cs[0])
		}
		if want := 1 + min(sup, 1); int64(len(cs)) != want {
			t.Errorf("supersedes %d: %d changes, want %d", sup, len(cs), want)
		}
	}
}
