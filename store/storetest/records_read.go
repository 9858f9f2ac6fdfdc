package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

func testReadRecords(t *testing.T, h Harness) {
	s := h.Open(t)
	const subj = 20
	// 30 records of one organization: penalties and tax records on 15
	// days, two per day, so that ties on the decision time are broken by id;
	// one penalty corrected. Plus another organization's record.
	var batch []*credo.Record
	for i := range 15 {
		batch = append(batch, penalty(subj, fmt.Sprintf("R-%02d", i), 40-2*i), taxRecord(subj, fmt.Sprintf("T-%02d", i), 40-2*i))
	}
	all := mustCreate(t, s, batch...)
	fix := correction(batch[4], "R-02-C", all[4], "")
	fixID := mustCreate(t, s, fix)[0]
	mustCreate(t, s, penalty(subj+1, "R-OTHER", 5))

	// want is every record of subj, newest decision first, ties by id
	// descending, as the store must return them.
	var want []*credo.Record
	for i, r := range batch {
		by := int64(0)
		if i == 4 {
			by = fixID
		}
		want = append(want, stored(r, all[i], 0, by))
	}
	want = append(want, stored(fix, fixID, all[4], 0))
	slices.SortStableFunc(want, func(a, b *credo.Record) int {
		if c := b.OccurredAt.Compare(a.OccurredAt.Time); c != 0 {
			return c
		}
		return int(b.ID - a.ID)
	})
	filter := func(keep func(r *credo.Record) bool) []*credo.Record {
		var out []*credo.Record
		for _, r := range want {
			if keep(r) {
				out = append(out, r)
			}
		}
		return out
	}

	t.Run("RecordNotFound", func(t *testing.T) {
		for _, id := range []int64{0, -1, fixID + 1000} {
			_, err := s.Record(ctx, id)
			wantError(t, fmt.Sprintf("Record(%d)", id), err, credo.ENOTFOUND, "")
		}
	})

	// Several records at once (the webhook worker's read): as Record
	// returns each, in the order asked, each once, those not stored left
	// out.
	t.Run("RecordsByID", func(t *testing.T) {
		var exp []*credo.Record
		for _, id := range []int64{fixID, all[4], all[0]} {
			r, err := s.Record(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			exp = append(exp, r)
		}
		got, err := s.RecordsByID(ctx, []int64{fixID, all[4], fixID + 1000, all[0], all[4]})
		if err != nil {
			t.Fatal(err)
		}
		wantSame(t, "records by id", got, exp)
		if got[1].SupersededBy != fixID || got[0].Supersedes != all[4] {
			t.Errorf("superseded by %d, supersedes %d; want %d and %d", got[1].SupersededBy, got[0].Supersedes, fixID, all[4])
		}
		if none, err := s.RecordsByID(ctx, nil); err != nil || len(none) != 0 {
			t.Errorf("no ids: %v, %v", none, err)
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		wantSame(t, "records", allRecords(t, s, codes[subj], credo.RecordFilter{}), want)
	})

	t.Run("CursorPagination", func(t *testing.T) {
		for _, limit := range []int{1, 2, 7, 30, 31, credo.MaxPageSize} {
			got := allRecords(t, s, codes[subj], credo.RecordFilter{Limit: limit})
			if !slices.Equal(ids(got), ids(want)) {
				t.Errorf("limit %d: ids %v, want %v", limit, ids(got), ids(want))
			}
		}
		page, err := s.SubjectRecords(ctx, codes[subj], credo.RecordFilter{Limit: len(want)})
		if err != nil || len(page.Records) != len(want) || page.Next != "" {
			t.Errorf("limit = count: %v, %d records, next %q; want all and no next", err, len(page.Records), page.Next)
		}
	})

	t.Run("Filters", func(t *testing.T) {
		from, to := t0.AddDate(0, 0, 14), t0.AddDate(0, 0, 30)
		for _, tc := range []struct {
			name string
			f    credo.RecordFilter
			keep func(r *credo.Record) bool
		}{
			{"category", credo.RecordFilter{Category: "tax"}, func(r *credo.Record) bool { return r.Category == "tax" }},
			{"kind", credo.RecordFilter{Kind: "correction"}, func(r *credo.Record) bool { return r.Kind == "correction" }},
			{"from inclusive", credo.RecordFilter{From: from}, func(r *credo.Record) bool { return !r.OccurredAt.Before(from) }},
			{"to exclusive", credo.RecordFilter{To: to}, func(r *credo.Record) bool { return r.OccurredAt.Before(to) }},
			{"from and to, paged", credo.RecordFilter{From: from, To: to, Limit: 3}, func(r *credo.Record) bool {
				return !r.OccurredAt.Before(from) && r.OccurredAt.Before(to)
			}},
			{"all at once", credo.RecordFilter{Category: "market", Kind: "penalty", From: from, To: to, Limit: 2}, func(r *credo.Record) bool {
				return r.Category == "market" && r.Kind == "penalty" && !r.OccurredAt.Before(from) && r.OccurredAt.Before(to)
			}},
			{"nothing", credo.RecordFilter{Category: "court"}, func(*credo.Record) bool { return false }},
		} {
			got := allRecords(t, s, codes[subj], tc.f)
			exp := filter(tc.keep)
			if !slices.Equal(ids(got), ids(exp)) {
				t.Errorf("%s: ids %v, want %v", tc.name, ids(got), ids(exp))
			}
		}
	})

	t.Run("SupersededByFilled", func(t *testing.T) {
		got := allRecords(t, s, codes[subj], credo.RecordFilter{Kind: "penalty", Limit: 4})
		n := 0
		for _, r := range got {
			if r.ID == all[4] {
				n++
				if r.SupersededBy != fixID {
					t.Errorf("record %d superseded by %d, want %d", r.ID, r.SupersededBy, fixID)
				}
			} else if r.SupersededBy != 0 {
				t.Errorf("record %d superseded by %d, want 0", r.ID, r.SupersededBy)
			}
		}
		if n != 1 {
			t.Errorf("the superseded record was listed %d times", n)
		}
	})

	t.Run("NoRecordsEmptyPage", func(t *testing.T) {
		for _, code := range []string{codes[subj+2], "91350100M000100Y43"} {
			page, err := s.SubjectRecords(ctx, code, credo.RecordFilter{})
			if err != nil {
				t.Fatalf("SubjectRecords of a code without records: %v", err)
			}
			if page == nil || len(page.Records) != 0 || page.Next != "" {
				t.Errorf("code without records: %+v, want an empty last page", page)
			}
		}
	})

	t.Run("PageSize", func(t *testing.T) {
		s := h.Open(t)
		var batch []*credo.Record
		for i := range credo.DefaultPageSize + 5 {
			batch = append(batch, penalty(subj, fmt.Sprintf("P-%03d", i), i))
		}
		mustCreate(t, s, batch...)
		page, err := s.SubjectRecords(ctx, codes[subj], credo.RecordFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) != credo.DefaultPageSize || page.Next == "" {
			t.Errorf("limit 0: %d records, next %q; want %d and a next page", len(page.Records), page.Next, credo.DefaultPageSize)
		}
		page, err = s.SubjectRecords(ctx, codes[subj], credo.RecordFilter{Limit: credo.MaxPageSize + 1})
		if err == nil && (len(page.Records) != len(batch) || page.Next != "") {
			t.Errorf("limit above the maximum: %d records, next %q", len(page.Records), page.Next)
		}
		if err != nil {
			wantError(t, "limit above the maximum", err, credo.EINVALID, "limit")
		}
		_, err = s.SubjectRecords(ctx, codes[subj], credo.RecordFilter{Limit: -1})
		wantError(t, "negative limit", err, credo.EINVALID, "limit")
		_, err = s.SubjectRecords(ctx, codes[subj], credo.RecordFilter{Cursor: "garbage"})
		wantError(t, "malformed cursor", err, credo.EINVALID, "cursor")
	})

	t.Run("SameTimeTiesByID", func(t *testing.T) {
		s := h.Open(t)
		at := time.Date(2024, 5, 6, 10, 0, 0, 0, time.UTC)
		var batch []*credo.Record
		for i := range 5 {
			r := penalty(subj, fmt.Sprintf("S-%d", i), 0)
			r.OccurredAt = credo.NewTime(at)
			batch = append(batch, r)
		}
		got := mustCreate(t, s, batch...)
		slices.Reverse(got)
		if ids := ids(allRecords(t, s, codes[subj], credo.RecordFilter{Limit: 2})); !slices.Equal(ids, got) {
			t.Errorf("same decision time: ids %v, want %v (descending)", ids, got)
		}
	})
}
