package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credo-registry/credo/webhooks"
)

// hookReceiver is a real HTTP receiver of webhooks: it checks each
// delivery's signature and keeps, per organization, the event ids in the
// order they arrived (duplicates included: delivery is at least once).
type hookReceiver struct {
	*httptest.Server
	secret atomic.Pointer[string]
	mu     sync.Mutex
	got    map[string][]int64
	types  map[int64]string
	data   map[int64]json.RawMessage
	bad    int
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{got: map[string][]int64{}, types: map[int64]string{}, data: map[int64]json.RawMessage{}}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		secret := r.secret.Load()
		if secret == nil || webhooks.Verify(*secret, req.Header, body, time.Now()) != nil {
			r.mu.Lock()
			r.bad++
			r.mu.Unlock()
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var e struct {
			ID      string          `json:"id"`
			Type    string          `json:"type"`
			Subject string          `json:"subject"`
			Data    json.RawMessage `json:"data"`
		}
		var id int64
		if json.Unmarshal(body, &e) != nil || e.ID != req.Header.Get("webhook-id") {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Sscan(e.ID, &id)
		r.mu.Lock()
		r.got[e.Subject] = append(r.got[e.Subject], id)
		r.types[id], r.data[id] = e.Type, e.Data
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.Close)
	return r
}

// firsts is each organization's event ids in the order they first came.
func (r *hookReceiver) firsts() map[string][]int64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]int64{}
	for code, ids := range r.got {
		seen := map[int64]bool{}
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				out[code] = append(out[code], id)
			}
		}
	}
	return out
}

// TestWebhooksSurviveKills: a client watches eight organizations with a
// webhook at a real receiver; records are submitted for ten while the
// server is killed (SIGKILL) at random moments and started again. Every
// committed event the client may see of the watched organizations reaches
// the receiver, signed, in order per organization; nothing else does.
func TestWebhooksSurviveKills(t *testing.T) {
	for _, backend := range []string{"sqlite", "postgres"} {
		t.Run(backend, func(t *testing.T) {
			var where []string
			if backend == "sqlite" {
				where = []string{"--data", t.TempDir()}
			} else {
				where = []string{"--db", freshSchema(t)}
			}
			webhooksSurviveKills(t, where)
		})
	}
}

// freshSchema migrates a schema of its own on the test server and
// returns its URL.
func freshSchema(t *testing.T) string {
	db, _ := pgRegistry(t)
	if out, _, err := run(t, "", "migrate", "--db", db); err != nil {
		t.Fatalf("migrate: %v %s", err, out)
	}
	return db
}

func webhooksSurviveKills(t *testing.T, where []string) {
	out, _, err := run(t, "", append([]string{"authority", "add", "--id", "bj-amr", "--name", "北京市市场监督管理局",
		"--divisions", "11", "--categories", "market"}, where...)...)
	if err != nil {
		t.Fatal(err)
	}
	token := lastLine(out)
	out, _, err = run(t, "", append([]string{"account", "add", "--role", "client", "--id", "monitor", "--name", "采购监测"}, where...)...)
	if err != nil {
		t.Fatal(err)
	}
	client := lastLine(out)
	keyFile := t.TempDir() + "/person-key"
	args := append([]string{"--webhooks-allow-private", "--person-key-file", keyFile}, where...)
	env := []string{"CREDO_WEBHOOKS_LEASE=3s"}
	n := startNodeEnv(t, env, args...)
	var base atomic.Pointer[string]
	base.Store(&n.url)

	codes := beijingCodes(t, 10)
	watched := codes[:8]
	status, wl := request(t, "POST", n.url+"/v1/watchlists", client, "application/json", `{"name":"供应商"}`)
	if status != 201 {
		t.Fatalf("watchlist: %d %v", status, wl)
	}
	wlID := int64(wl["id"].(float64))
	members, _ := json.Marshal(map[string]any{"codes": watched})
	if status, body := request(t, "POST", fmt.Sprintf("%s/v1/watchlists/%d/members", n.url, wlID), client, "application/json", string(members)); status != 200 {
		t.Fatalf("members: %d %v", status, body)
	}
	recv := newHookReceiver(t)
	status, hook := request(t, "POST", n.url+"/v1/webhooks", client, "application/json",
		fmt.Sprintf(`{"watchlist":%d,"url":%q}`, wlID, recv.URL+"/credo"))
	if status != 201 || hook["secret"] == nil {
		t.Fatalf("webhook: %d %v", status, hook)
	}
	secret := hook["secret"].(string)
	recv.secret.Store(&secret)

	// The load: one writer per organization, each record in its own
	// request, until stopped; the node may be down or replaced meanwhile.
	seed := rand.Uint64()
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var acked sync.Map // record id -> code
	httpc := &http.Client{Timeout: 5 * time.Second}
	for i, code := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; ; b++ {
				select {
				case <-stop:
					return
				default:
				}
				line := fmt.Sprintf(`{"subject":%q,"category":"market","kind":"penalty","external_id":"W%d-%d","decision_number":"京东市监罚〔2026〕%d号","legal_basis":"《中华人民共和国产品质量法》第五十条","description":"销售不合格产品","severity":"general","penalty_types":["warning","fine"],"amount":5000,"occurred_at":"2026-03-02T08:00:00Z"}`,
					code, i, b, i*10000+b)
				req, _ := http.NewRequest("POST", *base.Load()+"/v1/records", strings.NewReader(line))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := httpc.Do(req)
				if err != nil {
					time.Sleep(20 * time.Millisecond)
					continue
				}
				var r struct {
					ID int64 `json:"id"`
				}
				json.NewDecoder(resp.Body).Decode(&r)
				resp.Body.Close()
				if resp.StatusCode/100 == 2 && r.ID > 0 {
					acked.Store(r.ID, code)
				}
			}
		}()
	}
	for k := 0; k < 3; k++ {
		time.Sleep(time.Duration(300+rng.IntN(1200)) * time.Millisecond)
		n.kill()
		n = startNodeEnv(t, env, args...)
		base.Store(&n.url)
	}
	time.Sleep(time.Duration(300+rng.IntN(700)) * time.Millisecond)
	close(stop)
	wg.Wait()

	// What the client may see of the watched organizations, committed.
	q := url.Values{"subjects": {strings.Join(watched, ",")}, "limit": {"1000"}}
	want := map[string][]int64{}
	total := 0
	for after := "0"; ; {
		q.Set("after", after)
		status, page := request(t, "GET", n.url+"/v1/events?"+q.Encode(), client, "", "")
		if status != 200 {
			t.Fatalf("events: %d %v", status, page)
		}
		for _, e := range page["events"].([]any) {
			m := e.(map[string]any)
			var id int64
			fmt.Sscan(m["id"].(string), &id)
			want[m["subject"].(string)] = append(want[m["subject"].(string)], id)
			total++
		}
		next := fmt.Sprint(int64(page["next"].(float64)))
		if next == after {
			break
		}
		after = next
	}
	// Every acknowledged record of a watched organization is among them.
	ackedWatched := 0
	acked.Range(func(k, v any) bool {
		if slices.Contains(watched, v.(string)) {
			ackedWatched++
		}
		return true
	})
	if ackedWatched == 0 || total < ackedWatched {
		t.Fatalf("%d events the client sees, %d acknowledged records of watched organizations", total, ackedWatched)
	}
	deadline := time.Now().Add(3 * patience(t))
	for {
		got := recv.firsts()
		missing := 0
		for code, ids := range want {
			if len(got[code]) < len(ids) {
				missing += len(ids) - len(got[code])
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d events never arrived", missing, total)
		}
		time.Sleep(50 * time.Millisecond)
	}
	got := recv.firsts()
	for code, ids := range want {
		if fmt.Sprint(got[code]) != fmt.Sprint(ids) {
			t.Errorf("%s: received %v, committed %v", code, got[code], ids)
		}
	}
	for code := range got {
		if _, ok := want[code]; !ok {
			t.Errorf("received events of %s, which is not watched", code)
		}
	}
	// Each acknowledged record of a watched organization came as its
	// record.accepted event.
	recv.mu.Lock()
	delivered := map[int64]bool{}
	for id, typ := range recv.types {
		var d struct {
			Record int64 `json:"record"`
		}
		if typ == "credo.record.accepted" && json.Unmarshal(recv.data[id], &d) == nil {
			delivered[d.Record] = true
		}
	}
	recv.mu.Unlock()
	acked.Range(func(k, v any) bool {
		if slices.Contains(watched, v.(string)) && !delivered[k.(int64)] {
			t.Errorf("acknowledged record %d of %s was never delivered", k, v)
		}
		return true
	})
	dups := 0
	recv.mu.Lock()
	for _, ids := range recv.got {
		for range ids {
			dups++
		}
	}
	recv.mu.Unlock()
	t.Logf("%d events delivered (%d deliveries, so %d again after a kill), %d acknowledged records of watched organizations; bad signatures %d",
		total, dups, dups-total, ackedWatched, recv.bad)
	if recv.bad != 0 {
		t.Fatalf("%d deliveries failed the signature check", recv.bad)
	}
}
