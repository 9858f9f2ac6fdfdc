package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/paging"
)

var _ credo.ListStore = (*DB)(nil)

// listEntryColumns are the list_entries columns a write binds, in order.
const listEntryColumns = `key, hash, list, list_version, subject, division, authority, source, legal_basis,
	decision_number, reasons, decided_at, notified_at, effective_at, repair_from, until, escalated_from, recorded_at`

// listEntrySelect is what every read of entries scans with scanListEntry:
// an entry (e) and its transition (t), when it has one.
const listEntrySelect = `e.id, e.key, e.list, e.list_version, e.subject, e.division, e.authority, e.source,
	e.legal_basis, e.decision_number, e.reasons, e.decided_at, e.notified_at, e.effective_at, e.repair_from,
	e.until, e.escalated_from, e.recorded_at,
	t.id, t.status, t.reason, t.note, t.actor, t.case_id, t.at, t.recorded_at
	FROM list_entries AS e LEFT JOIN list_transitions AS t ON t.entry = e.id`

// storedKey is what deciding a repeated Key needs of a stored entry.
type storedKey struct {
	id   int64
	hash string
}

// AddListEntries implements credo.ListStore. Where the contract is silent:
// an entry without a Key (or a nil one) is refused with EINVALID on field
// "key", and the rest of the batch is decided as usual.
func (db *DB) AddListEntries(ctx context.Context, entries []*credo.ListEntry) ([]credo.Outcome, error) {
	out := make([]credo.Outcome, len(entries))
	if len(entries) == 0 {
		return out, nil
	}
	hashes, reasons := make([]string, len(entries)), make([][]byte, len(entries))
	for i, e := range entries {
		if e == nil || e.Key == "" {
			continue
		}
		r, err := json.Marshal(e.Reasons)
		if err != nil {
			return nil, credo.Errorf(credo.EINVALID, "list entry %d cannot be stored: %v", i, err)
		}
		hashes[i], reasons[i] = e.ContentHash(), r
	}
	err := db.write(ctx, func(tx *sql.Tx) error {
		var changes []*credo.Change
		seen := map[string]storedKey{}
		for i, e := range entries {
			if e == nil || e.Key == "" {
				out[i] = credo.Outcome{Status: credo.Refused, Err: credo.FieldError("key", "required", "a list entry needs a key")}
				continue
			}
			k, ok := seen[e.Key]
			if !ok {
				err := tx.QueryRowContext(ctx, `SELECT id, hash FROM list_entries WHERE key = ?`, e.Key).Scan(&k.id, &k.hash)
				switch {
				case err == nil:
					ok = true
				case !errors.Is(err, sql.ErrNoRows):
					return err
				}
			}
			if ok {
				if k.hash == hashes[i] {
					out[i] = credo.Outcome{Status: credo.Exists, ID: k.id}
				} else {
					out[i] = credo.Outcome{Status: credo.Refused, Err: &credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
						Message: fmt.Sprintf("list entry %q is already stored (entry %d) with different content", e.Key, k.id)}}
				}
				seen[e.Key] = k
				continue
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO list_entries(`+listEntryColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Key, hashes[i], e.List, e.ListVersion, e.Subject, e.Division, e.Authority, e.Source, e.LegalBasis,
				e.DecisionNumber, reasons[i], unixNano(e.DecidedAt), unixNano(e.NotifiedAt), unixNano(e.EffectiveAt),
				unixNano(e.RepairFrom), unixNano(e.Until), nullable(e.EscalatedFrom), unixNano(e.RecordedAt))
			if err != nil {
				return err
			}
			id, err := res.LastInsertId()
			if err != nil {
				return err
			}
			seen[e.Key] = storedKey{id: id, hash: hashes[i]}
			out[i] = credo.Outcome{Status: credo.Created, ID: id}
			stored := *e
			stored.ID = id
			changes = append(changes, credo.ListEntryNotifiedChange(&stored))
		}
		_, err := db.appendChanges(ctx, tx, changes)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: adding list entries: %w", err)
	}
	return out, nil
}

// AddListTransitions implements credo.ListStore. It sets the ID of each
// transition it stored; a failed batch leaves them as they were.
func (db *DB) AddListTransitions(ctx context.Context, ts []*credo.ListTransition) error {
	if len(ts) == 0 {
		return nil
	}
	ids := make([]int64, len(ts))
	err := db.write(ctx, func(tx *sql.Tx) error {
		var changes []*credo.Change
		ended := map[int64]bool{}
		for i, t := range ts {
			if t == nil {
				return credo.FieldError("transitions["+strconv.Itoa(i)+"]", "required", "transition is missing")
			}
			e := credo.ListEntry{ID: t.Entry}
			var notified, effective, until int64
			err := tx.QueryRowContext(ctx, `SELECT subject, list, authority, source, decision_number, notified_at, effective_at, until
				FROM list_entries WHERE id = ?`, t.Entry).Scan(&e.Subject, &e.List, &e.Authority, &e.Source, &e.DecisionNumber,
				&notified, &effective, &until)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("sqlite: adding list transitions: %w", err)
			}
			e.NotifiedAt, e.EffectiveAt, e.Until = fromUnixNano(notified), fromUnixNano(effective), fromUnixNano(until)
			if errors.Is(err, sql.ErrNoRows) {
				return &credo.Error{Code: credo.ENOTFOUND, Field: "entry", Reason: "not_found",
					Message: fmt.Sprintf("list entry %d not found", t.Entry)}
			}
			if ended[t.Entry] {
				return transitionConflict(t.Entry)
			}
			ended[t.Entry] = true
			res, err := tx.ExecContext(ctx, `INSERT INTO list_transitions(entry, status, reason, note, actor, case_id, at, recorded_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, t.Entry, t.Status, t.Reason, t.Note, t.Actor, nullable(t.Case),
				unixNano(t.At), unixNano(t.RecordedAt))
			if err != nil {
				if isUniqueViolation(err) {
					return transitionConflict(t.Entry)
				}
				return fmt.Errorf("sqlite: adding list transitions: %w", err)
			}
			if ids[i], err = res.LastInsertId(); err != nil {
				return fmt.Errorf("sqlite: adding list transitions: %w", err)
			}
			// An end that takes effect later is logged at its time by the
			// pass over what falls due (credo.DueChanges).
			if !t.At.After(t.RecordedAt.Time) {
				changes = append(changes, credo.ListEntryEndedChange(&e, t.At.Time, t.Reason))
			}
		}
		_, err := db.appendChanges(ctx, tx, changes)
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

func transitionConflict(entry int64) *credo.Error {
	return &credo.Error{Code: credo.ECONFLICT, Field: "entry", Reason: "ended",
		Message: fmt.Sprintf("list entry %d has ended already", entry)}
}

// ListEntry implements credo.ListStore.
func (db *DB) ListEntry(ctx context.Context, id int64) (*credo.ListEntry, error) {
	got, err := db.listEntries(ctx, `SELECT `+listEntrySelect+` WHERE e.id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading list entry %d: %w", id, err)
	}
	if len(got) == 0 {
		return nil, credo.ErrNotFound("list entry", id)
	}
	return got[0], nil
}

// SubjectListEntries implements credo.ListStore.
func (db *DB) SubjectListEntries(ctx context.Context, code string) ([]*credo.ListEntry, error) {
	st, err := db.reads.get(ctx, db.r, `SELECT `+listEntrySelect+` WHERE e.subject = ? ORDER BY e.id`)
	if err != nil {
		return nil, err
	}
	got, err := db.listEntriesStmt(ctx, st, code)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading list entries of %s: %w", code, err)
	}
	return got, nil
}

// ListEntries implements credo.ListStore. Where the contract is silent: a
// zero AsOf means now. The cursor is the id of the last entry of the
// previous page.
func (db *DB) ListEntries(ctx context.Context, q credo.ListQuery) (*credo.ListEntryPage, error) {
	limit, err := paging.Size(q.Limit)
	if err != nil {
		return nil, err
	}
	asOf := q.AsOf
	if asOf.IsZero() {
		asOf = time.Now()
	}
	at := dueNano(asOf)
	sqlQ := `SELECT ` + listEntrySelect + ` WHERE e.recorded_at <= ?`
	args := []any{at}
	if q.Cursor != "" {
		before, err := paging.ID('l', q.Cursor)
		if err != nil {
			return nil, err
		}
		sqlQ += ` AND e.id < ?`
		args = append(args, before)
	}
	if q.List != "" {
		sqlQ += ` AND e.list = ?`
		args = append(args, q.List)
	}
	if q.Subject != "" {
		sqlQ += ` AND e.subject = ?`
		args = append(args, q.Subject)
	}
	if q.Division != "" {
		sqlQ += ` AND e.division >= ? AND substr(e.division, 1, length(?)) = ?`
		args = append(args, q.Division, q.Division, q.Division)
		if hi, ok := prefixEnd(q.Division); ok {
			sqlQ += ` AND e.division < ?`
			args = append(args, hi)
		}
	}
	if !q.From.IsZero() {
		sqlQ += ` AND e.effective_at >= ?`
		args = append(args, dueNano(q.From))
	}
	if !q.To.IsZero() {
		sqlQ += ` AND e.effective_at < ?`
		args = append(args, dueNano(q.To))
	}
	if !q.UntilFrom.IsZero() {
		sqlQ += ` AND e.until != 0 AND e.until >= ?`
		args = append(args, dueNano(q.UntilFrom))
	}
	if !q.UntilTo.IsZero() {
		sqlQ += ` AND e.until != 0 AND e.until < ?`
		args = append(args, dueNano(q.UntilTo))
	}
	if q.Unended {
		sqlQ += ` AND t.id IS NULL`
	}
	// Ended as ListEntry.StateAt judges it: the term ran out, or a
	// transition known and in effect.
	const ended = `((e.until != 0 AND e.until <= ?) OR (t.id IS NOT NULL AND t.at <= ? AND t.recorded_at <= ?))`
	switch q.Status {
	case "":
	case credo.ListEnded:
		sqlQ += ` AND ` + ended
		args = append(args, at, at, at)
	case credo.ListActive:
		sqlQ += ` AND NOT ` + ended + ` AND e.effective_at <= ?`
		args = append(args, at, at, at, at)
	case credo.ListNotified:
		sqlQ += ` AND NOT ` + ended + ` AND e.effective_at > ?`
		args = append(args, at, at, at, at)
	default:
		return nil, credo.FieldError("status", "enum", "must be one of %s, %s, %s",
			credo.ListNotified, credo.ListActive, credo.ListEnded)
	}
	sqlQ += ` ORDER BY e.id DESC LIMIT ?`
	args = append(args, limit+1)
	got, err := db.listEntries(ctx, sqlQ, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: reading list entries: %w", err)
	}
	page := &credo.ListEntryPage{Entries: got}
	if len(got) > limit {
		page.Entries = got[:limit]
		page.Next = paging.IDCursor('l', got[limit-1].ID)
	}
	return page, nil
}

// listEntries runs a query of listEntrySelect.
func (db *DB) listEntries(ctx context.Context, q string, args ...any) ([]*credo.ListEntry, error) {
	rows, err := db.r.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanListEntries(rows)
}

// listEntriesStmt is listEntries through a prepared statement.
func (db *DB) listEntriesStmt(ctx context.Context, st *sql.Stmt, args ...any) ([]*credo.ListEntry, error) {
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return nil, err
	}
	return scanListEntries(rows)
}

func scanListEntries(rows *sql.Rows) ([]*credo.ListEntry, error) {
	defer rows.Close()
	out := []*credo.ListEntry{}
	for rows.Next() {
		e := new(credo.ListEntry)
		var reasons []byte
		var decided, notified, effective, repairFrom, until, recorded int64
		var escalated sql.NullInt64
		var tID, tCase, tAt, tRecorded sql.NullInt64
		var tStatus, tReason, tNote, tActor sql.NullString
		if err := rows.Scan(&e.ID, &e.Key, &e.List, &e.ListVersion, &e.Subject, &e.Division, &e.Authority, &e.Source,
			&e.LegalBasis, &e.DecisionNumber, &reasons, &decided, &notified, &effective, &repairFrom,
			&until, &escalated, &recorded,
			&tID, &tStatus, &tReason, &tNote, &tActor, &tCase, &tAt, &tRecorded); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(reasons, &e.Reasons); err != nil {
			return nil, fmt.Errorf("decoding the reasons of list entry %d: %w", e.ID, err)
		}
		e.DecidedAt, e.NotifiedAt, e.EffectiveAt = fromUnixNano(decided), fromUnixNano(notified), fromUnixNano(effective)
		e.RepairFrom, e.Until, e.RecordedAt = fromUnixNano(repairFrom), fromUnixNano(until), fromUnixNano(recorded)
		e.EscalatedFrom = escalated.Int64
		if tID.Valid {
			e.Transitions = []credo.ListTransition{{ID: tID.Int64, Entry: e.ID, Status: tStatus.String,
				Reason: tReason.String, Note: tNote.String, Actor: tActor.String, Case: tCase.Int64,
				At: fromUnixNano(tAt.Int64), RecordedAt: fromUnixNano(tRecorded.Int64)}}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// prefixEnd returns the least string above every string starting with
// prefix, or false when there is none (prefix is all 0xff bytes).
func prefixEnd(prefix string) (string, bool) {
	b := []byte(strings.Clone(prefix))
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] < 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}
