package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/credo-registry/credo"
)

func testRulebooks(t *testing.T, h Harness) {
	s := h.Open(t)
	rs := implemented[credo.RulebookStore](t, s)
	// Published in this order: market's versions out of version order, so
	// that publication order and version order differ.
	market2, tax1, market1, market10 := rulebook("national-market", "2025.2", 1), rulebook("national-tax", "2025.1", 2),
		rulebook("national-market", "2025.1", 3), rulebook("national-market", "2025.10", 4)
	// A source with a byte order mark, CRLF and lone CR line ends, tabs,
	// trailing blanks, a NUL, bytes that are not UTF-8, and no final
	// newline.
	awkward := rulebook("jiangsu-environment", "1", 5)
	awkward.Source = []byte("\ufeffapiVersion: credo/v1\r\nid: jiangsu-environment\r\n" +
		"title: 江苏省环保信用评价\t \r\n\r\n# 注释 \x00\xff\xfe\rversion: \"1\"  ")
	awkward.Hash = sha256hex(awkward.Source)
	for _, rb := range []*credo.Rulebook{market2, tax1, market1, awkward, market10} {
		if err := rs.PublishRulebook(ctx, rb); err != nil {
			t.Fatalf("PublishRulebook(%s %s): %v", rb.ID, rb.Version, err)
		}
	}

	t.Run("Published", func(t *testing.T) {
		for _, want := range []*credo.Rulebook{market2, tax1, market1, market10, awkward} {
			got, err := rs.Rulebook(ctx, want.ID, want.Version)
			if err != nil {
				t.Fatalf("Rulebook(%s, %s): %v", want.ID, want.Version, err)
			}
			wantRulebook(t, got, want)
		}
	})

	t.Run("SourceKeptExactly", func(t *testing.T) {
		got, err := rs.Rulebook(ctx, awkward.ID, awkward.Version)
		if err != nil {
			t.Fatal(err)
		}
		wantRulebook(t, got, awkward)
	})

	t.Run("ConflictWhateverContent", func(t *testing.T) {
		same := rulebook(market1.ID, market1.Version, 3)
		wantError(t, "the same version again, same content", rs.PublishRulebook(ctx, same), credo.ECONFLICT, "")
		changed := rulebook(market1.ID, market1.Version, 9)
		changed.Source = append(changed.Source, "# changed\n"...)
		changed.Hash = sha256hex(changed.Source)
		wantError(t, "the same version again, other content", rs.PublishRulebook(ctx, changed), credo.ECONFLICT, "")
		got, err := rs.Rulebook(ctx, market1.ID, market1.Version)
		if err != nil {
			t.Fatal(err)
		}
		wantRulebook(t, got, market1)
		// Versions are per id: tax's 2025.1 did not clash with market's.
		if got, err := rs.Rulebook(ctx, tax1.ID, tax1.Version); err != nil || got.ID != tax1.ID {
			t.Errorf("the same version of another id: %v, %v", got, err)
		}
	})

	t.Run("NotFound", func(t *testing.T) {
		for _, k := range [][2]string{{"no-such-rulebook", "1"}, {market1.ID, "2024.1"}, {tax1.ID, market2.Version}} {
			_, err := rs.Rulebook(ctx, k[0], k[1])
			wantError(t, fmt.Sprintf("Rulebook(%q, %q)", k[0], k[1]), err, credo.ENOTFOUND, "")
		}
	})

	t.Run("ListByIDThenPublicationOrder", func(t *testing.T) {
		got, err := rs.Rulebooks(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, rb := range got {
			listed = append(listed, rb.ID+" "+rb.Version)
		}
		want := []*credo.Rulebook{awkward, market2, market1, market10, tax1}
		if len(got) != len(want) {
			t.Fatalf("Rulebooks listed %q, want %d versions", listed, len(want))
		}
		for i, w := range want {
			wantRulebook(t, got[i], w)
		}
	})

	t.Run("EmptyStore", func(t *testing.T) {
		rs := implemented[credo.RulebookStore](t, h.Open(t))
		got, err := rs.Rulebooks(ctx)
		if err != nil || len(got) != 0 {
			t.Errorf("Rulebooks of an empty store: %v, %v; want none", got, err)
		}
	})

	t.Run("Durability", func(t *testing.T) {
		if h.Reopen == nil {
			t.Skip("the harness cannot reopen a store")
		}
		s := h.Open(t)
		rs := implemented[credo.RulebookStore](t, s)
		for _, rb := range []*credo.Rulebook{market1, tax1} {
			if err := rs.PublishRulebook(ctx, rb); err != nil {
				t.Fatal(err)
			}
		}
		rs = implemented[credo.RulebookStore](t, h.Reopen(t, s))
		got, err := rs.Rulebooks(ctx)
		if err != nil || len(got) != 2 {
			t.Fatalf("Rulebooks after reopening: %d, %v; want 2", len(got), err)
		}
		wantRulebook(t, got[0], market1)
		wantRulebook(t, got[1], tax1)
		wantError(t, "publishing again after reopening", rs.PublishRulebook(ctx, market1), credo.ECONFLICT, "")
	})
}

// rulebook returns a version of rulebook id, published day days after t0.
func rulebook(id, version string, day int) *credo.Rulebook {
	src := []byte(fmt.Sprintf(`apiVersion: credo/v1
id: %s
version: %q
title: 测试规则
jurisdiction: national
dimensions:
  - id: %s
    title: 测试维度
    categories: [market]
    grades: [A, B, C, D]
    start: '100.0'
    rules: []
    bands: [{grade: A, min: 90}, {grade: B, min: 70}, {grade: C, min: 40}, {grade: D, min: 0}]
`, id, version, id))
	return &credo.Rulebook{ID: id, Version: version, Hash: sha256hex(src), Source: src,
		PublishedAt: credo.NewTime(t0.AddDate(0, 0, day))}
}

func sha256hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// wantRulebook checks a stored rulebook version, source included.
func wantRulebook(t *testing.T, got, want *credo.Rulebook) {
	t.Helper()
	wantSame(t, "rulebook "+want.ID+" "+want.Version, got, want)
	if got != nil && !bytes.Equal(got.Source, want.Source) {
		t.Errorf("rulebook %s %s: source %q, want %q", want.ID, want.Version, got.Source, want.Source)
	}
}
