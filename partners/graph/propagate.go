package graph

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"sync"
	"unsafe"
)

// MaxReach is the farthest distance propagation goes; MaxCounted the most
// partners counted for one organization.
const (
	MaxReach   = 3
	MaxCounted = 4
	slots      = MaxCounted + MaxReach - 1
)

// Params say how risk travels. Reach: how many relationships away a
// partner counts. Weight: each relationship kind's factor (a kind not
// named weighs 0: risk does not travel along it). Decay: the factor of
// each relationship after the first. Counted: how many partners count for
// one organization (its heaviest). MinValue: a partner whose value would
// be less counts for nothing. They come from the rulebook.
//
// The value of a partner s for an organization u along a path is s's own
// severity times the path's factors, multiplied in order from s (float32
// arithmetic, so that every computation of it gives the same bits); a
// partner's value is that of its heaviest path within Reach.
type Params struct {
	Reach    int
	Decay    float64
	Weight   map[string]float64
	Counted  int
	MinValue float64
}

// Exposure is one counted partner of Org: Source, at Value (its severity
// times the weight of its heaviest path).
type Exposure struct {
	Org, Source int32
	Value       float32
}

// slot is one partner held for an organization during propagation.
type slot struct {
	src int32
	val float32
}

// Result is a propagation's outcome: each organization's counted
// partners, heaviest first (ties: the lower node, that is the lower code).
type Result struct {
	p       Params
	fac     [MaxKinds]factor
	counted []slot // node u's at [u*Counted, (u+1)*Counted), src -1: none
	own     []float32
	g       *Graph
	// Swept is the number of row entries of the sweeps (the graph's
	// entries times Reach); Scanned those read: rows of organizations
	// none of whose neighbours changed in the sweep before are not read
	// again.
	Swept, Scanned int64
}

type factor struct{ first, later float32 }

// ErrParams is returned for params propagation cannot follow.
var ErrParams = errors.New("graph: invalid propagation params")

// Propagate computes, for every organization, its Counted heaviest
// partners within Reach of the sources (severity > 0). It sweeps the whole
// graph Reach times; in each sweep every organization gathers from its
// neighbours' lists of the sweep before (pull: each writes only its own
// list), so the result does not depend on the number of workers (0:
// GOMAXPROCS). The lists of sweep s keep Counted + Reach - s partners,
// which makes the Counted heaviest exact: a list pulled loses at most one
// partner to the exclusion of the organization pulling it, and is pulled
// Reach - s more times on the way to the last sweep's lists (of Counted).
func (g *Graph) Propagate(ctx context.Context, severity func(u int32) float64, p Params, workers int) (*Result, error) {
	fac, err := g.factors(p)
	if err != nil {
		return nil, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	n := g.Nodes()
	r := &Result{p: p, fac: fac, own: make([]float32, n), g: g}
	// Each node's cell: its severity and its list, one cache line.
	prev, next := make([]cell, n), make([]cell, n)
	for u := range n {
		if s := severity(int32(u)); s > 0 {
			r.own[u] = float32(s)
			prev[u].own, next[u].own = float32(s), float32(s)
		}
		for i := range slots {
			prev[u].list[i].src, next[u].list[i].src = -1, -1
		}
	}
	// changed: the nodes whose list changed in the sweep before (before
	// the first: the sources); dirty: those with such a neighbour, whose
	// lists only may change in this sweep.
	changed, dirty := make([]bool, n), make([]bool, n)
	for u := range n {
		changed[u] = r.own[u] > 0
	}
	for sweep := 1; sweep <= p.Reach; sweep++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		final := sweep == p.Reach
		sw := sweepOf(r, p.Counted+p.Reach-sweep, final)
		var marks []bool
		if !final {
			// The last sweep follows declarations, which no sweep before
			// did: it reads every row.
			clear(dirty)
			r.Scanned += sw.mark(changed, dirty)
			marks = dirty
		}
		const chunk = 4096
		var wg sync.WaitGroup
		work := make(chan int, workers)
		scanned := make([]int64, workers)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for lo := range work {
					scanned[w] += sw.gather(prev, next, marks, changed, int32(lo), int32(min(lo+chunk, n)))
				}
			}()
		}
		for lo := 0; lo < n; lo += chunk {
			work <- lo
		}
		close(work)
		wg.Wait()
		for _, x := range scanned {
			r.Scanned += x
		}
		r.Swept += int64(len(g.targets))
		prev, next = next, prev
	}
	next = nil
	k := p.Counted
	r.counted = make([]slot, n*k)
	for u := range n {
		copy(r.counted[u*k:(u+1)*k], prev[u].list[:k])
	}
	return r, nil
}

// cell is a node during propagation: its severity and its list of
// partners, heaviest first, in one 64-byte cache line (slices of cells
// this large are page-aligned), so that reading a neighbour is one miss.
type cell struct {
	own  float32
	_    float32
	list [slots]slot
	_    [64 - 8 - slots*8]byte
}

var _ [64 - unsafe.Sizeof(cell{})]struct{} // a cell is 64 bytes

// sweep is one sweep's constants: the length of the lists it keeps and
// each row entry's factors by its flags (zero for an entry this sweep does
// not follow), so that the inner loop does not test flags.
type sweep struct {
	g    *Graph
	keep int
	minV float32
	fac  [256]factor
}

// sweepOf prepares a sweep keeping lists of keep. An organization's
// declarations count only as the first relationship of its own paths:
// only in the final sweep, whose lists are the result (every earlier
// sweep's lists are what neighbours pull, and carry none), and never from
// the row of the end that did not declare it.
func sweepOf(r *Result, keep int, final bool) *sweep {
	s := &sweep{g: r.g, keep: keep, minV: float32(r.p.MinValue)}
	for fl := range 256 {
		if fl&(declared|foreign) != 0 && (fl&foreign != 0 || !final) {
			continue
		}
		s.fac[fl] = r.fac[fl&kindMask]
	}
	return s
}

// mark sets dirty for every node with a changed neighbour along a
// relationship this sweep follows, and returns the row entries it read.
func (s *sweep) mark(changed, dirty []bool) int64 {
	g := s.g
	var read int64
	for v, c := range changed {
		if !c {
			continue
		}
		lo, hi := g.offsets[v], g.offsets[v+1]
		for p := lo; p < hi; p++ {
			// A relationship's entries in its two rows have the same kind
			// and both are declared or neither: the factor of v's entry
			// is zero exactly when the other end's is.
			if s.fac[g.flags[p]].first != 0 {
				dirty[g.targets[p]] = true
			}
		}
		read += int64(hi - lo)
	}
	return read
}

// gather computes the lists of nodes [lo, hi) for one sweep and whether
// each changed; it returns the row entries it
// read. With dirty, a node not dirty keeps its list (cut to this sweep's
// length): no neighbour's changed, so nothing new can enter it.
func (s *sweep) gather(prev, next []cell, dirty, changed []bool, lo, hi int32) int64 {
	g, fac, minV, keep := s.g, &s.fac, s.minV, s.keep
	offsets, targets, flags := g.offsets, g.targets, g.flags
	var read int64
	for u := lo; u < hi; u++ {
		list := next[u].list[:keep:keep]
		// The partners of shorter paths keep their values.
		was := prev[u].list[:keep]
		copy(list, was)
		if dirty != nil && !dirty[u] {
			changed[u] = false
			continue
		}
		read += int64(offsets[u+1] - offsets[u])
		last := &list[keep-1]
		// Below the threshold nothing can enter the list: the lightest of
		// a full list, else the least value counted. (Equal can, by a
		// lower source.)
		thr := minV
		if last.src >= 0 {
			thr = last.val
		}
		end := offsets[u+1]
		for p := offsets[u]; p < end; p++ {
			f := fac[flags[p]]
			if f.first == 0 {
				continue // not followed in this sweep: its cell is not read
			}
			v := targets[p]
			c := &prev[v]
			if x := c.own * f.first; x >= thr && x > 0 {
				insert(list, v, x, minV)
				if last.src >= 0 {
					thr = last.val
				}
			}
			// Heaviest first: below the threshold at its head, the list
			// has nothing to give.
			if c.list[0].src < 0 || c.list[0].val*f.later < thr {
				continue
			}
			for _, t := range c.list[:min(keep+1, slots)] {
				if t.src < 0 {
					break
				}
				x := t.val * f.later
				if x < thr {
					break // v's list is heaviest first: the rest are lighter still
				}
				if t.src != u {
					insert(list, t.src, x, minV)
					if last.src >= 0 {
						thr = last.val
					}
				}
			}
		}
		changed[u] = !slices.Equal(list, was)
	}
	return read
}

// insert puts partner src at value x into list (heaviest first, ties by
// lower src; one entry per partner, its heaviest), dropping the lightest.
func insert(list []slot, src int32, x, minV float32) {
	if x < minV || x <= 0 {
		return
	}
	last := &list[len(list)-1]
	if last.src >= 0 && (x < last.val || (x == last.val && src > last.src)) {
		return // lighter than a full list's lightest
	}
	at := -1
	for i := range list {
		if list[i].src == src {
			if x <= list[i].val {
				return
			}
			// Heavier now: take it out and place it again.
			copy(list[i:], list[i+1:])
			list[len(list)-1] = slot{src: -1}
			break
		}
	}
	for i := range list {
		if list[i].src < 0 || x > list[i].val || (x == list[i].val && src < list[i].src) {
			at = i
			break
		}
	}
	if at < 0 {
		return
	}
	copy(list[at+1:], list[at:len(list)-1])
	list[at] = slot{src: src, val: x}
}

func (g *Graph) factors(p Params) ([MaxKinds]factor, error) {
	var f [MaxKinds]factor
	if p.Reach < 1 || p.Reach > MaxReach {
		return f, fmt.Errorf("%w: reach %d is not 1 to %d", ErrParams, p.Reach, MaxReach)
	}
	if p.Counted < 1 || p.Counted > MaxCounted {
		return f, fmt.Errorf("%w: counted %d is not 1 to %d", ErrParams, p.Counted, MaxCounted)
	}
	if !(p.MinValue >= 0) {
		return f, fmt.Errorf("%w: min value %v is negative", ErrParams, p.MinValue)
	}
	if !(p.Decay > 0 && p.Decay <= 1) {
		return f, fmt.Errorf("%w: decay %v is not in (0, 1]", ErrParams, p.Decay)
	}
	for k, name := range g.kinds {
		x := p.Weight[name]
		if !(x >= 0 && x <= 1) {
			return f, fmt.Errorf("%w: weight of %s %v is not in [0, 1]", ErrParams, name, x)
		}
		f[k] = factor{first: float32(x), later: float32(x) * float32(p.Decay)}
	}
	for name, x := range p.Weight {
		if !(x >= 0 && x <= 1) {
			return f, fmt.Errorf("%w: weight of %s %v is not in [0, 1]", ErrParams, name, x)
		}
	}
	return f, nil
}

// Of returns node u's counted partners, heaviest first.
func (r *Result) Of(u int32) []Exposure {
	k := r.p.Counted
	var out []Exposure
	for _, s := range r.counted[int(u)*k : int(u+1)*k] {
		if s.src < 0 {
			break
		}
		out = append(out, Exposure{Org: u, Source: s.src, Value: s.val})
	}
	return out
}

// Exposed calls fn for each organization with counted partners, in node
// order.
func (r *Result) Exposed(fn func(u int32, xs []Exposure) error) error {
	for u := range r.g.Nodes() {
		if r.counted[u*r.p.Counted].src < 0 {
			continue
		}
		if err := fn(int32(u), r.Of(int32(u))); err != nil {
			return err
		}
	}
	return nil
}

// Severity returns the severity node u was given.
func (r *Result) Severity(u int32) float64 { return float64(r.own[u]) }

// Path returns the heaviest path from x.Org to x.Source (ties: the
// shorter, then the first in row order from x.Org), each relationship as
// recorded, and its weight (the product of its kinds' weights and the
// decay, in float64 for display).
func (r *Result) Path(x Exposure) ([]Hop, float64) {
	g := r.g
	best := searchPath{r: r, target: x.Source, want: x.Value}
	best.walk(x.Org, 0)
	out := make([]Hop, len(best.path))
	u := x.Org
	weight := 1.0
	for i, p := range best.path {
		out[i] = g.hop(u, p)
		w := r.p.Weight[g.kinds[g.flags[p]&kindMask]]
		if i > 0 {
			w *= r.p.Decay
		}
		weight *= w
		u = g.targets[p]
	}
	return out, weight
}

// searchPath enumerates simple paths of up to Reach relationships from an
// organization to target and keeps the first, shortest, of value want.
type searchPath struct {
	r      *Result
	target int32
	want   float32
	stack  []uint32
	on     []int32
	path   []uint32
}

func (s *searchPath) walk(u int32, depth int) {
	g := s.r.g
	if s.path != nil && len(s.path) <= depth+1 {
		return
	}
	remaining := s.r.p.Reach - depth
	// Direct relationships of u with the target end a path here.
	lo, hi := g.offsets[u], g.offsets[u+1]
	i := lo + uint32(sort.Search(int(hi-lo), func(i int) bool { return g.targets[lo+uint32(i)] >= s.target }))
	for p := i; p < hi && g.targets[p] == s.target; p++ {
		if !usable(g.flags[p], depth) {
			continue
		}
		s.stack = append(s.stack, p)
		if s.value() == s.want {
			s.path = append([]uint32(nil), s.stack...)
			s.stack = s.stack[:len(s.stack)-1]
			return
		}
		s.stack = s.stack[:len(s.stack)-1]
	}
	if remaining <= 1 {
		return
	}
	s.on = append(s.on, u)
	for p := lo; p < hi; p++ {
		v := g.targets[p]
		if v == s.target || s.onPath(v) || !usable(g.flags[p], depth) || s.r.fac[g.flags[p]&kindMask].first == 0 {
			continue
		}
		s.stack = append(s.stack, p)
		s.walk(v, depth+1)
		s.stack = s.stack[:len(s.stack)-1]
	}
	s.on = s.on[:len(s.on)-1]
}

// usable reports whether a row entry with flags fl may be a path's
// relationship at depth (0: the first): a declaration only first, in its
// declarant's row.
func usable(fl uint8, depth int) bool {
	return fl&(declared|foreign) == 0 || depth == 0 && fl&foreign == 0
}

func (s *searchPath) onPath(v int32) bool {
	for _, x := range s.on {
		if x == v {
			return true
		}
	}
	return false
}

// value is the partner's value along the stack, multiplied from the
// target (the partner) outwards, as propagation does.
func (s *searchPath) value() float32 {
	g := s.r.g
	x := s.r.own[s.target]
	for i := len(s.stack) - 1; i >= 0; i-- {
		f := s.r.fac[g.flags[s.stack[i]]&kindMask]
		if i == len(s.stack)-1 {
			x *= f.first
		} else {
			x *= f.later
		}
	}
	return x
}

// BareTraversal is the baseline propagation is measured against (in
// benchmarks, in the same process): one pass over every row entry,
// reading a value of the entry's target, on one core.
func BareTraversal(g *Graph) float64 {
	var s float64
	val := make([]float64, g.Nodes())
	for i := range val {
		val[i] = float64(i & 7)
	}
	offsets, targets := g.offsets, g.targets
	for u := range len(offsets) - 1 {
		for p := offsets[u]; p < offsets[u+1]; p++ {
			s += val[targets[p]]
		}
	}
	return s
}
