package graph

import "hash/maphash"

// codeTable interns codes of CodeLen bytes to numbers in order of first
// appearance: the codes in one byte slab, an open-addressing table of
// numbers over it (no Go map, no string per code).
type codeTable struct {
	slab  []byte
	slots []int32 // number + 1; 0: empty
	seed  maphash.Seed
}

func newCodeTable(size int) codeTable {
	return codeTable{slots: make([]int32, size), seed: maphash.MakeSeed()}
}

func (t *codeTable) len() int { return len(t.slab) / CodeLen }

func (t *codeTable) intern(code string) int32 {
	if 2*(t.len()+1) > len(t.slots) {
		t.grow()
	}
	mask := uint64(len(t.slots) - 1)
	for i := maphash.String(t.seed, code) & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			n := int32(t.len())
			t.slab = append(t.slab, code...)
			t.slots[i] = n + 1
			return n
		}
		if string(t.slab[int(s-1)*CodeLen:int(s)*CodeLen]) == code {
			return s - 1
		}
	}
}

func (t *codeTable) grow() {
	slots := make([]int32, 2*len(t.slots))
	mask := uint64(len(slots) - 1)
	for n := range t.len() {
		code := t.slab[n*CodeLen : (n+1)*CodeLen]
		i := maphash.Bytes(t.seed, code) & mask
		for slots[i] != 0 {
			i = (i + 1) & mask
		}
		slots[i] = int32(n + 1)
	}
	t.slots = slots
}
