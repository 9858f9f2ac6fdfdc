package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SchemaVersion is the newest schema this package knows: the number of the
// last file in migrations/. Open migrates older databases up to it and
// refuses newer ones.
const SchemaVersion = 20

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema change, applied in its own transaction.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in order. Their numbers must
// run 1, 2, ... SchemaVersion without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("sqlite: migration file %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	slices.SortFunc(ms, func(a, b migration) int { return a.version - b.version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("sqlite: migration %s out of sequence (want number %d)", m.name, i+1)
		}
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("sqlite: %d migrations embedded but SchemaVersion is %d", len(ms), SchemaVersion)
	}
	return ms, nil
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
		current = m.version
	}
	return current, nil
}

func apply(ctx context.Context, db *sql.DB, m migration) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version, name, applied_at) VALUES (?, ?, ?)`,
		m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", m.name, err)
	}
	return nil
}
