package ledger

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlite"
)

var ctx = context.Background()

func openStore(t testing.TB) *sqlite.DB {
	t.Helper()
	s, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func testLog(t testing.TB, s Store, origin string, seed byte) (*Log, string) {
	t.Helper()
	signer, vkey, err := Signer(origin, bytes.Repeat([]byte{seed}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return New(s, signer), vkey
}

// vectorLog stores the RFC 6962 test vectors' leaves as the ledger's
// first n leaves.
func vectorLog(t testing.TB, n int) *Log {
	t.Helper()
	l, _ := testLog(t, openStore(t), "example.org/vectors", 1)
	for i := range n {
		h := hasher.HashLeaf(vecLeaves[i])
		leaf := &credo.LedgerLeaf{Index: int64(i), Position: int64(i + 1), Type: "test", Ref: fmt.Sprint(i), Hash: h}
		if err := l.appendHashes(ctx, int64(i), []*credo.LedgerLeaf{leaf}, [][]byte{h}); err != nil {
			t.Fatal(err)
		}
	}
	return l
}

func TestRFC6962Vectors(t *testing.T) {
	l := vectorLog(t, len(vecLeaves))
	for n := 1; n <= len(vecLeaves); n++ {
		root, err := l.Root(ctx, uint64(n))
		if err != nil || !bytes.Equal(root, vecRoots[n-1]) {
			t.Errorf("root of %d leaves = %x, %v; want %x", n, root, err, vecRoots[n-1])
		}
	}
	for _, v := range vecInclusion {
		got, err := l.InclusionProof(ctx, v.leaf-1, v.size)
		if err != nil || !equalProofs(got, v.proof) {
			t.Errorf("inclusion proof of leaf %d in %d = %x, %v; want %x", v.leaf-1, v.size, got, err, v.proof)
		}
		cp := Checkpoint{Size: v.size, Root: vecRoots[v.size-1]}
		if err := VerifyInclusion(cp, v.leaf-1, hasher.HashLeaf(vecLeaves[v.leaf-1]), got); err != nil {
			t.Errorf("verifying leaf %d in %d: %v", v.leaf-1, v.size, err)
		}
	}
	for _, v := range vecConsistency {
		got, err := l.ConsistencyProof(ctx, v.leaf, v.size)
		if err != nil || !equalProofs(got, v.proof) {
			t.Errorf("consistency proof %d→%d = %x, %v; want %x", v.leaf, v.size, got, err, v.proof)
		}
		older, newer := Checkpoint{Size: v.leaf, Root: vecRoots[v.leaf-1]}, Checkpoint{Size: v.size, Root: vecRoots[v.size-1]}
		if err := VerifyConsistency(older, newer, got); err != nil {
			t.Errorf("verifying %d→%d: %v", v.leaf, v.size, err)
		}
	}
	// The checkpoint signed at size 8 carries the vectors' root.
	msg, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, vkey, _ := Signer("example.org/vectors", bytes.Repeat([]byte{1}, 32))
	cp, err := OpenCheckpoint(msg, vkey)
	if err != nil || cp.Size != 8 || !bytes.Equal(cp.Root, vecRoots[7]) {
		t.Fatalf("checkpoint = %+v, %v", cp, err)
	}
}

func equalProofs(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

func TestProofBadInput(t *testing.T) {
	l := vectorLog(t, 5)
	for _, c := range []struct {
		name        string
		index, size uint64
		field       string
	}{
		{"index beyond the tree", 5, 5, "index"},
		{"index beyond the size", 3, 2, "index"},
		{"size beyond the tree", 0, 6, "size"},
		{"size zero", 0, 0, "size"},
	} {
		_, err := l.InclusionProof(ctx, c.index, c.size)
		if e := credo.AsError(err); e == nil || e.Field != c.field {
			t.Errorf("%s: %v; want an error naming %s", c.name, err, c.field)
		}
	}
	if _, err := l.ConsistencyProof(ctx, 4, 2); credo.AsError(err) == nil || credo.AsError(err).Field != "from" {
		t.Errorf("sizes in the wrong order: %v; want an error naming from", err)
	}
	if _, err := l.ConsistencyProof(ctx, 2, 6); credo.AsError(err) == nil || credo.AsError(err).Field != "to" {
		t.Errorf("to beyond the tree: %v; want an error naming to", err)
	}
	// A proof of the wrong length does not verify.
	p, err := l.InclusionProof(ctx, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	cp := Checkpoint{Size: 5, Root: vecRoots[4]}
	leaf := hasher.HashLeaf(vecLeaves[2])
	if err := VerifyInclusion(cp, 2, leaf, p[:len(p)-1]); err == nil {
		t.Error("a short inclusion proof verified")
	}
	if err := VerifyInclusion(cp, 2, leaf, append(p, p[0])); err == nil {
		t.Error("a long inclusion proof verified")
	}
}

func TestIntegrateAndErase(t *testing.T) {
	s := openStore(t)
	l, vkey := testLog(t, s, "credo.test/log", 7)
	if err := s.CreateAuthority(ctx, &credo.Authority{ID: "samr", Name: "国家市场监督管理总局", Divisions: []string{"*"}, Categories: []string{"market"}}, "h"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendChanges(ctx, []*credo.Change{{Type: "test", Ref: "a", At: credo.NewTime(time.Now()), Data: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	n, err := l.Integrate(ctx)
	if err != nil || n != 2 {
		t.Fatalf("Integrate = %d, %v; want 2", n, err)
	}
	if n, err := l.Integrate(ctx); err != nil || n != 0 {
		t.Fatalf("Integrate again = %d, %v; want 0", n, err)
	}
	msg, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := OpenCheckpoint(msg, vkey)
	if err != nil || cp.Size != 2 {
		t.Fatalf("checkpoint %q: %+v, %v", msg, cp, err)
	}
	changes, err := s.Changes(ctx, credo.ChangeQuery{})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range changes {
		leaf, err := s.LedgerLeaf(ctx, int64(i))
		if err != nil {
			t.Fatal(err)
		}
		canon, _ := Canonical(c)
		if bytes.Contains(leaf.Hash, canon) || !bytes.Equal(leaf.Hash, LeafHash(leaf.Salt, canon)) {
			t.Fatalf("leaf %d does not commit to its change", i)
		}
		p, err := l.InclusionProof(ctx, uint64(i), cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		if err := VerifyInclusion(cp, uint64(i), LeafHash(leaf.Salt, canon), p); err != nil {
			t.Errorf("leaf %d: %v", i, err)
		}
		canon[len(canon)-2] ^= 1
		if err := VerifyInclusion(cp, uint64(i), LeafHash(leaf.Salt, canon), p); err == nil {
			t.Errorf("leaf %d: a changed entry verified", i)
		}
	}
	// Erasure keeps the tree, and is itself an entry.
	if err := l.Erase(ctx, 1, ""); credo.AsError(err) == nil || credo.AsError(err).Field != "reason" {
		t.Fatalf("Erase without a reason: %v", err)
	}
	if err := l.Erase(ctx, 1, "PIPL art. 47"); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Integrate(ctx); err != nil {
		t.Fatal(err)
	}
	msg, _ = l.Checkpoint(ctx)
	newer, err := OpenCheckpoint(msg, vkey)
	if err != nil || newer.Size != 3 {
		t.Fatalf("checkpoint after erasure: %+v, %v", newer, err)
	}
	p, err := l.ConsistencyProof(ctx, cp.Size, newer.Size)
	if err != nil || VerifyConsistency(cp, newer, p) != nil {
		t.Fatalf("the tree after erasure is not consistent with before: %v", err)
	}
	last, err := s.LedgerLeaf(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	erasure, err := s.Changes(ctx, credo.ChangeQuery{After: last.Position - 1, Upto: last.Position})
	if err != nil || len(erasure) != 1 || erasure[0].Type != ChangeLeafErased || erasure[0].Ref != "1" {
		t.Fatalf("erasure's leaf = %+v: %v, %v", last, erasure, err)
	}
}

func TestOpenCheckpointRefuses(t *testing.T) {
	l := vectorLog(t, 3)
	msg, err := l.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, good, _ := Signer("example.org/vectors", bytes.Repeat([]byte{1}, 32))
	_, otherKey, _ := Signer("example.org/vectors", bytes.Repeat([]byte{2}, 32))
	_, otherLog, _ := Signer("example.org/other", bytes.Repeat([]byte{1}, 32))
	// A file written by a shell or jq may end in more newlines.
	if cp, err := OpenCheckpoint(append(append([]byte(nil), msg...), "\n\n"...), good); err != nil || cp.Size != 3 {
		t.Errorf("a checkpoint with blank lines after it: %+v, %v", cp, err)
	}
	forged := bytes.Replace(msg, []byte("\n3\n"), []byte("\n4\n"), 1)
	for name, c := range map[string]struct {
		msg  []byte
		vkey string
		want string
	}{
		"another key":       {msg, otherKey, "not signed"},
		"another log's key": {msg, otherLog, "not signed"},
		"forged size":       {forged, good, "invalid signature"},
		"not a note":        {[]byte("hello"), good, "malformed"},
		"malformed key":     {msg, "nonsense", "verifier key"},
	} {
		if _, err := OpenCheckpoint(c.msg, c.vkey); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want an error saying %q", name, err, c.want)
		}
	}
	for _, text := range []string{"", "origin\n", "origin\nx\nAAAA\n", "origin\n3\nnot base64\n", "origin\n-1\n" + strings.Repeat("A", 44) + "\n"} {
		if _, err := ParseCheckpoint(text); err == nil {
			t.Errorf("ParseCheckpoint(%q) accepted it", text)
		}
	}
}

// FuzzVerifyInclusion: no proof but the true one makes a leaf verify, and
// nothing panics.
func FuzzVerifyInclusion(f *testing.F) {
	f.Add(uint64(2), uint64(5), []byte{0x5f}, 0)
	f.Add(uint64(9), uint64(3), []byte{}, 3)
	ref := vectorLog(f, len(vecLeaves))
	f.Fuzz(func(t *testing.T, index, size uint64, junk []byte, cut int) {
		size = size%8 + 1
		cp := Checkpoint{Size: size, Root: vecRoots[size-1]}
		var p [][]byte
		for len(junk) > 0 {
			n := min(len(junk), 32)
			p = append(p, junk[:n])
			junk = junk[n:]
		}
		leaf := hasher.HashLeaf(vecLeaves[index%8])
		err := VerifyInclusion(cp, index, leaf, p)
		if err == nil && (index >= size || !truth(ref, index, size, p)) {
			t.Fatalf("leaf %d of %d verified with a proof not the true one: %x", index, size, p)
		}
	})
}

// truth reports whether p is the true inclusion proof, from the tree the
// library builds over the vectors.
func truth(ref *Log, index, size uint64, p [][]byte) bool {
	want, err := ref.InclusionProof(ctx, index, size)
	return err == nil && equalProofs(want, p)
}

// TestAppendCanonical: the integrator's direct encoding is Canonical's,
// byte for byte, for changes as the log holds them and for odd ones.
func TestAppendCanonical(t *testing.T) {
	at := credo.NewTime(time.Date(2026, 3, 2, 8, 0, 0, 123456000, time.UTC))
	for _, c := range []*credo.Change{
		{Position: 1, Type: credo.ChangeRecordAccepted, Subject: "914403001922038216", Ref: "42", At: at,
			Data: []byte(`{"authority":"gd-amr","category":"market","kind":"penalty","external_id":"粤-1","occurred_at":"2025-03-14T00:00:00Z","digest":"ab","record":42}`)},
		{Position: 2, Type: credo.ChangeAuthorityCreated, Ref: "gd-amr", At: at, Data: []byte(`{"id":"gd-amr","role":"authority"}`)},
		{Position: 3, Type: credo.ChangeListEntryActive, Subject: "91340600MA2PBM9HXD", Ref: "7", At: at, Key: "list_entry.active:7", Data: []byte(`{"entry":7}`)},
		{Position: 4, Type: "test", Ref: `"<&>` + "\u2028\x7f", At: at, Data: []byte(`null`)},
		{Position: 5, Type: "test", Ref: "x", At: at, Data: []byte(`{ "a" : "b c" }`)},
		{Position: 6, Type: "test", Ref: "x", At: at, Data: []byte(`{"a":"\u00e9\n"}`)},
		{Position: 7, Type: "test", Ref: "x", Data: []byte(`[1,2.50,true]`)},
		{Position: 8, Type: "test", Ref: "bad \xff utf-8", At: at, Data: []byte(`{}`)},
	} {
		want, werr := Canonical(c)
		got, gerr := AppendCanonical([]byte("prefix"), c)
		if (werr == nil) != (gerr == nil) || (werr == nil && string(got) != "prefix"+string(want)) {
			t.Errorf("change %d: AppendCanonical = %s, %v; Canonical = %s, %v", c.Position, got, gerr, want, werr)
		}
	}
}
