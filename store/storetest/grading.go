package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
)

func testGrading(t *testing.T, h Harness) {
	s := h.Open(t)
	gs := implemented[credo.GradingStore](t, s)
	// Registered: 0-5. With records: 3-8, so 3-5 have both and 6-8 are
	// known by their records alone.
	for i := range 6 {
		mustPut(t, s, subject(i))
	}
	mustPut(t, s, named(4, "新名称股份有限公司")) // two versions, visited once
	// 3's penalty is corrected twice and the first correction retracted;
	// its records are appended in batches among others' and decided out of
	// id order.
	orig := penalty(3, "G-1", 20)
	origID := mustCreate(t, s, orig, penalty(6, "G-2", 1), taxRecord(7, "G-3", 2))[0]
	fixA := correction(orig, "G-1-A", origID, "")
	earlier := taxRecord(3, "G-4", 1)
	created := mustCreate(t, s, penalty(8, "G-5", 3), fixA, earlier, penalty(4, "G-6", 4))
	fixAID, earlierID := created[1], created[2]
	fixB := correction(orig, "G-1-B", 0, "G-1")
	retract := correction(fixA, "G-1-R", 0, "G-1-A")
	retract.Kind = credo.KindRetraction
	created = mustCreate(t, s, fixB, penalty(5, "G-7", 5), retract)
	fixBID, retractID := created[0], created[2]
	mustCreate(t, s, taxRecord(6, "G-8", 6))
	want3 := []*credo.Record{
		stored(orig, origID, 0, fixBID), // the newest of the two corrections
		stored(fixA, fixAID, origID, retractID),
		stored(earlier, earlierID, 0, 0),
		stored(fixB, fixBID, origID, 0),
		stored(retract, retractID, fixAID, 0),
	}
	var visitable []string // every code EachSubject must visit, in order
	for i := range 9 {
		visitable = append(visitable, codes[i])
	}
	slices.Sort(visitable)

	t.Run("AllRecordsByID", func(t *testing.T) {
		got, err := gs.AllRecords(ctx, codes[3])
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "records of "+codes[3], got, want3)
	})

	t.Run("GradingInputsAsTheFourReads", func(t *testing.T) {
		s := h.Open(t)
		gs := implemented[credo.GradingStore](t, s)
		as := implemented[credo.AssessmentStore](t, s)
		mustPut(t, s, subject(3), named(4, "新名称股份有限公司"), subject(4))
		o := penalty(3, "I-1", 2)
		oid := mustCreate(t, s, o, penalty(6, "I-2", 3))[0]
		mustCreate(t, s, correction(o, "I-1-A", 0, "I-1"))
		mustCreateEntries(t, s, listEntry(3, abnormal, "I-9", 4), listEntry(6, serious, "I-8", 5))
		mustSave(t, as, change(assessment(3, 6, "B", dim{"market", "B", 80}), 6, credo.Cause{Kind: credo.CauseRecord, Record: oid}))
		// In the order asked, repeats and unknown codes included.
		ask := []string{codes[6], codes[3], "91350100M000100Y43", codes[4], codes[3]}
		got, err := gs.GradingInputs(ctx, ask)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(ask) {
			t.Fatalf("%d inputs for %d codes", len(got), len(ask))
		}
		for i, code := range ask {
			in := got[i]
			if in.Code != code {
				t.Fatalf("inputs %d are of %s, want %s", i, in.Code, code)
			}
			versions, err := s.SubjectVersions(ctx, code)
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				versions, err = []*credo.Subject{}, nil
			}
			if err != nil {
				t.Fatal(err)
			}
			wantSame(t, "versions of "+code, in.Versions, versions)
			records, err := gs.AllRecords(ctx, code)
			if err != nil {
				t.Fatal(err)
			}
			wantSame(t, "records of "+code, in.Records, records)
			wantSame(t, "entries of "+code, in.Entries, subjectEntries(t, s, code))
			current, err := as.CurrentAssessment(ctx, code)
			if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
				current, err = nil, nil
			}
			if err != nil {
				t.Fatal(err)
			}
			wantSame(t, "current assessment of "+code, in.Current, current)
		}
		if len(got[1].Records) != 2 || got[1].Records[0].SupersededBy == 0 || len(got[1].Entries) != 1 || got[1].Current == nil || len(got[3].Versions) != 2 {
			t.Errorf("inputs of %s and %s: %s", codes[3], codes[4], jsonOf(t, []*credo.Inputs{got[1], got[3]}))
		}
		if none, err := gs.GradingInputs(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("GradingInputs of no codes: %v, %v", none, err)
		}
		if _, err := gs.GradingInputs(ctx, make([]string, credo.MaxGradingInputs+1)); err == nil {
			t.Errorf("GradingInputs of %d codes: no error", credo.MaxGradingInputs+1)
		}
	})

	t.Run("AllRecordsNone", func(t *testing.T) {
		for _, code := range []string{codes[0], codes[9], "91350100M000100Y43"} {
			got, err := gs.AllRecords(ctx, code)
			if err != nil || len(got) != 0 {
				t.Errorf("AllRecords(%s): %d records, %v; want none", code, len(got), err)
			}
		}
	})

	t.Run("EachSubjectVisitsEveryCodeOnce", func(t *testing.T) {
		got := eachSubject(t, gs, "")
		if !slices.Equal(visited(got), visitable) {
			t.Fatalf("EachSubject visited %q, want %q (registered or with records, in code order)", visited(got), visitable)
		}
		for _, v := range got {
			want, err := gs.AllRecords(ctx, v.code)
			if err != nil {
				t.Fatal(err)
			}
			wantSame(t, "records given with "+v.code, v.records, want)
		}
		wantSame(t, "records given with "+codes[3], got[slices.Index(visitable, codes[3])].records, want3)
	})

	t.Run("EachSubjectResumesAfter", func(t *testing.T) {
		for k, code := range visitable {
			if got := visited(eachSubject(t, gs, code)); !slices.Equal(got, visitable[k+1:]) {
				t.Errorf("after %s: visited %q, want %q", code, got, visitable[k+1:])
			}
			// A code that is not stored, just after this one.
			if got := visited(eachSubject(t, gs, code+"0")); !slices.Equal(got, visitable[k+1:]) {
				t.Errorf("after %s0: visited %q, want %q", code, got, visitable[k+1:])
			}
		}
		if got := visited(eachSubject(t, gs, "~")); len(got) != 0 {
			t.Errorf("after every code: visited %q", got)
		}
	})

	t.Run("EachSubjectStopsOnError", func(t *testing.T) {
		stop := errors.New("enough")
		calls := 0
		err := gs.EachSubject(ctx, "", func(string, []*credo.Record) error {
			calls++
			if calls == 3 {
				return stop
			}
			return nil
		})
		if !errors.Is(err, stop) {
			t.Errorf("EachSubject returned %v, want fn's error", err)
		}
		if calls != 3 {
			t.Errorf("fn called %d times after returning an error on the 3rd", calls)
		}
	})

	t.Run("EachSubjectFnUsesTheStore", func(t *testing.T) {
		// A rescore reads each organization's registration data and
		// stores assessments while EachSubject runs.
		n := 0
		err := gs.EachSubject(ctx, "", func(code string, records []*credo.Record) error {
			if _, err := s.SubjectVersions(ctx, code); err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return err
			}
			if _, err := gs.AllRecords(ctx, code); err != nil {
				return err
			}
			if as, ok := s.(credo.AssessmentStore); ok {
				a := &credo.Assessment{Subject: code, AsOf: recorded, Grade: "A", Dimensions: map[string]*credo.Dimension{}}
				c := &credo.AssessmentChange{Subject: code, At: recorded, Cause: credo.Cause{Kind: credo.CauseRescore}, Assessment: a}
				if err := as.SaveAssessments(ctx, []*credo.AssessmentChange{c}); err != nil {
					return err
				}
			}
			n++
			return nil
		})
		if err != nil || n != len(visitable) {
			t.Errorf("EachSubject with a fn that uses the store: %v after %d of %d", err, n, len(visitable))
		}
	})

	t.Run("ManyOrganizations", func(t *testing.T) {
		// Enough organizations and records for a backend that reads in
		// chunks to cross chunk boundaries: every fixture code, 60
		// registered, 60 with records (from none to a few thousand).
		s := h.Open(t)
		gs := implemented[credo.GradingStore](t, s)
		for i := 0; i < 60; i += 20 {
			var batch []*credo.Subject
			for j := i; j < i+20; j++ {
				batch = append(batch, subject(j))
			}
			mustPut(t, s, batch...)
		}
		var batch []*credo.Record
		for i := 40; i < len(codes); i++ {
			n := i % 7
			if i == 45 {
				n = 2500
			}
			for k := range n {
				batch = append(batch, penalty(i, fmt.Sprintf("M-%d-%d", i, k), k%300))
			}
		}
		for len(batch) > 0 {
			n := min(len(batch), 1000)
			mustCreate(t, s, batch[:n]...)
			batch = batch[n:]
		}
		var want []string
		for i, code := range codes {
			if i < 60 || i%7 != 0 || i == 45 {
				want = append(want, code)
			}
		}
		slices.Sort(want)
		got := eachSubject(t, gs, "")
		if !slices.Equal(visited(got), want) {
			t.Fatalf("EachSubject visited %d codes %q, want %d %q", len(got), visited(got), len(want), want)
		}
		total := 0
		for _, v := range got {
			all, err := gs.AllRecords(ctx, v.code)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(v.records), ids(all)) {
				t.Errorf("%s: EachSubject gave records %v, AllRecords %v", v.code, ids(v.records), ids(all))
			}
			total += len(v.records)
		}
		if st, err := s.Stats(ctx); err != nil || int64(total) != st.Records {
			t.Errorf("EachSubject gave %d records, the store holds %+v (%v)", total, st, err)
		}
	})
}

// visit is one call of EachSubject's fn.
type visit struct {
	code    string
	records []*credo.Record
}

// eachSubject collects what EachSubject visits after after, checking that
// every organization's records are by id.
func eachSubject(t *testing.T, gs credo.GradingStore, after string) []visit {
	t.Helper()
	var out []visit
	err := gs.EachSubject(ctx, after, func(code string, records []*credo.Record) error {
		if !slices.IsSortedFunc(records, func(a, b *credo.Record) int { return int(a.ID - b.ID) }) {
			t.Errorf("records of %s not by id: %v", code, ids(records))
		}
		out = append(out, visit{code, records})
		return nil
	})
	if err != nil {
		t.Fatalf("EachSubject(%q): %v", after, err)
	}
	return out
}

func visited(vs []visit) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.code
	}
	return out
}
