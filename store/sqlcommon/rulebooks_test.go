package sqlcommon_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/sqlcommon"
)

func TestRulebookVersion(t *testing.T) {
	src := []byte("id: tax\n")
	sum := sha256.Sum256(src)
	hash := hex.EncodeToString(sum[:])
	for _, c := range []struct {
		name  string
		rb    *credo.Rulebook
		field string // of the EINVALID error, "" when accepted
	}{
		{"no rulebook", nil, "id"},
		{"no id", &credo.Rulebook{Version: "1"}, "id"},
		{"no version", &credo.Rulebook{ID: "tax"}, "version"},
		{"another source's hash", &credo.Rulebook{ID: "tax", Version: "1", Source: src, Hash: hex.EncodeToString(make([]byte, 32))}, "hash"},
		{"its hash", &credo.Rulebook{ID: "tax", Version: "1", Source: src, Hash: hash}, ""},
		{"no hash", &credo.Rulebook{ID: "tax", Version: "1", Source: src}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, err := sqlcommon.RulebookVersion(c.rb)
			if c.field != "" {
				var e *credo.Error
				if !errors.As(err, &e) || e.Code != credo.EINVALID || e.Field != c.field {
					t.Fatalf("%v; want EINVALID on %s", err, c.field)
				}
				return
			}
			if err != nil || v.Hash != hash || string(v.Source) != string(src) || v.ID != "tax" || v.Version != "1" {
				t.Fatalf("%+v, %v", v, err)
			}
		})
	}

	given := &credo.Rulebook{ID: "tax", Version: "2"}
	before := time.Now().Truncate(time.Microsecond)
	v, err := sqlcommon.RulebookVersion(given)
	if err != nil {
		t.Fatal(err)
	}
	if v.Source == nil || len(v.Source) != 0 {
		t.Errorf("no source stored as %#v, want empty (not NULL)", v.Source)
	}
	if p := v.PublishedAt.Time; p.Before(before) || p.After(time.Now()) || !p.Equal(p.Truncate(time.Microsecond)) {
		t.Errorf("published at %v: want now, to the microsecond", p)
	}
	if given.Hash != "" || given.Source != nil || !given.PublishedAt.IsZero() {
		t.Errorf("the given version was changed: %+v", given)
	}
	at := credo.NewTime(time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC))
	if v, err := sqlcommon.RulebookVersion(&credo.Rulebook{ID: "tax", Version: "3", PublishedAt: at}); err != nil || !v.PublishedAt.Equal(at.Time) {
		t.Errorf("a given publication time %v stored as %v (%v)", at, v.PublishedAt, err)
	}
}
