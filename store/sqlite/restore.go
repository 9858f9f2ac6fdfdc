package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/credo-registry/credo"
)

// RestoreRecords implements credo.CopyStore.
func (db *DB) RestoreRecords(ctx context.Context, records []*credo.Record) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `INSERT INTO records(`+recordColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING`)
		if err != nil {
			return fmt.Errorf("sqlite: restoring records: %w", err)
		}
		defer st.Close()
		added := 0
		for _, r := range records {
			if r == nil || r.ID <= 0 || r.Authority == "" || r.ExternalID == "" {
				return credo.FieldError("id", "required", "a restored record needs its id, authority and external id")
			}
			body, err := encodeRecordBody(nil, r)
			if err != nil {
				return fmt.Errorf("sqlite: restoring record %d: %w", r.ID, err)
			}
			res, err := st.ExecContext(ctx, r.ID, r.Subject, r.Authority, r.ExternalID, r.Category, r.Kind,
				unixNano(r.OccurredAt), unixNano(r.RecordedAt), nullable(r.Supersedes), submittedHash(r), body)
			if err != nil {
				if isUniqueViolation(err) {
					return &credo.Error{Code: credo.ECONFLICT, Field: "external_id", Reason: "conflict",
						Message: fmt.Sprintf("record %d: external id %q of authority %s is stored under another id", r.ID, r.ExternalID, r.Authority)}
				}
				return fmt.Errorf("sqlite: restoring record %d: %w", r.ID, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				added++
			}
		}
		return addCount(ctx, tx, "records", added)
	})
}

// RestoreSubjects implements credo.CopyStore. A restored version newer than
// its code's latest becomes the latest (and is indexed for search).
func (db *DB) RestoreSubjects(ctx context.Context, subjects []*credo.Subject) error {
	return db.write(ctx, func(tx *sql.Tx) error {
		for _, s := range subjects {
			if s == nil || s.Code == "" || s.Version <= 0 {
				return credo.FieldError("version", "required", "a restored subject needs its code and version")
			}
		}
		seen, err := latestOf(ctx, tx, subjects)
		if err != nil {
			return fmt.Errorf("sqlite: restoring subjects: %w", err)
		}
		newCodes := 0
		for _, s := range subjects {
			cur := seen[s.Code]
			hash := s.ContentHash()
			if err := db.stmts.insertVersion(ctx, tx, s, hash); err != nil {
				return fmt.Errorf("sqlite: restoring subject %s: %w", s.Code, err)
			}
			if s.Version <= cur.version {
				continue
			}
			next, err := db.stmts.setLatest(ctx, tx, s, hash, cur, db.deferGrams)
			if err != nil {
				return fmt.Errorf("sqlite: restoring subject %s: %w", s.Code, err)
			}
			if _, err := db.setPeople(ctx, tx, s); err != nil {
				return fmt.Errorf("sqlite: restoring subject %s: %w", s.Code, err)
			}
			if cur.version == 0 {
				newCodes++
			}
			seen[s.Code] = next
		}
		return addCount(ctx, tx, "organizations", newCodes)
	})
}
