package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

// The copy side of due process (credo.CopyStore): scans by id and restores
// with ids as given. Each restore moves the id sequences it concerns past
// the highest id given, as RestoreRecords does, so that later writes draw
// ids above every restored one. As with records, scans are meant for a
// registry nobody writes to (see ScanRecords).

// restoreWriter is the writer token of rows a restore stored (list
// transitions and case decisions); cases and notices carry
// "restore:{id}" in their unique filing and writer columns.
const restoreWriter = "restore"

// ScanListEntries returns up to limit entries with id > afterID, by id,
// with their keys and transitions.
func (db *DB) ScanListEntries(ctx context.Context, afterID int64, limit int) ([]*credo.ListEntry, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	return db.listEntries(ctx, entrySelect+` WHERE e.id > $1 ORDER BY e.id LIMIT $2`, afterID, limit)
}

// RestoreListEntries stores entries and their transitions with their ids,
// skipping ids already stored.
func (db *DB) RestoreListEntries(ctx context.Context, entries []*credo.ListEntry) error {
	n := len(entries)
	if n == 0 {
		return nil
	}
	var (
		id, escalated                                               = make([]int64, n), make([]*int64, n)
		key, hash, list, version, subject, division                 = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		authority, source, basis, number                            = make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		reason                                                      = make([]*string, n)
		decided, notified, effective, repairFrom, until, recordedAt = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)

		tid, tentry                   []int64
		tstatus, treason, tnote, tact []string
		tcase, tat, trecorded         []*int64
	)
	for i, e := range entries {
		if e == nil || e.ID <= 0 || e.Key == "" {
			return credo.FieldError("id", "required", "a restored list entry needs its id and key")
		}
		id[i], key[i], hash[i], list[i], version[i], subject[i], division[i] = e.ID, e.Key, e.ContentHash(), e.List, e.ListVersion, e.Subject, e.Division
		authority[i], source[i], basis[i], number[i] = e.Authority, e.Source, e.LegalBasis, e.DecisionNumber
		if e.Reasons != nil {
			b, err := json.Marshal(e.Reasons)
			if err != nil {
				return credo.Errorf(credo.EINVALID, "list entry %d cannot be encoded: %v", e.ID, err)
			}
			s := string(b)
			reason[i] = &s
		}
		decided[i], notified[i], effective[i] = nsOf(e.DecidedAt), nsOf(e.NotifiedAt), nsOf(e.EffectiveAt)
		repairFrom[i], until[i], recordedAt[i] = nsOf(e.RepairFrom), nsOf(e.Until), nsOf(e.RecordedAt)
		if e.EscalatedFrom != 0 {
			escalated[i] = &e.EscalatedFrom
		}
		for _, t := range e.Transitions {
			if t.ID <= 0 || t.Entry != 0 && t.Entry != e.ID {
				return credo.FieldError("transitions", "invalid", "a restored transition of entry %d needs its id and that entry", e.ID)
			}
			tid, tentry = append(tid, t.ID), append(tentry, e.ID)
			tstatus, treason, tnote, tact = append(tstatus, t.Status), append(treason, t.Reason), append(tnote, t.Note), append(tact, t.Actor)
			var c *int64
			if t.Case != 0 {
				c = &t.Case
			}
			tcase, tat, trecorded = append(tcase, c), append(tat, nsOf(t.At)), append(trecorded, nsOf(t.RecordedAt))
		}
	}
	return db.write(ctx, "restoring list entries", func(ctx context.Context, tx pgx.Tx, _ int) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO list_entries (id, key, content_hash, list, list_version, subject, division, authority, source,
				legal_basis, decision_number, reasons, decided_ns, notified_ns, effective_ns, repair_from_ns, until_ns,
				escalated_from, recorded_ns)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
				$8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::bigint[], $14::bigint[], $15::bigint[],
				$16::bigint[], $17::bigint[], $18::bigint[], $19::bigint[])
			ON CONFLICT DO NOTHING
			RETURNING id`,
			id, key, hash, list, version, subject, division, authority, source, basis, number, reason,
			decided, notified, effective, repairFrom, until, escalated, recordedAt)
		if err != nil {
			return err
		}
		missing, err := notInserted(ctx, tx, "list_entries", id, rows)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			i := slices.Index(id, missing[0])
			return &credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
				Message: fmt.Sprintf("list entry %d: key %q is stored under another id", id[i], key[i])}
		}
		if len(tid) > 0 {
			rows, err := tx.Query(ctx, `
				INSERT INTO list_transitions (id, entry, status, reason, note, actor, case_id, at_ns, recorded_ns, writer)
				SELECT *, $10 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[],
					$7::bigint[], $8::bigint[], $9::bigint[])
				ON CONFLICT DO NOTHING
				RETURNING id`,
				tid, tentry, tstatus, treason, tnote, tact, tcase, tat, trecorded, restoreWriter)
			if err != nil {
				return err
			}
			missing, err := notInserted(ctx, tx, "list_transitions", tid, rows)
			if err != nil {
				return err
			}
			if len(missing) > 0 {
				entry := tentry[slices.Index(tid, missing[0])]
				return &credo.Error{Code: credo.ECONFLICT, Field: "entry", Reason: "ended",
					Message: fmt.Sprintf("list entry %d has another transition already; it has ended", entry)}
			}
			if err := advance(ctx, tx, "list_transition_ids", slices.Max(tid)); err != nil {
				return err
			}
		}
		return advance(ctx, tx, "list_entry_ids", slices.Max(id))
	})
}

// notInserted collects the ids an INSERT ... ON CONFLICT DO NOTHING
// RETURNING id answered and returns those of want it neither inserted nor
// finds stored in table: rows skipped for another unique constraint than
// the id.
func notInserted(ctx context.Context, tx pgx.Tx, table string, want []int64, rows pgx.Rows) ([]int64, error) {
	inserted, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	if len(inserted) == len(want) {
		return nil, nil
	}
	slices.Sort(inserted)
	var skipped []int64
	for _, id := range want {
		if _, ok := slices.BinarySearch(inserted, id); !ok {
			skipped = append(skipped, id)
		}
	}
	rows, err = tx.Query(ctx, `SELECT id FROM `+table+` WHERE id = ANY($1)`, skipped)
	if err != nil {
		return nil, err
	}
	present, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	var missing []int64
	for _, id := range skipped {
		if !slices.Contains(present, id) {
			missing = append(missing, id)
		}
	}
	return missing, nil
}

// advance moves the sequence seq (one of the schema's, never user input)
// so that it hands out ids above max.
func advance(ctx context.Context, tx pgx.Tx, seq string, max int64) error {
	_, err := tx.Exec(ctx, `SELECT setval('`+seq+`', greatest($1, last_value)) FROM `+seq, max)
	return err
}

// ScanCases returns up to limit cases with id > afterID, by id, with their
// decisions.
func (db *DB) ScanCases(ctx context.Context, afterID int64, limit int) ([]*credo.Case, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	return db.cases(ctx, caseSelect+` WHERE c.id > $1 ORDER BY c.id LIMIT $2`, afterID, limit)
}

// RestoreCases stores cases and their decisions with their ids, skipping
// cases already stored and decisions of cases that have one, and restores
// the repairs of records that approved repair decisions made. A record's
// repair row keeps the earliest approved repair (ON CONFLICT ... DO UPDATE
// only to an earlier time), so restores in any order end alike.
func (db *DB) RestoreCases(ctx context.Context, cases []*credo.Case) error {
	n := len(cases)
	if n == 0 {
		return nil
	}
	var (
		id, targetID                                  = make([]int64, n), make([]int64, n)
		kind, subject, targetKind, authority, reasons = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		filedBy, filing                               = make([]string, n), make([]string, n)
		attachments                                   = make([]*string, n)
		commitment                                    = make([]bool, n)
		filed, decideBy                               = make([]*int64, n), make([]*int64, n)
		did                                           []int64
		doutcome, dreasons, dactor                    []string
		drecord, dat                                  []*int64
		repaired                                      = map[int64]int{} // record → index into cases
		repairRecord, repairCase                      []int64
		repairAt                                      []*int64
	)
	for i, c := range cases {
		if c == nil || c.ID <= 0 {
			return credo.FieldError("id", "required", "a restored case needs its id")
		}
		id[i], kind[i], subject[i], targetKind[i], targetID[i] = c.ID, c.Kind, c.Subject, c.Target.Kind, c.Target.ID
		authority[i], reasons[i], commitment[i], filedBy[i] = c.Authority, c.Reasons, c.Commitment, c.FiledBy
		filing[i] = "restore:" + strconv.FormatInt(c.ID, 10)
		filed[i], decideBy[i] = nsOf(c.FiledAt), nsOf(c.DecideBy)
		if c.Attachments != nil {
			b, err := json.Marshal(c.Attachments)
			if err != nil {
				return credo.Errorf(credo.EINVALID, "the attachments of case %d cannot be encoded: %v", c.ID, err)
			}
			s := string(b)
			attachments[i] = &s
		}
		d := c.Decision
		if d == nil {
			continue
		}
		if d.Case != 0 && d.Case != c.ID {
			return credo.FieldError("decision", "invalid", "the decision of case %d names case %d", c.ID, d.Case)
		}
		var rec *int64
		if d.Record != 0 {
			rec = &d.Record
		}
		did, doutcome, dreasons, dactor = append(did, c.ID), append(doutcome, d.Outcome), append(dreasons, d.Reasons), append(dactor, d.Actor)
		drecord, dat = append(drecord, rec), append(dat, nsOf(d.At))
		if c.Kind == credo.CaseRepair && d.Outcome == credo.OutcomeApproved && c.Target.Kind == credo.TargetRecord {
			// One row per record in the statement (DO UPDATE may touch a
			// row once): the earliest of the batch.
			if j, ok := repaired[c.Target.ID]; !ok || d.At.Before(cases[j].Decision.At.Time) {
				repaired[c.Target.ID] = i
			}
		}
	}
	for rec, i := range repaired {
		repairRecord, repairCase, repairAt = append(repairRecord, rec), append(repairCase, cases[i].ID), append(repairAt, nsOf(cases[i].Decision.At))
	}
	return db.write(ctx, "restoring cases", func(ctx context.Context, tx pgx.Tx, _ int) error {
		if _, err := tx.Exec(ctx, `
			INSERT INTO cases (id, kind, subject, target_kind, target_id, authority, reasons, attachments,
				commitment, filed_by, filed_ns, decide_by_ns, filing)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[],
				$8::jsonb[], $9::boolean[], $10::text[], $11::bigint[], $12::bigint[], $13::text[])
			ON CONFLICT DO NOTHING`,
			id, kind, subject, targetKind, targetID, authority, reasons, attachments, commitment, filedBy,
			filed, decideBy, filing); err != nil {
			return err
		}
		if len(did) > 0 {
			if _, err := tx.Exec(ctx, `
				INSERT INTO case_decisions (case_id, outcome, reasons, actor, record, at_ns, writer)
				SELECT *, $7 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[])
				ON CONFLICT (case_id) DO NOTHING`,
				did, doutcome, dreasons, dactor, drecord, dat, restoreWriter); err != nil {
				return err
			}
		}
		if len(repairRecord) > 0 {
			if _, err := tx.Exec(ctx, `
				INSERT INTO record_repairs (record_id, at_ns, case_id)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[])
				ON CONFLICT (record_id) DO UPDATE SET at_ns = excluded.at_ns, case_id = excluded.case_id
				WHERE excluded.at_ns < record_repairs.at_ns`,
				repairRecord, repairAt, repairCase); err != nil {
				return err
			}
		}
		return advance(ctx, tx, "case_ids", slices.Max(id))
	})
}

// AccountTokens returns the token hashes of an account, sorted (none for
// an unknown account).
func (db *DB) AccountTokens(ctx context.Context, accountID string) ([]string, error) {
	out := []string{}
	err := db.read(ctx, "reading account tokens", func(ctx context.Context) error {
		rows, err := db.pool.Query(ctx, `SELECT token_hash FROM account_tokens WHERE account_id = $1 ORDER BY token_hash`, accountID)
		if err != nil {
			return err
		}
		out, err = pgx.AppendRows(out[:0], rows, pgx.RowTo[string])
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// RestoreAccount stores a with its token hashes, or adds to the stored
// account with a's id the hashes it lacks.
func (db *DB) RestoreAccount(ctx context.Context, a *credo.Account, tokenHashes []string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	hashes := slices.Compact(slices.Sorted(slices.Values(tokenHashes)))
	if slices.Contains(hashes, "") {
		return credo.FieldError("token", "required", "a token hash is empty")
	}
	return db.write(ctx, "restoring an account", func(ctx context.Context, tx pgx.Tx, _ int) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO accounts (id, role, subject, name, created_ns) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT DO NOTHING`, a.ID, a.Role, a.Subject, a.Name, nsOf(a.CreatedAt))
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 && len(hashes) == 0 {
			return credo.FieldError("token", "required", "an account needs a token")
		}
		if len(hashes) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO account_tokens (token_hash, account_id) SELECT unnest($1::text[]), $2
			ON CONFLICT DO NOTHING`, hashes, a.ID); err != nil {
			return err
		}
		var others int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM account_tokens WHERE token_hash = ANY($1) AND account_id <> $2`,
			hashes, a.ID).Scan(&others); err != nil {
			return err
		}
		if others > 0 {
			return &credo.Error{Code: credo.ECONFLICT, Field: "token", Reason: "exists",
				Message: fmt.Sprintf("account %s: a token hash is held by another account", a.ID)}
		}
		return nil
	})
}

// ScanNotices returns up to limit notices with id > afterID, by id.
func (db *DB) ScanNotices(ctx context.Context, afterID int64, limit int) ([]*credo.Notice, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	return db.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE id > $1 ORDER BY id LIMIT $2`, afterID, limit)
}

// RestoreNotices stores notices with their ids and keys, skipping ids
// already stored.
func (db *DB) RestoreNotices(ctx context.Context, notices []*credo.Notice) error {
	n := len(notices)
	if n == 0 {
		return nil
	}
	var (
		id                                                  = make([]int64, n)
		audience, subject, kind, what, why, measure, writer = make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		options, key                                        = make([]*string, n), make([]*string, n)
		record, entry, cs, at                               = make([]*int64, n), make([]*int64, n), make([]*int64, n), make([]*int64, n)
		ord                                                 = make([]int32, n)
	)
	nonzero := func(v int64) *int64 {
		if v == 0 {
			return nil
		}
		return &v
	}
	for i, nt := range notices {
		if nt == nil || nt.ID <= 0 {
			return credo.FieldError("id", "required", "a restored notice needs its id")
		}
		id[i], audience[i], subject[i], kind[i], what[i], why[i], measure[i] = nt.ID, nt.Audience, nt.Subject, nt.Kind, nt.What, nt.Why, nt.Refs.Measure
		if nt.Options != nil {
			b, err := json.Marshal(nt.Options)
			if err != nil {
				return credo.Errorf(credo.EINVALID, "the options of notice %d cannot be encoded: %v", nt.ID, err)
			}
			s := string(b)
			options[i] = &s
		}
		if nt.Key != "" {
			key[i] = &nt.Key
		}
		record[i], entry[i], cs[i] = nonzero(nt.Refs.Record), nonzero(nt.Refs.ListEntry), nonzero(nt.Refs.Case)
		at[i] = nsOf(nt.At)
		writer[i] = "restore:" + strconv.FormatInt(nt.ID, 10) // unique with ord 0, as the id is
	}
	return db.write(ctx, "restoring notices", func(ctx context.Context, tx pgx.Tx, _ int) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO notices (id, audience, subject, kind, what, why, options, ref_record, ref_list_entry,
				ref_case, ref_measure, at_ns, key, ord, writer)
			SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
				$7::jsonb[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::bigint[], $13::text[],
				$14::int[], $15::text[])
			ON CONFLICT DO NOTHING
			RETURNING id`,
			id, audience, subject, kind, what, why, options, record, entry, cs, measure, at, key, ord, writer)
		if err != nil {
			return err
		}
		missing, err := notInserted(ctx, tx, "notices", id, rows)
		if err != nil {
			return err
		}
		if len(missing) > 0 {
			i := slices.Index(id, missing[0])
			return &credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
				Message: fmt.Sprintf("notice %d: key %q is stored under another id", id[i], deref(key[i]))}
		}
		return advance(ctx, tx, "notice_ids", slices.Max(id))
	})
}
