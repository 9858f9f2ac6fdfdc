package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/credo-registry/credo"
)

func testAppend(t *testing.T, h Harness) {
	t.Run("CreatedWithIncreasingIDs", func(t *testing.T) {
		s := h.Open(t)
		first := mustCreate(t, s, penalty(0, "2024-001", 1), penalty(1, "2024-002", 2), taxRecord(0, "2024-001", 3))
		second := mustCreate(t, s, penalty(2, "2024-003", 4))
		all := append(first, second...)
		for i := 1; i < len(all); i++ {
			if all[i] <= all[i-1] {
				t.Errorf("ids %v do not increase in append order", all)
			}
		}
		got := mustRecord(t, s, first[1])
		wantSame(t, "stored record", got, stored(penalty(1, "2024-002", 2), first[1], 0, 0))
	})

	t.Run("ExistsOnIdenticalResubmission", func(t *testing.T) {
		s := h.Open(t)
		id := mustCreate(t, s, penalty(3, "2024-010", 1))[0]
		again := penalty(3, "2024-010", 1)
		again.RecordedAt = credo.NewTime(recorded.Add(24 * time.Hour)) // resubmitted the next day
		out := mustAppend(t, s, again, penalty(3, "2024-011", 2))
		wantOutcome(t, "resubmitted", out[0], credo.Exists, id)
		wantOutcome(t, "new in the same batch", out[1], credo.Created, 0)
		if got := mustRecord(t, s, id); !got.RecordedAt.Equal(recorded.Time) {
			t.Errorf("a repeat changed recorded_at to %s", got.RecordedAt)
		}
	})

	t.Run("ExistsWithinOneBatch", func(t *testing.T) {
		s := h.Open(t)
		out := mustAppend(t, s, penalty(4, "2024-020", 1), penalty(4, "2024-020", 1))
		wantOutcome(t, "first", out[0], credo.Created, 0)
		wantOutcome(t, "repeat in the batch", out[1], credo.Exists, out[0].ID)
	})

	t.Run("ConflictOnDifferentContent", func(t *testing.T) {
		s := h.Open(t)
		id := mustCreate(t, s, penalty(5, "2024-030", 1))[0]
		changed := penalty(5, "2024-030", 1)
		*changed.Amount = 9000
		out := mustAppend(t, s, changed, penalty(5, "2024-031", 1))
		wantRefused(t, "same external id, other amount", out[0], credo.ECONFLICT, "")
		wantOutcome(t, "the rest of the batch", out[1], credo.Created, 0)
		if got := mustRecord(t, s, id); *got.Amount != 5001 {
			t.Errorf("a conflicting resubmission changed the amount to %v", *got.Amount)
		}
		// The same within one batch.
		a, b := penalty(5, "2024-032", 1), penalty(5, "2024-032", 2)
		out = mustAppend(t, s, a, b)
		wantOutcome(t, "first in batch", out[0], credo.Created, 0)
		wantRefused(t, "conflicting in batch", out[1], credo.ECONFLICT, "")
	})

	t.Run("ExternalIDsPerAuthority", func(t *testing.T) {
		s := h.Open(t)
		a := penalty(6, "2024-040", 1)
		b := taxRecord(6, "2024-040", 1) // the tax authority's own 2024-040
		out := mustAppend(t, s, a, b)
		wantOutcome(t, "samr's", out[0], credo.Created, 0)
		wantOutcome(t, "tax's", out[1], credo.Created, 0)
	})

	t.Run("RefusedItemsDoNotStopTheBatch", func(t *testing.T) {
		s := h.Open(t)
		bad := penalty(7, "2024-050", 2)
		bad.Supersedes = 999999
		out := mustAppend(t, s, penalty(7, "2024-049", 1), bad, penalty(7, "2024-051", 3))
		wantOutcome(t, "before", out[0], credo.Created, 0)
		wantRefused(t, "unknown supersedes", out[1], credo.EINVALID, "supersedes")
		wantOutcome(t, "after", out[2], credo.Created, 0)
		if out[2].ID <= out[0].ID {
			t.Errorf("ids %d, %d do not increase", out[0].ID, out[2].ID)
		}
		page, err := s.SubjectRecords(ctx, codes[7], credo.RecordFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) != 2 {
			t.Errorf("%d records stored, want the 2 created", len(page.Records))
		}
	})

	t.Run("ErrorMeansNothingStored", func(t *testing.T) {
		s := h.Open(t)
		cancelled, cancel := context.WithCancel(ctx)
		cancel()
		out, err := s.AppendRecords(cancelled, []*credo.Record{penalty(8, "2024-060", 1)})
		if err == nil {
			if len(out) != 1 || out[0].Status != credo.Created {
				t.Fatalf("append with a cancelled context: %+v", out)
			}
			return // the backend finished before looking at the context
		}
		page, err := s.SubjectRecords(ctx, codes[8], credo.RecordFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) != 0 {
			t.Errorf("a failed append stored %d records", len(page.Records))
		}
		mustCreate(t, s, penalty(8, "2024-060", 1))
	})

	t.Run("LargeBatch", func(t *testing.T) {
		s := h.Open(t)
		batch := make([]*credo.Record, 2500)
		for i := range batch {
			batch[i] = penalty(i%len(codes), fmt.Sprintf("2024-B%05d", i), i%300)
		}
		got := mustCreate(t, s, batch...)
		for i := 1; i < len(got); i++ {
			if got[i] <= got[i-1] {
				t.Fatalf("ids %d, %d at %d do not increase", got[i-1], got[i], i)
			}
		}
		// Resubmitting the whole batch, with one change, stores nothing new.
		*batch[1234].Amount = 1
		out := mustAppend(t, s, batch...)
		for i, o := range out {
			if i == 1234 {
				wantRefused(t, "changed", o, credo.ECONFLICT, "")
				continue
			}
			if o.Status != credo.Exists || o.ID != got[i] {
				t.Fatalf("resubmitted %d: %+v, want exists %d", i, o, got[i])
			}
		}
		wantSame(t, "record in the middle", mustRecord(t, s, got[777]), stored(penalty(777%len(codes), "2024-B00777", 777%300), got[777], 0, 0))

		// New records with one stored record late in the batch.
		more := make([]*credo.Record, 2500)
		for i := range more {
			more[i] = penalty(i%len(codes), fmt.Sprintf("2024-M%05d", i), i%300)
		}
		more[2400] = penalty(2000%len(codes), "2024-B02000", 2000%300)
		out = mustAppend(t, s, more...)
		prev := got[len(got)-1]
		for i, o := range out {
			if i == 2400 {
				wantOutcome(t, "stored record late in a batch", o, credo.Exists, got[2000])
				continue
			}
			if o.Status != credo.Created || o.ID <= prev {
				t.Fatalf("new record %d: %+v, want created after id %d", i, o, prev)
			}
			prev = o.ID
		}
		if st, err := s.Stats(ctx); err != nil || st.Records != 2500+2499 {
			t.Errorf("stats %+v, %v; want %d records", st, err, 2500+2499)
		}
	})
}

func testSupersedes(t *testing.T, h Harness) {
	t.Run("ByID", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(10, "2024-100", 1)
		id := mustCreate(t, s, orig)[0]
		fix := correction(orig, "2024-100-C", id, "")
		fixID := mustCreate(t, s, fix)[0]
		wantSame(t, "correction", mustRecord(t, s, fixID), stored(fix, fixID, id, 0))
		wantSame(t, "superseded", mustRecord(t, s, id), stored(orig, id, 0, fixID))
	})

	t.Run("ByExternalID", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(11, "2024-110", 1)
		id := mustCreate(t, s, orig)[0]
		fix := correction(orig, "2024-110-C", 0, "2024-110")
		fixID := mustCreate(t, s, fix)[0]
		got := mustRecord(t, s, fixID)
		if got.Supersedes != id {
			t.Errorf("supersedes %d, want the resolved id %d", got.Supersedes, id)
		}
		if by := mustRecord(t, s, id).SupersededBy; by != fixID {
			t.Errorf("superseded_by %d, want %d", by, fixID)
		}
		// Resubmitting the correction as it was sent is a repeat.
		wantOutcome(t, "resubmitted correction", mustAppend(t, s, correction(orig, "2024-110-C", 0, "2024-110"))[0], credo.Exists, fixID)
	})

	t.Run("EarlierInTheSameBatch", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(12, "2024-120", 1)
		fix := correction(orig, "2024-120-C", 0, "2024-120")
		retract := correction(orig, "2024-120-R", 0, "2024-120-C")
		retract.Kind = credo.KindRetraction
		got := mustCreate(t, s, orig, fix, retract)
		if r := mustRecord(t, s, got[1]); r.Supersedes != got[0] {
			t.Errorf("correction supersedes %d, want %d", r.Supersedes, got[0])
		}
		if r := mustRecord(t, s, got[2]); r.Supersedes != got[1] {
			t.Errorf("retraction supersedes %d, want %d", r.Supersedes, got[1])
		}
		if r := mustRecord(t, s, got[1]); r.SupersededBy != got[2] {
			t.Errorf("correction superseded by %d, want %d", r.SupersededBy, got[2])
		}
	})

	t.Run("LaterInTheSameBatchRefused", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(13, "2024-130", 1)
		fix := correction(orig, "2024-130-C", 0, "2024-130")
		out := mustAppend(t, s, fix, orig)
		wantRefused(t, "supersedes a record later in the batch", out[0], credo.EINVALID, "supersedes")
		wantOutcome(t, "the original", out[1], credo.Created, 0)
	})

	t.Run("UnknownRefused", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(14, "2024-140", 1)
		id := mustCreate(t, s, orig)[0]
		out := mustAppend(t, s,
			correction(orig, "2024-140-A", id+1000, ""),
			correction(orig, "2024-140-B", 0, "2024-999"),
			penalty(14, "2024-141", 2),
		)
		wantRefused(t, "unknown id", out[0], credo.EINVALID, "supersedes")
		wantRefused(t, "unknown external id", out[1], credo.EINVALID, "supersedes")
		wantOutcome(t, "the rest", out[2], credo.Created, 0)
		if by := mustRecord(t, s, id).SupersededBy; by != 0 {
			t.Errorf("superseded by %d after refused corrections", by)
		}
	})

	t.Run("OtherAuthorityRefused", func(t *testing.T) {
		s := h.Open(t)
		theirs := taxRecord(15, "2024-150", 1)
		id := mustCreate(t, s, theirs)[0]
		mine := penalty(15, "2024-151", 2)
		byID := correction(mine, "2024-151-A", id, "")
		byExt := correction(mine, "2024-151-B", 0, "2024-150") // tax's external id, not samr's
		out := mustAppend(t, s, byID, byExt, mine)
		wantRefused(t, "another authority's record by id", out[0], credo.EINVALID, "supersedes")
		wantRefused(t, "another authority's external id", out[1], credo.EINVALID, "supersedes")
		wantOutcome(t, "the rest", out[2], credo.Created, 0)
	})

	t.Run("OtherSubjectRefused", func(t *testing.T) {
		s := h.Open(t)
		orig := penalty(16, "2024-160", 1)
		id := mustCreate(t, s, orig)[0]
		other := penalty(17, "2024-170", 2)
		out := mustAppend(t, s,
			correction(other, "2024-170-A", id, ""),
			correction(other, "2024-170-B", 0, "2024-160"),
		)
		wantRefused(t, "another subject's record by id", out[0], credo.EINVALID, "supersedes")
		wantRefused(t, "another subject's external id", out[1], credo.EINVALID, "supersedes")
	})
}
