package search

import (
	"cmp"
	"math"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/credo-registry/credo"
)

// Fields a name is registered in, as Why names them.
const (
	FieldName           = "name"
	FieldShortName      = "short_name"
	FieldEnglishName    = "english_name"
	FieldFormerName     = "former_names"
	FieldPinyinInitials = "pinyin_initials" // of the short name
)

// Match methods, as Why names them.
const (
	MethodExact    = "exact"    // the full forms are equal
	MethodCore     = "core"     // the cores are equal and the regions agree
	MethodInitials = "initials" // the query is the short name's pinyin initials
	MethodSimilar  = "similar"  // weighted n-gram similarity of the cores
	MethodContains = "contains" // the query's core is part of the name
)

// Why says which name of an organization matched a query and how.
type Why struct {
	Field          string   `json:"field"`
	Name           string   `json:"name"`
	Method         string   `json:"method"`
	Normalizations []string `json:"normalizations"`
}

// Match is an organization found for a query.
type Match struct {
	Code  string  `json:"code"`
	Name  string  `json:"name"` // the organization's current name
	Score float64 `json:"score"`
	Match bool    `json:"match"`
	Why   Why     `json:"why"`
	// Status is the organization's current status, as its latest
	// registration indexed says (what a list of results shows beside the
	// name; not part of the match's JSON).
	Status credo.Status `json:"-"`
}

// Scores and thresholds of the ranking formula (docs/MATCHING.md).
const (
	scoreExact       = 1.0
	scoreCore        = 0.95 // cores equal, regions the same (or neither has one)
	scoreCoreNear    = 0.92 // cores equal, one side names a region the other does not
	scoreInitials    = 0.80
	scoreShortRegion = 0.84 // a short name's core, the query naming a region the name does not
	similarMax       = 0.90 // a similar core scores similarMax × weighted Dice
	regionClash      = 0.80 // factor when both name regions and they differ
	formerFactor     = 0.98 // a former name counts a little less than a current one
	altReadingFactor = 0.99 // initials by a less common reading count a little less
	containsBase     = 0.45 // a query that is part of a name scores containsBase +
	containsSpan     = 0.35 // containsSpan × its share of the name\'s characters

	// Threshold is the score from which a match is confident.
	Threshold = 0.85
	// MinScore is the lowest score a search lists.
	MinScore = 0.40
)

// Candidate bounds: how many names one query rescores, and how many
// postings it may walk to choose them.
const (
	maxRescored = 300
	maxWalked   = 30_000
)

// Index is the in-memory name index every backend's organizations are
// matched with: each name an organization's registration data holds
// (name, short name, English name, former names and short names, pinyin
// initials of the short name), by its exact forms and by the n-grams of its
// core. It is built from the store at start (Put every latest version) and
// kept current by Put on every registration write. Safe for concurrent use.
type Index struct {
	mu       sync.RWMutex
	slots    map[string]uint32 // code → subject slot
	subjects []indexedSubject
	entries  []entry
	live     int
	full     map[string][]uint32 // Name.Full → entries
	core     map[string][]uint32 // Name.Core → entries
	initials map[string][]uint32
	postings map[uint64][]uint32 // core bigram (or Latin trigram) → entries, ascending
	df       map[uint64]int32    // grams of live entries' cores, unigrams included
}

type indexedSubject struct {
	code, name, division string
	status               credo.Status
	version              int // the registration version indexed (0: unknown)
	entries              []uint32
}

type entry struct {
	subject uint32
	field   string
	dead    bool
	former  bool // pinyin initials of a former short name
	alt     bool // pinyin initials by a less common reading of a character
	text    string
	name    Name // Steps left out
}

// NewIndex returns an empty index.
func NewIndex() *Index {
	return &Index{
		slots:    map[string]uint32{},
		full:     map[string][]uint32{},
		core:     map[string][]uint32{},
		initials: map[string][]uint32{},
		postings: map[uint64][]uint32{},
		df:       map[uint64]int32{},
	}
}

// Len returns the number of organizations indexed.
func (ix *Index) Len() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return len(ix.slots)
}

// Names returns the number of live names indexed.
func (ix *Index) Names() int {
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	return ix.live
}

// Put indexes the names of s (its latest version), replacing those of an
// earlier version.
func (ix *Index) Put(subjects ...*credo.Subject) {
	ix.mu.Lock()
	defer ix.mu.Unlock()
	for _, s := range subjects {
		ix.put(s)
	}
}

func (ix *Index) put(s *credo.Subject) {
	slot, ok := ix.slots[s.Code]
	if ok && s.Version != 0 && s.Version <= ix.subjects[slot].version {
		return // indexed already (a node's own write, then the log's)
	}
	if ok {
		ix.subjects[slot].version = s.Version
		for _, id := range ix.subjects[slot].entries {
			ix.kill(id)
		}
		ix.subjects[slot].entries = ix.subjects[slot].entries[:0]
		ix.subjects[slot].division = s.Division
		ix.subjects[slot].name = s.Name
		ix.subjects[slot].status = s.Status
	} else {
		slot = uint32(len(ix.subjects))
		ix.slots[s.Code] = slot
		ix.subjects = append(ix.subjects, indexedSubject{code: s.Code, name: s.Name, division: s.Division, status: s.Status, version: s.Version})
	}
	seen := map[string]bool{}
	add := func(field, text string) {
		if strings.TrimSpace(text) == "" || seen[field+"\x00"+text] {
			return
		}
		seen[field+"\x00"+text] = true
		n := Parse(text)
		if n.Full == "" {
			return
		}
		n.Steps = nil
		ix.add(slot, field, text, n)
	}
	add(FieldName, s.Name)
	add(FieldShortName, s.ShortName)
	add(FieldEnglishName, s.EnglishName)
	for _, f := range s.FormerNames {
		add(FieldFormerName, f.Name)
	}
	shorts := []string{s.ShortName}
	for _, f := range s.FormerNames {
		if f.Kind == credo.FormerShortName {
			shorts = append(shorts, f.Name)
		}
	}
	for k, short := range shorts {
		if short == "" {
			continue
		}
		for n, ini := range Initials(stripStockMarkers(Parse(short).Full)) {
			if seen[FieldPinyinInitials+"\x00"+ini] {
				continue
			}
			seen[FieldPinyinInitials+"\x00"+ini] = true
			id := uint32(len(ix.entries))
			ix.entries = append(ix.entries, entry{subject: slot, field: FieldPinyinInitials, former: k > 0, alt: n > 0, text: short, name: Name{Full: ini, Core: ini, Latin: true}})
			ix.subjects[slot].entries = append(ix.subjects[slot].entries, id)
			ix.initials[ini] = append(ix.initials[ini], id)
			ix.live++
		}
	}
}

func (ix *Index) add(slot uint32, field, text string, n Name) {
	id := uint32(len(ix.entries))
	ix.entries = append(ix.entries, entry{subject: slot, field: field, text: text, name: n})
	ix.subjects[slot].entries = append(ix.subjects[slot].entries, id)
	ix.live++
	ix.full[n.Full] = append(ix.full[n.Full], id)
	ix.core[n.Core] = append(ix.core[n.Core], id)
	for _, g := range grams(n) {
		ix.df[g]++
		if isPosting(g, n) {
			ix.postings[g] = append(ix.postings[g], id)
		}
	}
}

// kill marks entry id dead: it leaves the exact maps and the counts; its
// postings stay and are skipped when walked.
func (ix *Index) kill(id uint32) {
	e := &ix.entries[id]
	if e.dead {
		return
	}
	e.dead = true
	ix.live--
	remove := func(m map[string][]uint32, k string) {
		ids := slices.DeleteFunc(m[k], func(x uint32) bool { return x == id })
		if len(ids) == 0 {
			delete(m, k)
		} else {
			m[k] = ids
		}
	}
	if e.field == FieldPinyinInitials {
		remove(ix.initials, e.name.Full)
		return
	}
	remove(ix.full, e.name.Full)
	remove(ix.core, e.name.Core)
	for _, g := range grams(e.name) {
		if ix.df[g]--; ix.df[g] <= 0 {
			delete(ix.df, g)
		}
	}
}

// grams returns the distinct n-grams of a name's core: its characters and
// pairs of adjacent characters, or for a Latin name the trigrams of its
// core between boundary marks.
func grams(n Name) []uint64 {
	return appendGrams(nil, n)
}

// appendGrams is grams written over dst's storage (dst[:0]).
func appendGrams(dst []uint64, n Name) []uint64 {
	out := dst[:0]
	if n.Latin {
		s := "^" + n.Core + "$"
		for i := 0; i+3 <= len(s); i++ {
			out = append(out, 1<<63|uint64(s[i])<<16|uint64(s[i+1])<<8|uint64(s[i+2]))
		}
	} else {
		prev := rune(-1)
		for _, r := range n.Core {
			out = append(out, uint64(r)<<21)
			if prev >= 0 {
				out = append(out, uint64(prev)<<21|uint64(r))
			}
			prev = r
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// isPosting reports whether gram g of n is kept in the postings: bigrams
// and trigrams, and the one character of a one-character core.
func isPosting(g uint64, n Name) bool {
	return n.Latin || g&(1<<21-1) != 0 || utf8.RuneCountInString(n.Core) == 1
}

func (ix *Index) weight(g uint64) float64 {
	return math.Log(1 + float64(ix.live+1)/float64(ix.df[g]+1))
}

// weightIn is weight(g), kept in sc for the rest of the search (the
// candidates of one query share most of their grams).
func (ix *Index) weightIn(sc *scratch, g uint64) float64 {
	w, ok := sc.weights[g]
	if !ok {
		w = ix.weight(g)
		sc.weights[g] = w
	}
	return w
}

// dice is the weighted Dice coefficient of two gram sets: twice the weight
// they share over the weight of both.
func (ix *Index) dice(sc *scratch, a, b []uint64) float64 {
	var shared, total float64
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || i < len(a) && a[i] < b[j]:
			total += ix.weightIn(sc, a[i])
			i++
		case i >= len(a) || b[j] < a[i]:
			total += ix.weightIn(sc, b[j])
			j++
		default:
			w := ix.weightIn(sc, a[i])
			shared += 2 * w
			total += 2 * w
			i++
			j++
		}
	}
	if total == 0 {
		return 0
	}
	return shared / total
}

// Query is a name search: Q, optionally within organizations whose
// division starts with Division, at most Limit results. Brief leaves
// Why.Normalizations out (nil) of the matches: a caller that shows only
// the organizations found (the search page) does not pay for working
// them out (each matched name parsed again).
type Query struct {
	Q        string
	Division string
	Limit    int
	Brief    bool
}

// Find returns the organizations whose names match q.Q with a score of at
// least MinScore, best first (ties: closer full form, then code), at most
// q.Limit. The first is a confident match (Match) when its score reaches
// Threshold and no other organization scores as high.
func (ix *Index) Find(q Query) []Match {
	qn := Parse(q.Q)
	if qn.Full == "" {
		return nil
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	sc := getScratch()
	defer putScratch(sc)
	cands := map[uint32]bool{}
	for _, id := range ix.full[qn.Full] {
		cands[id] = true
	}
	for _, id := range ix.core[qn.Core] {
		cands[id] = true
	}
	qInitials := initialsQuery(qn)
	if qInitials {
		for _, id := range ix.initials[qn.Full] {
			cands[id] = true
		}
	}
	qg := grams(qn)
	for _, id := range ix.similar(sc, qn, qg) {
		cands[id] = true
	}

	type scored struct {
		Match
		fine float64
		id   uint32
	}
	best := map[uint32]*scored{}
	var qFull []uint64
	for id := range cands {
		e := &ix.entries[id]
		if e.dead {
			continue
		}
		sub := &ix.subjects[e.subject]
		if q.Division != "" && !strings.HasPrefix(sub.division, q.Division) {
			continue
		}
		score, method := ix.score(sc, qn, qg, qInitials, e, sub.division)
		if score < MinScore {
			continue
		}
		if qFull == nil {
			qFull = grams(Name{Core: qn.Full, Latin: qn.Latin})
		}
		sc.grams = appendGrams(sc.grams, Name{Core: e.name.Full, Latin: e.name.Latin})
		fine := ix.dice(sc, qFull, sc.grams)
		b := best[e.subject]
		if b != nil && (b.Score > score || b.Score == score && (b.fine > fine || b.fine == fine && b.id < id)) {
			continue
		}
		best[e.subject] = &scored{Match{Code: sub.code, Name: sub.name, Status: sub.status, Score: score, Why: Why{
			Field: e.field, Name: e.text, Method: method,
		}}, fine, id}
	}
	out := make([]*scored, 0, len(best))
	for _, b := range best {
		out = append(out, b)
	}
	slices.SortFunc(out, func(a, b *scored) int {
		if c := cmp.Compare(b.Score, a.Score); c != 0 {
			return c
		}
		if c := cmp.Compare(b.fine, a.fine); c != 0 {
			return c
		}
		return strings.Compare(a.Code, b.Code)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	matches := make([]Match, len(out))
	for i, b := range out {
		m := b.Match
		m.Score = math.Round(m.Score*1000) / 1000
		if !q.Brief {
			m.Why.Normalizations = normalizations(qn, m.Why)
		}
		matches[i] = m
	}
	if len(matches) > 0 && matches[0].Score >= Threshold &&
		(len(matches) == 1 || matches[1].Score < matches[0].Score) {
		matches[0].Match = true
	}
	return matches
}

// normalizations are the steps the query and the matched name went through.
func normalizations(q Name, why Why) []string {
	steps := slices.Clone(q.Steps)
	if why.Field != FieldPinyinInitials {
		for _, s := range Parse(why.Name).Steps {
			if !slices.Contains(steps, s) {
				steps = append(steps, s)
			}
		}
	}
	if steps == nil {
		steps = []string{}
	}
	if why.Method == MethodExact {
		// Only what Full involves: legal forms and regions were kept.
		steps = slices.DeleteFunc(steps, func(s string) bool {
			return s == StepLegalForm || s == StepRegion || s == StepStockMarker
		})
	}
	return steps
}

// score rates entry e for query q by the formula in docs/MATCHING.md.
func (ix *Index) score(sc *scratch, q Name, qg []uint64, qInitials bool, e *entry, division string) (float64, string) {
	factor := 1.0
	if e.field == FieldFormerName || e.former {
		factor = formerFactor
	}
	n := e.name
	regions := n.Regions
	if len(regions) == 0 && len(division) >= 4 {
		// A name without a region is where the organization is registered.
		regions = []string{division[:2], division[:4]}
	}
	switch {
	case e.field == FieldPinyinInitials:
		if qInitials && q.Full == n.Full {
			if e.alt {
				factor *= altReadingFactor
			}
			return scoreInitials * factor, MethodInitials
		}
		return 0, ""
	case q.Full == n.Full:
		return scoreExact * factor, MethodExact
	case q.Core == n.Core && regionsAgree(q.Regions, regions):
		switch {
		case slices.Equal(q.Regions, n.Regions):
			return scoreCore * factor, MethodCore
		case len(n.Regions) == 0 && len(division) < 4 && e.field == FieldShortName:
			// A full name with a region whose core is some organization's
			// short name: nothing says the region is that organization's.
			return scoreShortRegion, MethodCore
		}
		return scoreCoreNear * factor, MethodCore
	}
	if q.Latin != n.Latin {
		return 0, ""
	}
	sc.grams = appendGrams(sc.grams, n)
	s := similarMax * ix.dice(sc, qg, sc.grams) * factor
	if !regionsAgree(q.Regions, regions) {
		s *= regionClash
	}
	method := MethodSimilar
	if qr := utf8.RuneCountInString(q.Core); qr >= 2 && (strings.Contains(n.Core, q.Core) || strings.Contains(n.Full, q.Core)) {
		if c := containsBase + containsSpan*float64(qr)/float64(max(qr, utf8.RuneCountInString(n.Full))); c > s {
			s, method = c*factor, MethodContains
		}
	}
	return s, method
}

// similar returns the entries that share the most weight of n-grams with
// the query. It walks the postings of the rarest grams first and skips
// grams held by more than maxWalked/4 names (but for the rarest, cut
// short): a gram that common adds little weight and no discrimination.
func (ix *Index) similar(sc *scratch, q Name, qg []uint64) []uint32 {
	var keys []uint64
	for _, g := range qg {
		if isPosting(g, q) {
			if _, ok := ix.postings[g]; ok {
				keys = append(keys, g)
			}
		}
	}
	slices.SortFunc(keys, func(a, b uint64) int { return cmp.Compare(len(ix.postings[a]), len(ix.postings[b])) })
	// The weight each entry reached shares with the query (sc.acc).
	acc := &sc.acc
	defer acc.reset()
	walked := 0
	for i, g := range keys {
		p := ix.postings[g]
		if i > 0 && (len(p) > maxWalked/4 || walked+len(p) > maxWalked) {
			break
		}
		w := ix.weight(g)
		for _, id := range p[:min(len(p), maxWalked)] {
			acc.add(id, w)
		}
		walked += len(p)
	}
	// The maxRescored heaviest, by a bounded min-heap.
	type hit struct {
		id uint32
		w  float64
	}
	less := func(a, b hit) bool { return a.w < b.w || a.w == b.w && a.id > b.id }
	heap := make([]hit, 0, maxRescored)
	down := func(i int) {
		for {
			l, m := 2*i+1, i
			if l < len(heap) && less(heap[l], heap[m]) {
				m = l
			}
			if r := l + 1; r < len(heap) && less(heap[r], heap[m]) {
				m = r
			}
			if m == i {
				return
			}
			heap[i], heap[m] = heap[m], heap[i]
			i = m
		}
	}
	for _, slot := range acc.used {
		h := hit{acc.keys[slot] - 1, acc.sums[slot]}
		switch {
		case len(heap) < maxRescored:
			heap = append(heap, h)
			for i := len(heap) - 1; i > 0; {
				parent := (i - 1) / 2
				if !less(heap[i], heap[parent]) {
					break
				}
				heap[i], heap[parent] = heap[parent], heap[i]
				i = parent
			}
		case less(heap[0], h):
			heap[0] = h
			down(0)
		}
	}
	out := make([]uint32, len(heap))
	for i, h := range heap {
		out[i] = h.id
	}
	return out
}

// scratch is what one Find works in, kept for the next: the weights the
// postings walk gives entries, the grams of the name being rescored, and
// the weights of the grams seen. A walk reaches up to maxWalked entries; a
// map of them, made anew each search, was most of a search's garbage.
type scratch struct {
	acc     weightTable
	grams   []uint64
	weights map[uint64]float64
}

// weightTable sums weights by entry id: an open-addressing table of
// accSlots slots (keys id+1, 0 free), never more than half full as a walk
// reaches at most maxWalked entries, emptied slot by slot (used).
type weightTable struct {
	keys []uint32
	sums []float64
	used []uint32 // the slots taken, in the order they were taken
}

const accSlots = 1 << 16

// accSlots must stay at least twice maxWalked (this fails to compile when
// it is not), so that add always finds a free slot soon.
const _ = uint(accSlots - 2*maxWalked)

func (t *weightTable) add(id uint32, w float64) {
	if t.keys == nil {
		t.keys, t.sums = make([]uint32, accSlots), make([]float64, accSlots)
	}
	slot := (id * 0x9E3779B1) >> 16 // Fibonacci hashing into accSlots
	for {
		switch t.keys[slot] {
		case id + 1:
			t.sums[slot] += w
			return
		case 0:
			t.keys[slot], t.sums[slot] = id+1, w
			t.used = append(t.used, slot)
			return
		}
		slot = (slot + 1) & (accSlots - 1)
	}
}

func (t *weightTable) reset() {
	for _, slot := range t.used {
		t.keys[slot], t.sums[slot] = 0, 0
	}
	t.used = t.used[:0]
}

// scratches keeps a few scratches between searches (768 KiB each), so
// that a search allocates none. Not a sync.Pool, which every garbage
// collection empties.
var scratches = make(chan *scratch, 16)

func getScratch() *scratch {
	select {
	case sc := <-scratches:
		return sc
	default:
		return &scratch{weights: map[uint64]float64{}}
	}
}

func putScratch(sc *scratch) {
	clear(sc.weights)
	select {
	case scratches <- sc:
	default:
	}
}
