package postgres

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

// recordKey is what makes a record unique: its authority's external id.
type recordKey struct{ authority, externalID string }

// storedKey is what record_keys holds about a stored record.
type storedKey struct {
	subject string
	id      int64
	hash    []byte
}

// encoded is a record with what storing it takes that does not depend on
// the database: the content hash and the body of the record as submitted.
type encoded struct {
	rec  *credo.Record
	hash [16]byte
	body []byte
	log  credo.RecordChanger // its changes, but for the ids
	err  error               // refused before storage
}

// newRecord is a record of a batch that will be stored.
type newRecord struct {
	*encoded
	id         int64
	supersedes int64 // resolved, or 0
}

// copyThreshold is the batch size from which new keys are COPYed rather
// than inserted: COPY is about three times faster for big batches, one
// INSERT is one round trip fewer for small ones.
const copyThreshold = 256

// AppendRecords stores a batch in one transaction: the batch's keys are
// looked up, ids for the new records are drawn from the record_ids
// sequence, and the new keys and records are written, by COPY for big
// batches. A key another node stored meanwhile fails the insert (or COPY)
// with a unique violation, or, for INSERT ... ON CONFLICT DO NOTHING, with
// a short count: the transaction then runs again and finds it stored.
func (db *DB) AppendRecords(ctx context.Context, recs []*credo.Record) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(recs))
	if len(recs) == 0 {
		return out, nil
	}
	batch := encode(recs)
	err := db.write(ctx, "appending records", func(ctx context.Context, tx pgx.Tx, _ int) error {
		clear(out)
		return appendRecords(ctx, tx, batch, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// encode hashes and encodes records as submitted, on every core for big
// batches.
func encode(recs []*credo.Record) []encoded {
	batch := make([]encoded, len(recs))
	each := func(i int) {
		r, e := recs[i], &batch[i]
		e.rec = r
		if r == nil || r.Authority == "" || r.ExternalID == "" || r.Subject == "" {
			e.err = credo.FieldError("authority", "required", "authority, subject and external_id are required")
			return
		}
		sub := asSubmitted(r)
		e.hash = sub.ContentHash()
		e.log = credo.NewRecordChanger(r)
		if b, err := json.Marshal(sub); err != nil {
			e.err = credo.Errorf(credo.EINVALID, "record cannot be encoded: %v", err)
		} else {
			e.body = b
		}
	}
	workers := runtime.GOMAXPROCS(0)
	if len(batch) < 1024 || workers == 1 {
		for i := range batch {
			each(i)
		}
		return batch
	}
	var wg sync.WaitGroup
	chunk := (len(batch) + workers - 1) / workers
	for lo := 0; lo < len(batch); lo += chunk {
		hi := min(lo+chunk, len(batch))
		wg.Go(func() {
			for i := lo; i < hi; i++ {
				each(i)
			}
		})
	}
	wg.Wait()
	return batch
}

func appendRecords(ctx context.Context, tx pgx.Tx, batch []encoded, out []credo.Outcome) error {
	keys := make([]recordKey, 0, len(batch))
	var refs [][2]any // (subject, id) of records superseded by id
	for i := range batch {
		r := batch[i].rec
		if batch[i].err != nil {
			out[i] = refused(batch[i].err)
			continue
		}
		keys = append(keys, recordKey{r.Authority, r.ExternalID})
		if r.SupersedesExternalID != "" {
			keys = append(keys, recordKey{r.Authority, r.SupersedesExternalID})
		} else if r.Supersedes != 0 {
			refs = append(refs, [2]any{r.Subject, r.Supersedes})
		}
	}
	// Ids are drawn before the batch is judged, so that a record may
	// supersede one created earlier in the batch by its id. Ids of records
	// then refused stay unused.
	var existing map[recordKey]storedKey
	var authorityOf map[int64]string
	var ids []int64
	var err error
	small := len(batch) < copyThreshold
	if small {
		// One round trip: what is stored of the keys, and an id for each
		// external id of the batch, stored already or not (those stay
		// unused too).
		own := make(map[recordKey]bool)
		for i := range batch {
			if out[i].Status == "" {
				own[recordKey{batch[i].rec.Authority, batch[i].rec.ExternalID}] = true
			}
		}
		if existing, authorityOf, ids, err = readAhead(ctx, tx, keys, refs, len(own)); err != nil {
			return err
		}
	} else {
		// A big batch draws one for each external id not stored yet.
		if existing, err = loadKeys(ctx, tx, keys); err != nil {
			return err
		}
		if authorityOf, err = loadAuthorities(ctx, tx, refs); err != nil {
			return err
		}
		fresh := make(map[recordKey]bool)
		for i := range batch {
			if out[i].Status == "" {
				if k := (recordKey{batch[i].rec.Authority, batch[i].rec.ExternalID}); existing[k].id == 0 {
					fresh[k] = true
				}
			}
		}
		if len(fresh) > 0 {
			if ids, err = nextIDs(ctx, tx, len(fresh)); err != nil {
				return err
			}
		}
	}

	var news []*newRecord
	inBatch := make(map[recordKey]*newRecord)
	byID := make(map[int64]*newRecord)
	for i := range batch {
		if out[i].Status != "" {
			continue
		}
		r, h := batch[i].rec, batch[i].hash
		k := recordKey{r.Authority, r.ExternalID}
		if s, ok := existing[k]; ok {
			out[i] = repeat(r, h, s.hash, s.id)
			continue
		}
		if n, ok := inBatch[k]; ok {
			out[i] = repeat(r, h, n.hash[:], n.id)
			continue
		}
		n := &newRecord{encoded: &batch[i], id: ids[len(news)]}
		switch {
		case r.SupersedesExternalID != "":
			sk := recordKey{r.Authority, r.SupersedesExternalID}
			if s, ok := existing[sk]; ok && s.subject == r.Subject {
				n.supersedes = s.id
			} else if m, ok := inBatch[sk]; ok && m.rec.Subject == r.Subject {
				n.supersedes = m.id
			} else {
				out[i] = refused(supersedesError(r))
				continue
			}
		case r.Supersedes != 0:
			if m, ok := byID[r.Supersedes]; ok && m.rec.Subject == r.Subject && m.rec.Authority == r.Authority {
				n.supersedes = m.id
			} else if a, ok := authorityOf[r.Supersedes]; ok && a == r.Authority {
				n.supersedes = r.Supersedes
			} else {
				out[i] = refused(supersedesError(r))
				continue
			}
		}
		inBatch[k] = n
		byID[n.id] = n
		news = append(news, n)
		out[i] = credo.Outcome{Status: credo.Created, ID: n.id}
	}
	if len(news) == 0 {
		return nil
	}
	changes := make([]*credo.Change, 0, len(news))
	for _, n := range news {
		changes = append(changes, n.log.Changes(n.id, n.supersedes)...)
	}
	if !small {
		if err := insertKeys(ctx, tx, news); err != nil {
			return err
		}
		if err := copyRecords(ctx, tx, news); err != nil {
			return err
		}
		if err := addCount(ctx, tx, "records", int64(len(news))); err != nil {
			return err
		}
		return appendChanges(ctx, tx, changes)
	}
	// A small batch's writes go together, in one round trip.
	b := &pgx.Batch{}
	queueKeys(b, news)
	queueRecords(b, news)
	b.Queue(`UPDATE counters SET n = n + $1 WHERE name = $2 AND slot = $3`, int64(len(news)), "records", counterSlot())
	queueChanges(b, changes)
	res := tx.SendBatch(ctx, b)
	tag, err := res.Exec()
	if err != nil {
		res.Close()
		return err
	}
	if tag.RowsAffected() != int64(len(news)) {
		res.Close()
		return errRace
	}
	return res.Close()
}

// readAhead is loadKeys, loadAuthorities and nextIDs(draw) in one batch.
func readAhead(ctx context.Context, tx pgx.Tx, keys []recordKey, refs [][2]any, draw int) (map[recordKey]storedKey, map[int64]string, []int64, error) {
	b := &pgx.Batch{}
	auths, exts := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		auths[i], exts[i] = k.authority, k.externalID
	}
	b.Queue(keysSQL, auths, exts)
	subjects, refIDs := make([]string, len(refs)), make([]int64, len(refs))
	for i, r := range refs {
		subjects[i], refIDs[i] = r[0].(string), r[1].(int64)
	}
	b.Queue(authoritiesSQL, subjects, refIDs)
	b.Queue(`SELECT nextval('record_ids') FROM generate_series(1, $1)`, draw)
	res := tx.SendBatch(ctx, b)
	defer res.Close()
	rows, err := res.Query()
	if err != nil {
		return nil, nil, nil, err
	}
	existing, err := scanKeys(rows)
	if err != nil {
		return nil, nil, nil, err
	}
	if rows, err = res.Query(); err != nil {
		return nil, nil, nil, err
	}
	authorityOf, err := scanAuthorities(rows)
	if err != nil {
		return nil, nil, nil, err
	}
	if rows, err = res.Query(); err != nil {
		return nil, nil, nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, nil, nil, err
	}
	slices.Sort(ids)
	return existing, authorityOf, ids, res.Close()
}

func refused(err error) credo.Outcome { return credo.Outcome{Status: credo.Refused, Err: err} }

// repeat is the outcome of a record whose external id is already stored
// (or created earlier in the batch) as record id with hash stored.
func repeat(r *credo.Record, hash [16]byte, stored []byte, id int64) credo.Outcome {
	if bytes.Equal(hash[:], stored) {
		return credo.Outcome{Status: credo.Exists, ID: id}
	}
	return refused(&credo.Error{Code: credo.ECONFLICT, Field: "external_id", Reason: "conflict",
		Message: fmt.Sprintf("external id %q of authority %s is already stored (record %d) with different content",
			r.ExternalID, r.Authority, id)})
}

func supersedesError(r *credo.Record) error {
	target := strconv.FormatInt(r.Supersedes, 10)
	if r.SupersedesExternalID != "" {
		target = fmt.Sprintf("external id %q", r.SupersedesExternalID)
	}
	return &credo.Error{Code: credo.EINVALID, Field: "supersedes", Reason: "unknown",
		Message: fmt.Sprintf("supersedes %s, which is no record of authority %s about %s", target, r.Authority, r.Subject)}
}

// loadKeys returns what record_keys holds for keys.
func loadKeys(ctx context.Context, tx pgx.Tx, keys []recordKey) (map[recordKey]storedKey, error) {
	auths := make([]string, len(keys))
	exts := make([]string, len(keys))
	for i, k := range keys {
		auths[i], exts[i] = k.authority, k.externalID
	}
	rows, err := tx.Query(ctx, keysSQL, auths, exts)
	if err != nil {
		return nil, err
	}
	return scanKeys(rows)
}

const keysSQL = `
	SELECT k.authority, k.external_id, k.subject, k.id, k.content_hash
	FROM (SELECT DISTINCT * FROM unnest($1::text[], $2::text[])) AS q (authority, external_id)
	JOIN record_keys k ON k.authority = q.authority AND k.external_id = q.external_id`

func scanKeys(rows pgx.Rows) (map[recordKey]storedKey, error) {
	found := make(map[recordKey]storedKey)
	var k recordKey
	var s storedKey
	_, err := pgx.ForEachRow(rows, []any{&k.authority, &k.externalID, &s.subject, &s.id, &s.hash}, func() error {
		found[k] = s
		return nil
	})
	return found, err
}

// loadAuthorities returns the authority of each stored record named by a
// (subject, id) pair; an id stored under another subject is not found.
func loadAuthorities(ctx context.Context, tx pgx.Tx, refs [][2]any) (map[int64]string, error) {
	found := make(map[int64]string)
	if len(refs) == 0 {
		return found, nil
	}
	subjects := make([]string, len(refs))
	ids := make([]int64, len(refs))
	for i, r := range refs {
		subjects[i], ids[i] = r[0].(string), r[1].(int64)
	}
	rows, err := tx.Query(ctx, authoritiesSQL, subjects, ids)
	if err != nil {
		return nil, err
	}
	return scanAuthorities(rows)
}

const authoritiesSQL = `
	SELECT r.id, r.authority
	FROM unnest($1::text[], $2::bigint[]) AS q (subject, id)
	JOIN records r ON r.subject = q.subject AND r.id = q.id`

func scanAuthorities(rows pgx.Rows) (map[int64]string, error) {
	found := make(map[int64]string)
	var id int64
	var authority string
	_, err := pgx.ForEachRow(rows, []any{&id, &authority}, func() error {
		found[id] = authority
		return nil
	})
	return found, err
}

// nextIDs draws n ids from the record_ids sequence, in increasing order.
func nextIDs(ctx context.Context, tx pgx.Tx, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval('record_ids') FROM generate_series(1, $1)`, n)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	slices.Sort(ids)
	return ids, nil
}

// insertKeys claims the keys of new records. A key that another
// transaction holds makes this one wait for it; when that one committed,
// COPY fails with a unique violation and INSERT ... ON CONFLICT DO NOTHING
// falls short of the count (errRace): either way the whole batch runs
// again and is judged against what is now stored.
func insertKeys(ctx context.Context, tx pgx.Tx, news []*newRecord) error {
	if len(news) >= copyThreshold {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"record_keys"}, []string{"authority", "external_id", "subject", "id", "content_hash"},
			pgx.CopyFromSlice(len(news), func(i int) ([]any, error) {
				n := news[i]
				return []any{n.rec.Authority, n.rec.ExternalID, n.rec.Subject, n.id, n.hash[:]}, nil
			}))
		return err
	}
	b := &pgx.Batch{}
	queueKeys(b, news)
	res := tx.SendBatch(ctx, b)
	tag, err := res.Exec()
	if cerr := res.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(len(news)) {
		return errRace
	}
	return nil
}

// queueKeys queues the insert of news' keys; a key another writer stored
// meanwhile is skipped, which the caller finds in the rows affected.
func queueKeys(b *pgx.Batch, news []*newRecord) {
	auths := make([]string, len(news))
	exts := make([]string, len(news))
	subjects := make([]string, len(news))
	ids := make([]int64, len(news))
	hashes := make([][]byte, len(news))
	for i, n := range news {
		auths[i], exts[i], subjects[i], ids[i], hashes[i] = n.rec.Authority, n.rec.ExternalID, n.rec.Subject, n.id, n.hash[:]
	}
	b.Queue(`
		INSERT INTO record_keys (authority, external_id, subject, id, content_hash)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bytea[])
		ON CONFLICT DO NOTHING`, auths, exts, subjects, ids, hashes)
}

// queueRecords queues the insert of a small batch of new records, as
// copyRecords writes a big one.
func queueRecords(b *pgx.Batch, news []*newRecord) {
	n := len(news)
	subjects, auths, cats, kinds, bodies := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ids, occurred := make([]int64, n), make([]int64, n)
	sups := make([]*int64, n)
	for i, nr := range news {
		r := nr.rec
		subjects[i], ids[i], auths[i], cats[i], kinds[i], occurred[i], bodies[i] = r.Subject, nr.id, r.Authority, r.Category, r.Kind, r.OccurredAt.UnixNano(), string(nr.body)
		if nr.supersedes != 0 {
			sups[i] = &nr.supersedes
		}
	}
	b.Queue(`
		INSERT INTO records (subject, id, authority, category, kind, occurred_ns, supersedes, body)
		SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::json[])`,
		subjects, ids, auths, cats, kinds, occurred, sups, bodies)
}

var recordColumns = []string{"subject", "id", "authority", "category", "kind", "occurred_ns", "supersedes", "body"}

// copyRecords COPYs new records, whose ids are fresh, into records. The
// body is the record as submitted, like the embedded store keeps it; the
// supersedes column holds the resolved id.
func copyRecords(ctx context.Context, tx pgx.Tx, news []*newRecord) error {
	n, err := tx.CopyFrom(ctx, pgx.Identifier{"records"}, recordColumns,
		pgx.CopyFromSlice(len(news), func(i int) ([]any, error) {
			n := news[i]
			var sup any
			if n.supersedes != 0 {
				sup = n.supersedes
			}
			r := n.rec
			return []any{r.Subject, n.id, r.Authority, r.Category, r.Kind, r.OccurredAt.UnixNano(), sup, n.body}, nil
		}))
	if err == nil && n != int64(len(news)) {
		err = fmt.Errorf("copied %d of %d records", n, len(news))
	}
	return err
}

// asSubmitted returns r as its authority submitted it: without the
// registry's id, superseded_by and repaired_at, and with Supersedes
// cleared when it was resolved from SupersedesExternalID. Its ContentHash
// is the one a resubmission is compared with.
func asSubmitted(r *credo.Record) *credo.Record {
	c := *r
	c.ID, c.SupersededBy, c.RepairedAt = 0, 0, credo.Time{}
	if c.SupersedesExternalID != "" {
		c.Supersedes = 0
	}
	return &c
}

// recordSelect reads records with SupersededBy: the newest record that
// supersedes each (there is normally one), and RepairedAt, from
// record_repairs by its primary key. subject is the SQL of the records'
// subject: a parameter when there is one, so that the database reads one
// partition (shard) for both.
func recordSelect(subject string) string {
	return `SELECT r.id, r.supersedes, r.body,
		(SELECT max(s.id) FROM records s WHERE s.subject = ` + subject + ` AND s.supersedes = r.id),
		rp.at_ns
	FROM records r LEFT JOIN record_repairs rp ON rp.record_id = r.id`
}

// scanRecords reads rows of recordSelect.
func scanRecords(rows pgx.Rows) ([]*credo.Record, error) {
	var out []*credo.Record
	var id int64
	var sup, by, repaired *int64
	var body []byte
	_, err := pgx.ForEachRow(rows, []any{&id, &sup, &body, &by, &repaired}, func() error {
		r := new(credo.Record)
		if err := json.Unmarshal(body, r); err != nil {
			return fmt.Errorf("record %d: decoding stored body: %w", id, err)
		}
		r.ID = id
		if sup != nil {
			r.Supersedes = *sup
		}
		if by != nil {
			r.SupersededBy = *by
		}
		r.RepairedAt = timeOf(repaired)
		out = append(out, r)
		return nil
	})
	return out, err
}

// Record returns the record with id. Its subject is found in record_keys,
// so that the records row is read by its full key (one shard when the
// database is distributed).
func (db *DB) Record(ctx context.Context, id int64) (*credo.Record, error) {
	recs, err := db.RecordsByID(ctx, []int64{id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, credo.ErrNotFound("record", id)
	}
	return recs[0], nil
}

// RecordsByID returns the stored records among ids, each once, in the
// order of ids, as Record returns them (ids not stored are left out): one
// round trip for the records of a batch of changes (the webhook worker's).
func (db *DB) RecordsByID(ctx context.Context, ids []int64) ([]*credo.Record, error) {
	out := []*credo.Record{}
	if len(ids) == 0 {
		return out, nil
	}
	var recs []*credo.Record
	err := db.read(ctx, "reading records by id", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, recordSelect("r.subject")+`
			JOIN record_keys k ON k.subject = r.subject AND k.id = r.id
			WHERE k.id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		recs, err = scanRecords(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*credo.Record, len(recs))
	for _, r := range recs {
		byID[r.ID] = r
	}
	for _, id := range ids {
		if r := byID[id]; r != nil {
			out = append(out, r)
			delete(byID, id)
		}
	}
	return out, nil
}

// SubjectRecords returns a page of code's records, newest decision first.
// The cursor is the (occurred_ns, id) of the page's last record.
func (db *DB) SubjectRecords(ctx context.Context, code string, f credo.RecordFilter) (*credo.RecordPage, error) {
	limit, err := paging.Size(f.Limit)
	if err != nil {
		return nil, err
	}
	var after *[2]int64
	if f.Cursor != "" {
		c, err := decodeRecordCursor(f.Cursor)
		if err != nil {
			return nil, err
		}
		after = &c
	}
	var where []string
	args := []any{code}
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.Category != "" {
		where = append(where, "r.category = "+arg(f.Category))
	}
	if f.Kind != "" {
		where = append(where, "r.kind = "+arg(f.Kind))
	}
	if !f.From.IsZero() {
		where = append(where, "r.occurred_ns >= "+arg(f.From.UnixNano()))
	}
	if !f.To.IsZero() {
		where = append(where, "r.occurred_ns < "+arg(f.To.UnixNano()))
	}
	if after != nil {
		where = append(where, "(r.occurred_ns, r.id) < ("+arg(after[0])+", "+arg(after[1])+")")
	}
	q := recordSelect("$1") + ` WHERE r.subject = $1`
	for _, w := range where {
		q += " AND " + w
	}
	q += ` ORDER BY r.occurred_ns DESC, r.id DESC LIMIT ` + arg(limit+1)
	var recs []*credo.Record
	err = db.read(ctx, "reading records", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		recs, err = scanRecords(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	page := &credo.RecordPage{Records: recs}
	if page.Records == nil {
		page.Records = []*credo.Record{}
	}
	if len(recs) > limit {
		page.Records = recs[:limit]
		last := recs[limit-1]
		page.Next = paging.RecordCursor(last)
	}
	return page, nil
}

func decodeRecordCursor(cursor string) ([2]int64, error) {
	pos, err := paging.Position('r', cursor)
	if err != nil {
		return [2]int64{}, err
	}
	a, b, ok := strings.Cut(pos, ",")
	ns, err1 := strconv.ParseInt(a, 10, 64)
	id, err2 := strconv.ParseInt(b, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return [2]int64{}, paging.BadCursor()
	}
	return [2]int64{ns, id}, nil
}

// counterSlot picks which of a counter's 16 rows a write adds to: one at
// random, so that concurrent writers seldom wait for each other's row
// (two that pick the same row take turns until the first commits).
var counterSlot = func() int { return rand.IntN(16) }

// addCount adds d to one of the 16 rows of a counter (counterSlot).
func addCount(ctx context.Context, tx pgx.Tx, name string, d int64) error {
	if d == 0 {
		return nil
	}
	_, err := tx.Exec(ctx, `UPDATE counters SET n = n + $1 WHERE name = $2 AND slot = $3`, d, name, counterSlot())
	return err
}
