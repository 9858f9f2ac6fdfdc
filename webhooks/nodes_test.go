package webhooks_test

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/store/postgres/pgtest"
	"github.com/credo-registry/credo/uscc"
	"github.com/credo-registry/credo/visibility"
	"github.com/credo-registry/credo/webhooks"
)

// Three nodes on one PostgreSQL share the deliveries: each event reaches
// the receiver once, each organization's in order, and what a killed node
// had claimed is taken over when its lease runs out.
func TestThreeNodesShareDeliveries(t *testing.T) {
	dsn := pgtest.DSN(t)
	schema := pgtest.Schema(t, dsn)
	nodes := []credo.Store{pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema), pgtest.OpenSchema(t, dsn, schema)}
	s := nodes[0]
	ctx := context.Background()
	recv := newReceiver(t, time.Now)
	client := &credo.Account{ID: "monitor", Role: credo.RoleClient, CreatedAt: credo.NewTime(time.Now())}
	if err := s.CreateAccount(ctx, client, credo.HashToken("credo_test_monitor")); err != nil {
		t.Fatal(err)
	}
	wl := &credo.Watchlist{Owner: client.ID, Name: "供应商", Types: []string{}, CreatedAt: credo.NewTime(time.Now())}
	if err := s.CreateWatchlist(ctx, wl); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for i := range 12 {
		c, err := uscc.Build('9', '1', "110101", fmt.Sprintf("MA%06d", i+1))
		if err != nil {
			t.Fatal(err)
		}
		codes = append(codes, c)
	}
	if err := s.ChangeWatchlistMembers(ctx, wl.ID, codes[:10], nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	hook := &credo.Webhook{Owner: client.ID, Watchlist: wl.ID, URL: recv.URL, Secret: webhooks.NewSecret(), CreatedAt: credo.NewTime(time.Now())}
	if err := s.CreateWebhook(ctx, hook); err != nil {
		t.Fatal(err)
	}
	recv.secret = hook.Secret
	policy := visibility.New(nil, nil)
	worker := func(i int) *webhooks.Worker {
		return &webhooks.Worker{Store: nodes[i].(webhooks.Store), Feed: events.NewFeed(nodes[i].(events.Store), policy, "credo", nil),
			Network: webhooks.Network{AllowPrivate: true}, Node: "node-" + strconv.Itoa(i), Timeout: time.Second, Lease: 3 * time.Second,
			Poll: 20 * time.Millisecond, Concurrency: 4}
	}
	appendSome := func(round, n int) {
		var cs []*credo.Change
		for i := range n {
			code := codes[i%len(codes)]
			cs = append(cs, &credo.Change{Type: credo.ChangeRegistrationChanged, Subject: code, Ref: strconv.Itoa(round*1000 + i),
				At: credo.NewTime(time.Now()), Data: []byte(`{"version":1,"authority":"bj-amr","name":"北京某某科技有限公司"}`)})
		}
		if _, err := s.AppendChanges(ctx, cs); err != nil {
			t.Fatal(err)
		}
	}
	// A node claims deliveries and is killed before sending them.
	appendSome(0, 60)
	if _, err := worker(2).Queue(ctx); err != nil {
		t.Fatal(err)
	}
	claimed, err := nodes[2].ClaimWebhookDeliveries(ctx, nil, "killed", time.Now(), 3*time.Second, 5, 1)
	if err != nil || len(claimed) != 5 {
		t.Fatalf("claimed %d, %v", len(claimed), err)
	}
	for i := range nodes {
		run(t, worker(i))
	}
	for round := 1; round <= 4; round++ {
		appendSome(round, 60)
		time.Sleep(100 * time.Millisecond)
	}
	want := 5 * 60 * 10 / 12
	eventually(t, "every delivery", func() bool { return len(recv.received()) >= want })
	time.Sleep(500 * time.Millisecond)
	got := recv.received()
	seen := map[string]bool{}
	last := map[string]int{}
	for _, d := range got {
		if seen[d.id] {
			t.Errorf("event %s delivered twice", d.id)
		}
		seen[d.id] = true
		p, _ := strconv.Atoi(d.id)
		if p < last[d.subject] {
			t.Errorf("%s: event %d after %d", d.subject, p, last[d.subject])
		}
		last[d.subject] = p
		if d.subject == codes[10] || d.subject == codes[11] {
			t.Errorf("delivered an unwatched organization's event %+v", d)
		}
	}
	for _, c := range claimed {
		if !seen[strconv.FormatInt(c.Position, 10)] {
			t.Errorf("the killed node's claim of event %d was not taken over", c.Position)
		}
	}
	if len(got) != want || recv.unsigned != 0 {
		t.Fatalf("received %d deliveries (unsigned %d), want %d", len(got), recv.unsigned, want)
	}
}
