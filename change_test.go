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
			ExternalID: r.ExternalID, OccurredAt: r.OccurredAt, Digest: r.Digest(), Record: 42, Supersedes: sup})
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

// TestRecordDigest: the digest a record's change carries moves with every
// field the authority gave, and is what the record read back (with its
// supersedes resolved from an external id) recomputes.
func TestRecordDigest(t *testing.T) {
	amount := 200000.0
	base := credo.Record{Subject: "914403001922038216", Authority: "gd-amr", Category: "market", Kind: "penalty",
		ExternalID: "GD-MKT-2025-1", DecisionNumber: "粤市监处〔2025〕1号", LegalBasis: "《中华人民共和国广告法》第五十五条",
		PenaltyTypes: []string{"fine"}, Amount: &amount, OccurredAt: credo.NewTime(time.Date(2025, 3, 14, 0, 0, 0, 0, time.UTC))}
	d := base.Digest()
	if len(d) != 64 {
		t.Fatalf("digest %q is not a hex SHA-256", d)
	}
	other := 20000.0
	for name, edit := range map[string]func(r *credo.Record){
		"amount":          func(r *credo.Record) { r.Amount = &other },
		"decision number": func(r *credo.Record) { r.DecisionNumber = "粤市监处〔2025〕2号" },
		"description":     func(r *credo.Record) { r.Description = "虚假宣传" },
		"penalty types":   func(r *credo.Record) { r.PenaltyTypes = []string{"warning"} },
		"occurred at":     func(r *credo.Record) { r.OccurredAt = credo.NewTime(r.OccurredAt.AddDate(-1, 0, 0)) },
		"publish":         func(r *credo.Record) { r.Publish = true },
	} {
		r := base
		edit(&r)
		if r.Digest() == d {
			t.Errorf("editing the %s keeps the digest", name)
		}
	}
	// Registry-set fields are not the authority's statement.
	r := base
	r.ID, r.RecordedAt, r.SupersededBy = 7, credo.NewTime(time.Now()), 9
	if r.Digest() != d {
		t.Error("the registry's own fields move the digest")
	}
	// Named by external id, the resolved id read back hashes the same.
	r = base
	r.SupersedesExternalID = "GD-MKT-2024-9"
	submitted := r.Digest()
	r.Supersedes = 41
	if r.Digest() != submitted {
		t.Error("resolving supersedes_external_id moves the digest")
	}
}
