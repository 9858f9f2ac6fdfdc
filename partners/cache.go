package partners

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/internal/periodic"
)

// AdjacencySource is what an AdjacencyCache reads: every version of
// organizations' relationships, and the change log that says whose
// changed.
type AdjacencySource interface {
	AdjacentVersions(ctx context.Context, codes []string) ([]credo.EdgeVersion, error)
	Relationship(ctx context.Context, id int64) (*credo.Relationship, error)
	Head(ctx context.Context) (int64, error)
	Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error)
}

// DefaultCacheRows bounds an AdjacencyCache built by the server: some
// 250 bytes of heap a version held (measured with a hub's walk, the
// organizations' own costs included), about 66 MB at most. A hub of
// 10,000 partners walked to depth 3 holds about 50,000.
const DefaultCacheRows = 1 << 18

// DefaultCacheFollowInterval is how often Follow reads the change log.
const DefaultCacheFollowInterval = time.Second

// cacheResetGap is how far behind the log's head the cache may fall
// before it is dropped instead of brought up to date: reading that many
// changes costs more than reading the ties again.
const cacheResetGap = 200_000

// patchMin is the number of versions from which an organization held is
// brought up to date by a change (its new version read by id) rather
// than dropped and read again whole: a hub's next read then costs one
// version, not ten thousand.
const patchMin = 64

// AdjacencyCache holds, in memory, every version of the relationships of
// the organizations walks have read, and answers Adjacent from them as
// the store would: the versions in force at the time asked (recorded by
// then, begun, not ended, not superseded by then), so that as_of reads
// are answered from memory too. What a viewer may see the walk decides,
// as with the store (visibility.Edge).
//
// It is kept coherent by the change log, on either backend and whoever
// writes (this process, another node on the same PostgreSQL, `credo
// import` in another process on the same SQLite folder): Current first
// reads the log's head and applies every relationship.changed change up
// to it (each change names both ends): an organization held with many
// versions gets the new version (read by id) and its predecessor's
// supersession, as the store's index did; one with few is dropped, to be
// read again. An organization being loaded while a change to it is
// applied is not kept (the load may predate the change). So a read that
// begins after a write was acknowledged anywhere sees it.
//
// Memory is bounded by rows:
// past maxRows versions, the organizations not read since the last sweep
// are dropped (a clock, LRU's approximation), and an organization with
// more than a quarter of maxRows versions is never kept.
type AdjacencyCache struct {
	src     AdjacencySource
	maxRows int

	syncMu  sync.Mutex   // one catch-up at a time
	applied atomic.Int64 // every change up to this position is applied

	mu      sync.RWMutex
	entries map[string]*cachedOrg
	rows    int
	epoch   uint64               // moves when everything is dropped
	loading map[string]*loadMark // organizations being read from the store

	loads atomic.Int64 // organizations read from the store (tests, metrics)
}

// cachedOrg is every version of an organization's relationships.
type cachedOrg struct {
	versions []cachedVersion
	used     atomic.Bool // read since the last sweep
}

// cachedVersion is an EdgeVersion as the filter wants it: times in
// nanoseconds (0: none), which end the organization is.
type cachedVersion struct {
	edge                                 credo.Edge
	since, until, recorded, supersededAt int64
	outgoing                             bool // the organization is edge.From
}

func (v *cachedVersion) inForce(at int64) bool {
	return v.recorded <= at && v.since <= at && (v.until == 0 || v.until > at) &&
		(v.supersededAt == 0 || v.supersededAt > at)
}

// loadMark counts the loads of an organization in flight; stale is set
// when a change to it is applied meanwhile.
type loadMark struct {
	n     int
	stale bool
}

// NewAdjacencyCache returns an empty cache of at most maxRows versions
// (0: DefaultCacheRows) read from src.
func NewAdjacencyCache(src AdjacencySource, maxRows int) *AdjacencyCache {
	if maxRows <= 0 {
		maxRows = DefaultCacheRows
	}
	return &AdjacencyCache{src: src, maxRows: maxRows, entries: map[string]*cachedOrg{}, loading: map[string]*loadMark{}}
}

// Current brings the cache up to the change log's head and returns a
// reader of it for one walk: every change committed before Current was
// called is seen.
func (c *AdjacencyCache) Current(ctx context.Context) (AdjacencyReader, error) {
	if err := c.catchUp(ctx); err != nil {
		return nil, err
	}
	return &cacheReader{c: c}, nil
}

// Follow catches up with the log every interval (0:
// DefaultCacheFollowInterval), so that Current finds little to read after
// other writers' work, until ctx ends. A failed read is logged and tried
// again.
func (c *AdjacencyCache) Follow(ctx context.Context, interval time.Duration, logger *slog.Logger) {
	if interval <= 0 {
		interval = DefaultCacheFollowInterval
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	periodic.Every(ctx, interval, func() {
		if err := c.catchUp(ctx); err != nil && ctx.Err() == nil {
			logger.Warn("partners: following relationships in the change log", "err", err)
		}
	})
}

// Loads returns how many organizations the cache has read from the store.
func (c *AdjacencyCache) Loads() int64 { return c.loads.Load() }

// Rows returns how many versions the cache holds.
func (c *AdjacencyCache) Rows() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rows
}

// catchUp applies the relationship changes up to the log's head.
func (c *AdjacencyCache) catchUp(ctx context.Context) error {
	head, err := c.src.Head(ctx)
	if err != nil {
		return err
	}
	if head <= c.applied.Load() {
		return nil
	}
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	after := c.applied.Load()
	if head <= after {
		return nil // caught up by another reader meanwhile
	}
	c.mu.RLock()
	empty := len(c.entries) == 0 && len(c.loading) == 0
	c.mu.RUnlock()
	if empty || head-after > cacheResetGap {
		c.dropAll()
		c.applied.Store(head)
		return nil
	}
	for after < head {
		changes, err := c.src.Changes(ctx, credo.ChangeQuery{After: after, Upto: head,
			Types: []string{credo.ChangeRelationshipChanged}, Limit: credo.MaxPageSize})
		if err != nil {
			return err
		}
		var codes []string
		var patches []credo.RelationshipChange
		for _, ch := range changes {
			var d credo.RelationshipChange
			if err := json.Unmarshal(ch.Data, &d); err != nil || d.From == "" || d.To == "" || d.Relationship == 0 {
				// Whose ties changed cannot be told: forget everyone's.
				c.dropAll()
				codes, patches = codes[:0], patches[:0]
				continue
			}
			if c.holdsMany(d.From) || c.holdsMany(d.To) {
				if len(patches) == 0 || patches[len(patches)-1].Relationship != d.Relationship {
					patches = append(patches, d) // once, not once an end
				}
			} else {
				codes = append(codes, d.From, d.To)
			}
		}
		c.invalidate(codes)
		if err := c.patch(ctx, patches); err != nil {
			return err
		}
		if len(changes) < credo.MaxPageSize {
			break
		}
		after = changes[len(changes)-1].Position
		c.applied.Store(after)
	}
	c.applied.Store(head)
	return nil
}

// invalidate forgets codes' ties, and those being loaded.
func (c *AdjacencyCache) invalidate(codes []string) {
	if len(codes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, code := range codes {
		if e := c.entries[code]; e != nil {
			c.rows -= weight(e)
			delete(c.entries, code)
		}
		if m := c.loading[code]; m != nil {
			m.stale = true
		}
	}
}

// holdsMany reports whether code is held with patchMin versions or more.
func (c *AdjacencyCache) holdsMany(code string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.entries[code]
	return e != nil && len(e.versions) >= patchMin
}

// patch applies changes to the organizations held at their ends: the
// new version, read by id, is added where missing (a load after the
// write has it already), and the version it supersedes marked superseded
// when it was recorded, as the store's adjacency index is written. An
// end held with few versions is dropped instead.
func (c *AdjacencyCache) patch(ctx context.Context, changes []credo.RelationshipChange) error {
	rels := make([]*credo.Relationship, 0, len(changes))
	for _, d := range changes {
		r, err := c.src.Relationship(ctx, d.Relationship)
		if credo.ErrorCodeOf(err) == credo.ENOTFOUND {
			// A log copied ahead of its relationships (credo copy into
			// a running server's store): drop the ends, as for a small
			// organization. Restores append no changes, so what is
			// read before they end is not followed: restart after.
			c.invalidate([]string{d.From, d.To})
			continue
		}
		if err != nil {
			c.invalidate([]string{d.From, d.To})
			return err
		}
		rels = append(rels, r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, r := range rels {
		for _, code := range [2]string{r.From, r.To} {
			if m := c.loading[code]; m != nil {
				m.stale = true
			}
			e := c.entries[code]
			if e == nil {
				continue
			}
			if len(e.versions) < patchMin {
				c.rows -= weight(e)
				delete(c.entries, code)
				continue
			}
			had := false
			for i := range e.versions {
				v := &e.versions[i]
				switch v.edge.ID {
				case r.ID:
					had = true
				case r.Supersedes:
					v.supersededAt = nanos(r.RecordedAt.Time)
				}
			}
			if !had {
				c.rows -= weight(e)
				e.versions = append(e.versions, cachedVersion{
					edge: credo.Edge{ID: r.ID, Kind: r.Kind, Source: r.Source, From: r.From, To: r.To,
						Since: r.Since, Share: r.Share, Declarant: r.Declarant},
					since: nanos(r.Since.Time), until: nanos(r.Until.Time), recorded: nanos(r.RecordedAt.Time),
					outgoing: code == r.From})
				if weight(e) > c.maxRows/4 {
					delete(c.entries, code)
					continue
				}
				c.rows += weight(e)
			}
		}
	}
	if c.rows > c.maxRows {
		c.evict()
	}
	return nil
}

func (c *AdjacencyCache) dropAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.entries)
	c.rows = 0
	c.epoch++
}

// weight is what an organization counts against maxRows: its versions,
// and one for an organization with none.
func weight(e *cachedOrg) int { return max(1, len(e.versions)) }

// load reads codes' versions from the store and keeps those of the
// organizations no change reached meanwhile.
func (c *AdjacencyCache) load(ctx context.Context, codes []string) (map[string]*cachedOrg, error) {
	c.mu.Lock()
	epoch := c.epoch
	for _, code := range codes {
		m := c.loading[code]
		if m == nil {
			m = &loadMark{}
			c.loading[code] = m
		}
		m.n++
	}
	c.mu.Unlock()
	versions, err := c.src.AdjacentVersions(ctx, codes)
	byCode := make(map[string]*cachedOrg, len(codes))
	if err == nil {
		for _, code := range codes {
			byCode[code] = &cachedOrg{}
		}
		for _, v := range versions {
			for _, end := range [2]string{v.From, v.To} {
				if e := byCode[end]; e != nil {
					e.versions = append(e.versions, cachedVersion{edge: v.Edge,
						since: nanos(v.Since.Time), until: nanos(v.Until.Time),
						recorded: nanos(v.RecordedAt.Time), supersededAt: nanos(v.SupersededAt.Time),
						outgoing: end == v.From})
				}
			}
		}
		c.loads.Add(int64(len(codes)))
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, code := range codes {
		m := c.loading[code]
		if m.n--; m.n == 0 {
			delete(c.loading, code)
		}
		e := byCode[code]
		if err != nil || m.stale || c.epoch != epoch || c.entries[code] != nil || weight(e) > c.maxRows/4 {
			continue
		}
		e.versions = slices.Clip(e.versions)
		c.entries[code] = e
		c.rows += weight(e)
	}
	if c.rows > c.maxRows {
		c.evict()
	}
	return byCode, err
}

// evict drops the organizations not read since the last sweep until the
// cache is back under nine tenths of maxRows, clearing the marks of those
// it passes (a second chance). c.mu is held.
func (c *AdjacencyCache) evict() {
	for range 2 {
		for code, e := range c.entries {
			if c.rows <= c.maxRows*9/10 {
				return
			}
			if e.used.Swap(false) {
				continue
			}
			c.rows -= weight(e)
			delete(c.entries, code)
		}
	}
}

func nanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// cacheReader answers Adjacent from the cache, loading what it lacks,
// for one walk.
type cacheReader struct {
	c *AdjacencyCache

	// The set of the last Except asked: a walk asks every batch of a hop
	// with the same slice (the hop before, up to 10,000 codes at depth 3
	// of a hub), so it is made once a hop.
	mu       sync.Mutex
	exceptAt *string
	exceptN  int
	except   map[string]struct{}
}

func (r *cacheReader) exceptSet(codes []string) map[string]struct{} {
	if len(codes) == 0 {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.exceptAt != &codes[0] || r.exceptN != len(codes) {
		r.except = make(map[string]struct{}, len(codes))
		for _, code := range codes {
			r.except[code] = struct{}{}
		}
		r.exceptAt, r.exceptN = &codes[0], len(codes)
	}
	return r.except
}

// Adjacent implements AdjacencyReader as credo.RelationshipStore's
// Adjacent: the same edges, each once.
func (r *cacheReader) Adjacent(ctx context.Context, q credo.RelationshipQuery) ([]credo.Edge, error) {
	if len(q.Codes) > credo.MaxRelationshipCodes {
		return nil, credo.FieldError("codes", "too_many", "at most %d codes a query", credo.MaxRelationshipCodes)
	}
	c := r.c
	at := int64(1<<63 - 1)
	if !q.AsOf.IsZero() {
		at = q.AsOf.UnixNano()
	}
	asked := make(map[string]struct{}, len(q.Codes))
	for _, code := range q.Codes {
		asked[code] = struct{}{}
	}
	codes := q.Codes
	if len(asked) < len(codes) {
		codes = slices.Compact(slices.Sorted(func(yield func(string) bool) {
			for code := range asked {
				if !yield(code) {
					return
				}
			}
		}))
	}
	except := r.exceptSet(q.Except)
	var out []credo.Edge
	add := func(e *cachedOrg) {
		for i := range e.versions {
			v := &e.versions[i]
			if !v.inForce(at) || len(q.Kinds) > 0 && !slices.Contains(q.Kinds, v.edge.Kind) {
				continue
			}
			other := v.edge.To
			if !v.outgoing {
				other = v.edge.From
			}
			if _, ok := except[other]; ok {
				continue
			}
			if !v.outgoing {
				if _, both := asked[other]; both {
					continue // given from its other end, where it is outgoing
				}
			}
			out = append(out, v.edge)
		}
	}
	// The versions held are counted first, so that the answer is
	// allocated once (a hub's ten thousand edges grown by appends would
	// cost as much again).
	var missing []string
	held := make([]*cachedOrg, 0, len(codes))
	versions := 0
	c.mu.RLock()
	for _, code := range codes {
		e := c.entries[code]
		if e == nil {
			missing = append(missing, code)
			continue
		}
		if !e.used.Load() {
			e.used.Store(true)
		}
		held = append(held, e)
		versions += len(e.versions)
	}
	out = make([]credo.Edge, 0, versions+2*len(missing))
	for _, e := range held {
		add(e)
	}
	c.mu.RUnlock()
	if len(missing) == 0 {
		return out, nil
	}
	loaded, err := c.load(ctx, missing)
	if err != nil {
		return nil, err
	}
	// What was loaded may be held now, and patched by a change: read
	// under the lock like the rest.
	c.mu.RLock()
	for _, code := range missing {
		add(loaded[code])
	}
	c.mu.RUnlock()
	return out, nil
}
