package webhooks

import (
	"context"
	"encoding/binary"
	"slices"

	"github.com/credo-registry/credo"
)

// watched is the worker's index of what changes are matched against: the
// members of every watchlist, read once from the membership history and
// then from where it was left (WatchlistMemberChanges), and the live
// endpoints of live watchlists, read again only when the store's mark of
// them moved. Matching a change is then a map lookup, not a query.
//
// A code's watchlists are kept as an interned set (most organizations are
// in one watchlist or a few, and many share the same ones), and a code of
// 18 bytes (every Unified Social Credit Code) as an array, not a string:
// a million watched organizations take some tens of megabytes.
type watched struct {
	loaded bool
	mark   credo.WebhookWatchMark // of the endpoints read (MemberChange unused)
	last   int64                  // the last membership change applied

	codes map[[18]byte]int32 // code -> index in sets
	other map[string]int32   // codes of another length (none in practice)
	sets  [][]int64          // sorted watchlist ids; sets[0] is empty
	setOf map[string]int32   // a set's key -> its index

	endpoints map[int64][]credo.WebhookTarget // watchlist -> its live endpoints
	// depth is the greatest partner depth of a live endpoint's watchlist
	// (0: no change needs a walk of partners); depthTypes the event types
	// those watchlists want (nil: every type).
	depth      int
	depthTypes map[string]bool
}

// memberPage is how many membership changes one read takes.
const memberPage = 10_000

// refresh brings the index up to the store's state: the membership
// changes since the last one applied, and the endpoints again when their
// mark moved.
func (x *watched) refresh(ctx context.Context, s Store) error {
	m, err := s.WebhookWatchMark(ctx)
	if err != nil {
		return err
	}
	if !x.loaded {
		x.codes, x.other = map[[18]byte]int32{}, map[string]int32{}
		x.sets, x.setOf = [][]int64{nil}, map[string]int32{"": 0}
	}
	ends := m
	ends.MemberChange = 0
	if !x.loaded || ends != x.mark {
		eps, err := s.WebhookEndpoints(ctx)
		if err != nil {
			return err
		}
		x.endpoints, x.depth, x.depthTypes = map[int64][]credo.WebhookTarget{}, 0, map[string]bool{}
		all := false
		for _, t := range eps {
			x.endpoints[t.Watchlist] = append(x.endpoints[t.Watchlist], t)
			if t.PartnerDepth > 0 {
				x.depth = max(x.depth, t.PartnerDepth)
				all = all || len(t.Types) == 0
				for _, ty := range t.Types {
					x.depthTypes[ty] = true
				}
			}
		}
		if all {
			x.depthTypes = nil
		}
		x.mark = ends
	}
	x.loaded = true
	for x.last < m.MemberChange {
		page, err := s.WatchlistMemberChanges(ctx, x.last, memberPage)
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		for _, c := range page {
			x.apply(c)
		}
		x.last = page[len(page)-1].ID
	}
	return nil
}

// apply adds or removes one membership.
func (x *watched) apply(c credo.WatchlistMemberChange) {
	set := x.sets[x.lookup(c.Code)]
	i, in := slices.BinarySearch(set, c.Watchlist)
	switch {
	case c.Added && !in:
		set = slices.Insert(slices.Clone(set), i, c.Watchlist)
	case !c.Added && in:
		set = slices.Delete(slices.Clone(set), i, i+1)
	default:
		return
	}
	x.store(c.Code, x.intern(set))
}

func (x *watched) lookup(code string) int32 {
	if len(code) == 18 {
		return x.codes[[18]byte([]byte(code))]
	}
	return x.other[code]
}

func (x *watched) store(code string, set int32) {
	if len(code) == 18 {
		k := [18]byte([]byte(code))
		if set == 0 {
			delete(x.codes, k)
		} else {
			x.codes[k] = set
		}
		return
	}
	if set == 0 {
		delete(x.other, code)
	} else {
		x.other[code] = set
	}
}

// intern returns the index of set, adding it when new.
func (x *watched) intern(set []int64) int32 {
	key := make([]byte, 0, 8*len(set))
	for _, id := range set {
		key = binary.BigEndian.AppendUint64(key, uint64(id))
	}
	if i, ok := x.setOf[string(key)]; ok {
		return i
	}
	i := int32(len(x.sets))
	x.sets = append(x.sets, set)
	x.setOf[string(key)] = i
	return i
}

// targets returns the live endpoints watching code, as targets of code.
func (x *watched) targets(code string) []credo.WebhookTarget {
	var out []credo.WebhookTarget
	for _, wl := range x.sets[x.lookup(code)] {
		for _, t := range x.endpoints[wl] {
			t.Code = code
			out = append(out, t)
		}
	}
	return out
}

// walks reports whether a change of type typ ("credo." and the change's
// type) needs the partners of its organization: some live endpoint's
// watchlist watches partners and wants that type.
func (x *watched) walks(typ string) bool {
	return x.depth > 0 && (x.depthTypes == nil || x.depthTypes[typ])
}

// watchesPartners reports whether a live endpoint's watchlist holding
// code watches partners at distance d or more.
func (x *watched) watchesPartners(code string, d int) bool {
	for _, t := range x.targets(code) {
		if t.PartnerDepth >= d {
			return true
		}
	}
	return false
}
