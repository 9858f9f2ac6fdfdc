package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"modernc.org/sqlite"

	"github.com/credo-registry/credo"
)

// Stats implements credo.StatsStore from the counts the writer keeps, so it
// costs the same at any size.
func (db *DB) Stats(ctx context.Context) (credo.Stats, error) {
	var s credo.Stats
	err := db.r.QueryRowContext(ctx, `SELECT
		(SELECT n FROM counts WHERE name = 'organizations'),
		(SELECT n FROM counts WHERE name = 'records'),
		(SELECT count(*) FROM authorities)`).Scan(&s.Organizations, &s.Records, &s.Authorities)
	if err != nil {
		return credo.Stats{}, fmt.Errorf("sqlite: reading stats: %w", err)
	}
	return s, nil
}

// addCount adds n to a count, in the transaction that changed what it
// counts.
func addCount(ctx context.Context, tx *sql.Tx, name string, n int) error {
	if n == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE counts SET n = n + ? WHERE name = ?`, n, name)
	return err
}

// ReaderPages returns the pages the reader connections asked their page
// caches for since the last call (fetched) and those of them the caches
// did not hold (read: with a pread each), summed over the connections,
// and resets the counters. Pages of the mapped part of the file bypass
// the caches and are not counted: ReaderMmap(ctx, 0) first to count
// every page. For measurements (credo bench portal --pages): it takes
// every reader connection, so it waits for the reads running.
func (db *DB) ReaderPages(ctx context.Context) (fetched, read int, err error) {
	err = db.eachReader(ctx, func(c *sql.Conn) error {
		return c.Raw(func(dc any) error {
			st, ok := dc.(sqlite.DBStatus)
			if !ok {
				return fmt.Errorf("the driver's connection has no status")
			}
			hit, _, err := st.Status(sqlite.DBStatusCacheHit, true)
			if err != nil {
				return err
			}
			miss, _, err := st.Status(sqlite.DBStatusCacheMiss, true)
			fetched, read = fetched+hit+miss, read+miss
			return err
		})
	})
	return fetched, read, err
}

// ReaderMmap sets how much of the file the reader connections map (0:
// none, every page read with a pread), for measurements.
func (db *DB) ReaderMmap(ctx context.Context, size int64) error {
	return db.eachReader(ctx, func(c *sql.Conn) error {
		_, err := c.ExecContext(ctx, "PRAGMA mmap_size = "+strconv.FormatInt(size, 10))
		return err
	})
}

// eachReader runs fn on every reader connection the pool may open,
// holding them all.
func (db *DB) eachReader(ctx context.Context, fn func(*sql.Conn) error) error {
	n := db.r.Stats().MaxOpenConnections
	conns := make([]*sql.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range n {
		c, err := db.r.Conn(ctx)
		if err != nil {
			return fmt.Errorf("sqlite: readers: %w", err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		if err := fn(c); err != nil {
			return fmt.Errorf("sqlite: readers: %w", err)
		}
	}
	return nil
}
