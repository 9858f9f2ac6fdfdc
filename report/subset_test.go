package report

import (
	"bytes"
	"encoding/binary"
	"testing"
)

// TestSubset: a subset keeps the glyphs of the runes asked for, those
// their composite glyphs are made of (é in DejaVu Sans is e and an acute
// accent), renumbered, with the same outlines and widths, and nothing
// else.
func TestSubset(t *testing.T) {
	full, err := latinTTF.get()
	if err != nil {
		t.Fatal(err)
	}
	b, err := full.subset([]rune{'A', 'é', '\u4e2d'}) // 中 is not in DejaVu Sans
	if err != nil {
		t.Fatal(err)
	}
	sub, err := parseTTF(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(sub.runeGlyph) != 2 {
		t.Errorf("the subset maps %d runes, want 2 (A, é): %v", len(sub.runeGlyph), sub.runeGlyph)
	}
	composite := sub.glyph(int(sub.runeGlyph['é']))
	var parts []int
	if err := components(composite, func(at int) { parts = append(parts, int(binary.BigEndian.Uint16(composite[at:]))) }); err != nil {
		t.Fatal(err)
	}
	if len(parts) < 2 {
		t.Fatalf("é has %d components in the subset, want a composite glyph", len(parts))
	}
	// .notdef, A, é and its components.
	if sub.numGlyphs != 3+len(parts) {
		t.Errorf("the subset has %d glyphs, want %d", sub.numGlyphs, 3+len(parts))
	}
	for _, p := range parts {
		if p >= sub.numGlyphs || len(sub.glyph(p)) == 0 && p != 0 {
			t.Errorf("component glyph %d is not in the subset", p)
		}
	}
	for _, r := range []rune{'A', 'é'} {
		old, new := int(full.runeGlyph[r]), int(sub.runeGlyph[r])
		if r == 'A' && !bytes.Equal(bytes.TrimRight(sub.glyph(new), "\x00"), bytes.TrimRight(full.glyph(old), "\x00")) {
			t.Errorf("the outline of %c changed", r)
		}
		if full.advance(old) != sub.advance(new) {
			t.Errorf("the width of %c is %d, was %d", r, sub.advance(new), full.advance(old))
		}
	}
	again, err := full.subset([]rune{'A', 'é', '\u4e2d'})
	if err != nil || !bytes.Equal(again, b) {
		t.Errorf("the same runes gave another subset (%v)", err)
	}
}

// advance is glyph gid's advance width.
func (f *ttf) advance(gid int) uint16 {
	hm := f.tables["hmtx"]
	return binary.BigEndian.Uint16(hm[4*min(gid, f.numHM-1):])
}

func TestSubsetMalformed(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("not a font"), cjkFont[:4096]} {
		if _, err := parseTTF(b); err == nil {
			t.Errorf("a malformed font of %d bytes was parsed", len(b))
		}
	}
}
