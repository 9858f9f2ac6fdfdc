package postgres

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

var _ credo.GradingStore = (*DB)(nil)

// AllRecords returns every record of code by id. A record is superseded
// only by records of its own subject, so SupersededBy (the newest
// superseding record) is worked out from the records read, with no query
// per record.
func (db *DB) AllRecords(ctx context.Context, code string) ([]*credo.Record, error) {
	out := []*credo.Record{}
	err := db.read(ctx, "reading records", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `
			SELECT r.subject, r.id, r.supersedes, r.body, rp.at_ns
			FROM records r LEFT JOIN record_repairs rp ON rp.record_id = r.id
			WHERE r.subject = $1 ORDER BY r.id`, code)
		if err != nil {
			return err
		}
		raw, err := scanRawRecords(rows)
		if err != nil {
			return err
		}
		out, err = decodeRecords(raw)
		return err
	})
	if err != nil {
		return nil, err
	}
	markSuperseded(out)
	return out, nil
}

// eachPage is how many records, and separately how many codes of
// registration data, EachSubject reads with one query: a few megabytes,
// whatever the size of the registry.
const eachPage = 4096

// EachSubject walks two keyset scans in step, each a short query per page
// rather than one transaction held open for the whole walk: the codes of
// subjects, and records by (subject, id). The next page of records is read
// and decoded (on every core) while fn works through the one before, so
// that the database, the decoding and fn run at once; at most three pages
// are held. A code's records may span pages; fn gets them all at once. A
// code stored behind the walk's position while it runs is not visited.
func (db *DB) EachSubject(ctx context.Context, after string, fn func(code string, records []*credo.Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait() // the prefetch ends before EachSubject returns
	defer cancel()
	codes := &codeScan{db: db, after: after}
	pages := make(chan recordPage, 1)
	wg.Go(func() { db.prefetchRecords(ctx, after, pages) })
	recs := &recordScan{pages: pages}
	for {
		code, haveCode, err := codes.peek(ctx)
		if err != nil {
			return err
		}
		rec, haveRec, err := recs.peek()
		if err != nil {
			return err
		}
		var next string
		switch {
		case !haveCode && !haveRec:
			return nil
		case !haveRec || haveCode && code < rec.Subject:
			next = code
		default:
			next = rec.Subject
		}
		if haveCode && code == next {
			codes.pop()
		}
		list := []*credo.Record{}
		for haveRec && rec.Subject == next {
			list = append(list, rec)
			recs.pop()
			if rec, haveRec, err = recs.peek(); err != nil {
				return err
			}
		}
		markSuperseded(list)
		if err := fn(next, list); err != nil {
			return err
		}
	}
}

// codeScan reads the codes of subjects in order, a page at a time.
type codeScan struct {
	db    *DB
	after string
	buf   []string
	done  bool
}

func (s *codeScan) peek(ctx context.Context) (string, bool, error) {
	if len(s.buf) == 0 && !s.done {
		err := s.db.read(ctx, "scanning organizations", func(ctx context.Context) error {
			rows, err := s.db.pool.Query(ctx, `SELECT code FROM subjects WHERE code > $1 ORDER BY code LIMIT $2`, s.after, eachPage)
			if err != nil {
				return err
			}
			s.buf, err = pgx.AppendRows(s.buf[:0], rows, pgx.RowTo[string])
			return err
		})
		if err != nil {
			return "", false, err
		}
		s.done = len(s.buf) < eachPage
		if len(s.buf) > 0 {
			s.after = s.buf[len(s.buf)-1]
		}
	}
	if len(s.buf) == 0 {
		return "", false, nil
	}
	return s.buf[0], true, nil
}

func (s *codeScan) pop() { s.buf = s.buf[1:] }

// recordPage is one page of records by (subject, id), or why it could not
// be read. A page shorter than eachPage is the last.
type recordPage struct {
	recs []*credo.Record
	err  error
}

// prefetchRecords reads records of codes after the code after, by
// (subject, id), a page at a time, into pages, which it closes at the end.
func (db *DB) prefetchRecords(ctx context.Context, after string, pages chan<- recordPage) {
	defer close(pages)
	subject, id := after, int64(math.MaxInt64)
	for {
		var raw []rawRecord
		err := db.read(ctx, "scanning records", func(ctx context.Context) error {
			rows, err := db.pool.Query(ctx, `
				SELECT r.subject, r.id, r.supersedes, r.body, rp.at_ns
				FROM records r LEFT JOIN record_repairs rp ON rp.record_id = r.id
				WHERE (r.subject, r.id) > ($1, $2) ORDER BY r.subject, r.id LIMIT $3`, subject, id, eachPage)
			if err != nil {
				return err
			}
			raw, err = scanRawRecords(rows)
			return err
		})
		var recs []*credo.Record
		if err == nil {
			recs, err = decodeRecords(raw)
		}
		select {
		case pages <- recordPage{recs, err}:
		case <-ctx.Done():
			return
		}
		if err != nil || len(recs) < eachPage {
			return
		}
		last := recs[len(recs)-1]
		subject, id = last.Subject, last.ID
	}
}

// recordScan hands out the prefetched records one at a time.
type recordScan struct {
	pages <-chan recordPage
	buf   []*credo.Record
	done  bool
}

func (s *recordScan) peek() (*credo.Record, bool, error) {
	for len(s.buf) == 0 && !s.done {
		p, ok := <-s.pages
		if !ok {
			s.done = true
			break
		}
		if p.err != nil {
			s.done = true
			return nil, false, p.err
		}
		s.buf = p.recs
	}
	if len(s.buf) == 0 {
		return nil, false, nil
	}
	return s.buf[0], true, nil
}

func (s *recordScan) pop() { s.buf = s.buf[1:] }

// rawRecord is a row of (subject, id, supersedes, body) read from
// records, with the repair time from record_repairs, its body not decoded
// yet.
type rawRecord struct {
	subject  string
	id       int64
	sup      *int64
	body     []byte
	repaired *int64
}

func scanRawRecords(rows pgx.Rows) ([]rawRecord, error) {
	var out []rawRecord
	var r rawRecord
	_, err := pgx.ForEachRow(rows, []any{&r.subject, &r.id, &r.sup, &r.body, &r.repaired}, func() error {
		out = append(out, r) // Scan made body, sup and repaired fresh for this row
		return nil
	})
	return out, err
}

// decodeRecords decodes rows read by scanRawRecords, on every core for a
// big page: decoding, not the database, is most of the cost of a walk.
// The subject, id and resolved supersedes are the columns', not the
// body's (which is the record as submitted).
func decodeRecords(raw []rawRecord) ([]*credo.Record, error) {
	out := make([]*credo.Record, len(raw))
	decode := func(lo, hi int) error {
		for i := lo; i < hi; i++ {
			w := &raw[i]
			r := new(credo.Record)
			if err := json.Unmarshal(w.body, r); err != nil {
				return fmt.Errorf("record %d: decoding stored body: %w", w.id, err)
			}
			r.Subject, r.ID, r.Supersedes = w.subject, w.id, 0
			if w.sup != nil {
				r.Supersedes = *w.sup
			}
			r.RepairedAt = timeOf(w.repaired)
			out[i] = r
		}
		return nil
	}
	workers := runtime.GOMAXPROCS(0)
	if len(raw) < 512 || workers == 1 {
		return out, decode(0, len(raw))
	}
	chunk := (len(raw) + workers - 1) / workers
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		lo, hi := w*chunk, min((w+1)*chunk, len(raw))
		if lo < hi {
			wg.Go(func() { errs[w] = decode(lo, hi) })
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return out, nil
}

// markSuperseded sets SupersededBy on records of one subject, sorted by
// id: the newest record among them that supersedes each.
func markSuperseded(recs []*credo.Record) {
	index := make(map[int64]*credo.Record)
	for _, r := range recs {
		if r.Supersedes != 0 {
			index[r.Supersedes] = r // by id: the last is the newest
		}
	}
	if len(index) == 0 {
		return
	}
	for _, r := range recs {
		if by, ok := index[r.ID]; ok {
			r.SupersededBy = by.ID
		}
	}
}
