package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/credo-registry/credo"
)

// extKey is the authority's own name of a record.
type extKey struct{ authority, externalID string }

// known is a record already stored or created earlier in the batch, as
// much as deciding a later record needs.
type known struct {
	id        int64
	hash      []byte
	authority string
	subject   string
}

// errStoredDuplicate aborts the optimistic attempt of a batch: one of its
// external ids was already stored.
var errStoredDuplicate = errors.New("sqlite: batch repeats a stored external id")

// AppendRecords implements credo.RecordStore. Most batches carry only new
// external ids, so a batch is first written without looking its external
// ids up: the unique index on (authority, external_id) checks them during
// the insert anyway (INSERT OR ROLLBACK, which also spares SQLite the
// statement journal). Only when it reports a stored one is the batch
// decided again, in a new transaction, with every external id looked up.
func (db *DB) AppendRecords(ctx context.Context, records []*credo.Record) ([]credo.Outcome, error) {
	if len(records) == 0 {
		return []credo.Outcome{}, nil
	}
	p := prepare(records) // starts on other cores while this call waits for the writer
	db.mu.Lock()
	defer db.mu.Unlock()
	if db.stmts == nil {
		return nil, errClosed
	}
	out, err := db.appendTx(ctx, p, false)
	if errors.Is(err, errStoredDuplicate) {
		out, err = db.appendTx(ctx, p, true)
	}
	if err != nil {
		return nil, storageFull(fmt.Errorf("sqlite: appending records: %w", err))
	}
	return out, nil
}

// appender decides the records of one batch in order.
type appender struct {
	byKey   map[extKey]known // stored, looked up so far, and created in this batch
	byID    map[int64]known  // stored, looked up so far
	maxID   int64            // the largest id stored before the batch
	created []int            // batch index of each created record, by id-maxID-1
}

// appendTx writes one batch in one transaction, a chunk at a time as the
// chunks are prepared. With lookup false it assumes no external id of the
// batch is stored and returns errStoredDuplicate when the unique index says
// otherwise; the transaction is then rolled back and nothing is stored.
func (db *DB) appendTx(ctx context.Context, p *prepared, lookup bool) ([]credo.Outcome, error) {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	a := &appender{byKey: make(map[extKey]known, len(p.batch)), byID: map[int64]known{}}
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM records`).Scan(&a.maxID); err != nil {
		return nil, err
	}
	out := make([]credo.Outcome, len(p.batch))
	for k, ready := range p.ready {
		select {
		case <-ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		lo, hi := k*chunkSize, min((k+1)*chunkSize, len(p.batch))
		if err := a.lookup(ctx, tx, p.batch[lo:hi], lookup); err != nil {
			return nil, err
		}
		first := len(a.created)
		for i := lo; i < hi; i++ {
			out[i] = a.decide(p.batch, i)
		}
		rows, firstID := a.created[first:], a.maxID+int64(first)+1
		err := db.stmts.insert(ctx, tx, db.stmts.records, len(rows), func(j int, args []any) []any {
			q := &p.batch[rows[j]]
			q.args[colID] = firstID + int64(j)
			return append(args, q.args[:]...)
		})
		if err != nil {
			if !lookup && isUniqueViolation(err) {
				return nil, errStoredDuplicate
			}
			return nil, err
		}
	}
	if len(a.created) == 0 {
		return out, nil // nothing written; the transaction is rolled back
	}
	if err := addCount(ctx, tx, "records", len(a.created)); err != nil {
		return nil, err
	}
	recs, sups := make([]*credo.Record, len(a.created)), make([]int64, len(a.created))
	for j, i := range a.created {
		q := &p.batch[i]
		recs[j] = q.rec
		sups[j], _ = q.args[colSupersedes].(int64)
	}
	if err := db.appendRecordChanges(ctx, tx, a.maxID+1, recs, sups); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return out, nil
}

// lookup reads what deciding chunk needs of the stored records: the
// targets of its supersedes, and with own set its own external ids.
func (a *appender) lookup(ctx context.Context, tx *sql.Tx, chunk []pending, own bool) error {
	var keys []extKey
	var ids []int64
	for i := range chunk {
		q := &chunk[i]
		if q.err != nil {
			continue
		}
		if own {
			keys = append(keys, q.key)
		}
		if x := q.rec.SupersedesExternalID; x != "" {
			keys = append(keys, extKey{q.key.authority, x})
		} else if id := q.rec.Supersedes; id > 0 && id <= a.maxID {
			ids = append(ids, id)
		}
	}
	if err := storedByKey(ctx, tx, keys, a.byKey); err != nil {
		return err
	}
	return storedByID(ctx, tx, ids, a.byID)
}

// decide returns the outcome of batch[i] and, when it is created, assigns
// its id and resolves its supersedes.
func (a *appender) decide(batch []pending, i int) credo.Outcome {
	q := &batch[i]
	if q.err != nil {
		return credo.Outcome{Status: credo.Refused, Err: q.err}
	}
	if k, ok := a.byKey[q.key]; ok {
		return repeat(q, k)
	}
	sup, err := a.resolveSupersedes(batch, q)
	if err != nil {
		return credo.Outcome{Status: credo.Refused, Err: err}
	}
	a.created = append(a.created, i)
	id := a.maxID + int64(len(a.created))
	a.byKey[q.key] = known{id: id, hash: q.hash, authority: q.key.authority, subject: q.rec.Subject}
	// Stored with the resolved id; the body keeps what was submitted.
	q.args[colSupersedes] = nullable(sup)
	return credo.Outcome{Status: credo.Created, ID: id}
}

// sameContent compares two records' hash column: the ContentHash (16
// bytes) or, since schema version 16, the digest (32 bytes, of which the
// ContentHash is the first 16).
func sameContent(a, b []byte) bool {
	return len(a) >= 16 && len(b) >= 16 && bytes.Equal(a[:16], b[:16])
}

// repeat is the outcome of a record whose external id is already known.
func repeat(q *pending, k known) credo.Outcome {
	if sameContent(q.hash, k.hash) {
		return credo.Outcome{Status: credo.Exists, ID: k.id}
	}
	return credo.Outcome{Status: credo.Refused, Err: &credo.Error{
		Code: credo.ECONFLICT, Field: "external_id", Reason: "conflict",
		Message: fmt.Sprintf("external id %q of authority %s is already stored (record %d) with different content",
			q.key.externalID, q.key.authority, k.id),
	}}
}

// resolveSupersedes returns the id of the record q supersedes (0 for none),
// which must be of the same authority and subject, stored or created
// earlier in the batch.
func (a *appender) resolveSupersedes(batch []pending, q *pending) (int64, error) {
	r := q.rec
	var k known
	var ok bool
	switch {
	case r.SupersedesExternalID != "":
		k, ok = a.byKey[extKey{q.key.authority, r.SupersedesExternalID}]
	case r.Supersedes > a.maxID && r.Supersedes <= a.maxID+int64(len(a.created)):
		t := &batch[a.created[r.Supersedes-a.maxID-1]]
		k, ok = known{id: r.Supersedes, authority: t.key.authority, subject: t.rec.Subject}, true
	case r.Supersedes != 0:
		k, ok = a.byID[r.Supersedes]
	default:
		return 0, nil
	}
	if !ok || k.authority != q.key.authority || k.subject != r.Subject {
		target := fmt.Sprint(r.Supersedes)
		if r.SupersedesExternalID != "" {
			target = fmt.Sprintf("external id %q", r.SupersedesExternalID)
		}
		return 0, &credo.Error{Code: credo.EINVALID, Field: "supersedes", Reason: "unknown",
			Message: fmt.Sprintf("supersedes %s, which is no record of authority %s about %s", target, q.key.authority, r.Subject)}
	}
	return k.id, nil
}
