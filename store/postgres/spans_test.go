package postgres_test

import (
	"bytes"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// TestChangeSpansReadAsWritten: an import's changes, numbered as spans
// of a batch (0019_change_spans.sql), read exactly as the changes its
// records make, one by one, under every way of paging and filtering the
// log; and so does a batch whose seqs another writer's changes
// interleave (written here in SQL as appendChanges writes it), whose
// enclosing range must not number the batch's changes again.
func TestChangeSpansReadAsWritten(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	db := pgtest.OpenSchema(t, dsn, schema)
	var want []*credo.Change
	var pos int64
	for n, size := range []int{1, 300, 2, 2500, 1} {
		batch := benchBatch(n)[:size]
		sups := make([]string, size)
		for i := 7; i < size; i += 97 { // corrections: a withdrawn change inside the span
			batch[i].SupersedesExternalID, batch[i].Subject = batch[i-3].ExternalID, batch[i-3].Subject
			sups[i] = batch[i-3].ExternalID
		}
		out, err := db.AppendRecords(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		ids := map[string]int64{}
		for i, o := range out {
			if o.Status != credo.Created {
				t.Fatalf("batch %d, record %d: %+v", n, i, o)
			}
			ids[batch[i].ExternalID] = o.ID
			for _, c := range credo.NewRecordChanger(batch[i]).Changes(o.ID, ids[sups[i]]) {
				pos++
				c.Position = pos
				want = append(want, c)
			}
		}
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM change_pending WHERE span IS NOT NULL`); n != 4 {
		t.Fatalf("%d spans pending, want 4 (one of 300, three of 2,500)", n)
	}

	// Batch x of three changes, and writer y's two single changes whose
	// seqs enclose x's second: y commits first, both are numbered by one
	// integration: x's span at its lo, below y's seqs.
	connect := func() *pgx.Conn {
		cfg, err := pgx.ParseConfig(dsn)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["search_path"] = schema
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(ctx) })
		return conn
	}
	exec := func(conn *pgx.Conn, sql string, args ...any) (seq int64) {
		t.Helper()
		if err := conn.QueryRow(ctx, sql, args...).Scan(&seq); err != nil && err != pgx.ErrNoRows {
			t.Fatal(err)
		}
		return seq
	}
	x, y := connect(), connect()
	const ins = `INSERT INTO changes (type, subject, ref, at_ns, data, batch) VALUES ($1, '91340600000000000X', $2, 1000, '{}', $3) RETURNING seq`
	exec(x, `BEGIN`)
	lo := exec(x, `SELECT nextval('changes_seq_seq')`)
	exec(x, ins, "batch.x", "x1", lo)
	exec(y, `BEGIN`)
	y1 := exec(y, ins, "single.y", "y1", nil)
	exec(x, ins, "batch.x", "x2", lo)
	y2 := exec(y, ins, "single.y", "y2", nil)
	exec(y, `INSERT INTO change_pending (lo, hi) VALUES ($1, $2)`, y1, y2)
	exec(y, `COMMIT`)
	hi := exec(x, ins, "batch.x", "x3", lo)
	exec(x, `INSERT INTO change_pending (lo, hi, span) VALUES ($1, $2, 3)`, lo, hi)
	exec(x, `COMMIT`)
	for _, ref := range []string{"x1", "x2", "x3", "y1", "y2"} {
		pos++
		typ := "batch.x"
		if ref[0] == 'y' {
			typ = "single.y"
		}
		want = append(want, &credo.Change{Position: pos, Type: typ, Subject: "91340600000000000X", Ref: ref,
			At: credo.NewTime(time.Unix(0, 1000)), Data: []byte(`{}`)})
	}

	if head, err := db.Head(ctx); err != nil || head != pos {
		t.Fatalf("Head = %d, %v; want %d", head, err, pos)
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM change_positions WHERE span IS NOT NULL`); n != 5 {
		t.Fatalf("%d span rows, want 5", n)
	}
	all := func(q credo.ChangeQuery) []*credo.Change {
		t.Helper()
		var out []*credo.Change
		for {
			page, err := db.Changes(ctx, q)
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
	if err := sameChanges(all(credo.ChangeQuery{Limit: 1000}), want); err != nil {
		t.Fatalf("whole log: %v", err)
	}
	subjects := []string{want[5].Subject, want[2000].Subject}
	for _, q := range []credo.ChangeQuery{
		{Limit: 1}, {Limit: 7}, {Limit: 100}, {Limit: 999},
		{After: 4, Limit: 3}, {After: 150, Upto: 160, Limit: 4}, {After: 160, Upto: 150, Limit: 4},
		{After: 1500, Upto: 2900, Limit: 1000}, {After: pos - 6, Limit: 3},
		{Types: []string{credo.ChangeRecordWithdrawn}, Limit: 2},
		{Types: []string{credo.ChangeRecordAccepted}, After: 10, Limit: 50},
		{Types: []string{"single.y"}, Limit: 5},
		{Subjects: subjects, Limit: 2}, {Subjects: subjects, After: 300, Upto: 2500, Limit: 1000},
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
		if err := sameChanges(all(q), wantQ); err != nil {
			t.Errorf("%+v: %v", q, err)
		}
		page, err := db.Changes(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameChanges(page, wantQ[:min(q.Limit, len(wantQ))]); err != nil {
			t.Errorf("%+v, one page: %v", q, err)
		}
	}

	// change_seq (the ledger's erasure finds a change by it) finds the
	// change of every position, inside spans too.
	refs := pgtest.QueryStrings(t, schema, `SELECT coalesce((SELECT ref FROM changes WHERE seq = change_seq(p)), '-')
		FROM generate_series(1, $1::bigint) AS p ORDER BY p`, pos)
	for i, c := range want {
		if refs[i] != c.Ref {
			t.Fatalf("change_seq(%d) is the change of ref %s, want %s", c.Position, refs[i], c.Ref)
		}
	}

	// A restored change at a position inside a span is skipped.
	dup := *want[400]
	dup.Data = []byte(`{"record":999}`)
	next := *want[len(want)-1]
	next.Position++
	if err := db.RestoreChanges(ctx, []*credo.Change{&dup, &next}); err != nil {
		t.Fatal(err)
	}
	if err := sameChanges(all(credo.ChangeQuery{Limit: 1000}), append(want, &next)); err != nil {
		t.Fatalf("after a restore: %v", err)
	}
}

func sameChanges(got, want []*credo.Change) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d changes, want %d", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Position != w.Position || g.Type != w.Type || g.Subject != w.Subject || g.Ref != w.Ref ||
			!g.At.Equal(w.At.Time) || g.Key != w.Key || !bytes.Equal(g.Data, w.Data) {
			return fmt.Errorf("change %d:\n got %d %s %s %s %v %q %s\nwant %d %s %s %s %v %q %s", i,
				g.Position, g.Type, g.Subject, g.Ref, g.At, g.Key, g.Data, w.Position, w.Type, w.Subject, w.Ref, w.At, w.Key, w.Data)
		}
	}
	return nil
}
