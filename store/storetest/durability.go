package storetest

import (
	"bytes"
	"testing"

	"github.com/credo-registry/credo"
)

func testDurability(t *testing.T, h Harness) {
	s := h.Open(t)
	populate(t, s)
	secret, err := s.Secret(ctx, "person-key")
	if err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, s)
	s = h.Reopen(t, s)
	if after := snapshot(t, s); after != before {
		t.Errorf("after reopening:\n got %s\nwant %s", after, before)
	}
	again, err := s.Secret(ctx, "person-key")
	if err != nil || !bytes.Equal(again, secret) {
		t.Errorf("secret after reopening %x, %v; want %x", again, err, secret)
	}
	recs, err := s.ScanRecords(ctx, 0, 1000)
	if err != nil || len(recs) == 0 {
		t.Fatal(err)
	}
	id := mustCreate(t, s, penalty(62, "2025-AFTER", 1))[0]
	if last := recs[len(recs)-1].ID; id <= last {
		t.Errorf("id after reopening %d, want above %d", id, last)
	}
	wantOutcome(t, "repeat after reopening", mustAppend(t, s, penalty(50, "C-050", 5))[0], credo.Exists, 0)
	mustPut(t, s, subject(62))
	s = h.Reopen(t, s)
	if _, err := s.Subject(ctx, codes[62]); err != nil {
		t.Errorf("subject stored after the first reopening: %v", err)
	}
	mustRecord(t, s, id)
}

// snapshot is everything a store shows, as one string.
func snapshot(t *testing.T, s credo.Store) string {
	t.Helper()
	st, err := s.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := s.ScanRecords(ctx, 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	subs, err := s.ScanSubjects(ctx, "", 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	auths, err := s.Authorities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found, err := s.SearchSubjects(ctx, credo.SubjectQuery{Q: "股份"})
	if err != nil {
		t.Fatal(err)
	}
	return jsonOf(t, []any{st, recs, subs, auths, found})
}
