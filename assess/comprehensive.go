package assess

import (
	"encoding/binary"
	"math"
	"slices"
	"sync"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/rulebook"
)

func (st *state) comprehensive(c *rulebook.Comprehensive, graded []*rulebook.Dimension, a *credo.Assessment) error {
	a.Public = c.Public
	// The comprehensive grade is a function of the dimensions' grades (and
	// scores when it reads them) unless it reads org or as_of: then it is
	// remembered, so that the many organizations with the same grades cost
	// one evaluation.
	cache := comprehensiveCache(c)
	var key []byte
	if cache != nil {
		key = st.key[:0]
		for _, dim := range graded {
			d := a.Dimensions[dim.ID]
			key = append(key, dim.ID...)
			key = append(key, 0)
			key = append(key, d.Grade...)
			key = append(key, 0)
			if cache.scores {
				key = binary.LittleEndian.AppendUint64(key, math.Float64bits(d.Score))
			}
		}
		st.key = key
		cache.mu.RLock()
		res, ok := cache.m[string(key)]
		cache.mu.RUnlock()
		if ok {
			a.Score, a.Grade, a.Reasons = res.score, res.grade, slices.Clone(res.reasons)
			return nil
		}
	}
	dims := &fieldsVal{names: make([]ref.Val, len(graded)), vals: make([]ref.Val, len(graded))}
	for i, dim := range graded {
		d := a.Dimensions[dim.ID]
		dims.names[i] = internString(dim.ID)
		dims.vals[i] = &fieldsVal{names: dimFieldNames, vals: []ref.Val{types.Double(d.Score), types.String(d.Grade)}}
	}
	v := &st.vars
	v.record, v.records, v.recordIdx, v.dims, v.count = nil, nil, nil, dims, len(graded)
	v.input.Record, v.input.Records = nil, nil
	score, err := c.Score.Number(v)
	if err != nil {
		return err
	}
	a.Score = score
	a.Grade = c.Band(score)
	for _, cp := range c.Caps {
		if c.Rank(a.Grade) >= c.Rank(cp.MaxGrade) {
			continue
		}
		ok, err := cp.When.Bool(v)
		if err != nil {
			return err
		}
		if ok {
			a.Grade = cp.MaxGrade
			a.Reasons = append(a.Reasons, or(cp.Reason, cp.Description, cp.ID))
		}
	}
	if cache != nil {
		cache.mu.Lock()
		if len(cache.m) < maxComprehensiveCache {
			cache.m[string(key)] = comprehensiveResult{a.Score, a.Grade, slices.Clone(a.Reasons)}
		}
		cache.mu.Unlock()
	}
	return nil
}

// maxComprehensiveCache bounds each cache; when full, further results are
// computed each time.
const maxComprehensiveCache = 1 << 14

type comprehensiveResult struct {
	score   float64
	grade   string
	reasons []string
}

type compCache struct {
	scores bool // the key holds the scores too
	mu     sync.RWMutex
	m      map[string]comprehensiveResult
}

var compCaches sync.Map // *rulebook.Comprehensive → *compCache (nil: not cacheable)

func comprehensiveCache(c *rulebook.Comprehensive) *compCache {
	if v, ok := compCaches.Load(c); ok {
		return v.(*compCache)
	}
	exprs := []*rulebook.Expr{c.Score}
	for _, cp := range c.Caps {
		exprs = append(exprs, cp.When)
	}
	cache := &compCache{m: map[string]comprehensiveResult{}}
	for _, e := range exprs {
		if e.UsesOrg() || e.UsesAsOf() {
			cache = nil
			break
		}
		cache.scores = cache.scores || e.ReadsDimScores()
	}
	v, _ := compCaches.LoadOrStore(c, cache)
	return v.(*compCache)
}

var dimFieldNames = []ref.Val{types.String("score"), types.String("grade")}
