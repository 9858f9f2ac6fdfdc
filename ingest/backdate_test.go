package ingest_test

import (
	"context"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/store/sqlite"
)

func TestBackdate(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := &credo.Authority{ID: "bj", Name: "北京市市场监督管理局", Divisions: []string{"11"}, Categories: []string{"market"}}
	if err := db.CreateAuthority(ctx, a, credo.HashToken("t")); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	in := &ingest.Ingester{Store: db, Keyer: credo.HMACKeyer{Secret: []byte("k")}, Now: func() time.Time { return now },
		Backdate: func(d time.Time) time.Time { return d.Add(72 * time.Hour) }}
	lines := []ingest.Line{
		{Number: 1, Data: []byte(`{"subject":"91110000600037341L","category":"market","kind":"inspection","external_id":"a","occurred_at":"2024-01-01"}`)},
		// Decided yesterday: three days later would be in the future, so now.
		{Number: 2, Data: []byte(`{"subject":"91110000600037341L","category":"market","kind":"inspection","external_id":"b","occurred_at":"2026-06-30"}`)},
	}
	res, err := in.Records(ctx, a, lines)
	if err != nil {
		t.Fatal(err)
	}
	want := []time.Time{time.Date(2024, 1, 4, 0, 0, 0, 0, time.UTC), now}
	for i, r := range res {
		rec, err := db.Record(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !rec.RecordedAt.Equal(want[i]) {
			t.Errorf("line %d recorded at %v, want %v", i+1, rec.RecordedAt, want[i])
		}
	}
}
