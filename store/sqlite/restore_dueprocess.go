package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
)

// The copy side of due process (credo.CopyStore): scans by id and restores
// with ids as given. Rowids (INTEGER PRIMARY KEY without AUTOINCREMENT) are
// assigned as max+1, so writes after a restore go on above restored ids.

// ScanListEntries implements credo.CopyStore.
func (db *DB) ScanListEntries(ctx context.Context, afterID int64, limit int) ([]*credo.ListEntry, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	got, err := db.listEntries(ctx, `SELECT `+listEntrySelect+` WHERE e.id > ? ORDER BY e.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scanning list entries: %w", err)
	}
	return got, nil
}

// RestoreListEntries implements credo.CopyStore.
func (db *DB) RestoreListEntries(ctx context.Context, entries []*credo.ListEntry) error {
	if len(entries) == 0 {
		return nil
	}
	reasons := make([][]byte, len(entries))
	for i, e := range entries {
		if e == nil || e.ID <= 0 || e.Key == "" {
			return credo.FieldError("id", "required", "a restored list entry needs its id and key")
		}
		for _, t := range e.Transitions {
			if t.ID <= 0 || t.Entry != 0 && t.Entry != e.ID {
				return credo.FieldError("transitions", "invalid", "a restored transition of entry %d needs its id and that entry", e.ID)
			}
		}
		r, err := json.Marshal(e.Reasons)
		if err != nil {
			return credo.Errorf(credo.EINVALID, "list entry %d cannot be stored: %v", e.ID, err)
		}
		reasons[i] = r
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for i, e := range entries {
			_, err := tx.ExecContext(ctx, `INSERT INTO list_entries(id, `+listEntryColumns+`)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
				e.ID, e.Key, e.ContentHash(), e.List, e.ListVersion, e.Subject, e.Division, e.Authority, e.Source, e.LegalBasis,
				e.DecisionNumber, reasons[i], unixNano(e.DecidedAt), unixNano(e.NotifiedAt), unixNano(e.EffectiveAt),
				unixNano(e.RepairFrom), unixNano(e.Until), nullable(e.EscalatedFrom), unixNano(e.RecordedAt))
			if err != nil {
				if isUniqueViolation(err) {
					return &credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
						Message: fmt.Sprintf("list entry %d: key %q is stored under another id", e.ID, e.Key)}
				}
				return fmt.Errorf("sqlite: restoring list entry %d: %w", e.ID, err)
			}
			for _, t := range e.Transitions {
				_, err := tx.ExecContext(ctx, `INSERT INTO list_transitions(id, entry, status, reason, note, actor, case_id, at, recorded_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`, t.ID, e.ID, t.Status, t.Reason, t.Note,
					t.Actor, nullable(t.Case), unixNano(t.At), unixNano(t.RecordedAt))
				if err != nil {
					if isUniqueViolation(err) {
						return transitionConflict(e.ID)
					}
					return fmt.Errorf("sqlite: restoring the transition of list entry %d: %w", e.ID, err)
				}
			}
		}
		return nil
	})
}

// ScanCases implements credo.CopyStore.
func (db *DB) ScanCases(ctx context.Context, afterID int64, limit int) ([]*credo.Case, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	got, err := db.cases(ctx, `SELECT `+caseSelect+` WHERE c.id > ? ORDER BY c.id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scanning cases: %w", err)
	}
	return got, nil
}

// RestoreCases implements credo.CopyStore.
func (db *DB) RestoreCases(ctx context.Context, cases []*credo.Case) error {
	if len(cases) == 0 {
		return nil
	}
	attachments := make([][]byte, len(cases))
	for i, c := range cases {
		if c == nil || c.ID <= 0 {
			return credo.FieldError("id", "required", "a restored case needs its id")
		}
		if d := c.Decision; d != nil && d.Case != 0 && d.Case != c.ID {
			return credo.FieldError("decision", "invalid", "the decision of case %d names case %d", c.ID, d.Case)
		}
		a, err := json.Marshal(c.Attachments)
		if err != nil {
			return credo.Errorf(credo.EINVALID, "case %d cannot be stored: %v", c.ID, err)
		}
		attachments[i] = a
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for i, c := range cases {
			if _, err := tx.ExecContext(ctx, `INSERT INTO cases(id, kind, subject, target_kind, target_id, authority, reasons,
				attachments, commitment, filed_by, filed_at, decide_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(id) DO NOTHING`,
				c.ID, c.Kind, c.Subject, c.Target.Kind, c.Target.ID, c.Authority, c.Reasons, attachments[i], c.Commitment,
				c.FiledBy, unixNano(c.FiledAt), unixNano(c.DecideBy)); err != nil {
				return fmt.Errorf("sqlite: restoring case %d: %w", c.ID, err)
			}
			d := c.Decision
			if d == nil {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_decisions(case_id, outcome, reasons, actor, record_id, at)
				VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(case_id) DO NOTHING`,
				c.ID, d.Outcome, d.Reasons, d.Actor, nullable(d.Record), unixNano(d.At)); err != nil {
				return fmt.Errorf("sqlite: restoring the decision of case %d: %w", c.ID, err)
			}
			if c.Kind == credo.CaseRepair && d.Outcome == credo.OutcomeApproved && c.Target.Kind == credo.TargetRecord {
				// The earliest approved repair is the one decided first,
				// which DecideCase keeps.
				if _, err := tx.ExecContext(ctx, `INSERT INTO record_repairs(record_id, at) VALUES (?, ?)
					ON CONFLICT(record_id) DO UPDATE SET at = excluded.at WHERE excluded.at < record_repairs.at`,
					c.Target.ID, unixNano(d.At)); err != nil {
					return fmt.Errorf("sqlite: restoring the repair of record %d: %w", c.Target.ID, err)
				}
			}
		}
		return nil
	})
}

// AccountTokens implements credo.CopyStore. An account here holds one
// token hash.
func (db *DB) AccountTokens(ctx context.Context, accountID string) ([]string, error) {
	out := []string{}
	var h string
	err := db.r.QueryRowContext(ctx, `SELECT token_hash FROM accounts WHERE id = ?`, accountID).Scan(&h)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return out, nil
	case err != nil:
		return nil, fmt.Errorf("sqlite: reading the tokens of account %s: %w", accountID, err)
	}
	return append(out, h), nil
}

// RestoreAccount implements credo.CopyStore. An account here holds one
// token hash: a second is refused with EINVALID.
func (db *DB) RestoreAccount(ctx context.Context, a *credo.Account, tokenHashes []string) error {
	if a == nil || a.ID == "" {
		return credo.FieldError("id", "required", "is required")
	}
	hashes := slices.Compact(slices.Sorted(slices.Values(tokenHashes)))
	if slices.Contains(hashes, "") {
		return credo.FieldError("token", "required", "a token hash is empty")
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		var have string
		err := tx.QueryRowContext(ctx, `SELECT token_hash FROM accounts WHERE id = ?`, a.ID).Scan(&have)
		switch {
		case err == nil:
			for _, h := range hashes {
				if h != have {
					return oneToken(a.ID)
				}
			}
			return nil
		case !errors.Is(err, sql.ErrNoRows):
			return fmt.Errorf("sqlite: restoring account %s: %w", a.ID, err)
		}
		switch len(hashes) {
		case 0:
			return credo.FieldError("token", "required", "an account needs a token")
		case 1:
		default:
			return oneToken(a.ID)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO accounts(id, role, subject, name, created_at, token_hash)
			VALUES (?, ?, ?, ?, ?, ?)`, a.ID, a.Role, a.Subject, a.Name, unixNano(a.CreatedAt), hashes[0])
		if err != nil {
			if isUniqueViolation(err) {
				return tokenTaken()
			}
			return fmt.Errorf("sqlite: restoring account %s: %w", a.ID, err)
		}
		return nil
	})
}

func oneToken(id string) *credo.Error {
	return &credo.Error{Code: credo.EINVALID, Field: "token", Reason: "one_token",
		Message: fmt.Sprintf("account %s: this store holds one token hash per account", id)}
}

// ScanNotices implements credo.CopyStore.
func (db *DB) ScanNotices(ctx context.Context, afterID int64, limit int) ([]*credo.Notice, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	got, err := db.notices(ctx, `SELECT `+noticeColumns+` FROM notices WHERE id > ? ORDER BY id LIMIT ?`, afterID, limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scanning notices: %w", err)
	}
	return got, nil
}

// RestoreNotices implements credo.CopyStore.
func (db *DB) RestoreNotices(ctx context.Context, notices []*credo.Notice) error {
	if len(notices) == 0 {
		return nil
	}
	type encoded struct{ options, refs []byte }
	enc := make([]encoded, len(notices))
	for i, n := range notices {
		if n == nil || n.ID <= 0 {
			return credo.FieldError("id", "required", "a restored notice needs its id")
		}
		var err error
		if enc[i].options, err = json.Marshal(n.Options); err == nil {
			enc[i].refs, err = json.Marshal(&n.Refs)
		}
		if err != nil {
			return credo.Errorf(credo.EINVALID, "notice %d cannot be stored: %v", n.ID, err)
		}
	}
	return db.write(ctx, func(tx *sql.Tx) error {
		for i, n := range notices {
			var key any
			if n.Key != "" {
				key = n.Key
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO notices(id, audience, subject, kind, what, why, options, refs, at, key)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`,
				n.ID, n.Audience, n.Subject, n.Kind, n.What, n.Why, enc[i].options, enc[i].refs, unixNano(n.At), key)
			if err != nil {
				if isUniqueViolation(err) {
					return &credo.Error{Code: credo.ECONFLICT, Field: "key", Reason: "conflict",
						Message: fmt.Sprintf("notice %d: key %q is stored under another id", n.ID, n.Key)}
				}
				return fmt.Errorf("sqlite: restoring notice %d: %w", n.ID, err)
			}
		}
		return nil
	})
}
