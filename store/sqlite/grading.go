package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/credo-registry/credo"
)

var _ credo.GradingStore = (*DB)(nil)

// AllRecords implements credo.GradingStore.
func (db *DB) AllRecords(ctx context.Context, code string) ([]*credo.Record, error) {
	st, err := db.reads.get(ctx, db.r, `SELECT `+repairedSelect+` FROM `+repairedRecords+` WHERE subject = ? ORDER BY id`)
	if err != nil {
		return nil, err
	}
	rows, err := st.QueryContext(ctx, code)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
	}
	defer rows.Close()
	out := []*credo.Record{}
	for rows.Next() {
		r, err := scanRepaired(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: reading records of %s: %w", code, err)
	}
	linkSupersedes(out)
	return out, nil
}

// linkSupersedes sets SupersededBy of each of one organization's records
// to the newest of its records that supersedes it. AppendRecords accepts
// only a record of the same subject as a target, so the organization's
// records are all it takes, and no query is needed.
func linkSupersedes(records []*credo.Record) {
	var byID map[int64]*credo.Record
	for _, r := range records {
		if r.Supersedes == 0 {
			continue
		}
		if byID == nil {
			byID = make(map[int64]*credo.Record, len(records))
			for _, t := range records {
				byID[t.ID] = t
			}
		}
		if t := byID[r.Supersedes]; t != nil && r.ID > t.SupersededBy {
			t.SupersededBy = r.ID
		}
	}
}

// eachChunk is about how many records EachSubject reads as one chunk: a
// chunk ends at the organization of its eachChunk-th record or its
// eachChunk-th registered code, whichever comes first. Tests make it
// smaller (DB.eachChunk), so that chunk boundaries fall everywhere.
const eachChunk = 4096

// subjectRecords is one organization EachSubject visits.
type subjectRecords struct {
	code    string
	records []*credo.Record
}

// chunk is the organizations with codes in (after, hi] ("" hi: no bound),
// read by a worker.
type chunk struct {
	after, hi string
	last      bool // no organizations after hi
	done      chan chunkRead
}

type chunkRead struct {
	subjects []subjectRecords
	err      error
}

// EachSubject implements credo.GradingStore. It splits the codes into
// chunks, which several goroutines read ahead of fn, each chunk in a read
// transaction of its own (so each organization's records are as one moment
// left them); fn is called from the caller's goroutine, in code order, and
// may use the store. An organization stored after EachSubject passed its
// code is not visited. fn's error is returned as it is. While a BulkLoad
// has the records_subject index dropped, EachSubject is very slow.
func (db *DB) EachSubject(ctx context.Context, after string, fn func(code string, records []*credo.Record) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	workers := min(runtime.GOMAXPROCS(0), 4)
	// The planner sends each chunk to a worker and then to the consumer
	// below, which waits for it to be read; the channels' capacity bounds
	// how far the reading runs ahead.
	jobs, order := make(chan *chunk, workers), make(chan *chunk, workers)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before the Wait: stops the planner and the workers
	wg.Go(func() { db.planChunks(ctx, after, jobs, order) })
	for range workers {
		wg.Go(func() {
			s := newRecordScanner()
			for c := range jobs {
				subjects, err := db.readChunk(ctx, s, c)
				c.done <- chunkRead{subjects, err}
			}
		})
	}
	for c := range order {
		read := <-c.done
		if read.err != nil {
			return fmt.Errorf("sqlite: reading the organizations after %q: %w", c.after, read.err)
		}
		for _, s := range read.subjects {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("sqlite: reading organizations: %w", err)
			}
			if err := fn(s.code, s.records); err != nil {
				return err
			}
		}
		if c.last {
			return nil
		}
	}
	// The planner stopped before the last chunk: ctx ended, or it failed.
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("sqlite: reading organizations: %w", err)
	}
	return errors.New("sqlite: reading organizations: interrupted")
}

// planChunks splits the codes after after into chunks until the last one,
// sending each to jobs and then to order. A failure is sent as a chunk
// that has been read.
func (db *DB) planChunks(ctx context.Context, after string, jobs, order chan<- *chunk) {
	defer close(order)
	defer close(jobs)
	for {
		c := &chunk{after: after, done: make(chan chunkRead, 1)}
		var err error
		if c.hi, c.last, err = db.chunkEnd(ctx, after); err != nil {
			c.done <- chunkRead{err: err}
			select {
			case order <- c:
			case <-ctx.Done():
			}
			return
		}
		// Dispatched before it is ordered: a chunk the consumer waits for
		// is always read.
		select {
		case jobs <- c:
		case <-ctx.Done():
			return
		}
		select {
		case order <- c:
		case <-ctx.Done():
			return
		}
		if c.last {
			return
		}
		after = c.hi
	}
}

// chunkEnd returns the last code of the chunk after after, from the
// indexes alone, or last when the chunk holds every organization after it.
func (db *DB) chunkEnd(ctx context.Context, after string) (hi string, last bool, err error) {
	var byRecords, byCodes sql.NullString
	err = db.r.QueryRowContext(ctx, `SELECT
		(SELECT subject FROM records WHERE subject > ?1 ORDER BY subject LIMIT 1 OFFSET ?2),
		(SELECT code FROM subjects WHERE code > ?1 ORDER BY code LIMIT 1 OFFSET ?2)`,
		after, db.eachChunk-1).Scan(&byRecords, &byCodes)
	switch {
	case err != nil:
		return "", false, err
	case !byRecords.Valid && !byCodes.Valid:
		return "", true, nil
	case !byCodes.Valid, byRecords.Valid && byRecords.String < byCodes.String:
		return byRecords.String, false, nil
	}
	return byCodes.String, false, nil
}

// readChunk reads the organizations of c: the registered codes and the
// records in its range, in one read transaction.
func (db *DB) readChunk(ctx context.Context, s *recordScanner, c *chunk) ([]subjectRecords, error) {
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	codesQ, recordsQ, args := `SELECT code FROM subjects WHERE code > ?`,
		`SELECT `+repairedSelect+` FROM `+repairedRecords+` WHERE subject > ?`, []any{c.after}
	if !c.last {
		codesQ, recordsQ, args = codesQ+` AND code <= ?`, recordsQ+` AND subject <= ?`, append(args, c.hi)
	}
	codes, err := scanCodes(ctx, tx, codesQ+` ORDER BY code`, args...)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, recordsQ+` ORDER BY subject, occurred_at, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var records []*credo.Record
	for rows.Next() {
		r, err := s.scan(rows)
		if err != nil {
			return nil, err
		}
		records = append(records, r)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return merge(codes, records), nil
}

// merge groups records (by subject, in subject order) with the codes of
// registered organizations (in order) into organizations in code order,
// each with its records by id.
func merge(codes []string, records []*credo.Record) []subjectRecords {
	out := make([]subjectRecords, 0, len(codes))
	for len(codes) > 0 || len(records) > 0 {
		var s subjectRecords
		switch {
		case len(records) == 0 || len(codes) > 0 && codes[0] < records[0].Subject:
			s.code, codes = codes[0], codes[1:]
			s.records = []*credo.Record{}
		default:
			s.code = records[0].Subject
			n := 1
			for n < len(records) && records[n].Subject == s.code {
				n++
			}
			s.records, records = records[:n:n], records[n:]
			if len(codes) > 0 && codes[0] == s.code {
				codes = codes[1:]
			}
			slices.SortFunc(s.records, func(a, b *credo.Record) int { return cmp.Compare(a.ID, b.ID) })
			linkSupersedes(s.records)
		}
		out = append(out, s)
	}
	return out
}

func scanCodes(ctx context.Context, tx *sql.Tx, q string, args ...any) ([]string, error) {
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var code string
		if err := rows.Scan(&code); err != nil {
			return nil, err
		}
		out = append(out, code)
	}
	return out, rows.Err()
}
