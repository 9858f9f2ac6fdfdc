package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"github.com/credo-registry/credo/store/sqlcommon"
)

// SchemaVersion is the newest schema this package knows: the number of the
// last file in migrations/. Open migrates older databases up to it and
// refuses newer ones.
const SchemaVersion = 20

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in order. Their numbers must
// run 1, 2, ... SchemaVersion without gaps.
func migrations() ([]sqlcommon.Migration, error) {
	return sqlcommon.Migrations(migrationFiles, "sqlite", SchemaVersion)
}

// ErrSchemaTooNew reports a database written by a newer credo.
type ErrSchemaTooNew struct {
	Path     string
	Found    int // the database's schema version
	Supports int // SchemaVersion of this binary
}

func (e *ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("sqlite: database %s has schema version %d, newer than this credo supports (%d); upgrade credo to open it",
		e.Path, e.Found, e.Supports)
}

// migrate applies the migrations db lacks and returns its schema version.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at TEXT NOT NULL)`); err != nil {
		return 0, fmt.Errorf("sqlite: opening schema: %w", err)
	}
	var current int
	if err := db.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&current); err != nil {
		return 0, fmt.Errorf("sqlite: reading schema version: %w", err)
	}
	if current > SchemaVersion {
		var path string
		_ = db.QueryRowContext(ctx, `SELECT file FROM pragma_database_list WHERE name = 'main'`).Scan(&path)
		return 0, &ErrSchemaTooNew{Path: path, Found: current, Supports: SchemaVersion}
	}
	for _, m := range ms[current:] {
		if err := apply(ctx, db, m); err != nil {
			return 0, err
		}
		current = m.Version
	}
	return current, nil
}

func apply(ctx context.Context, db *sql.DB, m sqlcommon.Migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
		m.Version, m.Name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.Name, err)
	}
	return nil
}
