package ingest_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/ingest"
	"github.com/credo-registry/credo/store/sqlite"
)

// flakyStage fails while broken and records what it was told of.
type flakyStage struct {
	mu       sync.Mutex
	broken   bool
	regraded map[string]credo.Cause
	told     []int64
}

func (g *flakyStage) Follow(_ context.Context, w *ingest.Written) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, r := range w.Created {
		g.told = append(g.told, r.ID)
	}
	if g.broken {
		return credo.ErrStorageFull(errors.New("database or disk is full"))
	}
	maps.Copy(g.regraded, w.Touched)
	return nil
}

// A write stored before its notices and regrading failed is answered as
// committed; what it owes is reported by Pending and completed by
// CompletePending (or the next write that succeeds), and only then is
// nothing pending. Running an import again regrades lines found stored.
func TestCommittedWriteOwesItsConsequences(t *testing.T) {
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
	g := &flakyStage{broken: true, regraded: map[string]credo.Cause{}}
	in := &ingest.Ingester{Store: db, Keyer: credo.HMACKeyer{Secret: []byte("k")}, Stages: []ingest.Stage{g}}
	line := func(n int, code string) ingest.Line {
		return ingest.Line{Number: 1, Data: fmt.Appendf(nil, `{"subject":%q,"category":"market","kind":"inspection","external_id":"x%d","occurred_at":"2025-01-02"}`, code, n)}
	}
	res, err := in.Records(ctx, a, []ingest.Line{line(1, "91110000600037341L")})
	if err != nil || res[0].Status != credo.Created {
		t.Fatalf("a stored write whose regrading failed must be answered as committed: %v %+v", err, res)
	}
	records, orgs, owed, since := in.Pending()
	if records != 1 || orgs != 1 || credo.ErrorCodeOf(owed) != credo.ESTORAGE || since.IsZero() {
		t.Fatalf("Pending: %d records, %d organizations, %v, %v", records, orgs, owed, since)
	}
	if err := in.CompletePending(ctx); credo.ErrorCodeOf(err) != credo.ESTORAGE {
		t.Fatalf("CompletePending while still broken: %v", err)
	}
	if records, orgs, _, _ := in.Pending(); records != 1 || orgs != 1 {
		t.Fatalf("a failed completion must keep what is owed: %d %d", records, orgs)
	}
	g.mu.Lock()
	g.broken = false
	g.mu.Unlock()
	if _, err := in.Records(ctx, a, []ingest.Line{line(2, "91110105MA0000015F")}); err != nil {
		t.Fatal(err)
	}
	if records, orgs, owed, _ := in.Pending(); records != 0 || orgs != 0 || owed != nil {
		t.Fatalf("the next write that succeeds completes what was owed: %d %d %v", records, orgs, owed)
	}
	if got := slices.Sorted(maps.Keys(g.regraded)); !slices.Equal(got, []string{"91110000600037341L", "91110105MA0000015F"}) {
		t.Fatalf("regraded %v", got)
	}
	// Notices are idempotent by key: the first record is told of again
	// with each attempt to complete what its write owed.
	if !slices.Contains(g.told, 1) || !slices.Contains(g.told, 2) {
		t.Fatalf("the stage was told of %v", g.told)
	}

	b := in.PrepareRecords(ctx, a, []ingest.Line{line(1, "91110000600037341L"), line(3, "91110000600037341L")})
	if _, err := in.CommitWith(ctx, b, func(r []*credo.Record) ([]credo.Outcome, error) { return db.AppendRecords(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	if len(b.Touched()) != 1 || len(b.Stored()) != 1 {
		t.Fatalf("Touched %v, Stored %v", b.Touched(), b.Stored())
	}
	b = in.PrepareRecords(ctx, a, []ingest.Line{line(1, "91110000600037341L")})
	if _, err := in.CommitWith(ctx, b, func(r []*credo.Record) ([]credo.Outcome, error) { return db.AppendRecords(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	if len(b.Touched()) != 0 || b.Stored()["91110000600037341L"].Kind != credo.CauseRecord {
		t.Fatalf("a line found stored: Touched %v, Stored %v", b.Touched(), b.Stored())
	}
}
