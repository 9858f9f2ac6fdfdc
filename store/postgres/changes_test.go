package postgres_test

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/storetest"
)

// TestChangeLogThreeNodes runs writers on three nodes (three pools on one
// schema, as three credo processes would have) and a reader on one of
// them: the reader, always asking after the last position it saw, must
// see every change (transactions commit out of position order only if
// the method of 0004_changes.sql is broken).
func TestChangeLogThreeNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := make([]credo.Store, 3)
	for i := range nodes {
		nodes[i] = pgtest.OpenSchema(t, dsn, schema)
	}
	storetest.ConcurrentLog(t, nodes)
}

// TestChangeNumberingOverlappingRanges: a transaction whose changes'
// seqs enclose another's (seqs of concurrent writers interleave) is
// numbered after it, once committed, without numbering the other's
// change twice; two such transactions committed before one integration
// are numbered together, each change once, in seq order. The writers
// are raw SQL doing what appendChanges does.
func TestChangeNumberingOverlappingRanges(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	db := pgtest.OpenSchema(t, dsn, schema)
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
	exec := func(conn *pgx.Conn, sql string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	insert := func(conn *pgx.Conn, ref string) (seq int64) {
		t.Helper()
		if err := conn.QueryRow(ctx, `INSERT INTO changes (type, subject, ref, at_ns, data)
			VALUES ('record.accepted', '91340600000000000X', $1, 1, '{}') RETURNING seq`, ref).Scan(&seq); err != nil {
			t.Fatal(err)
		}
		return seq
	}
	head := func() int64 {
		t.Helper()
		h, err := db.Head(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	refs := func() []string {
		t.Helper()
		cs, err := db.Changes(ctx, credo.ChangeQuery{})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for i, c := range cs {
			if c.Position != int64(i+1) {
				t.Fatalf("change %d at position %d: the log has a gap", i, c.Position)
			}
			out = append(out, c.Ref)
		}
		return out
	}
	a, b, c := connect(), connect(), connect()

	// a draws a seq, b one above it and commits, a one above b's.
	exec(a, `BEGIN`)
	a1 := insert(a, "a1")
	exec(b, `BEGIN`)
	b1 := insert(b, "b1")
	exec(b, `INSERT INTO change_pending (lo, hi) VALUES ($1, $1)`, b1)
	exec(b, `COMMIT`)
	if h := head(); h != 1 {
		t.Fatalf("head %d after b's commit, want 1", h)
	}
	a2 := insert(a, "a2")
	exec(a, `INSERT INTO change_pending (lo, hi) VALUES ($1, $2)`, a1, a2)
	if h := head(); h != 1 {
		t.Fatalf("head %d before a's commit, want 1 (an uncommitted change numbered)", h)
	}
	exec(a, `COMMIT`)
	if h := head(); h != 3 {
		t.Fatalf("head %d after a's commit, want 3", h)
	}
	if got, want := refs(), []string{"b1", "a1", "a2"}; !slices.Equal(got, want) {
		t.Fatalf("log %v, want %v", got, want)
	}

	// Again, both committed before the next integration: one range
	// encloses the other's change and both are numbered at once.
	exec(a, `BEGIN`)
	a3 := insert(a, "a3")
	exec(b, `BEGIN`)
	b2 := insert(b, "b2")
	exec(c, `BEGIN`)
	c1 := insert(c, "c1") // c rolls back: its change is never numbered
	a4 := insert(a, "a4")
	exec(b, `INSERT INTO change_pending (lo, hi) VALUES ($1, $1)`, b2)
	exec(a, `INSERT INTO change_pending (lo, hi) VALUES ($1, $2)`, a3, a4)
	exec(c, `INSERT INTO change_pending (lo, hi) VALUES ($1, $1)`, c1)
	exec(b, `COMMIT`)
	exec(a, `COMMIT`)
	exec(c, `ROLLBACK`)
	if h := head(); h != 6 {
		t.Fatalf("head %d, want 6", h)
	}
	if got, want := refs(), []string{"b1", "a1", "a2", "a3", "b2", "a4"}; !slices.Equal(got, want) {
		t.Fatalf("log %v, want %v", got, want)
	}
	if n := pgtest.QueryInt(t, schema, `SELECT count(*) FROM change_pending`); n != 0 {
		t.Fatalf("%d pending ranges left", n)
	}
}

// TestChangeNumberingImportAndSingles: an import's changes (COPY, one
// range) committed after single submissions that began later are
// numbered after them, and a reader that follows the log sees each
// change once, the log without gaps.
func TestChangeNumberingImportAndSingles(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	importer, single := pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)
	// Each write adds to its own counter row: a single submission that
	// picked the held import's row would wait for its commit.
	var slot atomic.Int64
	t.Cleanup(postgres.SetCounterSlot(func() int { return int(slot.Add(1)) % 16 }))
	entered, release := make(chan struct{}), make(chan struct{})
	var once, released sync.Once
	t.Cleanup(func() { released.Do(func() { close(release) }) }) // before the stores close
	postgres.SetBeforeCommit(importer, func(ctx context.Context, pid uint32, attempt int) error {
		once.Do(func() { close(entered); <-release })
		return nil
	})
	batch := benchBatch(0)[:300] // above the COPY threshold
	done := make(chan error, 1)
	go func() {
		_, err := importer.AppendRecords(ctx, batch)
		done <- err
	}()
	<-entered
	var singles []int64
	for i := range 5 {
		r := benchBatch(1)[i]
		out, err := single.AppendRecords(ctx, []*credo.Record{r})
		if err != nil {
			t.Fatal(err)
		}
		singles = append(singles, out[0].ID)
	}
	if h, err := single.Head(ctx); err != nil || h != 5 {
		t.Fatalf("head %d, %v while the import is uncommitted; want 5", h, err)
	}
	released.Do(func() { close(release) })
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	cs, err := single.Changes(ctx, credo.ChangeQuery{Limit: credo.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 305 {
		t.Fatalf("%d changes, want 305", len(cs))
	}
	for i, c := range cs {
		if c.Position != int64(i+1) {
			t.Fatalf("change %d at position %d", i, c.Position)
		}
		if i < 5 {
			if c.Ref != strconv.FormatInt(singles[i], 10) {
				t.Fatalf("position %d: %s %s, want the single submission of record %d", c.Position, c.Type, c.Ref, singles[i])
			}
		} else if want := `"external_id":"` + batch[i-5].ExternalID + `"`; !strings.Contains(string(c.Data), want) {
			t.Fatalf("position %d: %s, want the import's record %s", c.Position, c.Data, batch[i-5].ExternalID)
		}
	}
}
