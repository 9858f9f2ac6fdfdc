package demo

import (
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/uscc"
)

// class is the kind of organization, positions 1-2 of its code.
type class uint8

const (
	classEnterprise    class = iota // 91 企业
	classIndividual                 // 92 个体工商户
	classCooperative                // 93 农民专业合作社
	classInstitution                // 12 事业单位
	classNonEnterprise              // 52 民办非企业单位
	classLawFirm                    // 31 律师事务所
)

var classCode = [...][2]byte{
	classEnterprise:    {'9', '1'},
	classIndividual:    {'9', '2'},
	classCooperative:   {'9', '3'},
	classInstitution:   {'1', '2'},
	classNonEnterprise: {'5', '2'},
	classLawFirm:       {'3', '1'},
}

var classCum = cumulative([]float64{
	classEnterprise:    78,
	classIndividual:    12,
	classCooperative:   3,
	classInstitution:   3,
	classNonEnterprise: 2.5,
	classLawFirm:       1.5,
})

// risk is how a subject behaves: what share of its records are adverse.
type risk uint8

const (
	riskClean risk = iota
	riskModerate
	riskBad
	riskReal // a real company's name: benign records only
)

// Shares of subjects by rank (see generator.rank).
const (
	badShare      = 0.03
	moderateShare = 0.15
)

// core is what records need to know of a subject: a pure function of the
// seed and the subject's index, cheap enough to recompute per record.
type core struct {
	index       int
	code        string
	region      int // index into the region table
	class       class
	risk        risk
	established int64 // day number
	status      credo.Status
	statusSince int64 // day number; 0 when active
	lo, hi      int64 // Unix seconds between which its records lie
}

var huaweiRegion = "440307" // 深圳市龙岗区

// Days counted from 1970-01-01.
var (
	day1990     = time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	day2015Oct  = time.Date(2015, 10, 1, 0, 0, 0, 0, time.UTC).Unix() / 86400
	daysPerYear = int64(365)
)

func (g *generator) core(i int) core {
	r := newRNG(g.seed, streamCore, i)
	t := regions()
	c := core{index: i}

	switch {
	case i == 0:
		c.class = classEnterprise
		c.region = t.byCode[huaweiRegion]
	case i < g.realNamed:
		c.class = classEnterprise
		if places := listedCompanies()[i-1].places; places != nil {
			c.region = t.pickIn(&r, places)
		} else {
			c.region = t.pick(&r)
		}
	default:
		c.class = class(weighted(&r, classCum))
		c.region = t.pick(&r)
		if c.class == classCooperative {
			// Cooperatives are rural: prefer a county to a city district.
			for range 4 {
				if t.regions[c.region].countyTown {
					break
				}
				c.region = t.pick(&r)
			}
		}
	}

	// Established between 1990 and 30 days before Now; most firms are
	// young, as China's are.
	maxAgo := g.nowDay - day1990
	var ago int64
	switch {
	case i < g.realNamed:
		ago = r.between64(5*daysPerYear, 30*daysPerYear)
	case c.class == classInstitution:
		ago = r.between64(5*daysPerYear, maxAgo)
	default:
		switch u := r.float(); {
		case u < 0.12:
			ago = r.between64(30, daysPerYear-1)
		case u < 0.30:
			ago = r.between64(daysPerYear, 3*daysPerYear-1)
		default:
			ago = 3*daysPerYear + int64(r.exp()*2200)
			if ago > maxAgo {
				ago = r.between64(3*daysPerYear, maxAgo)
			}
		}
	}
	ago = max(30, min(ago, maxAgo))
	c.established = g.nowDay - ago

	rank := int(g.rank.invert(uint64(i)))
	switch {
	case i < g.realNamed:
		c.risk = riskReal
	case rank < int(badShare*float64(g.n)):
		c.risk = riskBad
	case rank < int(moderateShare*float64(g.n)):
		c.risk = riskModerate
	}

	// Status: most are active; the troubled are revoked more often.
	c.status = credo.StatusActive
	if c.risk != riskReal {
		u := r.float()
		var suspended, revoked, cancelled float64
		switch c.risk {
		case riskClean:
			suspended, revoked, cancelled = 0.005, 0.01, 0.025
		case riskModerate:
			suspended, revoked, cancelled = 0.03, 0.05, 0.04
		case riskBad:
			suspended, revoked, cancelled = 0.08, 0.25, 0.07
		}
		switch {
		case u < suspended:
			c.status = credo.StatusSuspended
		case u < suspended+revoked:
			c.status = credo.StatusRevoked
		case u < suspended+revoked+cancelled:
			c.status = credo.StatusCancelled
		}
	}
	fromDay := floorDiv(g.from, 86400)
	if c.status != credo.StatusActive {
		lo := max(c.established+1, fromDay)
		c.statusSince = r.between64(lo, g.nowDay)
	}
	c.lo = max(c.established*86400, g.from)
	c.hi = g.now
	if c.status == credo.StatusCancelled || c.status == credo.StatusRevoked {
		c.hi = min(g.now, c.statusSince*86400+86399)
	}

	c.code = g.code(i, c.class, t.regions[c.region].code, c.established)
	return c
}

const codeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// code builds subject i's Unified Social Credit Code. The organization code
// body is the subject's index run through a seeded bijection, so codes are
// unique without being sequential: eight digits for organizations that
// predate the 2015 reform, MA and six characters after it (MJ for private
// non-enterprise units, E and seven digits for law firms).
func (g *generator) code(i int, cl class, division string, established int64) string {
	var body [8]byte
	switch {
	case cl == classLawFirm && i < 10_000_000:
		body[0] = 'E'
		putDigits(body[1:], g.lawFirm.apply(uint64(i)))
	case cl == classNonEnterprise:
		body[0], body[1] = 'M', 'J'
		putBase31(body[2:], g.lettered.apply(uint64(i)))
	case cl != classInstitution && established >= day2015Oct:
		body[0], body[1] = 'M', 'A'
		putBase31(body[2:], g.lettered.apply(uint64(i)))
	default:
		putDigits(body[:], g.numeric.apply(uint64(i)))
	}
	cc := classCode[cl]
	code, err := uscc.Build(cc[0], cc[1], division, string(body[:]))
	if err != nil {
		panic("demo: building a code: " + err.Error()) // the parts are valid by construction
	}
	return code
}

func putDigits(b []byte, v uint64) {
	for k := len(b) - 1; k >= 0; k-- {
		b[k] = byte('0' + v%10)
		v /= 10
	}
}

func putBase31(b []byte, v uint64) {
	for k := len(b) - 1; k >= 0; k-- {
		b[k] = codeAlphabet[v%31]
		v /= 31
	}
}

// coreCache remembers recently used cores in a fixed number of slots, so a
// stream of records (which revisit heavy subjects often) rarely recomputes
// one, in memory that does not grow with the number of records.
type coreCache struct {
	slots []core
	ok    []bool
	mask  int
}

func newCoreCache(subjects int) *coreCache {
	size := 1
	for size < subjects && size < 1<<16 {
		size <<= 1
	}
	return &coreCache{slots: make([]core, size), ok: make([]bool, size), mask: size - 1}
}

func (g *generator) cachedCore(cache *coreCache, i int) *core {
	k := i & cache.mask
	if !cache.ok[k] || cache.slots[k].index != i {
		cache.slots[k] = g.core(i)
		cache.ok[k] = true
	}
	return &cache.slots[k]
}
