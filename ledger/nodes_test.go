package ledger

import (
	"bytes"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestSeveralNodes: three nodes over one PostgreSQL database integrate at
// once while changes arrive; one at a time signs, and every checkpoint
// any of them published is of one tree (each consistent with the last).
func TestSeveralNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	var nodes []*Log
	var stores []Store
	var vkey string
	for range 3 {
		s := pgtest.OpenSchema(t, dsn, schema)
		seed, err := s.Secret(ctx, KeySecret) // one key, made by the first
		if err != nil {
			t.Fatal(err)
		}
		signer, v, err := Signer("credo.test/nodes", seed)
		if err != nil {
			t.Fatal(err)
		}
		if vkey != "" && v != vkey {
			t.Fatal("the nodes made different keys")
		}
		vkey = v
		stores = append(stores, s)
		nodes = append(nodes, New(s, signer))
	}
	var wg sync.WaitGroup
	for i, l := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 20 {
				c := &credo.Change{Type: "test", Ref: "x", At: credo.NewTime(time.Unix(int64(j), 0)), Data: []byte(`{}`)}
				if _, err := stores[i].AppendChanges(ctx, []*credo.Change{c}); err != nil {
					t.Error(err)
					return
				}
				if _, err := l.Integrate(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if _, err := nodes[0].Integrate(ctx); err != nil {
		t.Fatal(err)
	}
	msg, err := nodes[1].Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	final, err := OpenCheckpoint(msg, vkey)
	if err != nil || final.Size != 60 {
		t.Fatalf("final checkpoint %+v, %v; want 60 leaves", final, err)
	}
	notes := pgtest.QueryStrings(t, schema, `SELECT convert_from(note, 'UTF8') FROM ledger_checkpoints ORDER BY size`)
	if len(notes) < 2 {
		t.Fatalf("%d checkpoints published", len(notes))
	}
	for _, n := range notes {
		cp, err := OpenCheckpoint([]byte(n), vkey)
		if err != nil {
			t.Fatal(err)
		}
		p, err := nodes[2].ConsistencyProof(ctx, cp.Size, final.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyConsistency(cp, final, p); err != nil && !(cp.Size == final.Size && bytes.Equal(cp.Root, final.Root)) {
			t.Errorf("checkpoint %d is not of the final tree: %v", cp.Size, err)
		}
	}
	for i := range int64(60) {
		leaf, err := stores[2].LedgerLeaf(ctx, i)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := nodes[0].InclusionProof(ctx, uint64(i), final.Size)
		if err := VerifyInclusion(final, uint64(i), leaf.Hash, p); err != nil {
			t.Errorf("leaf %d: %v", i, err)
		}
	}
}
