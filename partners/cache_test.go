package partners_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
)

// divCode is the i-th generated code of division div.
func divCode(tb testing.TB, div string, i int) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	body := []byte("MB000000")
	for j, n := 7, i; j >= 2; j-- {
		body[j] = alphabet[n%31]
		n /= 31
	}
	c, err := uscc.Build('9', '1', div, string(body))
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// cacheWorld is a store, a second handle on the same data (another
// process on the SQLite folder, another node on PostgreSQL), and a
// history of relationships written through either.
type cacheWorld struct {
	t          *testing.T
	db, other  credo.Store
	orgs       []string
	rng        *rand.Rand
	clock      time.Time
	open       []*credo.Relationship // current versions without Until
	keys       map[string]bool       // keys ever used by a new relationship
	times      []time.Time           // as-of times worth asking
	authority  credo.Viewer          // over division 340600
	declarants map[string]bool
}

func openCacheWorld(t *testing.T, backend string) *cacheWorld {
	ctx := context.Background()
	w := &cacheWorld{t: t, rng: rand.New(rand.NewPCG(11, 7)), keys: map[string]bool{}, declarants: map[string]bool{},
		clock: time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)}
	if backend == "postgres" {
		dsn := pgtest.DSN(t)
		schema := pgtest.Schema(t, dsn)
		w.db, w.other = pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)
	} else {
		dir := t.TempDir()
		a, err := sqlite.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { a.Close() })
		b, err := sqlite.Open(ctx, dir)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		w.db, w.other = a, b
	}
	for i := range 24 {
		div := "340600"
		if i%3 == 2 {
			div = "320100"
		}
		w.orgs = append(w.orgs, divCode(t, div, i+1))
	}
	w.authority = credo.Viewer{Role: credo.RoleAuthority, Authority: &credo.Authority{ID: "samr-340600", Divisions: []string{"340600"}}}
	var subjects []*credo.Subject
	for i, c := range w.orgs {
		subjects = append(subjects, &credo.Subject{Code: c, Name: fmt.Sprintf("测试企业%d有限公司", i), Authority: "samr-340600", RecordedAt: credo.NewTime(w.clock)})
	}
	if _, err := w.db.PutSubjects(ctx, subjects); err != nil {
		t.Fatal(err)
	}
	return w
}

// tick moves the clock on by an hour and returns it.
func (w *cacheWorld) tick() credo.Time {
	w.clock = w.clock.Add(time.Hour)
	w.times = append(w.times, w.clock.Add(-time.Nanosecond), w.clock)
	return credo.NewTime(w.clock)
}

// add stores a new relationship of a random kind between two random
// organizations, through db.
func (w *cacheWorld) add(db credo.Store) *credo.Relationship { return w.addOf(db, -1) }

// addOf stores a new relationship of a random kind between organization
// i (-1: a random one) and a random other, through db.
func (w *cacheWorld) addOf(db credo.Store, i int) *credo.Relationship {
	for {
		i, j := i, w.rng.IntN(len(w.orgs))
		if i < 0 {
			i = w.rng.IntN(len(w.orgs))
		}
		if w.rng.IntN(2) == 0 {
			i, j = j, i
		}
		if i == j {
			continue
		}
		from, to := w.orgs[i], w.orgs[j]
		kind := credo.RelationshipKinds[w.rng.IntN(len(credo.RelationshipKinds))]
		if kind == credo.RelationshipSharedOfficer || kind == credo.RelationshipSubsidiary {
			kind = credo.RelationshipContract
		}
		since := credo.NewDate(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, w.rng.IntN(360)))
		r := &credo.Relationship{Kind: kind, From: from, To: to, Since: since, Source: credo.RelationshipSource(kind)}
		switch r.Source {
		case credo.SourceRegistration:
			r.Authority = "samr-340600"
			if kind == credo.RelationshipShareholder {
				r.Share = float64(1 + w.rng.IntN(60))
			}
		case credo.SourceAuthority:
			r.Authority, r.Reference = "samr-340600", fmt.Sprintf("合同-%d", len(w.keys))
		case credo.SourceDeclaration:
			r.Declarant, r.Account = from, "acct-"+from
			if w.rng.IntN(2) == 0 {
				r.Declarant, r.Account = to, "acct-"+to
			}
			w.declarants[r.Declarant] = true
		}
		if w.keys[r.Key()] {
			continue
		}
		w.keys[r.Key()] = true
		w.times = append(w.times, since.Time, since.Add(-time.Nanosecond))
		r.RecordedAt = w.tick()
		w.append(db, r)
		w.open = append(w.open, r)
		return r
	}
}

// supersede stores a new version of an open relationship: a new share
// (shareholders), else its end (Until) or a later Since.
func (w *cacheWorld) supersede(db credo.Store, end bool) *credo.Relationship {
	return w.supersedeOf(db, end, "")
}

// supersedeOf supersedes an open relationship of code ("": any).
func (w *cacheWorld) supersedeOf(db credo.Store, end bool, code string) *credo.Relationship {
	i := w.rng.IntN(len(w.open))
	for code != "" && w.open[i].From != code && w.open[i].To != code {
		i = w.rng.IntN(len(w.open))
	}
	old := w.open[i]
	r := *old
	r.ID, r.Supersedes = 0, old.ID
	r.RecordedAt = w.tick()
	switch {
	case end:
		r.Until = credo.NewDate(w.clock.AddDate(0, 0, -w.rng.IntN(20)))
		if r.Until.Before(r.Since.Time) {
			r.Until = r.Since
		}
		w.times = append(w.times, r.Until.Time, r.Until.Add(-time.Nanosecond))
		w.open = slices.Delete(w.open, i, i+1)
	case r.Kind == credo.RelationshipShareholder:
		r.Share = float64(1 + w.rng.IntN(99))
		w.open[i] = &r
	default:
		r.Since = credo.NewDate(r.Since.AddDate(0, 0, 3))
		w.open[i] = &r
	}
	w.append(db, &r)
	return &r
}

func (w *cacheWorld) append(db credo.Store, r *credo.Relationship) {
	w.t.Helper()
	out, err := db.AppendRelationships(context.Background(), []*credo.Relationship{r})
	if err != nil {
		w.t.Fatal(err)
	}
	if out[0].Status != credo.Created {
		w.t.Fatalf("%+v: %+v", r, out[0])
	}
	r.ID = out[0].ID
}

// viewers are the public, an organization that declared (its own
// declarations seen), the authority over one of the two divisions, and
// an administrator.
func (w *cacheWorld) viewers() map[string]credo.Viewer {
	out := map[string]credo.Viewer{"public": credo.Public, "authority": w.authority,
		"admin": {Role: credo.RoleAdmin, Account: &credo.Account{ID: "root", Role: credo.RoleAdmin}}}
	for _, c := range w.orgs {
		if w.declarants[c] {
			out["organization"] = credo.Viewer{Role: credo.RoleOrganization, Account: &credo.Account{ID: "acct-" + c, Role: credo.RoleOrganization, Subject: c}}
			break
		}
	}
	return out
}

// compare walks from four organizations (the hub first) at depth 3, as every viewer, as
// of every time worth asking and now, every kind and two, through the
// store and through the cache (and the store by the walk as first
// written, referenceWalk), and fails on any difference. It returns
// the store's answers, for the caller to see that a write changed them.
func (w *cacheWorld) compare(cache *partners.AdjacencyCache) map[string]string {
	w.t.Helper()
	ctx := context.Background()
	// Now, the latest write's moments, and a sample of the others.
	times := []time.Time{{}}
	times = append(times, w.times[max(0, len(w.times)-6):]...)
	for range 3 {
		times = append(times, w.times[w.rng.IntN(len(w.times))])
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	times = slices.Compact(times)
	answers := map[string]string{}
	for name, v := range w.viewers() {
		for _, at := range times {
			for _, kinds := range [][]string{nil, {credo.RelationshipContract, credo.RelationshipSupplier, credo.RelationshipShareholder}} {
				for _, start := range w.orgs[:4] {
					q := partners.Query{Code: start, Depth: 3, AsOf: at, Kinds: kinds}
					want, err := partners.Walk(ctx, w.db, v, q)
					if err != nil {
						w.t.Fatal(err)
					}
					r, err := cache.Current(ctx)
					if err != nil {
						w.t.Fatal(err)
					}
					got, err := partners.Walk(ctx, r, v, q)
					if err != nil {
						w.t.Fatal(err)
					}
					ws, gs := describe(want), describe(got)
					if ws != gs {
						w.t.Fatalf("%s, %+v:\nstore: %s\ncache: %s", name, q, ws, gs)
					}
					if ref, err := referenceWalk(ctx, w.db, v, q); err != nil || ref != ws {
						w.t.Fatalf("%s, %+v:\nWalk: %s\nthe walk as first written: %s (%v)", name, q, ws, ref, err)
					}
					answers[fmt.Sprint(name, q)] = ws
				}
			}
		}
	}
	return answers
}

// describe is everything a walk found: who, at what distance, by which
// path, and the relationships read (as a set).
func describe(g *partners.Graph) string {
	s := ""
	for _, r := range g.Reached {
		s += fmt.Sprintf("%s@%d %+v; ", r.Code, r.Distance, g.Path(r.Code))
	}
	edges := slices.Clone(g.Edges)
	slices.SortFunc(edges, func(a, b credo.Edge) int { return int(a.ID - b.ID) })
	return s + fmt.Sprintf("edges %+v", edges)
}

// changed counts the walks asked both times whose answers differ.
func changed(before, after map[string]string) int {
	n := 0
	for k, v := range after {
		if b, ok := before[k]; ok && b != v {
			n++
		}
	}
	return n
}

// TestAdjacencyCache: walks read through the cache find what they find
// in the store, by any viewer and as of any time, after writes through
// this handle and through another (a second process on the SQLite
// folder, a second node on PostgreSQL), with room for everything and
// with room for a few organizations only (evicting all along; on SQLite
// only, the eviction being the cache's own).
func TestAdjacencyCache(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			for _, rows := range []int{0, 40} {
				if backend == "postgres" && rows > 0 {
					continue
				}
				t.Run(fmt.Sprint("rows=", rows), func(t *testing.T) { testAdjacencyCache(t, backend, rows) })
			}
		})
	}
}

func testAdjacencyCache(t *testing.T, backend string, maxRows int) {
	ctx := context.Background()
	w := openCacheWorld(t, backend)
	for range 60 {
		w.add(w.db)
	}
	// A hub: the first organization, with more relationships than the
	// cache reads again whole after a change (it is patched instead).
	hub := w.orgs[0]
	for range 70 {
		w.addOf(w.db, 0)
	}
	for range 15 {
		w.supersede(w.db, w.rng.IntN(2) == 0)
	}
	cache := partners.NewAdjacencyCache(w.db, maxRows)
	before := w.compare(cache)
	if maxRows == 0 {
		// Warm: the same walks read nothing from the store.
		loads := cache.Loads()
		w.compare(cache)
		if cache.Loads() != loads {
			t.Fatalf("a warm cache read %d organizations again", cache.Loads()-loads)
		}
	} else if cache.Rows() > maxRows {
		t.Fatalf("%d rows held, at most %d", cache.Rows(), maxRows)
	}
	for _, step := range []struct {
		name  string
		write func()
	}{
		{"new relationship", func() { w.add(w.db) }},
		{"superseded", func() { w.supersede(w.db, false) }},
		{"ended", func() { w.supersede(w.db, true) }},
		{"new, by another writer", func() { w.add(w.other) }},
		{"superseded, by another writer", func() { w.supersede(w.other, false) }},
		{"ended, by another writer", func() { w.supersede(w.other, true) }},
		{"the hub's new relationship", func() { w.addOf(w.db, 0) }},
		{"the hub's, superseded", func() { w.supersedeOf(w.db, false, hub) }},
		{"the hub's, ended", func() { w.supersedeOf(w.db, true, hub) }},
		{"the hub's new relationship, by another writer", func() { w.addOf(w.other, 0) }},
		{"the hub's, superseded by another writer", func() { w.supersedeOf(w.other, false, hub) }},
		{"the hub's, ended by another writer", func() { w.supersedeOf(w.other, true, hub) }},
	} {
		step.write()
		after := w.compare(cache)
		if changed(before, after) == 0 {
			t.Fatalf("%s: the write changed no walk: the test shows nothing", step.name)
		}
		before = after
	}
	// The service answers the same pages with the cache as without.
	plain, cached := &partners.Service{Store: w.db}, &partners.Service{Store: w.db, Cache: cache}
	for _, v := range w.viewers() {
		for _, start := range w.orgs[:8] {
			q := partners.Query{Code: start, Depth: 3}
			want, err := plain.Partners(ctx, v, q, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			got, err := cached.Partners(ctx, v, q, "", 0)
			if err != nil {
				t.Fatal(err)
			}
			got.AsOf = want.AsOf
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Partners(%+v): %+v, want %+v", q, got, want)
			}
		}
	}
}

// TestAdjacencyCacheConcurrent: walks through the cache while writes go
// on through both handles; each write is seen by the read that follows
// it, and when the writes stop, every walk answers as the store's. Run
// it with -race.
func TestAdjacencyCacheConcurrent(t *testing.T) {
	ctx := context.Background()
	w := openCacheWorld(t, "sqlite")
	for range 40 {
		w.add(w.db)
	}
	for range 70 {
		w.addOf(w.db, 0)
	}
	cache := partners.NewAdjacencyCache(w.db, 0)
	admin := credo.Viewer{Role: credo.RoleAdmin, Account: &credo.Account{ID: "root", Role: credo.RoleAdmin}}
	stop := make(chan struct{})
	errs := make(chan error, 3)
	for i := range 3 {
		go func() {
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			for {
				select {
				case <-stop:
					errs <- nil
					return
				default:
				}
				r, err := cache.Current(ctx)
				if err == nil {
					_, err = partners.Walk(ctx, r, admin, partners.Query{Code: w.orgs[rng.IntN(len(w.orgs))], Depth: 3})
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	has := func(code string, id int64) bool {
		r, err := cache.Current(ctx)
		if err != nil {
			t.Fatal(err)
		}
		g, err := partners.Walk(ctx, r, admin, partners.Query{Code: code, Depth: 1})
		if err != nil {
			t.Fatal(err)
		}
		return slices.ContainsFunc(g.Edges, func(e credo.Edge) bool { return e.ID == id })
	}
	for i := range 40 {
		db := w.db
		if i%2 == 1 {
			db = w.other
		}
		var r *credo.Relationship
		switch i % 4 {
		case 0:
			r = w.add(db)
		case 1:
			r = w.addOf(db, 0)
		case 2:
			r = w.supersedeOf(db, i%8 == 2, w.orgs[0])
		default:
			r = w.supersede(db, i%8 == 3)
		}
		if has(r.From, r.ID) != r.Until.IsZero() || r.Supersedes != 0 && has(r.From, r.Supersedes) {
			t.Fatalf("write %d (%+v) not seen by the next read", i, r)
		}
	}
	close(stop)
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	w.compare(cache)
}
