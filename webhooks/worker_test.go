package webhooks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/store/sqlite"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/webhooks"
)

// Real codes (shared/data): the watched organization and one not watched.
const (
	codeWatched = "91340600MA2MT9X45R"
	codeOther   = "91310000MA1FL5JD4B"
)

// backends runs fn on a fresh SQLite store and on PostgreSQL.
func backends(t *testing.T, fn func(t *testing.T, s credo.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		db, err := sqlite.Open(context.Background(), t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		fn(t, db)
	})
	t.Run("postgres", func(t *testing.T) { fn(t, pgtest.Open(t)) })
}

// clock is a test's registry clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) add(d time.Duration) { c.mu.Lock(); defer c.mu.Unlock(); c.now = c.now.Add(d) }

// receiver is a real HTTP receiver: it verifies each delivery under
// secret, answers status (200 by default), and keeps what it got.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	status   int
	delay    time.Duration
	secret   string
	clock    func() time.Time
	got      []delivery
	unsigned int
}

type delivery struct {
	id, subject, typ string
}

func newReceiver(t *testing.T, clock func() time.Time) *receiver {
	r := &receiver{status: 200, clock: clock}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		status, delay, secret := r.status, r.delay, r.secret
		r.mu.Unlock()
		time.Sleep(delay)
		if req.Context().Err() != nil {
			return // the sender gave up waiting (its timeout): nothing was delivered
		}
		if secret != "" && status/100 == 2 { // a failing receiver fails whatever the signature
			if err := webhooks.Verify(secret, req.Header, body, r.clock()); err != nil {
				r.mu.Lock()
				r.unsigned++
				r.mu.Unlock()
				w.WriteHeader(401)
				return
			}
		}
		var e events.Event
		if err := json.Unmarshal(body, &e); err != nil || e.ID != req.Header.Get(webhooks.HeaderID) {
			w.WriteHeader(400)
			return
		}
		if status/100 == 2 {
			r.mu.Lock()
			r.got = append(r.got, delivery{e.ID, e.Subject, e.Type})
			r.mu.Unlock()
		}
		if status/100 == 3 {
			w.Header().Set("Location", "http://example.com/")
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) set(status int, delay time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.delay = status, delay
}

func (r *receiver) received() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// fixture is an organization's account with a watchlist of its own code
// (which it sees whole) and an endpoint at a receiver.
type fixture struct {
	store credo.Store
	clock *clock
	recv  *receiver
	owner *credo.Account
	list  *credo.Watchlist
	hook  *credo.Webhook
}

func newFixture(t *testing.T, s credo.Store, types ...string) *fixture {
	ctx := context.Background()
	f := &fixture{store: s, clock: &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}}
	f.recv = newReceiver(t, f.clock.Now)
	f.owner = &credo.Account{ID: "huaibei-org", Role: credo.RoleOrganization, Subject: codeWatched, CreatedAt: credo.NewTime(f.clock.Now())}
	if err := s.CreateAccount(ctx, f.owner, credo.HashToken("credo_test_owner")); err != nil {
		t.Fatal(err)
	}
	if types == nil {
		types = []string{}
	}
	f.list = &credo.Watchlist{Owner: f.owner.ID, Name: "自己", Types: types, CreatedAt: credo.NewTime(f.clock.Now())}
	if err := s.CreateWatchlist(ctx, f.list); err != nil {
		t.Fatal(err)
	}
	if err := s.ChangeWatchlistMembers(ctx, f.list.ID, []string{codeWatched}, nil, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.hook = &credo.Webhook{Owner: f.owner.ID, Watchlist: f.list.ID, URL: f.recv.URL + "/credo", Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(f.clock.Now())}
	if err := s.CreateWebhook(ctx, f.hook); err != nil {
		t.Fatal(err)
	}
	f.recv.secret = f.hook.Secret
	return f
}

// log appends n registration changes of code to the log (as registrations
// would) and returns their positions.
func (f *fixture) log(t *testing.T, code string, n int) []int64 {
	var cs []*credo.Change
	for i := range n {
		cs = append(cs, &credo.Change{Type: credo.ChangeRegistrationChanged, Subject: code, Ref: strconv.Itoa(i + 1),
			At: credo.NewTime(f.clock.Now()), Data: []byte(fmt.Sprintf(`{"version":%d,"authority":"huaibei-amr","name":"淮北市某某商贸有限公司"}`, i+1))})
	}
	if _, err := f.store.AppendChanges(context.Background(), cs); err != nil {
		t.Fatal(err)
	}
	var out []int64
	for _, c := range cs {
		out = append(out, c.Position)
	}
	return out
}

func (f *fixture) worker(allowPrivate bool) *webhooks.Worker {
	return &webhooks.Worker{Store: f.store, Feed: events.NewFeed(f.store, nil, "credo", f.clock.Now),
		Network: webhooks.Network{AllowPrivate: allowPrivate}, Now: f.clock.Now, Timeout: 500 * time.Millisecond,
		Lease: 5 * time.Second, Poll: 10 * time.Millisecond}
}

func run(t *testing.T, w *webhooks.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
}

// eventually waits up to 20 s for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 20 s: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func ids(ps []int64) []string {
	var out []string
	for _, p := range ps {
		out = append(out, strconv.FormatInt(p, 10))
	}
	return out
}

func gotIDs(ds []delivery) []string {
	var out []string
	for _, d := range ds {
		out = append(out, d.id)
	}
	return out
}

// The worker delivers the changes of watched organizations, signed, in
// order, once each, to every endpoint the watchlist names; other
// organizations' changes and unwanted types are not delivered; the cursor
// is durable.
func TestWorkerDeliversWatchedEventsInOrder(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		f := newFixture(t, s, "credo.registration.changed")
		second := newReceiver(t, f.clock.Now)
		hook2 := &credo.Webhook{Owner: f.owner.ID, Watchlist: f.list.ID, URL: second.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(f.clock.Now())}
		if err := s.CreateWebhook(context.Background(), hook2); err != nil {
			t.Fatal(err)
		}
		second.secret = hook2.Secret
		want := f.log(t, codeWatched, 30)
		f.log(t, codeOther, 5)
		if _, err := s.AppendChanges(context.Background(), []*credo.Change{{Type: credo.ChangeCaseFiled, Subject: codeWatched, Ref: "9",
			At: credo.NewTime(f.clock.Now()), Data: []byte(`{"case":9,"kind":"objection","target":{"record":1}}`)}}); err != nil {
			t.Fatal(err)
		}
		run(t, f.worker(true))
		eventually(t, "30 deliveries", func() bool { return len(f.recv.received()) >= 30 })
		time.Sleep(200 * time.Millisecond) // nothing more comes
		got := f.recv.received()
		if !slices.Equal(gotIDs(got), ids(want)) || f.recv.unsigned != 0 {
			t.Fatalf("received %v (unsigned %d), want %v", gotIDs(got), f.recv.unsigned, ids(want))
		}
		eventually(t, "30 deliveries to the second endpoint", func() bool { return len(second.received()) >= 30 })
		if got2 := second.received(); !slices.Equal(gotIDs(got2), ids(want)) || second.unsigned != 0 {
			t.Fatalf("second endpoint received %v (unsigned %d), want %v", gotIDs(got2), second.unsigned, ids(want))
		}
		for _, d := range got {
			if d.subject != codeWatched || d.typ != "credo.registration.changed" {
				t.Fatalf("delivered %+v", d)
			}
		}
		head, _ := s.Head(context.Background())
		if c, err := s.WebhookCursor(context.Background()); err != nil || c != head {
			t.Fatalf("cursor %d, %v; head %d", c, err, head)
		}
	})
}

// A receiver answering 500 is tried again later; after 24 hours the
// delivery is a dead letter, the endpoint paused and its owner told; what
// queued meanwhile waits; a replay that fails again is a dead letter
// again; a replay to a mended receiver delivers all, in order.
func TestWorkerRetriesDeadLettersPausesAndReplays(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		f.recv.set(500, 0)
		w := f.worker(true)
		run(t, w)
		first := f.log(t, codeWatched, 1)
		var d *credo.Webhook
		eventually(t, "a failure", func() bool {
			d, _ = s.Webhook(ctx, f.hook.ID)
			return !d.FailingSince.IsZero()
		})
		// Still queued: not a dead letter yet, and retried after a wait.
		if dl, _ := s.WebhookDeadLetters(ctx, f.hook.ID, 0, 10); len(dl) != 0 {
			t.Fatalf("dead letters after one failure: %+v", dl)
		}
		more := f.log(t, codeWatched, 2)
		for range 30 {
			f.clock.add(2 * time.Hour)
			time.Sleep(30 * time.Millisecond)
		}
		eventually(t, "a dead letter", func() bool {
			dl, _ := s.WebhookDeadLetters(ctx, f.hook.ID, 0, 10)
			return len(dl) == 1
		})
		dl, _ := s.WebhookDeadLetters(ctx, f.hook.ID, 0, 10)
		if dl[0].Position != first[0] || dl[0].LastStatus != 500 || dl[0].Attempts < 2 || dl[0].LastError != "answered 500" {
			t.Fatalf("dead letter %+v", dl[0])
		}
		eventually(t, "the endpoint paused", func() bool {
			d, _ = s.Webhook(ctx, f.hook.ID)
			return !d.PausedAt.IsZero()
		})
		if d.DeadLetters != 1 {
			t.Fatalf("webhook %+v", d)
		}
		page, err := s.Notices(ctx, codeWatched, "", 10)
		if err != nil || len(page.Notices) != 1 || page.Notices[0].Kind != credo.NoticeWebhookPaused {
			t.Fatalf("notices %+v, %v", page, err)
		}
		if len(f.recv.received()) != 0 {
			t.Fatalf("received while failing: %v", f.recv.received())
		}

		// A replay to a receiver still failing: a dead letter again at once.
		if n, err := s.ReplayWebhook(ctx, f.hook.ID, f.clock.Now()); err != nil || n != 1 {
			t.Fatalf("replay: %d, %v", n, err)
		}
		eventually(t, "paused again", func() bool {
			d, _ = s.Webhook(ctx, f.hook.ID)
			return !d.PausedAt.IsZero()
		})
		dl, _ = s.WebhookDeadLetters(ctx, f.hook.ID, 0, 10)
		if len(dl) != 1 || !dl[0].Replayed || dl[0].Attempts != 1 {
			t.Fatalf("after a failed replay: %+v", dl)
		}

		// Mended: everything, in order.
		f.recv.set(200, 0)
		if n, err := s.ReplayWebhook(ctx, f.hook.ID, f.clock.Now()); err != nil || n != 1 {
			t.Fatalf("replay: %d, %v", n, err)
		}
		want := ids(append(first, more...))
		eventually(t, "all delivered", func() bool { return len(f.recv.received()) == len(want) })
		if got := gotIDs(f.recv.received()); !slices.Equal(got, want) {
			t.Fatalf("received %v, want %v", got, want)
		}
		d, _ = s.Webhook(ctx, f.hook.ID)
		if !d.PausedAt.IsZero() || !d.FailingSince.IsZero() || d.DeadLetters != 0 {
			t.Fatalf("after replay: %+v", d)
		}
	})
}

// Redirects (not followed), slow answers and addresses the network does
// not allow are failures; a rotated secret signs beside the new one.
func TestWorkerFailuresAndRotation(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	f := newFixture(t, db)
	check := func(status int, delay time.Duration, allow bool, want string) {
		t.Helper()
		f.recv.set(status, delay)
		w := f.worker(allow)
		wctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() { defer close(done); w.Run(wctx) }()
		var q []*credo.WebhookDelivery
		eventually(t, want, func() bool {
			q, _ = db.WebhookDeadLetters(ctx, f.hook.ID, 0, 10)
			if len(q) > 0 {
				return true
			}
			h, _ := db.Webhook(ctx, f.hook.ID)
			return !h.FailingSince.IsZero()
		})
		cancel()
		<-done
		// The failure is stored on the delivery: read it by replaying the
		// clock past 24 hours of failures would take long; claim instead.
		ds, err := db.ClaimWebhookDeliveries(ctx, nil, "test", f.clock.Now().Add(3*time.Hour), time.Second, 10, 1)
		if err != nil || len(ds) != 1 || ds[0].LastError != want {
			t.Fatalf("after %d %s: %+v, %v; want %q", status, delay, ds, err, want)
		}
		if err := db.FinishWebhookDeliveries(ctx, []credo.WebhookResult{{Delivery: ds[0].ID, Webhook: f.hook.ID, Delivered: true}}); err != nil {
			t.Fatal(err)
		}
		if len(f.recv.received()) != 0 {
			t.Fatalf("delivered: %v", f.recv.received())
		}
	}
	f.log(t, codeWatched, 1)
	check(302, 0, true, "redirected (302), which is not followed")
	f.log(t, codeWatched, 1)
	check(200, time.Second, true, "no answer in time")
	f.log(t, codeWatched, 1)
	check(200, 0, false, "no answer: Post \""+f.hook.URL+"\": dial tcp "+f.recv.Listener.Addr().String()+": webhooks: 127.0.0.1 is a loopback address")

	// Rotation: the receiver still on the old secret verifies.
	old := f.hook.Secret
	fresh := webhooks.NewSecret()
	if err := db.RotateWebhookSecret(ctx, f.hook.ID, fresh, f.clock.Now().Add(webhooks.RotationGrace)); err != nil {
		t.Fatal(err)
	}
	f.recv.set(200, 0)
	f.recv.mu.Lock()
	f.recv.secret = old
	f.recv.mu.Unlock()
	run(t, f.worker(true))
	p := f.log(t, codeWatched, 1)
	eventually(t, "delivered under the old secret", func() bool { return len(f.recv.received()) == 1 })
	f.recv.mu.Lock()
	f.recv.secret = fresh
	f.recv.mu.Unlock()
	p2 := f.log(t, codeWatched, 1)
	eventually(t, "delivered under the new secret", func() bool { return len(f.recv.received()) == 2 })
	if got := gotIDs(f.recv.received()); !slices.Equal(got, ids(append(p, p2...))) || f.recv.unsigned != 0 {
		t.Fatalf("received %v, unsigned %d", got, f.recv.unsigned)
	}
}

// The worker's index of watched organizations follows what changes after
// it was loaded: a member added to a watchlist, a new watchlist with an
// endpoint, a member removed, an endpoint deleted. Each change is matched
// against the watchlists as they are when it is queued.
func TestWorkerFollowsWatchlistChanges(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		f := newFixture(t, s, "credo.registration.changed")
		w := f.worker(true)
		first := f.log(t, codeWatched, 1)
		f.log(t, codeOther, 1) // not watched yet
		if _, err := w.Queue(ctx); err != nil {
			t.Fatal(err)
		}
		// codeOther joins the fixture's list; a second list of the
		// client's watches codeOther at a second receiver.
		if err := s.ChangeWatchlistMembers(ctx, f.list.ID, []string{codeOther}, nil, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		second := newReceiver(t, f.clock.Now)
		wl := &credo.Watchlist{Owner: f.owner.ID, Name: "客户", Types: []string{}, CreatedAt: credo.NewTime(f.clock.Now())}
		if err := s.CreateWatchlist(ctx, wl); err != nil {
			t.Fatal(err)
		}
		if err := s.ChangeWatchlistMembers(ctx, wl.ID, []string{codeOther}, nil, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		hook2 := &credo.Webhook{Owner: f.owner.ID, Watchlist: wl.ID, URL: second.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(f.clock.Now())}
		if err := s.CreateWebhook(ctx, hook2); err != nil {
			t.Fatal(err)
		}
		second.secret = hook2.Secret
		other := f.log(t, codeOther, 1)
		if _, err := w.Queue(ctx); err != nil {
			t.Fatal(err)
		}
		run(t, w)
		eventually(t, "1 delivery to the second endpoint", func() bool { return len(second.received()) >= 1 })
		// codeWatched leaves the fixture's list; the second endpoint is deleted.
		if err := s.ChangeWatchlistMembers(ctx, f.list.ID, nil, []string{codeWatched}, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteWebhook(ctx, hook2.ID, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
		f.log(t, codeWatched, 1)
		last := f.log(t, codeOther, 1)
		want := ids(append(append(slices.Clone(first), other...), last...))
		eventually(t, "3 deliveries", func() bool { return len(f.recv.received()) >= 3 })
		time.Sleep(200 * time.Millisecond) // nothing more comes
		got := gotIDs(f.recv.received())
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("the fixture's endpoint received %v, want %v", got, want)
		}
		if got := gotIDs(second.received()); !slices.Equal(got, ids(other)) {
			t.Errorf("the second endpoint received %v, want %v", got, ids(other))
		}
	})
}

// changesCounter is a store that counts the worker's reads of the log.
type changesCounter struct {
	credo.Store
	mu    sync.Mutex
	reads int
}

func (c *changesCounter) Changes(ctx context.Context, q credo.ChangeQuery) ([]*credo.Change, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.Store.Changes(ctx, q)
}

func (c *changesCounter) count() int { c.mu.Lock(); defer c.mu.Unlock(); return c.reads }

// With no endpoint the worker moves its cursor to the head without
// reading the log (a registry's first start after an import holds
// millions of changes that are no one's delivery); once an endpoint
// exists, what comes after is read and delivered as before.
func TestWorkerWithoutEndpointsSkipsTheLog(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		c := &changesCounter{Store: s}
		f := &fixture{store: c, clock: &clock{now: time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)}}
		f.log(t, codeWatched, 2500) // more than one page of the log
		w := f.worker(true)
		pos, err := w.Queue(ctx)
		head, _ := s.Head(ctx)
		if err != nil || pos != head || head == 0 {
			t.Fatalf("queued up to %d, %v; head %d", pos, err, head)
		}
		if cur, err := s.WebhookCursor(ctx); err != nil || cur != head {
			t.Fatalf("cursor %d, %v; head %d", cur, err, head)
		}
		if n := c.count(); n != 0 {
			t.Fatalf("the log was read %d times with no endpoint", n)
		}
		// An endpoint now: what is logged after it is delivered.
		g := newFixture(t, c)
		want := g.log(t, codeWatched, 3)
		run(t, g.worker(true))
		eventually(t, "3 deliveries", func() bool { return len(g.recv.received()) >= 3 })
		if got := g.recv.received(); !slices.Equal(gotIDs(got), ids(want)) {
			t.Fatalf("received %v, want %v", gotIDs(got), ids(want))
		}
		if c.count() == 0 {
			t.Fatal("the log was not read with an endpoint")
		}
	})
}

// Many watchlists, each with organizations of its own and an endpoint at
// a receiver of its own, and changes appended in waves while the worker
// runs (few attempts at once, so that it queues and claims again and
// again with the same prepared statements): every receiver gets every
// change of its organizations, in order per organization, once, and
// nothing of another watchlist's or an unwatched organization.
func TestWorkerKeepsWatchlistsApart(t *testing.T) {
	backends(t, func(t *testing.T, s credo.Store) {
		ctx := context.Background()
		f := newFixture(t, s, "credo.registration.changed")
		type list struct {
			codes []string
			recv  *receiver
		}
		lists := []list{{codes: []string{codeWatched}, recv: f.recv}}
		n := 0
		code := func() string {
			n++
			c, err := uscc.Build('9', '1', "110105", fmt.Sprintf("MA%06d", n))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		for l := range 4 {
			li := list{codes: []string{code(), code(), code()}, recv: newReceiver(t, f.clock.Now)}
			wl := &credo.Watchlist{Owner: f.owner.ID, Name: fmt.Sprintf("供应商 %d", l), Types: []string{"credo.registration.changed"}, CreatedAt: credo.NewTime(f.clock.Now())}
			if err := s.CreateWatchlist(ctx, wl); err != nil {
				t.Fatal(err)
			}
			if err := s.ChangeWatchlistMembers(ctx, wl.ID, li.codes, nil, f.clock.Now()); err != nil {
				t.Fatal(err)
			}
			h := &credo.Webhook{Owner: f.owner.ID, Watchlist: wl.ID, URL: li.recv.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(f.clock.Now())}
			if err := s.CreateWebhook(ctx, h); err != nil {
				t.Fatal(err)
			}
			li.recv.secret = h.Secret
			lists = append(lists, li)
		}
		unwatched := code()
		w := f.worker(true)
		w.Concurrency = 4
		run(t, w)
		want := map[string][]string{} // code -> its changes' ids, in order
		for wave := range 6 {
			for i, l := range lists {
				for j, c := range l.codes {
					want[c] = append(want[c], ids(f.log(t, c, 1+(wave+i+j)%3))...)
				}
			}
			f.log(t, unwatched, 2)
			time.Sleep(20 * time.Millisecond)
		}
		for i, l := range lists {
			total := 0
			for _, c := range l.codes {
				total += len(want[c])
			}
			eventually(t, fmt.Sprintf("%d deliveries to list %d", total, i), func() bool { return len(l.recv.received()) >= total })
		}
		time.Sleep(200 * time.Millisecond) // nothing more comes
		for i, l := range lists {
			got := map[string][]string{}
			for _, d := range l.recv.received() {
				if !slices.Contains(l.codes, d.subject) {
					t.Errorf("list %d (%v) received an event of %s", i, l.codes, d.subject)
				}
				got[d.subject] = append(got[d.subject], d.id)
			}
			for _, c := range l.codes {
				if !slices.Equal(got[c], want[c]) {
					t.Errorf("list %d received of %s %v, want %v", i, c, got[c], want[c])
				}
			}
			if l.recv.unsigned != 0 {
				t.Errorf("list %d: %d unsigned deliveries", i, l.recv.unsigned)
			}
		}
	})
}
