package report

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// A TrueType font parsed once per process, from which each report takes
// a subset of the glyphs it uses. fpdf parses every font it is given and
// subsets it again when it writes the document; given the whole 3.4 MB
// CJK font, both passes walk its 49,775 glyphs (most of a small report's
// CPU time). Given a subset of a few hundred glyphs, both are cheap. The
// subset is a pure function of the font and the runes, so the same
// report still gives the same bytes.
type ttf struct {
	tables    map[string][]byte
	runeGlyph map[rune]uint16 // from the Unicode BMP cmap (format 4), as fpdf reads it
	numGlyphs int
	numHM     int      // hhea.numberOfHMetrics
	loca      []uint32 // numGlyphs+1 offsets into glyf
}

// fontCache parses each embedded font once.
type fontCache struct {
	once sync.Once
	data []byte
	font *ttf
	err  error
}

func (c *fontCache) get() (*ttf, error) {
	c.once.Do(func() { c.font, c.err = parseTTF(c.data) })
	return c.font, c.err
}

var errFont = errors.New("report: malformed TrueType font")

func parseTTF(b []byte) (*ttf, error) {
	if len(b) < 12 {
		return nil, errFont
	}
	f := &ttf{tables: map[string][]byte{}}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errFont
	}
	for i := range n {
		rec := b[12+16*i:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(size) > uint64(len(b)) {
			return nil, errFont
		}
		f.tables[string(rec[:4])] = b[off : off+size]
	}
	head, hhea, maxp, loca, hmtx, cmap := f.tables["head"], f.tables["hhea"], f.tables["maxp"], f.tables["loca"], f.tables["hmtx"], f.tables["cmap"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 || f.tables["glyf"] == nil || cmap == nil {
		return nil, errFont
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.numHM = int(binary.BigEndian.Uint16(hhea[34:]))
	if f.numHM < 1 || f.numHM > f.numGlyphs || len(hmtx) < 4*f.numHM+2*(f.numGlyphs-f.numHM) {
		return nil, errFont
	}
	f.loca = make([]uint32, f.numGlyphs+1)
	if binary.BigEndian.Uint16(head[50:]) == 0 {
		if len(loca) < 2*len(f.loca) {
			return nil, errFont
		}
		for i := range f.loca {
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
	} else {
		if len(loca) < 4*len(f.loca) {
			return nil, errFont
		}
		for i := range f.loca {
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		}
	}
	for i := range f.numGlyphs {
		if f.loca[i] > f.loca[i+1] || int(f.loca[i+1]) > len(f.tables["glyf"]) {
			return nil, errFont
		}
	}
	var err error
	if f.runeGlyph, err = cmap4(cmap); err != nil {
		return nil, err
	}
	return f, nil
}

// cmap4 reads the Unicode BMP subtable (format 4) of a cmap table: the
// one fpdf reads (platform 3 encoding 1, or platform 0).
func cmap4(cmap []byte) (map[rune]uint16, error) {
	if len(cmap) < 4 {
		return nil, errFont
	}
	var sub []byte
	for i := range int(binary.BigEndian.Uint16(cmap[2:])) {
		if len(cmap) < 12+8*i {
			return nil, errFont
		}
		rec := cmap[4+8*i:]
		platform, encoding, off := binary.BigEndian.Uint16(rec), binary.BigEndian.Uint16(rec[2:]), binary.BigEndian.Uint32(rec[4:])
		if (platform == 3 && encoding == 1 || platform == 0) && int(off)+4 <= len(cmap) && binary.BigEndian.Uint16(cmap[off:]) == 4 {
			sub = cmap[off:]
			break
		}
	}
	if sub == nil || len(sub) < 14 {
		return nil, fmt.Errorf("%w: no Unicode cmap of format 4", errFont)
	}
	segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
	if len(sub) < 16+8*segs {
		return nil, errFont
	}
	ends, starts, deltas, ranges := sub[14:], sub[16+2*segs:], sub[16+4*segs:], sub[16+6*segs:]
	m := map[rune]uint16{}
	for s := range segs {
		end, start := int(binary.BigEndian.Uint16(ends[2*s:])), int(binary.BigEndian.Uint16(starts[2*s:]))
		delta, ro := binary.BigEndian.Uint16(deltas[2*s:]), int(binary.BigEndian.Uint16(ranges[2*s:]))
		for c := start; c <= end && c != 0xFFFF; c++ {
			var g uint16
			if ro == 0 {
				g = uint16(c) + delta
			} else {
				at := 16 + 6*segs + 2*s + ro + 2*(c-start)
				if at+2 > len(sub) {
					return nil, errFont
				}
				if g = binary.BigEndian.Uint16(sub[at:]); g != 0 {
					g += delta
				}
			}
			if g != 0 {
				m[rune(c)] = g
			}
		}
	}
	return m, nil
}

// Composite glyph flags (the glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// components calls fn with the offset of each component's glyph index in
// the composite glyph g (nothing for a simple glyph).
func components(g []byte, fn func(at int)) error {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	for at := 10; ; {
		if at+4 > len(g) {
			return errFont
		}
		flags := binary.BigEndian.Uint16(g[at:])
		fn(at + 2)
		at += 4
		if flags&argsAreWords != 0 {
			at += 4
		} else {
			at += 2
		}
		switch {
		case flags&haveScale != 0:
			at += 2
		case flags&haveXYScale != 0:
			at += 4
		case flags&haveTwoByTwo != 0:
			at += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

func (f *ttf) glyph(gid int) []byte {
	return f.tables["glyf"][f.loca[gid]:f.loca[gid+1]]
}

// subset is a TrueType font with the glyphs of runes (and those their
// glyphs are composed of) and .notdef, renumbered in the order of the
// original, a format 4 cmap of the runes, and the tables fpdf reads.
func (f *ttf) subset(runes []rune) ([]byte, error) {
	// The glyphs kept, closed over composite components.
	keep := map[int]bool{}
	var visit func(gid int) error
	visit = func(gid int) error {
		if gid >= f.numGlyphs || keep[gid] {
			return nil
		}
		keep[gid] = true
		var cs []int
		if err := components(f.glyph(gid), func(at int) { cs = append(cs, int(binary.BigEndian.Uint16(f.glyph(gid)[at:]))) }); err != nil {
			return err
		}
		for _, c := range cs {
			if err := visit(c); err != nil {
				return err
			}
		}
		return nil
	}
	if err := visit(0); err != nil {
		return nil, err
	}
	var mapped []rune
	for _, r := range runes {
		if g, ok := f.runeGlyph[r]; ok && int(g) < f.numGlyphs {
			mapped = append(mapped, r)
			if err := visit(int(g)); err != nil {
				return nil, err
			}
		}
	}
	old := make([]int, 0, len(keep))
	for g := range keep {
		old = append(old, g)
	}
	slices.Sort(old)
	renumber := make(map[int]uint16, len(old))
	for i, g := range old {
		renumber[g] = uint16(i)
	}

	// glyf, loca (long offsets), hmtx (a full metric per glyph).
	var glyf, loca, hmtx []byte
	hm := f.tables["hmtx"]
	for _, g := range old {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, f.glyph(g)...)
		if err := components(glyf[start:], func(at int) {
			c := int(binary.BigEndian.Uint16(glyf[start+at:]))
			binary.BigEndian.PutUint16(glyf[start+at:], renumber[c])
		}); err != nil {
			return nil, err
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		if g < f.numHM {
			hmtx = append(hmtx, hm[4*g:4*g+4]...)
		} else {
			hmtx = append(hmtx, hm[4*(f.numHM-1):4*(f.numHM-1)+2]...)
			at := 4*f.numHM + 2*(g-f.numHM)
			hmtx = append(hmtx, hm[at:at+2]...)
		}
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	// cmap: one segment per run of runes whose glyphs are consecutive.
	slices.Sort(mapped)
	mapped = slices.Compact(mapped)
	type seg struct{ start, end rune }
	var segs []seg
	for _, r := range mapped {
		if n := len(segs); n > 0 && segs[n-1].end == r-1 && renumber[int(f.runeGlyph[r])] == renumber[int(f.runeGlyph[r-1])]+1 {
			segs[n-1].end = r
			continue
		}
		segs = append(segs, seg{r, r})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF})
	n := len(segs)
	search, selector := 1, 0
	for search*2 <= n {
		search, selector = search*2, selector+1
	}
	sub := binary.BigEndian.AppendUint16(nil, 4)
	sub = binary.BigEndian.AppendUint16(sub, uint16(16+8*n))
	sub = binary.BigEndian.AppendUint16(sub, 0) // language
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*n))
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*search))
	sub = binary.BigEndian.AppendUint16(sub, uint16(selector))
	sub = binary.BigEndian.AppendUint16(sub, uint16(2*n-2*search))
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, uint16(s.end))
	}
	sub = binary.BigEndian.AppendUint16(sub, 0) // reservedPad
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, uint16(s.start))
	}
	for _, s := range segs {
		d := uint16(1) // 0xFFFF maps to glyph 0
		if s.start != 0xFFFF {
			d = renumber[int(f.runeGlyph[s.start])] - uint16(s.start)
		}
		sub = binary.BigEndian.AppendUint16(sub, d)
	}
	for range segs {
		sub = binary.BigEndian.AppendUint16(sub, 0) // idRangeOffset
	}
	cmap := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	cmap = append(cmap, sub...)

	head := slices.Clone(f.tables["head"])
	clear(head[8:12])                        // checkSumAdjustment
	binary.BigEndian.PutUint16(head[50:], 1) // indexToLocFormat: long
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(len(old)))
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(len(old)))
	out := map[string][]byte{"cmap": cmap, "glyf": glyf, "head": head, "hhea": hhea, "hmtx": hmtx, "loca": loca, "maxp": maxp}
	for _, tag := range []string{"OS/2", "name", "post", "cvt ", "fpgm", "prep", "gasp"} {
		if t, ok := f.tables[tag]; ok {
			out[tag] = t
		}
	}
	return assemble(out), nil
}

// assemble writes a TrueType file of tables, in tag order, each at a
// 4-byte boundary with its checksum.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	search, selector := 1, 0
	for search*2 <= n {
		search, selector = search*2, selector+1
	}
	b := binary.BigEndian.AppendUint32(nil, 0x00010000)
	b = binary.BigEndian.AppendUint16(b, uint16(n))
	b = binary.BigEndian.AppendUint16(b, uint16(16*search))
	b = binary.BigEndian.AppendUint16(b, uint16(selector))
	b = binary.BigEndian.AppendUint16(b, uint16(16*n-16*search))
	off := 12 + 16*n
	for _, t := range tags {
		b = append(b, t...)
		b = binary.BigEndian.AppendUint32(b, checksum(tables[t]))
		b = binary.BigEndian.AppendUint32(b, uint32(off))
		b = binary.BigEndian.AppendUint32(b, uint32(len(tables[t])))
		off += (len(tables[t]) + 3) &^ 3
	}
	for _, t := range tags {
		b = append(b, tables[t]...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b
}

func checksum(t []byte) uint32 {
	var sum uint32
	for i := 0; i < len(t); i += 4 {
		var w [4]byte
		copy(w[:], t[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
