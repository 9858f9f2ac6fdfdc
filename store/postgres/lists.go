package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.ListStore = (*DB)(nil)

// AddListEntries stores a batch of entries in one transaction. The keys of
// the batch are looked up first; ids for the new ones are drawn from the
// list_entry_ids sequence in input order. An entry another node stored
// meanwhile under the same key makes INSERT ... ON CONFLICT DO NOTHING fall
// short of the count: the transaction runs again and finds it stored.
func (db *DB) AddListEntries(ctx context.Context, entries []*credo.ListEntry) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(entries))
	if len(entries) == 0 {
		return out, nil
	}
	hashes := make([]string, len(entries))
	reasons := make([]*string, len(entries))
	for i, e := range entries {
		if e == nil || e.Key == "" {
			continue
		}
		hashes[i] = e.ContentHash()
		if e.Reasons != nil {
			b, err := json.Marshal(e.Reasons)
			if err != nil {
				return nil, credo.Errorf(credo.EINVALID, "list entry %q cannot be encoded: %v", e.Key, err)
			}
			s := string(b)
			reasons[i] = &s
		}
	}
	err := db.write(ctx, "adding list entries", func(ctx context.Context, tx pgx.Tx, _ int) error {
		clear(out)
		return addListEntries(ctx, tx, entries, hashes, reasons, out)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func addListEntries(ctx context.Context, tx pgx.Tx, entries []*credo.ListEntry, hashes []string, reasons []*string, out []credo.Outcome) error {
	var keys []string
	for i, e := range entries {
		if e == nil || e.Key == "" {
			out[i] = refused(credo.FieldError("key", "required", "a list entry needs a key"))
			continue
		}
		keys = append(keys, e.Key)
	}
	type stored struct {
		id   int64
		hash string
	}
	existing := make(map[string]stored)
	if len(keys) > 0 {
		rows, err := tx.Query(ctx, `SELECT key, id, content_hash FROM list_entries WHERE key = ANY($1)`, keys)
		if err != nil {
			return err
		}
		var k string
		var s stored
		if _, err := pgx.ForEachRow(rows, []any{&k, &s.id, &s.hash}, func() error {
			existing[k] = s
			return nil
		}); err != nil {
			return err
		}
	}
	fresh := make(map[string]bool)
	for i, e := range entries {
		if out[i].Status == "" {
			if _, ok := existing[e.Key]; !ok {
				fresh[e.Key] = true
			}
		}
	}
	if len(fresh) == 0 {
		for i, e := range entries {
			if out[i].Status == "" {
				out[i] = entryRepeat(e, hashes[i], existing[e.Key].id, existing[e.Key].hash)
			}
		}
		return nil
	}
	ids, err := drawIDs(ctx, tx, "list_entry_ids", len(fresh))
	if err != nil {
		return err
	}
	var news []int // indexes into entries
	inBatch := make(map[string]stored)
	for i, e := range entries {
		if out[i].Status != "" {
			continue
		}
		if s, ok := existing[e.Key]; ok {
			out[i] = entryRepeat(e, hashes[i], s.id, s.hash)
			continue
		}
		if s, ok := inBatch[e.Key]; ok {
			out[i] = entryRepeat(e, hashes[i], s.id, s.hash)
			continue
		}
		id := ids[len(news)]
		inBatch[e.Key] = stored{id, hashes[i]}
		news = append(news, i)
		out[i] = credo.Outcome{Status: credo.Created, ID: id}
	}

	n := len(news)
	var (
		cid, escalated                                              = make([]int64, n), make([]*int64, n)
		key, hash, list, version, subject, division                 = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		authority, source, basis, number                            = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		reason                                                      = make([]*string, n)
		decided, notified, effective, repairFrom, until, recordedAt = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
	)
	for j, i := range news {
		e := entries[i]
		cid[j] = out[i].ID
		key[j], hash[j], list[j], version[j], subject[j], division[j] = e.Key, hashes[i], e.List, e.ListVersion, e.Subject, e.Division
		authority[j], source[j], basis[j], number[j] = e.Authority, e.Source, e.LegalBasis, e.DecisionNumber
		reason[j] = reasons[i]
		decided[j], notified[j], effective[j] = nsOf(e.DecidedAt), nsOf(e.NotifiedAt), nsOf(e.EffectiveAt)
		repairFrom[j], until[j], recordedAt[j] = nsOf(e.RepairFrom), nsOf(e.Until), nsOf(e.RecordedAt)
		if e.EscalatedFrom != 0 {
			escalated[j] = &e.EscalatedFrom
		}
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO list_entries (id, key, content_hash, list, list_version, subject, division, authority, source,
			legal_basis, decision_number, reasons, decided_ns, notified_ns, effective_ns, repair_from_ns, until_ns,
			escalated_from, recorded_ns)
		SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
			$8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::bigint[], $14::bigint[], $15::bigint[],
			$16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])
		ON CONFLICT (key) DO NOTHING`,
		cid, key, hash, list, version, subject, division, authority, source, basis, number, reason,
		decided, notified, effective, repairFrom, until, escalated, recordedAt)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(n) {
		return errRace
	}
	changes := make([]*credo.Change, n)
	for j, i := range news {
		e := *entries[i]
		e.ID = cid[j]
		changes[j] = credo.ListEntryNotifiedChange(&e)
	}
	return appendChanges(ctx, tx, changes)
}

// entryRepeat is the outcome of an entry whose key is stored (or created
// earlier in the batch) as entry id with content hash stored.
func entryRepeat(e *credo.ListEntry, hash string, id int64, stored string) credo.Outcome {
	if hash == stored {
		return credo.Outcome{Status: credo.Exists, ID: id}
	}
	return refused(&credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
		Message: fmt.Sprintf("list entry key %q is already stored (entry %d) with different content", e.Key, id)})
}

// AddListTransitions stores a batch of transitions in one transaction. The
// unique constraint on list_transitions (entry) keeps one transition per
// entry across nodes: a transition another node stored meanwhile makes the
// insert fall short of the count, and the transaction runs again and then
// refuses the batch with ECONFLICT. The ids assigned are set on ts.
func (db *DB) AddListTransitions(ctx context.Context, ts []*credo.ListTransition) error {
	if len(ts) == 0 {
		return nil
	}
	for i, t := range ts {
		if t == nil {
			return credo.FieldError("transitions["+strconv.Itoa(i)+"]", "required", "transition is missing")
		}
	}
	writer := rand.Text()
	var ids []int64
	err := db.write(ctx, "adding list transitions", func(ctx context.Context, tx pgx.Tx, attempt int) error {
		var err error
		ids, err = addListTransitions(ctx, tx, ts, writer, attempt)
		return err
	})
	if err != nil {
		return err
	}
	for i, t := range ts {
		t.ID = ids[i]
	}
	return nil
}

func addListTransitions(ctx context.Context, tx pgx.Tx, ts []*credo.ListTransition, writer string, attempt int) ([]int64, error) {
	entries := make([]int64, len(ts))
	for i, t := range ts {
		entries[i] = t.Entry
	}
	type state struct {
		id     int64   // the stored transition's id
		writer *string // the stored transition's writer, nil when there is none
		entry  credo.ListEntry
	}
	found := make(map[int64]state)
	rows, err := tx.Query(ctx, `
		SELECT e.id, t.id, t.writer, e.subject, e.list, e.authority, e.source, e.decision_number,
			e.notified_ns, e.effective_ns, e.until_ns
		FROM list_entries e LEFT JOIN list_transitions t ON t.entry = e.id
		WHERE e.id = ANY($1)`, entries)
	if err != nil {
		return nil, err
	}
	var id int64
	var tid, notified, effective, until *int64
	var s state
	e := &s.entry
	if _, err := pgx.ForEachRow(rows, []any{&id, &tid, &s.writer, &e.Subject, &e.List, &e.Authority, &e.Source,
		&e.DecisionNumber, &notified, &effective, &until}, func() error {
		s.id = 0
		if tid != nil {
			s.id = *tid
		}
		e.ID, e.NotifiedAt, e.EffectiveAt, e.Until = id, timeOf(notified), timeOf(effective), timeOf(until)
		found[id] = s
		return nil
	}); err != nil {
		return nil, err
	}
	if attempt > 0 {
		// An earlier attempt whose commit went through stored them all.
		if s := found[ts[0].Entry]; s.writer != nil && *s.writer == writer {
			ids := make([]int64, len(ts))
			for i, t := range ts {
				ids[i] = found[t.Entry].id
			}
			return ids, nil
		}
	}
	seen := make(map[int64]bool)
	for _, t := range ts {
		s, ok := found[t.Entry]
		if !ok {
			return nil, credo.ErrNotFound("list entry", t.Entry)
		}
		if s.writer != nil || seen[t.Entry] {
			return nil, &credo.Error{Code: credo.ECONFLICT, Field: "entry", Reason: "ended",
				Message: fmt.Sprintf("list entry %d has a transition already; it has ended", t.Entry)}
		}
		seen[t.Entry] = true
	}
	ids, err := drawIDs(ctx, tx, "list_transition_ids", len(ts))
	if err != nil {
		return nil, err
	}
	n := len(ts)
	var (
		status, reason, note, actor = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		cases, at, recordedAt       = make([]*int64, n), make([]*int64, n), make([]*int64, n)
	)
	for i, t := range ts {
		status[i], reason[i], note[i], actor[i] = t.Status, t.Reason, t.Note, t.Actor
		if t.Case != 0 {
			cases[i] = &t.Case
		}
		at[i], recordedAt[i] = nsOf(t.At), nsOf(t.RecordedAt)
	}
	tag, err := tx.Exec(ctx, `
		INSERT INTO list_transitions (id, entry, status, reason, note, actor, case_id, at_ns, recorded_ns, writer)
		SELECT *, $10 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
			$7::bigint[], $8::bigint[], $9::bigint[])
		ON CONFLICT (entry) DO NOTHING`,
		ids, entries, status, reason, note, actor, cases, at, recordedAt, writer)
	if err != nil {
		return nil, err
	}
	if tag.RowsAffected() != int64(n) {
		return nil, errRace
	}
	// An end that takes effect later is logged at its time by the pass
	// over what falls due.
	var changes []*credo.Change
	for _, t := range ts {
		if !t.At.After(t.RecordedAt.Time) {
			e := found[t.Entry].entry
			changes = append(changes, credo.ListEntryEndedChange(&e, t.At.Time, t.Reason))
		}
	}
	return ids, appendChanges(ctx, tx, changes)
}

// entrySelect reads entries with their transition: an entry has at most
// one (list_transitions (entry) is unique), so one LEFT JOIN gives both
// in one snapshot.
const entrySelect = `
	SELECT e.id, e.key, e.list, e.list_version, e.subject, e.division, e.authority, e.source, e.legal_basis,
		e.decision_number, e.reasons, e.decided_ns, e.notified_ns, e.effective_ns, e.repair_from_ns, e.until_ns,
		e.escalated_from, e.recorded_ns,
		t.id, t.status, t.reason, t.note, t.actor, t.case_id, t.at_ns, t.recorded_ns
	FROM list_entries e LEFT JOIN list_transitions t ON t.entry = e.id`

func (db *DB) listEntries(ctx context.Context, q string, args ...any) ([]*credo.ListEntry, error) {
	var out []*credo.ListEntry
	err := db.read(ctx, "reading list entries", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		out, err = scanListEntries(rows)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// scanListEntries reads the rows of an entrySelect query.
func scanListEntries(rows pgx.Rows) ([]*credo.ListEntry, error) {
	out := []*credo.ListEntry{}
	var (
		e                                                           credo.ListEntry
		reasons                                                     []byte
		decided, notified, effective, repairFrom, until, recordedAt *int64
		escalated                                                   *int64
		tid, tcase, tat, trecorded                                  *int64
		tstatus, treason, tnote, tactor                             *string
	)
	_, err := pgx.ForEachRow(rows, []any{&e.ID, &e.Key, &e.List, &e.ListVersion, &e.Subject, &e.Division,
		&e.Authority, &e.Source, &e.LegalBasis, &e.DecisionNumber, &reasons, &decided, &notified, &effective,
		&repairFrom, &until, &escalated, &recordedAt,
		&tid, &tstatus, &treason, &tnote, &tactor, &tcase, &tat, &trecorded}, func() error {
		le := e
		le.Reasons = nil
		if reasons != nil {
			if err := json.Unmarshal(reasons, &le.Reasons); err != nil {
				return fmt.Errorf("list entry %d: decoding stored reasons: %w", e.ID, err)
			}
		}
		le.DecidedAt, le.NotifiedAt, le.EffectiveAt = timeOf(decided), timeOf(notified), timeOf(effective)
		le.RepairFrom, le.Until, le.RecordedAt = timeOf(repairFrom), timeOf(until), timeOf(recordedAt)
		le.EscalatedFrom = 0
		if escalated != nil {
			le.EscalatedFrom = *escalated
		}
		le.Transitions = nil
		if tid != nil {
			tr := credo.ListTransition{ID: *tid, Entry: e.ID, Status: deref(tstatus), Reason: deref(treason),
				Note: deref(tnote), Actor: deref(tactor), At: timeOf(tat), RecordedAt: timeOf(trecorded)}
			if tcase != nil {
				tr.Case = *tcase
			}
			le.Transitions = []credo.ListTransition{tr}
		}
		out = append(out, &le)
		return nil
	})
	return out, err
}

// ListEntry returns the entry with id and its transition.
func (db *DB) ListEntry(ctx context.Context, id int64) (*credo.ListEntry, error) {
	es, err := db.listEntries(ctx, entrySelect+` WHERE e.id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, credo.ErrNotFound("list entry", id)
	}
	return es[0], nil
}

// SubjectListEntries returns every entry of code, by id.
func (db *DB) SubjectListEntries(ctx context.Context, code string) ([]*credo.ListEntry, error) {
	return db.listEntries(ctx, entrySelect+` WHERE e.subject = $1 ORDER BY e.id`, code)
}

// ListEntries returns a page of entries matching q, newest first. The
// status at q.AsOf is judged in SQL, as ListEntry.StateAt judges it; a
// zero AsOf is now. The cursor is the id of the page's last entry.
func (db *DB) ListEntries(ctx context.Context, q credo.ListQuery) (*credo.ListEntryPage, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	switch q.Status {
	case "", credo.ListNotified, credo.ListActive, credo.ListEnded:
	default:
		return nil, credo.FieldError("status", "enum", "must be one of %s, %s, %s",
			credo.ListNotified, credo.ListActive, credo.ListEnded)
	}
	before := int64(math.MaxInt64)
	if q.Cursor != "" {
		if before, err = paging.ID('l', q.Cursor); err != nil {
			return nil, err
		}
	}
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = time.Now()
	}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	at := arg(unixNano(asOf))
	where := []string{
		"e.id < " + arg(before),
		// only what the registry held at AsOf
		"coalesce(e.recorded_ns, " + minNS + ") <= " + at,
	}
	if q.List != "" {
		where = append(where, "e.list = "+arg(q.List))
	}
	if q.Subject != "" {
		where = append(where, "e.subject = "+arg(q.Subject))
	}
	if q.Division != "" {
		p := arg(q.Division)
		where = append(where, "e.division >= "+p+" AND starts_with(e.division, "+p+")")
	}
	if !q.From.IsZero() {
		where = append(where, "coalesce(e.effective_ns, "+minNS+") >= "+arg(unixNano(q.From)))
	}
	if !q.To.IsZero() {
		where = append(where, "coalesce(e.effective_ns, "+minNS+") < "+arg(unixNano(q.To)))
	}
	if !q.UntilFrom.IsZero() {
		where = append(where, "e.until_ns >= "+arg(unixNano(q.UntilFrom)))
	}
	if !q.UntilTo.IsZero() {
		where = append(where, "e.until_ns < "+arg(unixNano(q.UntilTo)))
	}
	if q.Unended {
		where = append(where, "t.id IS NULL")
	}
	// ended: the term ran out, or a transition known and in effect by AsOf.
	ended := "((e.until_ns IS NOT NULL AND e.until_ns <= " + at + ") OR (t.id IS NOT NULL AND coalesce(t.at_ns, " +
		minNS + ") <= " + at + " AND coalesce(t.recorded_ns, " + minNS + ") <= " + at + "))"
	switch q.Status {
	case credo.ListEnded:
		where = append(where, ended)
	case credo.ListActive:
		where = append(where, "NOT "+ended, "coalesce(e.effective_ns, "+minNS+") <= "+at)
	case credo.ListNotified:
		where = append(where, "NOT "+ended, "coalesce(e.effective_ns, "+minNS+") > "+at)
	}
	sql := entrySelect + " WHERE " + strings.Join(where, " AND ") + " ORDER BY e.id DESC LIMIT " + arg(limit+1)
	es, err := db.listEntries(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	page := &credo.ListEntryPage{Entries: es}
	if len(es) > limit {
		page.Entries = es[:limit]
		page.Next = paging.IDCursor('l', es[limit-1].ID)
	}
	return page, nil
}

// minNS is the SQL of the nanoseconds a zero time (stored as NULL)
// compares as: before every other time.
const minNS = "(-9223372036854775807 - 1)"

// drawIDs draws n ids from the sequence seq, in increasing order.
func drawIDs(ctx context.Context, tx pgx.Tx, seq string, n int) ([]int64, error) {
	rows, err := tx.Query(ctx, `SELECT nextval($1::regclass) FROM generate_series(1, $2)`, seq, n)
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

// nsOf is t in nanoseconds since 1970 (see unixNano), nil for a zero time.
func nsOf(t credo.Time) *int64 {
	if t.IsZero() {
		return nil
	}
	ns := unixNano(t.Time)
	return &ns
}

// timeOf is the time of a column written by nsOf.
func timeOf(ns *int64) credo.Time {
	if ns == nil {
		return credo.Time{}
	}
	return credo.NewTime(time.Unix(0, *ns))
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
