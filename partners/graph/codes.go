package graph

import (
	"cmp"
	"slices"
	"unsafe"
)

// codeKey is a code of CodeLen bytes as three integers whose order is the
// codes' (bytes 0-7 and 8-15 big-endian, then 16-17), so that interning
// and sorting compare integers, not strings.
type codeKey struct {
	a, b uint64
	c    uint16
}

func keyOf(code string) codeKey {
	_ = code[CodeLen-1]
	return codeKey{
		a: uint64(code[0])<<56 | uint64(code[1])<<48 | uint64(code[2])<<40 | uint64(code[3])<<32 |
			uint64(code[4])<<24 | uint64(code[5])<<16 | uint64(code[6])<<8 | uint64(code[7]),
		b: uint64(code[8])<<56 | uint64(code[9])<<48 | uint64(code[10])<<40 | uint64(code[11])<<32 |
			uint64(code[12])<<24 | uint64(code[13])<<16 | uint64(code[14])<<8 | uint64(code[15]),
		c: uint16(code[16])<<8 | uint16(code[17]),
	}
}

func (k codeKey) put(dst []byte) {
	for i := range 8 {
		dst[i] = byte(k.a >> (56 - 8*i))
		dst[8+i] = byte(k.b >> (56 - 8*i))
	}
	dst[16], dst[17] = byte(k.c>>8), byte(k.c)
}

func (k codeKey) hash() uint64 {
	h := (k.a ^ (k.b<<21 | k.b>>43) ^ uint64(k.c)<<47) * 0x9E3779B97F4A7C15
	return h ^ h>>29
}

func compareKeys(x, y codeKey) int {
	if c := cmp.Compare(x.a, y.a); c != 0 {
		return c
	}
	if c := cmp.Compare(x.b, y.b); c != 0 {
		return c
	}
	return cmp.Compare(x.c, y.c)
}

// codeTable interns codes to numbers in order of first appearance: an
// open-addressing table whose slots hold the code's key beside its number,
// so that a lookup reads one slot (no Go map, no string per code).
type codeTable struct {
	slots []codeSlot
	n     int
	shift uint
}

// codeSlot is 24 bytes: the key's fields flat, the number in what would
// be the key's padding.
type codeSlot struct {
	a, b uint64
	c    uint16
	id   int32 // number + 1; 0: empty
}

func (s *codeSlot) key() codeKey { return codeKey{s.a, s.b, s.c} }

func newCodeTable(bits uint) codeTable {
	return codeTable{slots: make([]codeSlot, 1<<bits), shift: 64 - bits}
}

func (t *codeTable) len() int { return t.n }

func (t *codeTable) intern(k codeKey) int32 {
	if 4*(t.n+1) > 3*len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := k.hash() >> t.shift; ; i = (i + 1) & mask {
		s := &t.slots[i]
		if s.id == 0 {
			t.n++
			s.a, s.b, s.c, s.id = k.a, k.b, k.c, int32(t.n)
			return int32(t.n - 1)
		}
		if s.a == k.a && s.b == k.b && s.c == k.c {
			return s.id - 1
		}
	}
}

func (t *codeTable) grow() {
	old := t.slots
	t.slots = make([]codeSlot, 2*len(old))
	t.shift--
	mask := uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.id == 0 {
			continue
		}
		i := s.key().hash() >> t.shift
		for t.slots[i].id != 0 {
			i = (i + 1) & mask
		}
		t.slots[i] = s
	}
}

// ranks returns, by number, each code's rank among the codes, and the
// codes in rank order (CodeLen bytes each).
func (t *codeTable) ranks() ([]int32, []byte) {
	sorted := make([]codeSlot, 0, t.n)
	for _, s := range t.slots {
		if s.id != 0 {
			sorted = append(sorted, s)
		}
	}
	t.slots = nil
	slices.SortFunc(sorted, func(x, y codeSlot) int { return compareKeys(x.key(), y.key()) })
	rank := make([]int32, len(sorted))
	codes := make([]byte, len(sorted)*CodeLen)
	for r, s := range sorted {
		rank[s.id-1] = int32(r)
		s.key().put(codes[r*CodeLen:])
	}
	return rank, codes
}

var _ [24 - unsafe.Sizeof(codeSlot{})]struct{} // a slot is 24 bytes
