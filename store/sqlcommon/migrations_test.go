package sqlcommon_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/credo-registry/credo/store/sqlcommon"
)

func TestMigrations(t *testing.T) {
	files := func(names ...string) fstest.MapFS {
		fs := fstest.MapFS{}
		for _, n := range names {
			fs["migrations/"+n] = &fstest.MapFile{Data: []byte("-- " + n)}
		}
		return fs
	}
	ms, err := sqlcommon.Migrations(files("0002_lists.sql", "0010_reports.sql", "0001_init.sql", "0003_x.sql", "0004_x.sql",
		"0005_x.sql", "0006_x.sql", "0007_x.sql", "0008_x.sql", "0009_x.sql"), "sqlite", 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range ms {
		if m.Version != i+1 || m.SQL != "-- "+m.Name {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
	if ms[9].Name != "0010_reports.sql" {
		t.Errorf("by number, 0010 is last (not by name's order): %+v", ms)
	}
	for _, c := range []struct {
		name  string
		files fstest.MapFS
		want  string
	}{
		{"a gap", files("0001_a.sql", "0003_c.sql"), "postgres: migration 0003_c.sql out of sequence (want number 2)"},
		{"not numbered", files("0001_a.sql", "init.sql"), "postgres: migration file init.sql is not named NNNN_name.sql"},
		{"fewer than the schema version", files("0001_a.sql"), "postgres: 1 migrations embedded but SchemaVersion is 2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := sqlcommon.Migrations(c.files, "postgres", 2); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err %v, want %q", err, c.want)
			}
		})
	}
}
