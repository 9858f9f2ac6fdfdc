package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/credo-registry/credo"
)

func hash32(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func testLedger(t *testing.T, h Harness) {
	s := h.Open(t)
	if size, pos, err := s.LedgerSize(ctx); err != nil || size != 0 || pos != 0 {
		t.Fatalf("LedgerSize of an empty ledger = %d, %d, %v", size, pos, err)
	}
	if _, err := s.Checkpoint(ctx); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("Checkpoint of an empty ledger: %v; want not_found", err)
	}
	if err := s.CreateAuthority(ctx, authority(samr, "淮北市市场监督管理局", "3406"), "hash-a"); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, subject(0))
	p := penalty(0, "2024-001", 1)
	ids := mustCreate(t, s, p)
	changes := allChanges(t, s, credo.ChangeQuery{})
	if len(changes) < 3 {
		t.Fatalf("%d changes, want at least 3", len(changes))
	}
	var leaves []*credo.LedgerLeaf
	for i, c := range changes[:2] { // not found by LedgerIndex: no Type
		leaves = append(leaves, &credo.LedgerLeaf{Index: int64(i), Position: c.Position,
			Salt: hash32(byte(10 + i)), Hash: hash32(byte(20 + i))})
	}
	nodes := []*credo.LedgerNode{
		{LedgerNodeID: credo.LedgerNodeID{Level: 0, Index: 0}, Hash: hash32(20)},
		{LedgerNodeID: credo.LedgerNodeID{Level: 0, Index: 1}, Hash: hash32(21)},
		{LedgerNodeID: credo.LedgerNodeID{Level: 1, Index: 0}, Hash: hash32(30)},
	}
	if err := s.IntegrateLeaves(ctx, 0, leaves, nodes, []byte("checkpoint 2\n")); err != nil {
		t.Fatal(err)
	}
	// Another node that read size 0 too loses.
	if err := s.IntegrateLeaves(ctx, 0, leaves[:1], nil, []byte("stale\n")); credo.ErrorCodeOf(err) != credo.ECONFLICT {
		t.Fatalf("IntegrateLeaves at a stale size: %v; want conflict", err)
	}
	c := changes[2]
	if err := s.IntegrateLeaves(ctx, 2, []*credo.LedgerLeaf{{Index: 2, Position: c.Position, Type: c.Type, Ref: c.Ref,
		Salt: hash32(12), Hash: hash32(22)}}, []*credo.LedgerNode{{LedgerNodeID: credo.LedgerNodeID{Level: 0, Index: 2}, Hash: hash32(22)}},
		[]byte("checkpoint 3\n")); err != nil {
		t.Fatal(err)
	}
	if size, pos, err := s.LedgerSize(ctx); err != nil || size != 3 || pos != c.Position {
		t.Fatalf("LedgerSize = %d, %d, %v; want 3, %d", size, pos, err, c.Position)
	}
	if cp, err := s.Checkpoint(ctx); err != nil || string(cp) != "checkpoint 3\n" {
		t.Fatalf("Checkpoint = %q, %v; want the latest", cp, err)
	}
	got, err := s.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 1, Index: 0}, {Level: 0, Index: 2}})
	if err != nil || !bytes.Equal(got[0], hash32(30)) || !bytes.Equal(got[1], hash32(22)) {
		t.Fatalf("LedgerNodes = %x, %v", got, err)
	}
	if _, err := s.LedgerNodes(ctx, []credo.LedgerNodeID{{Level: 1, Index: 1}}); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("LedgerNodes of a node not stored: %v; want not_found", err)
	}
	l, err := s.LedgerLeaf(ctx, 1)
	if err != nil || l.Position != changes[1].Position || !bytes.Equal(l.Salt, hash32(11)) || !bytes.Equal(l.Hash, hash32(21)) {
		t.Fatalf("LedgerLeaf(1) = %+v, %v", l, err)
	}
	all, err := s.LedgerLeaves(ctx, 1, 10)
	if err != nil || len(all) != 2 || all[0].Index != 1 || all[1].Index != 2 || all[1].Position != c.Position ||
		!bytes.Equal(all[1].Salt, hash32(12)) || !bytes.Equal(all[1].Hash, hash32(22)) {
		t.Fatalf("LedgerLeaves(1, 10) = %+v, %v", all, err)
	}
	if got, err := s.LedgerLeaves(ctx, 0, 1); err != nil || len(got) != 1 || got[0].Index != 0 {
		t.Fatalf("LedgerLeaves(0, 1) = %+v, %v", got, err)
	}
	if got, err := s.LedgerLeaves(ctx, 3, 10); err != nil || len(got) != 0 {
		t.Fatalf("LedgerLeaves beyond the tree = %+v, %v", got, err)
	}
	cps, err := s.LedgerCheckpoints(ctx, 0, 10)
	if err != nil || len(cps) != 2 || cps[0].Size != 2 || string(cps[0].Note) != "checkpoint 2\n" || cps[1].Size != 3 {
		t.Fatalf("LedgerCheckpoints = %+v, %v", cps, err)
	}
	if cps, err := s.LedgerCheckpoints(ctx, 2, 10); err != nil || len(cps) != 1 || cps[0].Size != 3 {
		t.Fatalf("LedgerCheckpoints after 2 = %+v, %v", cps, err)
	}
	if _, err := s.LedgerIndex(ctx, changes[0].Type, changes[0].Ref); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("LedgerIndex of a leaf given without its Type: %v; want not_found", err)
	}
	if _, err := s.LedgerLeaf(ctx, 3); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("LedgerLeaf beyond the tree: %v; want not_found", err)
	}
	if idx, err := s.LedgerIndex(ctx, credo.ChangeRecordAccepted, fmt.Sprint(ids[0])); err != nil || idx != 2 {
		t.Fatalf("LedgerIndex of the record = %d, %v; want 2", idx, err)
	}
	if _, err := s.LedgerIndex(ctx, credo.ChangeRecordAccepted, "999999"); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("LedgerIndex of no record: %v; want not_found", err)
	}

	// Erasure forgets the salt and the change's content, and keeps the hash.
	if err := s.EraseLeaf(ctx, 2); err != nil {
		t.Fatal(err)
	}
	l, err = s.LedgerLeaf(ctx, 2)
	if err != nil || l.Salt != nil || !bytes.Equal(l.Hash, hash32(22)) {
		t.Fatalf("erased leaf = %+v, %v; want no salt and the hash kept", l, err)
	}
	after := allChanges(t, s, credo.ChangeQuery{After: c.Position - 1, Upto: c.Position})
	if len(after) != 1 || string(after[0].Data) != "null" {
		t.Fatalf("erased change's data = %s; want null", after[0].Data)
	}
	if err := s.EraseLeaf(ctx, 7); credo.ErrorCodeOf(err) != credo.ENOTFOUND {
		t.Fatalf("EraseLeaf beyond the tree: %v; want not_found", err)
	}
}
