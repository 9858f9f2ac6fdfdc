package storetest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
)

func testCopy(t *testing.T, h Harness) {
	src := h.Open(t)
	populate(t, src)
	dst := h.Open(t)
	copyStore(t, src, dst, 7)
	wantCopy(t, src, dst)

	t.Run("Resumable", func(t *testing.T) {
		copyStore(t, src, dst, 5) // everything is already there
		wantCopy(t, src, dst)
	})

	t.Run("ContinuesAfterCopy", func(t *testing.T) {
		last, err := src.ScanRecords(ctx, 0, 1000)
		if err != nil || len(last) == 0 {
			t.Fatal(err)
		}
		maxID := last[len(last)-1].ID
		id := mustCreate(t, dst, penalty(60, "2025-NEW", 3))[0]
		if id <= maxID {
			t.Errorf("first id after the copy %d, want above %d", id, maxID)
		}
		// Resubmissions of copied records are repeats, with their ids.
		orig := penalty(50, "C-050", 5) // as populate stored it
		byExt := correction(orig, "C-050-X", 0, "C-050")
		for _, r := range last {
			if r.Authority == samr && (r.ExternalID == "C-050" || r.ExternalID == "C-050-X") {
				want := r.ID
				again := orig
				if r.ExternalID == "C-050-X" {
					again = byExt
				}
				wantOutcome(t, "resubmitted "+r.ExternalID, mustAppend(t, dst, again)[0], credo.Exists, want)
			}
		}
	})

	t.Run("ScanOrder", func(t *testing.T) {
		recs, err := src.ScanRecords(ctx, 3, 4)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4 || recs[0].ID <= 3 {
			t.Fatalf("ScanRecords(3, 4): ids %v", ids(recs))
		}
		for i := 1; i < len(recs); i++ {
			if recs[i].ID <= recs[i-1].ID {
				t.Errorf("ScanRecords ids %v not increasing", ids(recs))
			}
		}
		subs, err := src.ScanSubjects(ctx, codes[50], 1, 3)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range subs {
			got = append(got, fmt.Sprintf("%s/%d", s.Code, s.Version))
		}
		all := scanAllSubjects(t, src, 1000)
		var want []string
		for _, s := range all {
			if k := fmt.Sprintf("%s/%d", s.Code, s.Version); s.Code > codes[50] || s.Code == codes[50] && s.Version > 1 {
				want = append(want, k)
			}
		}
		if len(want) > 3 {
			want = want[:3]
		}
		if !slices.Equal(got, want) {
			t.Errorf("ScanSubjects(%s, 1, 3) = %v, want %v", codes[50], got, want)
		}
	})
}

// populate fills a store with a bit of everything.
func populate(t *testing.T, s credo.Store) {
	t.Helper()
	for i := 50; i < 62; i++ {
		mustPut(t, s, subject(i))
	}
	mustPut(t, s, named(51, "第二名称股份有限公司", companies[51].name))
	mustPut(t, s, named(51, "第三名称股份有限公司", "第二名称股份有限公司", companies[51].name))
	mustPut(t, s, named(55, "新名称有限公司"))
	var batch []*credo.Record
	for i := 50; i < 62; i++ {
		batch = append(batch, penalty(i, fmt.Sprintf("C-%03d", i), i-45), taxRecord(i, fmt.Sprintf("C-%03d", i), i-40))
	}
	ids := mustCreate(t, s, batch...)
	mustCreate(t, s, correction(batch[0], "C-050-X", 0, "C-050"), correction(batch[2], "C-051-X", ids[2], ""))
	for i, id := range []string{"samr-340600", "tax-340600"} {
		_, hash := credo.NewToken()
		a := authority(id, "机构"+id, "3406")
		if err := s.CreateAuthority(ctx, a, hash); err != nil {
			t.Fatal(err)
		}
		for range i {
			_, more := credo.NewToken()
			if err := s.AddToken(ctx, id, more); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := s.Secret(ctx, "person-key"); err != nil {
		t.Fatal(err)
	}
}

// copyStore copies everything from src to dst in pages of n, as a copy
// command would.
func copyStore(t *testing.T, src, dst credo.Store, n int) {
	t.Helper()
	auths, err := src.Authorities(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auths {
		tokens, err := src.AuthorityTokens(ctx, a.ID)
		if err != nil || len(tokens) == 0 {
			t.Fatalf("AuthorityTokens(%s): %v, %v", a.ID, tokens, err)
		}
		if err := dst.CreateAuthority(ctx, a, tokens[0]); err != nil && credo.ErrorCodeOf(err) != credo.ECONFLICT {
			t.Fatalf("CreateAuthority: %v", err)
		}
		for _, tok := range tokens[1:] {
			if err := dst.AddToken(ctx, a.ID, tok); err != nil && credo.ErrorCodeOf(err) != credo.ECONFLICT {
				t.Fatalf("AddToken: %v", err)
			}
		}
	}
	secret, err := src.Secret(ctx, "person-key")
	if err != nil {
		t.Fatal(err)
	}
	if err := dst.RestoreSecret(ctx, "person-key", secret); err != nil {
		t.Fatal(err)
	}
	code, version := "", 0
	for {
		subs, err := src.ScanSubjects(ctx, code, version, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) == 0 {
			break
		}
		if err := dst.RestoreSubjects(ctx, subs); err != nil {
			t.Fatalf("RestoreSubjects: %v", err)
		}
		last := subs[len(subs)-1]
		code, version = last.Code, last.Version
	}
	var after int64
	for {
		recs, err := src.ScanRecords(ctx, after, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) == 0 {
			break
		}
		if err := dst.RestoreRecords(ctx, recs); err != nil {
			t.Fatalf("RestoreRecords: %v", err)
		}
		after = recs[len(recs)-1].ID
	}
}

// wantCopy checks that dst holds exactly what src holds.
func wantCopy(t *testing.T, src, dst credo.Store) {
	t.Helper()
	for _, f := range []struct {
		what string
		get  func(s credo.Store) (any, error)
	}{
		{"stats", func(s credo.Store) (any, error) { return s.Stats(ctx) }},
		{"authorities", func(s credo.Store) (any, error) { return s.Authorities(ctx) }},
		{"records", func(s credo.Store) (any, error) { return s.ScanRecords(ctx, 0, 1000) }},
		{"subject versions", func(s credo.Store) (any, error) { return s.ScanSubjects(ctx, "", 0, 1000) }},
		{"search", func(s credo.Store) (any, error) { return s.SearchSubjects(ctx, credo.SubjectQuery{Q: "名称"}) }},
		{"division", func(s credo.Store) (any, error) { return s.SearchSubjects(ctx, credo.SubjectQuery{Division: "34"}) }},
		{"secret", func(s credo.Store) (any, error) { return s.Secret(ctx, "person-key") }},
	} {
		a, err := f.get(src)
		if err != nil {
			t.Fatalf("source %s: %v", f.what, err)
		}
		b, err := f.get(dst)
		if err != nil {
			t.Fatalf("copy %s: %v", f.what, err)
		}
		wantSame(t, f.what, b, a)
	}
	for i := 50; i < 62; i++ {
		for _, get := range []func(s credo.Store) (any, error){
			func(s credo.Store) (any, error) { return s.SubjectVersions(ctx, codes[i]) },
			func(s credo.Store) (any, error) { return s.Subject(ctx, codes[i]) },
			func(s credo.Store) (any, error) { return s.SubjectRecords(ctx, codes[i], credo.RecordFilter{}) },
		} {
			a, err1 := get(src)
			b, err2 := get(dst)
			if err1 != nil || err2 != nil {
				t.Fatalf("%s: %v, %v", codes[i], err1, err2)
			}
			wantSame(t, codes[i], b, a)
		}
	}
	recs, _ := src.ScanRecords(ctx, 0, 1000)
	for _, r := range recs {
		wantSame(t, fmt.Sprint("record ", r.ID), mustRecord(t, dst, r.ID), mustRecord(t, src, r.ID))
	}
	auths, _ := src.Authorities(ctx)
	for _, a := range auths {
		tokens, _ := src.AuthorityTokens(ctx, a.ID)
		copied, _ := dst.AuthorityTokens(ctx, a.ID)
		slices.Sort(tokens)
		slices.Sort(copied)
		if !slices.Equal(tokens, copied) {
			t.Errorf("tokens of %s: %v, want %v", a.ID, copied, tokens)
		}
		for _, tok := range tokens {
			if got, err := dst.AuthorityByToken(ctx, tok); err != nil || got.ID != a.ID {
				t.Errorf("copied token of %s: %v, %v", a.ID, got, err)
			}
		}
	}
	s1, _ := src.Secret(ctx, "person-key")
	s2, _ := dst.Secret(ctx, "person-key")
	if !bytes.Equal(s1, s2) {
		t.Error("the secret was not copied")
	}
}

func scanAllSubjects(t *testing.T, s credo.Store, n int) []*credo.Subject {
	t.Helper()
	subs, err := s.ScanSubjects(ctx, "", 0, n)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}
