package sqlcommon

import (
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
)

// Migration is one numbered schema change, applied in its own
// transaction.
type Migration struct {
	Version int
	Name    string // the file's name, NNNN_name.sql
	SQL     string
}

// Migrations returns the migrations in files' folder migrations/ (a
// backend's embedded files), in order. Their numbers must run 1, 2, ...
// schemaVersion without gaps. Errors begin with backend.
func Migrations(files fs.FS, backend string, schemaVersion int) ([]Migration, error) {
	entries, err := fs.ReadDir(files, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("%s: migration file %s is not named NNNN_name.sql", backend, e.Name())
		}
		b, err := fs.ReadFile(files, "migrations/"+e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("%s: migration %s out of sequence (want number %d)", backend, m.Name, i+1)
		}
	}
	if len(ms) != schemaVersion {
		return nil, fmt.Errorf("%s: %d migrations embedded but SchemaVersion is %d", backend, len(ms), schemaVersion)
	}
	return ms, nil
}
