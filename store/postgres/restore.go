package postgres

import (
	"context"
	"fmt"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo"
)

// ScanRecords returns up to limit records with id > afterID, by id. The
// ids are read from record_keys (the one index by id) and the records by
// their full key.
//
// Ids come from a sequence, and on a database several nodes write to, a
// transaction holding a lower id may commit after one holding a higher
// id; a scan racing live writers can therefore miss a record that appears
// later below its position. Copies are made from a registry nobody writes
// to.
func (db *DB) ScanRecords(ctx context.Context, afterID int64, limit int) ([]*credo.Record, error) {
	if limit <= 0 {
		limit = credo.DefaultPageSize
	}
	var out []*credo.Record
	err := db.read(ctx, "scanning records", func(ctx context.Context) error {
		// LATERAL ... LIMIT 1 keeps the planner to one index probe of
		// records per key rather than a join over the whole table.
		rows, err := db.pool.Query(ctx, `
			SELECT r.id, r.supersedes, r.body,
				(SELECT max(s.id) FROM records s WHERE s.subject = r.subject AND s.supersedes = r.id),
				NULL::bigint -- RepairedAt stays zero in a copy
			FROM (SELECT subject, id FROM record_keys WHERE id > $1 ORDER BY id LIMIT $2) AS k
			CROSS JOIN LATERAL (SELECT * FROM records r WHERE r.subject = k.subject AND r.id = k.id LIMIT 1) AS r
			ORDER BY k.id`, afterID, limit)
		if err != nil {
			return err
		}
		out, err = scanRecords(rows)
		return err
	})
	return out, err
}

// RestoreRecords stores records with their ids, times and resolved
// Supersedes, skipping ids (and external ids) already stored, and moves the
// id sequence past the highest id restored.
func (db *DB) RestoreRecords(ctx context.Context, records []*credo.Record) error {
	if len(records) == 0 {
		return nil
	}
	batch := encode(records)
	news := make([]*newRecord, len(records))
	for i, r := range records {
		if r == nil || r.ID <= 0 || r.Authority == "" || r.ExternalID == "" {
			return credo.FieldError("id", "required", "a restored record needs its id, authority and external id")
		}
		if batch[i].err != nil {
			return batch[i].err
		}
		news[i] = &newRecord{encoded: &batch[i], id: r.ID, supersedes: r.Supersedes}
	}
	return db.write(ctx, "restoring records", func(ctx context.Context, tx pgx.Tx, _ int) error {
		auths := make([]string, len(news))
		exts := make([]string, len(news))
		subjects := make([]string, len(news))
		ids := make([]int64, len(news))
		hashes := make([][]byte, len(news))
		for i, n := range news {
			auths[i], exts[i], subjects[i], ids[i], hashes[i] = n.rec.Authority, n.rec.ExternalID, n.rec.Subject, n.id, n.hash[:]
		}
		rows, err := tx.Query(ctx, `
			INSERT INTO record_keys (authority, external_id, subject, id, content_hash)
			SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bytea[])
			ON CONFLICT DO NOTHING
			RETURNING id`, auths, exts, subjects, ids, hashes)
		if err != nil {
			return err
		}
		stored, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		slices.Sort(stored)
		if len(stored) < len(news) {
			if err := restoreConflict(ctx, tx, news, stored); err != nil {
				return err
			}
		}
		var todo []*newRecord
		for _, n := range news {
			if _, ok := slices.BinarySearch(stored, n.id); ok {
				todo = append(todo, n)
			}
		}
		if len(todo) == 0 {
			return nil
		}
		if err := copyRecords(ctx, tx, todo); err != nil {
			return err
		}
		// The sequence must hand out ids above every restored one. (An
		// append racing a restore may still draw a restored id; the unique
		// index on record_keys.id refuses it and its transaction runs again.)
		if _, err := tx.Exec(ctx, `SELECT setval('record_ids', greatest($1, last_value)) FROM record_ids`,
			stored[len(stored)-1]); err != nil {
			return err
		}
		return addCount(ctx, tx, "records", int64(len(todo)))
	})
}

// restoreConflict returns an ECONFLICT error when a record that was not
// inserted was skipped for its external id, stored under another id,
// rather than for its id being stored.
func restoreConflict(ctx context.Context, tx pgx.Tx, news []*newRecord, stored []int64) error {
	var skipped []int64
	for _, n := range news {
		if _, ok := slices.BinarySearch(stored, n.id); !ok {
			skipped = append(skipped, n.id)
		}
	}
	rows, err := tx.Query(ctx, `SELECT id FROM record_keys WHERE id = ANY($1)`, skipped)
	if err != nil {
		return err
	}
	present, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	slices.Sort(present)
	for _, n := range news {
		_, inserted := slices.BinarySearch(stored, n.id)
		_, there := slices.BinarySearch(present, n.id)
		if !inserted && !there {
			return &credo.Error{Code: credo.ECONFLICT, Field: "external_id", Reason: "conflict",
				Message: fmt.Sprintf("record %d: external id %q of authority %s is stored under another id", n.id, n.rec.ExternalID, n.rec.Authority)}
		}
	}
	return nil
}

// RestoreSubjects stores subject versions as given, skipping any (code,
// version) already stored, and makes each code's highest version its
// latest.
func (db *DB) RestoreSubjects(ctx context.Context, subjects []*credo.Subject) error {
	if len(subjects) == 0 {
		return nil
	}
	versions := make([]version, 0, len(subjects))
	for _, s := range subjects {
		if s == nil || s.Code == "" || s.Version <= 0 {
			return credo.FieldError("version", "required", "a restored subject needs its code and version")
		}
		versions = append(versions, version{s, s.ContentHash()})
	}
	return db.write(ctx, "restoring subjects", func(ctx context.Context, tx pgx.Tx, _ int) error {
		codes := make([]string, len(versions))
		nums := make([]int32, len(versions))
		hashes := make([]string, len(versions))
		bodies := make([]string, len(versions))
		for i, v := range versions {
			body, err := jsonText(v.s)
			if err != nil {
				return err
			}
			codes[i], nums[i], hashes[i], bodies[i] = v.s.Code, int32(v.s.Version), v.hash, body
		}
		before, err := lockLatest(ctx, tx, codes)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO subject_versions (code, version, content_hash, body)
			SELECT * FROM unnest($1::text[], $2::int[], $3::text[], $4::json[])
			ON CONFLICT DO NOTHING`, codes, nums, hashes, bodies); err != nil {
			return err
		}
		final := make(map[string]version)
		for _, v := range versions {
			if v.s.Version > before[v.s.Code].version && v.s.Version > final[v.s.Code].num() {
				final[v.s.Code] = v
			}
		}
		if err := setLatest(ctx, tx, final, before); err != nil {
			return err
		}
		for _, v := range final {
			if _, err := setPeople(ctx, tx, v.s); err != nil {
				return err
			}
		}
		return nil
	})
}

func (v version) num() int {
	if v.s == nil {
		return 0
	}
	return v.s.Version
}

func jsonText(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encoding: %w", err)
	}
	return string(b), nil
}
