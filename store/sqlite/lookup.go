package sqlite

import (
	"context"
	"database/sql"

	"github.com/go-json-experiment/json"
)

// storedByKey adds the stored records among keys to found, in one query.
func storedByKey(ctx context.Context, tx *sql.Tx, keys []extKey, found map[extKey]known) error {
	if len(keys) == 0 {
		return nil
	}
	pairs := make([][2]string, len(keys))
	for i, k := range keys {
		pairs[i] = [2]string{k.authority, k.externalID}
	}
	arg, err := json.Marshal(pairs)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.hash, r.authority, r.external_id, r.subject
		FROM json_each(?) AS j CROSS JOIN records AS r
		ON r.authority = j.value->>0 AND r.external_id = j.value->>1`, string(arg))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k known
		var ext string
		if err := rows.Scan(&k.id, &k.hash, &k.authority, &ext, &k.subject); err != nil {
			return err
		}
		found[extKey{k.authority, ext}] = k
	}
	return rows.Err()
}

// storedByID adds the stored records among ids to found, in one query.
func storedByID(ctx context.Context, tx *sql.Tx, ids []int64, found map[int64]known) error {
	if len(ids) == 0 {
		return nil
	}
	arg, err := json.Marshal(ids)
	if err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT r.id, r.hash, r.authority, r.subject
		FROM json_each(?) AS j CROSS JOIN records AS r ON r.id = j.value`, string(arg))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var k known
		if err := rows.Scan(&k.id, &k.hash, &k.authority, &k.subject); err != nil {
			return err
		}
		found[k.id] = k
	}
	return rows.Err()
}
