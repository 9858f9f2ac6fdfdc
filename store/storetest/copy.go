package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/storecopy"
)

func testCopy(t *testing.T, h Harness) {
	src := h.Open(t)
	populate(t, src)
	populateDueProcess(t, src)
	dst := h.Open(t)
	reports := copyStore(t, src, dst, 0)
	wantCopy(t, src, dst)

	t.Run("Resumable", func(t *testing.T) {
		copyStore(t, src, dst, 0) // everything is already there
		wantCopy(t, src, dst)
	})

	t.Run("ResumesPartWay", func(t *testing.T) {
		// A copy interrupted part way, then run again from the start,
		// ends exact.
		for _, stop := range []int{reports / 4, reports / 2, reports * 3 / 4, reports - 1} {
			part := h.Open(t)
			copyStore(t, src, part, stop)
			copyStore(t, src, part, 0)
			wantCopy(t, src, part)
		}
	})

	t.Run("RestoreConflicts", func(t *testing.T) {
		testRestoreConflicts(t, src, dst)
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
		testCopyDueProcessGoesOn(t, src, dst)
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
		wantScanOrder(t, "ScanListEntries", func(after int64, n int) ([]int64, error) {
			es, err := src.ScanListEntries(ctx, after, n)
			return entryIDs(es), err
		})
		wantScanOrder(t, "ScanCases", func(after int64, n int) ([]int64, error) {
			cs, err := src.ScanCases(ctx, after, n)
			return caseIDs(cs), err
		})
		wantScanOrder(t, "ScanNotices", func(after int64, n int) ([]int64, error) {
			ns, err := src.ScanNotices(ctx, after, n)
			return noticeIDs(ns), err
		})
	})
}

// wantScanOrder checks a scan by id: all of it in pages of 1000 increases,
// and a page of 3 after the second id is the next three.
func wantScanOrder(t *testing.T, what string, scan func(after int64, n int) ([]int64, error)) {
	t.Helper()
	all, err := scan(0, 1000)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if len(all) < 5 {
		t.Fatalf("%s(0, 1000): ids %v, want at least 5", what, all)
	}
	for i := 1; i < len(all); i++ {
		if all[i] <= all[i-1] {
			t.Fatalf("%s ids %v not increasing", what, all)
		}
	}
	got, err := scan(all[1], 3)
	if err != nil || !slices.Equal(got, all[2:5]) {
		t.Errorf("%s(%d, 3) = %v, %v; want %v", what, all[1], got, err, all[2:5])
	}
	if got, err := scan(all[len(all)-1], 10); err != nil || len(got) != 0 {
		t.Errorf("%s after the last id: %v, %v; want none", what, got, err)
	}
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
	held := subject(56)
	held.Shareholders = []credo.Shareholder{{Type: "organization", Code: codes[57], Name: companies[57].name, Share: 70}}
	held.Officers = []credo.Officer{{Role: credo.RoleManager, Name: "赵敏", PersonKey: pk(3)}}
	other := subject(58)
	other.Officers = []credo.Officer{{Role: credo.RoleDirector, Name: "赵敏", PersonKey: pk(3)}}
	mustPut(t, s, held, other)
	if out, err := s.AppendRelationships(ctx, []*credo.Relationship{guarantee(59, 60, "C-G", 1)}); err != nil || out[0].Status != credo.Created {
		t.Fatalf("AppendRelationships: %v, %v", out, err)
	}
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

// copyStore copies src into dst as `credo copy` does (storecopy.Copy,
// which restores each part with the backend's Restore* and verifies the
// copy by checksums). With stop > 0 it is interrupted at its stop-th
// progress report while copying, as a copy killed part way is. It returns
// how many reports a whole copy made before verifying.
func copyStore(t *testing.T, src, dst credo.Store, stop int) int {
	t.Helper()
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	reports := 0
	_, err := storecopy.Copy(cctx, src, dst, func(p storecopy.Progress) {
		if p.Stage == "verify" {
			return
		}
		if reports++; reports == stop {
			cancel()
		}
	})
	if err != nil && !(stop > 0 && reports >= stop && errors.Is(err, context.Canceled)) {
		t.Fatalf("Copy (stop %d after %d reports): %v", stop, reports, err)
	}
	return reports
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
		{"relationships", func(s credo.Store) (any, error) { return s.ScanRelationships(ctx, 0, 1000) }},
		{"relationships of one", func(s credo.Store) (any, error) { return s.RelationshipHistory(ctx, codes[56]) }},
		{"people", func(s credo.Store) (any, error) { return s.PersonRoles(ctx, pk(3)) }},
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
	wantDueProcessCopy(t, src, dst)
}

func scanAllSubjects(t *testing.T, s credo.Store, n int) []*credo.Subject {
	t.Helper()
	subs, err := s.ScanSubjects(ctx, "", 0, n)
	if err != nil {
		t.Fatal(err)
	}
	return subs
}
