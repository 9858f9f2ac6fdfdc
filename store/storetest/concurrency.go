package storetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/credo-registry/credo"
)

func testConcurrency(t *testing.T, h Harness) {
	t.Run("SameExternalID", func(t *testing.T) {
		s := h.Open(t)
		const n = 12
		outs := make([]credo.Outcome, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				var out []credo.Outcome
				out, errs[i] = s.AppendRecords(ctx, []*credo.Record{penalty(70, "2024-700", 1)})
				if len(out) == 1 {
					outs[i] = out[0]
				}
			})
		}
		close(start)
		wg.Wait()
		created, exists := 0, 0
		var id int64
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("appender %d: %v", i, errs[i])
			}
			switch outs[i].Status {
			case credo.Created:
				created++
				id = outs[i].ID
			case credo.Exists:
				exists++
			default:
				t.Errorf("appender %d: %+v", i, outs[i])
			}
		}
		if created != 1 || exists != n-1 {
			t.Fatalf("%d created and %d exists, want 1 and %d", created, exists, n-1)
		}
		for i := range n {
			if outs[i].ID != id {
				t.Errorf("appender %d got id %d, want %d", i, outs[i].ID, id)
			}
		}
	})

	t.Run("DistinctRecords", func(t *testing.T) {
		s := h.Open(t)
		const workers, batches, size = 6, 5, 40
		ids := make([][]int64, workers)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for b := range batches {
					var batch []*credo.Record
					for i := range size {
						batch = append(batch, penalty((w*7+i)%len(codes), fmt.Sprintf("W%d-%d-%d", w, b, i), i))
					}
					out, err := s.AppendRecords(ctx, batch)
					if err != nil {
						errs <- err
						return
					}
					var prev int64
					for _, o := range out {
						if o.Status != credo.Created || o.ID <= prev {
							errs <- fmt.Errorf("worker %d batch %d: outcome %+v after id %d", w, b, o, prev)
							return
						}
						prev = o.ID
						ids[w] = append(ids[w], o.ID)
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		seen := map[int64]bool{}
		for _, list := range ids {
			for _, id := range list {
				if seen[id] {
					t.Fatalf("id %d given twice", id)
				}
				seen[id] = true
			}
		}
		st, err := s.Stats(ctx)
		if err != nil || st.Records != workers*batches*size || len(seen) != workers*batches*size {
			t.Errorf("stats %+v (%v), %d ids; want %d records", st, err, len(seen), workers*batches*size)
		}
	})

	t.Run("SameSubject", func(t *testing.T) {
		s := h.Open(t)
		const n = 8
		outs := make([]credo.Outcome, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			wg.Go(func() {
				<-start
				out, err := s.PutSubjects(ctx, []*credo.Subject{subject(71)})
				if err != nil {
					t.Errorf("PutSubjects: %v", err)
					return
				}
				outs[i] = out[0]
			})
		}
		close(start)
		wg.Wait()
		created := 0
		for _, o := range outs {
			if o.Status == credo.Created {
				created++
			} else if o.Status != credo.Exists || o.ID != 1 {
				t.Errorf("outcome %+v, want exists 1", o)
			}
		}
		if created != 1 {
			t.Errorf("%d created, want 1", created)
		}
	})
}
