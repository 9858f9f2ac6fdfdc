package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/credo-registry/credo"
)

// TestChangeSpansReadAsWritten checks that a batch's record.accepted
// changes, kept as span rows (migration 0019), read exactly as the changes
// the records make when written one by one: positions, types, subjects,
// refs, times and data byte for byte, under every way of paging and
// filtering the log.
func TestChangeSpansReadAsWritten(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(50)
	var want []*credo.Change
	var pos int64
	for _, size := range []int{1, 2, 300, 1, 3, 250} {
		batch := w.batch(size)
		if size == 3 {
			batch[1].RecordedAt = credo.Time{} // written out: its change takes the time of the write
		}
		out, err := db.AppendRecords(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		for i, o := range out {
			if o.Status != credo.Created {
				t.Fatalf("outcome %+v", o)
			}
			stored, err := db.Record(ctx, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range credo.NewRecordChanger(batch[i]).Changes(o.ID, stored.Supersedes) {
				pos++
				c.Position = pos
				if batch[i].RecordedAt.IsZero() {
					c.At = credo.Time{} // the time of the write: not compared
				}
				want = append(want, c)
			}
		}
	}
	withdrawn := 0
	for _, c := range want {
		if c.Type == credo.ChangeRecordWithdrawn {
			withdrawn++
		}
	}
	if withdrawn == 0 {
		t.Fatal("the workload made no corrections: the test would not see a span broken by one")
	}
	got := readAll(t, db, credo.ChangeQuery{Limit: 1000})
	if err := sameChanges(got, want); err != nil {
		t.Fatalf("whole log: %v", err)
	}
	if head, err := db.Head(ctx); err != nil || head != pos {
		t.Fatalf("Head = %d, %v; want %d", head, err, pos)
	}
	subjects := []string{want[5].Subject, want[400].Subject}
	for _, q := range []credo.ChangeQuery{
		{Limit: 1}, {Limit: 7}, {Limit: 100},
		{After: 4, Limit: 3}, {After: 150, Upto: 160, Limit: 4}, {After: 160, Upto: 150, Limit: 4},
		{Types: []string{credo.ChangeRecordWithdrawn}, Limit: 2},
		{Types: []string{credo.ChangeRecordAccepted}, After: 10, Limit: 50},
		{Subjects: subjects, Limit: 2}, {Subjects: subjects, After: 300, Upto: 500, Limit: 1000},
	} {
		var wantQ []*credo.Change
		for _, c := range want {
			if c.Position > q.After && (q.Upto == 0 || c.Position <= q.Upto) &&
				(q.Types == nil || slices.Contains(q.Types, c.Type)) &&
				(q.Subjects == nil || slices.Contains(q.Subjects, c.Subject)) {
				wantQ = append(wantQ, c)
			}
		}
		if len(wantQ) == 0 && q.Upto > q.After {
			t.Fatalf("%+v selects nothing: a test that cannot fail", q)
		}
		if err := sameChanges(readAll(t, db, q), wantQ); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
		// One page: no more than the limit, the first of what is selected.
		page, err := db.Changes(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameChanges(page, wantQ[:min(q.Limit, len(wantQ))]); err != nil {
			t.Errorf("%+v, one page: %v", q, err)
		}
	}
}

func readAll(t *testing.T, db interface {
	Changes(context.Context, credo.ChangeQuery) ([]*credo.Change, error)
}, q credo.ChangeQuery) []*credo.Change {
	t.Helper()
	var out []*credo.Change
	for {
		page, err := db.Changes(context.Background(), q)
		if err != nil {
			t.Fatalf("Changes(%+v): %v", q, err)
		}
		out = append(out, page...)
		if len(page) < q.Limit {
			return out
		}
		q.After = page[len(page)-1].Position
	}
}

func sameChanges(got, want []*credo.Change) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d changes, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Position != w.Position || g.Type != w.Type || g.Subject != w.Subject || g.Ref != w.Ref ||
			!w.At.IsZero() && !g.At.Equal(w.At.Time) || g.Key != w.Key || !bytes.Equal(g.Data, w.Data) {
			return fmt.Errorf("change %d:\n got %d %s %s %s %v %q %s\nwant %d %s %s %s %v %q %s", i,
				g.Position, g.Type, g.Subject, g.Ref, g.At, g.Key, g.Data, w.Position, w.Type, w.Subject, w.Ref, w.At, w.Key, w.Data)
		}
	}
	return nil
}

// TestRestoreChangesSkipsSpanPositions: a resumed copy restoring a change
// at a position a span holds stores nothing, as for any stored position.
func TestRestoreChangesSkipsSpanPositions(t *testing.T) {
	ctx := context.Background()
	db := mustOpen(t, t.TempDir())
	w := newWorkload(50)
	if _, err := db.AppendRecords(ctx, w.batch(5)); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, db, credo.ChangeQuery{Limit: 100})
	if len(before) < 3 {
		t.Fatalf("%d changes", len(before))
	}
	dup := *before[1]
	dup.Data = []byte(`{"record":999}`)
	next := *before[len(before)-1]
	next.Position++
	if err := db.RestoreChanges(ctx, []*credo.Change{&dup, &next}); err != nil {
		t.Fatal(err)
	}
	if err := sameChanges(readAll(t, db, credo.ChangeQuery{Limit: 100}), append(before, &next)); err != nil {
		t.Fatal(err)
	}
}
