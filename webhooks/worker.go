package webhooks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/partners"
)

// Store is what the worker reads and writes.
type Store interface {
	credo.ChangeLog
	credo.WebhookStore
	WatchlistMemberChanges(ctx context.Context, after int64, limit int) ([]credo.WatchlistMemberChange, error)
	Account(ctx context.Context, id string) (*credo.Account, error)
	Record(ctx context.Context, id int64) (*credo.Record, error)
	RecordsByID(ctx context.Context, ids []int64) ([]*credo.Record, error)
	AddNotices(ctx context.Context, notices []*credo.Notice) error
}

// Worker delivers the events of the change log to the endpoints whose
// watchlists match them. It runs in every node of a registry:
//
//   - Queueing reads the log from a durable cursor, matches each change to
//     the endpoints of the watchlists watching its organization (members
//     and event types) whose owners may see it (the events feed's
//     visibility), and stores the deliveries and the new cursor in one
//     transaction, only if the cursor has not moved meanwhile: on several
//     nodes each change is queued once.
//   - Sending claims due deliveries with a lease (on PostgreSQL shared by
//     several nodes: a delivery is held by one node at a time, and a
//     killed node's claims are taken over when their lease runs out),
//     only the first queued of each endpoint and organization, so that one
//     organization's events arrive in order; a delivery leaves the queue
//     once the receiver answered 2xx (at least once: a node killed between
//     the answer and its record sends it again).
//   - A failure waits (NextAttempt) and is tried again for GiveUpAfter;
//     then it is a dead letter and its endpoint is paused, as is an
//     endpoint failing for GiveUpAfter, and its owner told in the notice
//     inbox. A replayed dead letter that fails again is a dead letter again.
type Worker struct {
	Store   Store
	Feed    *events.Feed
	Network Network
	// Node names this worker in leases (default: random).
	Node string
	// Lease is how long a claim lasts (default DefaultLease); it must be
	// well above Timeout.
	Lease time.Duration
	// Timeout bounds one attempt (default DefaultTimeout).
	Timeout time.Duration
	// Concurrency is how many attempts run at once (default 256: each
	// write stores and claims up to that many, and an endpoint across a
	// network answers in tens of milliseconds).
	Concurrency int
	// Poll is how often the queue is looked at when nothing woke the
	// worker (default 100 ms): retries falling due, other nodes' queueing.
	Poll time.Duration
	// Exclusive says that this is the registry's only node: leases left by
	// a killed process are dropped at start instead of waited out.
	Exclusive bool
	Now       func() time.Time
	Logger    *slog.Logger
	// Tail wakes queueing when the log grows (nil: a Tail of its own).
	Tail *events.Tail

	client   *http.Client
	wake     chan struct{}
	inflight atomic.Int64
	mu       sync.Mutex
	hooks    map[int64]cachedHook
	queueing sync.Mutex // one Queue at a time: it owns index
	index    watched
}

// DefaultLease bounds how long a killed node's deliveries wait for
// another node.
const DefaultLease = time.Minute

type cachedHook struct {
	hook *credo.Webhook
	at   time.Time
}

func (w *Worker) defaults() {
	if w.Node == "" {
		w.Node = rand.Text()
	}
	if w.Lease <= 0 {
		w.Lease = DefaultLease
	}
	if w.Timeout <= 0 {
		w.Timeout = DefaultTimeout
	}
	if w.Concurrency <= 0 {
		w.Concurrency = 256
	}
	if w.Poll <= 0 {
		w.Poll = 100 * time.Millisecond
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.Logger == nil {
		w.Logger = slog.New(slog.DiscardHandler)
	}
	if w.Tail == nil {
		w.Tail = events.NewTail(w.Store, 0)
	}
	w.client = w.Network.Client(w.Timeout)
	if tr, ok := w.client.Transport.(*http.Transport); ok {
		// Many endpoints may share a host (a receiver's): as many
		// connections are kept as attempts run at once, not dialled anew.
		tr.MaxIdleConnsPerHost = w.Concurrency
	}
	w.wake = make(chan struct{}, 1)
	w.hooks = map[int64]cachedHook{}
}

// Run queues and sends until ctx ends.
func (w *Worker) Run(ctx context.Context) {
	w.defaults()
	if w.Exclusive {
		if err := w.Store.ReleaseWebhookLeases(ctx); err != nil {
			w.Logger.Error("webhooks: releasing leases", "err", err)
		}
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); w.queueLoop(ctx) }()
	go func() { defer wg.Done(); w.sendLoop(ctx) }()
	wg.Wait()
}

func (w *Worker) poke() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *Worker) queueLoop(ctx context.Context) {
	for ctx.Err() == nil {
		pos, err := w.Queue(ctx)
		if err != nil && ctx.Err() == nil {
			w.Logger.Error("webhooks: queueing", "err", err)
			sleep(ctx, time.Second)
			continue
		}
		wait, cancel := context.WithTimeout(ctx, w.Poll*10)
		w.Tail.Wait(wait, pos)
		cancel()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// changeTypes are the change types that are events.
var changeTypes = func() []string {
	out := make([]string, len(events.Types))
	for i, t := range events.Types {
		out[i] = strings.TrimPrefix(t, "credo.")
	}
	return out
}()

// Queue matches and queues every change up to the log's head, and
// returns the position it reached.
func (w *Worker) Queue(ctx context.Context) (int64, error) {
	if w.wake == nil {
		w.defaults()
	}
	w.queueing.Lock()
	defer w.queueing.Unlock()
	// Kept current while no change comes too (the queue loop comes by at
	// least every 10 Polls), so that a change does not wait for members
	// added meanwhile to be read (a million take seconds).
	if err := w.index.refresh(ctx, w.Store); err != nil {
		return 0, err
	}
	for {
		from, err := w.Store.WebhookCursor(ctx)
		if err != nil {
			return 0, err
		}
		head, err := w.Store.Head(ctx)
		if err != nil {
			return from, err
		}
		if from >= head {
			return from, nil
		}
		// No live endpoint: no change up to head is anyone's delivery
		// (match would find none), so the cursor moves there without
		// reading them. A registry's first start after an import would
		// otherwise read and decode the whole change log in the
		// background (millions of changes for a national registry).
		if err := w.index.refresh(ctx, w.Store); err != nil {
			return from, err
		}
		if len(w.index.endpoints) == 0 {
			err := w.Store.EnqueueWebhookDeliveries(ctx, from, head, nil)
			if credo.ErrorCodeOf(err) == credo.ECONFLICT {
				continue // another node moved it
			}
			if err != nil {
				return from, err
			}
			continue
		}
		changes, err := w.Store.Changes(ctx, credo.ChangeQuery{After: from, Upto: head, Types: changeTypes, Limit: credo.MaxPageSize})
		if err != nil {
			return from, err
		}
		to := head
		if len(changes) == credo.MaxPageSize {
			to = changes[len(changes)-1].Position
		}
		ds, err := w.match(ctx, changes)
		if err != nil {
			return from, err
		}
		err = w.Store.EnqueueWebhookDeliveries(ctx, from, to, ds)
		if credo.ErrorCodeOf(err) == credo.ECONFLICT {
			continue // another node queued them
		}
		if err != nil {
			return from, err
		}
		if len(ds) > 0 {
			w.poke()
		}
	}
}

// match returns the deliveries of changes: one per endpoint watching the
// change's organization whose watchlist wants its type and whose owner may
// see it, in the order of the log. The index is brought up to the
// store's watched state first, so that changes are matched against the
// members as they are when they are queued.
func (w *Worker) match(ctx context.Context, changes []*credo.Change) ([]*credo.WebhookDelivery, error) {
	if err := w.index.refresh(ctx, w.Store); err != nil {
		return nil, err
	}
	x := &w.index
	if len(x.endpoints) == 0 {
		return nil, nil
	}
	// The organizations near each change's, as of the change, for the
	// watchlists that also watch partners (partner_depth).
	near, err := w.near(ctx, changes)
	if err != nil {
		return nil, err
	}
	viewers := map[string]*credo.Viewer{}
	viewer := func(owner string) (*credo.Viewer, error) {
		v, found := viewers[owner]
		if !found {
			a, err := w.Store.Account(ctx, owner)
			if err != nil && credo.ErrorCodeOf(err) != credo.ENOTFOUND {
				return nil, err
			}
			if a != nil {
				v = &credo.Viewer{Role: a.Role, Account: a}
			}
			viewers[owner] = v
		}
		return v, nil
	}
	records, err := w.records(ctx, changes, near)
	if err != nil {
		return nil, err
	}
	now := w.Now()
	var out []*credo.WebhookDelivery
	for i, c := range changes {
		var body []byte
		seen := map[string]bool{} // visibility per owner, for this change
		sent := map[int64]bool{}  // endpoints queued for this change
		cands := x.targets(c.Subject)
		if near != nil {
			for code, d := range near[i] {
				for _, t := range x.targets(code) {
					if t.PartnerDepth < d {
						continue
					}
					// Within the depth as the owner may see the
					// relationships (declarations only by those who may).
					v, err := viewer(t.Owner)
					if err != nil {
						return nil, err
					}
					if v == nil {
						continue
					}
					od, err := w.distance(ctx, *v, c, code, t.PartnerDepth)
					if err != nil {
						return nil, err
					}
					if od > 0 && od <= t.PartnerDepth {
						cands = append(cands, t)
					}
				}
			}
		}
		for _, t := range cands {
			if sent[t.Webhook] {
				continue
			}
			if len(t.Types) > 0 && !slices.Contains(t.Types, "credo."+c.Type) {
				continue
			}
			ok, judged := seen[t.Owner]
			if !judged {
				v, err := viewer(t.Owner)
				if err != nil {
					return nil, err
				}
				if v != nil {
					if ok, err = w.Feed.VisibleAmong(ctx, *v, c, records); err != nil {
						return nil, err
					}
				}
				seen[t.Owner] = ok
			}
			if !ok {
				continue
			}
			if body == nil {
				if body, err = encode(w.Feed.Event(c)); err != nil {
					return nil, err
				}
			}
			sent[t.Webhook] = true
			out = append(out, &credo.WebhookDelivery{Webhook: t.Webhook, Position: c.Position, Subject: c.Subject,
				Event: body, NextAt: credo.NewTime(now)})
		}
	}
	return out, nil
}

// records reads, in one call, the
// records of the record changes among changes that an endpoint may be
// sent (those of watched organizations, or all when partners are walked),
// by id: judging who may see each change is a read of its record, and one
// after the other, a round trip each on PostgreSQL, they held the queue
// back behind 1,000 records a second. A record not found is left out (the
// feed reads it again and hides the change).
func (w *Worker) records(ctx context.Context, changes []*credo.Change, near []map[string]int) (map[int64]*credo.Record, error) {
	out := map[int64]*credo.Record{}
	var wanted []int64
	for i, c := range changes {
		if c.Type != credo.ChangeRecordAccepted && c.Type != credo.ChangeRecordWithdrawn {
			continue
		}
		if len(w.index.targets(c.Subject)) == 0 && (near == nil || len(near[i]) == 0) {
			continue
		}
		if id, err := strconv.ParseInt(c.Ref, 10, 64); err == nil {
			wanted = append(wanted, id)
		}
	}
	if len(wanted) == 0 {
		return out, nil
	}
	slices.Sort(wanted)
	recs, err := w.Store.RecordsByID(ctx, slices.Compact(wanted))
	if err != nil {
		return nil, err
	}
	for _, r := range recs {
		out[r.ID] = r
	}
	return out, nil
}

// near returns, for each of changes (by index), the organizations within
// the greatest partner depth of a watchlist of its organization as of the
// change, with their distance over every relationship (the least any
// owner may see), when the store reads relationships and a watchlist with
// an endpoint watches partners (and wants the change's type); nil
// otherwise. Only the organizations reached that such a watchlist watches
// are kept.
func (w *Worker) near(ctx context.Context, changes []*credo.Change) ([]map[string]int, error) {
	ar, ok := w.Store.(partners.AdjacencyReader)
	x := &w.index
	if !ok || x.depth == 0 {
		return nil, nil
	}
	out := make([]map[string]int, len(changes))
	type key struct {
		code string
		at   int64
	}
	memo := map[key]map[string]int{}
	all := credo.Viewer{Role: credo.RoleAdmin}
	for i, c := range changes {
		if !x.walks("credo."+c.Type) || credo.ValidateCode("subject", c.Subject) != nil {
			continue // no watchlist wants it through partners, or not an organization's change
		}
		k := key{c.Subject, c.At.UnixNano()}
		n, done := memo[k]
		if !done {
			g, err := partners.Walk(ctx, ar, all, partners.Query{Code: c.Subject, Depth: x.depth, AsOf: c.At.Time})
			if err != nil {
				return nil, err
			}
			for _, r := range g.Reached {
				if r.Distance > 0 && x.watchesPartners(r.Code, r.Distance) {
					if n == nil {
						n = map[string]int{}
					}
					n[r.Code] = r.Distance
				}
			}
			memo[k] = n
		}
		out[i] = n
	}
	return out, nil
}

// distance returns how many relationships, as v may see them as of c,
// separate c's organization from code (0: farther than depth).
func (w *Worker) distance(ctx context.Context, v credo.Viewer, c *credo.Change, code string, depth int) (int, error) {
	ar := w.Store.(partners.AdjacencyReader)
	g, err := partners.Walk(ctx, ar, v, partners.Query{Code: c.Subject, Depth: depth, AsOf: c.At.Time})
	if err != nil {
		return 0, err
	}
	for _, r := range g.Reached {
		if r.Code == code {
			return r.Distance, nil
		}
	}
	return 0, nil
}

// encode is an event's JSON as GET /v1/events writes it.
func encode(e *events.Event) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Runs is how many of one organization's events for one endpoint a claim
// takes at most: they are sent one after the other by one goroutine.
const Runs = 8

func (w *Worker) sendLoop(ctx context.Context) {
	results := make(chan []credo.WebhookResult, w.Concurrency)
	tick := time.NewTicker(w.Poll)
	defer tick.Stop()
	var attempts sync.WaitGroup
	var done []credo.WebhookResult // of finished runs, not stored yet
	runs := 0                      // how many runs done holds
	var since time.Time            // when done began to fill
	linger := time.NewTimer(time.Hour)
	linger.Stop()
	collect := func(rs []credo.WebhookResult) {
		if runs == 0 {
			since = time.Now()
			linger.Reset(storeAfter)
		}
		done = append(done, rs...)
		runs++
	}
	for ctx.Err() == nil {
	drain:
		for {
			select {
			case rs := <-results:
				collect(rs)
			default:
				break drain
			}
		}
		// One write stores what was sent and claims what is next (each
		// is a write: on SQLite a commit, with the change log's writers):
		// when a quarter of the slots are free or freed, or when what was
		// sent has waited storeAfter to be stored.
		free := w.Concurrency - int(w.inflight.Load()) + runs
		if free >= w.Concurrency/4 || runs > 0 && time.Since(since) >= storeAfter {
			limit := free
			if free < w.Concurrency/4 {
				limit = 0 // only store
			}
			claimed := time.Now()
			ds, err := w.Store.ClaimWebhookDeliveries(ctx, done, w.Node, w.Now(), w.Lease, limit, Runs)
			if err != nil {
				if ctx.Err() == nil {
					w.Logger.Error("webhooks: storing and claiming deliveries", "err", err)
					sleep(ctx, w.Poll)
				}
				continue // what was sent is stored with the next
			}
			w.inflight.Add(-int64(runs))
			stored := done
			done, runs = nil, 0
			linger.Stop()
			w.paused(ctx, stored)
			n := w.start(ctx, ds, claimed, results, &attempts)
			if limit > 0 && n == limit {
				continue // more may be due
			}
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-tick.C:
		case <-linger.C:
		case rs := <-results:
			collect(rs)
		}
	}
	attempts.Wait()
	close(results)
	for rs := range results {
		done = append(done, rs...)
	}
	if len(done) > 0 {
		if err := w.Store.FinishWebhookDeliveries(context.WithoutCancel(ctx), done); err != nil {
			w.Logger.Error("webhooks: storing deliveries", "err", err)
		}
	}
}

// storeAfter bounds how long what was sent waits to be stored while too
// few slots are free to claim more.
const storeAfter = 50 * time.Millisecond

// start sends ds, each endpoint and organization's run in a goroutine
// of its own, and returns how many runs it started.
func (w *Worker) start(ctx context.Context, ds []*credo.WebhookDelivery, claimed time.Time, results chan<- []credo.WebhookResult, attempts *sync.WaitGroup) int {
	runs := map[[2]string][]*credo.WebhookDelivery{}
	var order [][2]string
	for _, d := range ds {
		k := [2]string{strconv.FormatInt(d.Webhook, 10), d.Subject}
		if runs[k] == nil {
			order = append(order, k)
		}
		runs[k] = append(runs[k], d)
	}
	for _, k := range order {
		run := runs[k]
		w.inflight.Add(1)
		attempts.Add(1)
		go func() {
			defer attempts.Done()
			if rs := w.sendRun(ctx, run, claimed); len(rs) > 0 {
				results <- rs
			} else {
				w.inflight.Add(-1)
				w.poke()
			}
		}()
	}
	return len(order)
}

// sendRun sends one organization's events to one endpoint in order, and
// stops at the first failure, or when another attempt might outlast the
// lease taken at claimed: the rest are given back untried.
func (w *Worker) sendRun(ctx context.Context, run []*credo.WebhookDelivery, claimed time.Time) []credo.WebhookResult {
	var out []credo.WebhookResult
	for i, d := range run {
		if i > 0 && time.Since(claimed)+w.Timeout > w.Lease*3/4 {
			for _, rest := range run[i:] {
				out = append(out, credo.WebhookResult{Delivery: rest.ID, Webhook: rest.Webhook, Released: true})
			}
			break
		}
		r, ok := w.attempt(ctx, d)
		if !ok {
			break // the leases run out; all is tried again
		}
		out = append(out, r)
		if !r.Delivered {
			for _, rest := range run[i+1:] {
				out = append(out, credo.WebhookResult{Delivery: rest.ID, Webhook: rest.Webhook, Released: true})
			}
			break
		}
	}
	return out
}

// HookTTL is how long the worker keeps an endpoint it read: a rotated
// secret signs (beside the old one, valid a day) and a deletion stops
// deliveries within it. Reading each endpoint at most this often keeps a
// thousand endpoints from costing a thousand reads a second.
const HookTTL = 10 * time.Second

// hook returns the endpoint, read at most HookTTL ago.
func (w *Worker) hook(ctx context.Context, id int64) (*credo.Webhook, error) {
	now := time.Now()
	w.mu.Lock()
	c, ok := w.hooks[id]
	w.mu.Unlock()
	if ok && now.Sub(c.at) < HookTTL {
		return c.hook, nil
	}
	h, err := w.Store.Webhook(ctx, id)
	if err != nil {
		return nil, err
	}
	w.mu.Lock()
	w.hooks[id] = cachedHook{h, now}
	w.mu.Unlock()
	return h, nil
}

// attempt sends d once; ok is false when nothing is to be stored (the
// worker is stopping, or the endpoint cannot be read: the lease runs out
// and the delivery is tried again).
func (w *Worker) attempt(ctx context.Context, d *credo.WebhookDelivery) (credo.WebhookResult, bool) {
	r := credo.WebhookResult{Delivery: d.ID, Webhook: d.Webhook}
	h, err := d.Endpoint, error(nil)
	if h == nil {
		h, err = w.hook(ctx, d.Webhook)
	}
	if err != nil {
		if ctx.Err() == nil {
			w.Logger.Error("webhooks: reading an endpoint", "webhook", d.Webhook, "err", err)
		}
		return r, false
	}
	if !h.DeletedAt.IsZero() {
		r.Delivered = true // nothing more goes to a deleted endpoint
		return r, true
	}
	now := w.Now()
	secrets := Secrets{Current: h.Secret, Previous: h.Previous, PreviousUntil: h.PreviousUntil.Time}
	err = Deliver(ctx, w.client, secrets, Delivery{URL: h.URL, ID: strconv.FormatInt(d.Position, 10), Body: d.Event}, now)
	if ctx.Err() != nil {
		return r, false
	}
	if err == nil {
		r.Delivered = true
		return r, true
	}
	r.At = now
	r.Attempts = d.Attempts + 1
	r.FirstFailedAt = d.FirstFailedAt.Time
	if r.FirstFailedAt.IsZero() {
		r.FirstFailedAt = now
	}
	r.Error = err.Error()
	if f, ok := err.(*Failure); ok {
		r.Status, r.Error = f.Status, f.Reason
	}
	next, dead := NextAttempt(r.FirstFailedAt, now, r.Attempts, mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64())))
	r.NextAt, r.Dead = next, dead || d.Replayed
	return r, true
}

// paused pauses the endpoints that failed for GiveUpAfter, or whose
// delivery became a dead letter, among stored results.
func (w *Worker) paused(ctx context.Context, stored []credo.WebhookResult) {
	ctx = context.WithoutCancel(ctx)
	for _, r := range stored {
		if r.Delivered || r.Released {
			continue
		}
		h, err := w.hook(ctx, r.Webhook)
		if err != nil {
			continue
		}
		failing := h.FailingSince.Time
		if failing.IsZero() {
			failing = r.FirstFailedAt
		}
		if r.Dead || r.At.Sub(failing) >= GiveUpAfter {
			w.pause(ctx, h, r)
		}
	}
}

// pause pauses h and tells its owner, once per pause.
func (w *Worker) pause(ctx context.Context, h *credo.Webhook, r credo.WebhookResult) {
	paused, err := w.Store.PauseWebhook(ctx, h.ID, r.At)
	if err != nil || !paused {
		if err != nil {
			w.Logger.Error("webhooks: pausing", "webhook", h.ID, "err", err)
		}
		return
	}
	w.mu.Lock()
	delete(w.hooks, h.ID)
	w.mu.Unlock()
	w.Logger.Warn("webhooks: endpoint paused", "webhook", h.ID, "url", h.URL, "last_error", r.Error)
	a, err := w.Store.Account(ctx, h.Owner)
	if err != nil {
		w.Logger.Error("webhooks: the owner of a paused endpoint", "webhook", h.ID, "err", err)
		return
	}
	n := &credo.Notice{Audience: credo.WebhookAudience(a), Kind: credo.NoticeWebhookPaused,
		What: "Webhook " + strconv.FormatInt(h.ID, 10) + " (" + h.URL + ") is paused: nothing more is delivered to it until you replay it.",
		Why:  "It has failed for 24 hours; the last attempt: " + r.Error + ".",
		Options: []string{"Fix the receiver, then POST /v1/webhooks/" + strconv.FormatInt(h.ID, 10) +
			"/replay: the dead letters are sent again, then what queued meanwhile, in order."},
		At: credo.NewTime(r.At), Key: "webhook_paused:" + strconv.FormatInt(h.ID, 10) + ":" + strconv.FormatInt(r.At.UnixNano(), 10)}
	if err := w.Store.AddNotices(ctx, []*credo.Notice{n}); err != nil {
		w.Logger.Error("webhooks: telling the owner of a paused endpoint", "webhook", h.ID, "err", err)
	}
}
