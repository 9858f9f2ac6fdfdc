package sqlite_test

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// TestRecordRoundTrip sets every field of credo.Record that a submission
// carries and checks that the store gives it back: the stored body holds
// only the fields that are not columns, and a field added to credo.Record
// must reach one or the other.
func TestRecordRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	target := &credo.Record{Subject: "91350100M000100Y43", Authority: "samr-350100", Category: "market",
		Kind: "licence", ExternalID: "L-1", OccurredAt: credo.NewTime(time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC))}
	r := new(credo.Record)
	v := reflect.ValueOf(r).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch name {
		case "ID", "SupersededBy", "Supersedes", "RepairedAt": // the registry's, or exclusive with SupersedesExternalID
			continue
		}
		fill(t, name, f)
	}
	r.Subject, r.Authority, r.SupersedesExternalID = target.Subject, target.Authority, target.ExternalID
	out, err := db.AppendRecords(ctx, []*credo.Record{target, r})
	if err != nil || out[1].Status != credo.Created {
		t.Fatalf("AppendRecords: %+v, %v", out, err)
	}
	got, err := db.Record(ctx, out[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *r
	want.ID, want.Supersedes = out[1].ID, out[0].ID
	g, _ := json.Marshal(got, json.Deterministic(true))
	w, _ := json.Marshal(&want, json.Deterministic(true))
	if string(g) != string(w) {
		t.Errorf("round trip:\n got %s\nwant %s", g, w)
	}
}

// fill sets f to a non-zero value of its type.
func fill(t *testing.T, name string, f reflect.Value) {
	t.Helper()
	switch f.Interface().(type) {
	case string:
		f.SetString("v-" + name)
	case []string:
		f.Set(reflect.ValueOf([]string{"a-" + name, "b-" + name}))
	case *float64:
		x := float64(len(name)) + 0.25
		f.Set(reflect.ValueOf(&x))
	case int64:
		f.SetInt(int64(len(name)))
	case bool:
		f.SetBool(true)
	case credo.Time:
		f.Set(reflect.ValueOf(credo.NewTime(time.Date(2021, 5, 6, 7, 8, 9, len(name)*1000, time.UTC))))
	default:
		t.Fatalf("credo.Record.%s has type %s, which this test cannot fill: teach it, and check the store keeps it", name, f.Type())
	}
}
