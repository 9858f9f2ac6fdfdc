// Package demo generates a realistic, deterministic demo registry: the
// authorities, organizations with their officers and shareholders, and the
// records the authorities report about them.
//
// Everything is a pure function of the Config. Each subject, person and
// record is drawn from its own PCG stream seeded from Config.Seed and its
// index, so record n can be made without making records 0..n-1 or any
// subject: Records streams any number of records in constant memory, and
// Subjects and Records can be called independently and agree.
//
// Subject 0 is 华为技术有限公司 in 深圳市龙岗区; when there are at least 2,000
// subjects, subjects 1 to 2,000 (as many as there are) carry the names and
// former names of real companies listed on China's A-share markets, placed
// in the province or city their name begins with, else anywhere. Only the names are real: codes, capital,
// people and records are invented, and these real-named subjects receive
// benign records only (licences, annual reports, good tax grades, passed
// inspections, honours), never an adverse one.
//
// Organizations are spread over the real county-level divisions
// (package division) by each province's share of registered enterprises;
// records per organization have a long tail (half of them are drawn by
// rank², so a few organizations carry many). Relationships between
// organizations (hubs and the partners around them) are not generated
// yet: the partners work adds them here, drawn from streams of their own
// like records (so that nothing else changes), as one more file that
// WriteNDJSON writes and `credo bench scale` loads before propagating.
//
// Results a rulebook may key on lead the record's description as an ASCII
// word and a colon: "pass:" or "fail:" (inspection), the grade "A:" … "D:"
// or "M:" (tax_grade), "green:", "blue:", "yellow:" or "red:"
// (environmental_credit), "advanced_certified:" or "certified:"
// (customs_certification).
package demo

import (
	"errors"
	"time"

	"github.com/credo-registry/credo"
)

// Config says what to generate. The same Config gives the same output,
// byte for byte.
type Config struct {
	Seed     int64
	Subjects int       // organizations; DefaultSubjects when zero or negative
	Records  int       // records in all; RecordsPerSubject per subject when zero or negative
	Now      time.Time // the generator's "today", required: subjects are established and records decided before it
}

const (
	DefaultSubjects   = 10_000
	RecordsPerSubject = 12
	// RecordYears is how far back from Now records reach.
	RecordYears = 5
	// ListedCompanies is how many real listed companies' names the
	// generator embeds and uses for subjects 1 to 2,000.
	ListedCompanies = 2000
)

// generator holds what every draw needs; it is built once per call and
// never modified after.
type generator struct {
	cfg       Config
	seed      uint64
	n         int // subjects
	nowTime   time.Time
	now       int64  // Now, Unix seconds
	nowDay    int64  // Now's day number (days since 1970-01-01, UTC)
	from      int64  // Now minus RecordYears, Unix seconds
	realNamed int    // subjects [0, realNamed) carry real names
	rank      affine // rank -> subject index: low ranks draw many records, mostly adverse
	numeric   affine // counter -> 8-digit organization code body
	lettered  affine // counter -> 6-character body after MA or MJ
	lawFirm   affine // counter -> 7-digit body after E
	regions   *regionTable
	jur       *jurisdiction
}

var errNoNow = errors.New("demo: Config.Now is required (the generator never reads the clock)")

func newGenerator(cfg Config) (*generator, error) {
	if cfg.Now.IsZero() {
		return nil, errNoNow
	}
	if cfg.Now.Year() < 2000 {
		return nil, errors.New("demo: Config.Now must be in 2000 or later")
	}
	if cfg.Subjects <= 0 {
		cfg.Subjects = DefaultSubjects
	}
	if cfg.Records <= 0 {
		cfg.Records = RecordsPerSubject * cfg.Subjects
	}
	g := &generator{cfg: cfg, seed: mix(uint64(cfg.Seed)), n: cfg.Subjects, regions: regions(), jur: jurisdictions()}
	g.nowTime = cfg.Now.UTC()
	g.now = g.nowTime.Unix()
	g.nowDay = floorDiv(g.now, 86400)
	g.from = g.nowTime.AddDate(-RecordYears, 0, 0).Unix()
	g.realNamed = 1
	if g.n >= ListedCompanies {
		g.realNamed = min(g.n, 1+len(listedCompanies()))
	}
	g.rank = newAffine(mix(g.seed^streamPerm), uint64(g.n))
	g.numeric = newAffine(mix(g.seed^1), 100_000_000)
	g.lettered = newAffine(mix(g.seed^2), 31*31*31*31*31*31)
	g.lawFirm = newAffine(mix(g.seed^3), 10_000_000)
	return g, nil
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// Subjects calls fn for each generated subject in order, stopping at the
// first error, which it returns. Each subject is new: fn may keep it. fn is
// called from the calling goroutine; the subjects are made ahead of it on
// all processors.
func Subjects(cfg Config, fn func(*credo.Subject) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return err
	}
	return inOrder(g.n, func() struct{} { return struct{}{} },
		func(_ struct{}, i int) *credo.Subject { return g.subject(i) }, fn)
}

// Records calls fn for each record in order, stopping at the first error,
// which it returns. Each record names the authority that reports it, whose
// jurisdiction covers the subject's division and the record's category;
// OccurredAt lies within RecordYears before Now (and within the subject's
// life); ID and RecordedAt are zero. A correction or retraction names, by
// SupersedesExternalID, a record of the same authority and subject that
// came earlier in the stream. Each record is new: fn may keep it. fn is
// called from the calling goroutine; records are made ahead of it, a few
// thousand at a time, on all processors, in memory that does not grow with
// their number.
func Records(cfg Config, fn func(*credo.Record) error) error {
	g, err := newGenerator(cfg)
	if err != nil {
		return err
	}
	return inOrder(g.cfg.Records, func() *coreCache { return newCoreCache(g.n) },
		func(cache *coreCache, j int) *credo.Record { return g.record(j, cache) }, fn)
}
