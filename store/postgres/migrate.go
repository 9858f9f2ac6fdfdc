package postgres

import (
	"context"
	"embed"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"

	"github.com/credo-registry/credo/store/sqlcommon"
)

// SchemaVersion is the newest schema this package knows: the number of the
// last file in migrations/. Open migrates older schemas up to it and
// refuses newer ones.
const SchemaVersion = 19

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order. Their numbers must
// run 1, 2, ... SchemaVersion without gaps.
func migrations() ([]sqlcommon.Migration, error) {
	return sqlcommon.Migrations(migrationFiles, "postgres", SchemaVersion)
}

// SchemaVersionError reports a schema this binary cannot run on: one
// migrated by a newer credo (Found > Supported), or, when Open was told
// not to migrate, an older one.
type SchemaVersionError struct {
	Where     string // server, database and schema
	Found     int    // the version recorded in schema_migrations
	Supported int    // SchemaVersion of this binary
}

func (e *SchemaVersionError) Error() string {
	if e.Found > e.Supported {
		return fmt.Sprintf("postgres: the database schema at %s is version %d, newer than this credo understands (version %d): "+
			"another, newer credo migrated it; run that version or upgrade this one", e.Where, e.Found, e.Supported)
	}
	return fmt.Sprintf("postgres: the database schema at %s is version %d but this credo needs version %d: run `credo migrate`",
		e.Where, e.Found, e.Supported)
}

// Migrate brings the schema up to SchemaVersion, creating the schema named
// by WithSchema when missing. It holds a session advisory lock meanwhile,
// so that nodes starting at once migrate once and the others wait and find
// the work done. It returns a *SchemaVersionError for a newer schema.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return db.domainError("migrating", err)
	}
	defer conn.Release()
	key := lockKey("credo migrate " + db.schema)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, key); err != nil {
		return db.domainError("migrating: taking the migration lock", err)
	}
	defer func() {
		// A connection that cannot unlock is closed, which unlocks.
		if _, err := conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, key); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx))
		}
	}()
	if db.schema != "" {
		if _, err := conn.Exec(ctx, `CREATE SCHEMA IF NOT EXISTS `+pgx.Identifier{db.schema}.Sanitize()); err != nil {
			return db.domainError("migrating: creating schema "+db.schema, err)
		}
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    integer PRIMARY KEY,
		name       text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return db.domainError("migrating: creating schema_migrations", err)
	}
	current, err := schemaVersion(ctx, conn.Conn())
	if err != nil {
		return db.domainError("migrating: reading the schema version", err)
	}
	if current > SchemaVersion {
		return &SchemaVersionError{Where: db.schemaWhere(), Found: current, Supported: SchemaVersion}
	}
	for _, m := range ms[current:] {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return db.domainError("migration "+m.Name, err)
		}
		db.log.Info("postgres: applied migration", "migration", m.Name, "schema", db.schemaWhere())
	}
	db.version = SchemaVersion
	return nil
}

// SchemaVersion returns the schema version Open found or migrated to:
// SchemaVersion once Open has returned.
func (db *DB) SchemaVersion() int { return db.version }

// readVersion reads the version recorded in the schema's schema_migrations
// table now: 0 for an empty schema.
func (db *DB) readVersion(ctx context.Context) (int, error) {
	var v int
	err := db.read(ctx, "reading the schema version", func(ctx context.Context) error {
		conn, err := db.pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer conn.Release()
		v, err = schemaVersion(ctx, conn.Conn())
		return err
	})
	return v, err
}

func schemaVersion(ctx context.Context, conn *pgx.Conn) (int, error) {
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil || !exists {
		return 0, err
	}
	var v int
	err := conn.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// checkVersion is Open's check when it does not migrate.
func (db *DB) checkVersion(ctx context.Context) error {
	v, err := db.readVersion(ctx)
	if err != nil {
		return err
	}
	if v != SchemaVersion {
		return &SchemaVersionError{Where: db.schemaWhere(), Found: v, Supported: SchemaVersion}
	}
	db.version = v
	return nil
}

func (db *DB) schemaWhere() string {
	if db.path == "" {
		return db.where
	}
	return db.where + " schema " + db.path
}

// lockKey turns a name into a key for pg_advisory_lock.
func lockKey(name string) int64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return int64(h.Sum64())
}
