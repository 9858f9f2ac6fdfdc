package api_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/webhooks"
)

// A public address for endpoints (TEST-NET-3: no name to resolve).
const publicHook = "https://203.0.113.10/credo"

func TestWebhooks(t *testing.T) {
	e := newProcessEnv(t)
	client := e.clientAccount()
	org := e.account("huaibei-org", codeHuaibei)
	wl := e.watchlist(client, map[string]any{"name": "供应商"})
	orgList := e.watchlist(org, map[string]any{"name": "自己"})

	// Made with its secret, shown once.
	var made api.WebhookSecret
	e.postJSON("/v1/webhooks", client, map[string]any{"watchlist": wl.ID, "url": publicHook}).wantStatus(http.StatusCreated).decode(&made)
	if made.ID == 0 || made.Watchlist != wl.ID || made.URL != publicHook || !strings.HasPrefix(made.Secret, webhooks.SecretPrefix) {
		t.Fatalf("created %+v", made)
	}
	path := "/v1/webhooks/" + strconv.FormatInt(made.ID, 10)
	// Asked for again, it is not shown: neither by the endpoint nor the list.
	for _, p := range []string{path, "/v1/webhooks"} {
		body := string(e.do("GET", p, client, "", nil).wantStatus(http.StatusOK).body)
		if strings.Contains(body, made.Secret) || strings.Contains(body, `"secret"`) || !strings.Contains(body, publicHook) {
			t.Fatalf("GET %s shows %s", p, body)
		}
	}
	// Another account sees none of it.
	e.do("GET", path, org, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("POST", path+"/replay", org, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)

	// Rotation: a new secret, the old one signing for 24 hours; asking for
	// another within them is refused.
	var rotated api.WebhookSecret
	e.do("POST", path+"/secret", client, "", nil).wantStatus(http.StatusOK).decode(&rotated)
	if rotated.Secret == made.Secret || !strings.HasPrefix(rotated.Secret, webhooks.SecretPrefix) ||
		!rotated.PreviousValidUntil.Equal(e.clock.Now().Add(24*time.Hour)) {
		t.Fatalf("rotated %+v", rotated)
	}
	stored, err := e.store.Webhook(context.Background(), made.ID)
	if err != nil || stored.Secret != rotated.Secret || stored.Previous != made.Secret {
		t.Fatalf("stored %+v, %v", stored, err)
	}
	if p := e.do("POST", path+"/secret", client, "", nil).problem(http.StatusConflict, credo.ECONFLICT); p.Field != "secret" || p.Reason != "rotating" {
		t.Fatalf("second rotation: %+v", p)
	}
	e.advance(24*time.Hour + time.Second)
	e.do("POST", path+"/secret", client, "", nil).wantStatus(http.StatusOK)

	// Bad input: each refused naming its field, nothing made.
	for _, c := range []struct {
		body          map[string]any
		field, reason string
	}{
		{map[string]any{"watchlist": wl.ID, "url": "ftp://203.0.113.10/x"}, "url", "scheme"},
		{map[string]any{"watchlist": wl.ID, "url": "javascript:alert(1)"}, "url", "scheme"},
		{map[string]any{"watchlist": wl.ID, "url": "http://127.0.0.1:8080/hook"}, "url", "address"},
		{map[string]any{"watchlist": wl.ID, "url": "http://[::1]/hook"}, "url", "address"},
		{map[string]any{"watchlist": wl.ID, "url": "http://169.254.169.254/latest/meta-data"}, "url", "address"},
		{map[string]any{"watchlist": wl.ID, "url": "https://10.1.2.3/hook"}, "url", "address"},
		{map[string]any{"watchlist": wl.ID, "url": "https://192.168.1.1/hook"}, "url", "address"},
		{map[string]any{"watchlist": wl.ID, "url": "https://user:pw@203.0.113.10/hook"}, "url", "format"},
		{map[string]any{"watchlist": wl.ID, "url": "https:///nohost"}, "url", "host"},
		{map[string]any{"watchlist": wl.ID, "url": ""}, "url", "required"},
		{map[string]any{"url": publicHook}, "watchlist", "required"},
		{map[string]any{"watchlist": orgList.ID, "url": publicHook}, "watchlist", "not_found"},
		{map[string]any{"watchlist": 99999, "url": publicHook}, "watchlist", "not_found"},
	} {
		p := e.postJSON("/v1/webhooks", client, c.body).problem(http.StatusUnprocessableEntity, credo.EINVALID)
		if p.Field != c.field || p.Reason != c.reason {
			t.Errorf("%v: field %q reason %q (%s), want %s %s", c.body, p.Field, p.Reason, p.Detail, c.field, c.reason)
		}
	}
	e.postJSON("/v1/webhooks", client, map[string]any{"watchlist": wl.ID, "url": publicHook, "secret": "whsec_x"}).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	var list api.WebhookList
	e.do("GET", "/v1/webhooks", client, "", nil).wantStatus(http.StatusOK).decode(&list)
	if len(list.Webhooks) != 1 || list.Webhooks[0].ID != made.ID {
		t.Fatalf("after bad input: %+v", list)
	}

	// Dead letters: listed by page, replayed (the endpoint resumed).
	ctx := context.Background()
	ds := []*credo.WebhookDelivery{}
	for i := range 3 {
		ds = append(ds, &credo.WebhookDelivery{Webhook: made.ID, Position: int64(i + 1), Subject: codeHuaibei,
			Event: []byte(`{"id":"` + strconv.Itoa(i+1) + `"}`), NextAt: credo.NewTime(e.clock.Now())})
	}
	cursor, _ := e.store.WebhookCursor(ctx)
	if err := e.store.EnqueueWebhookDeliveries(ctx, cursor, cursor, ds); err != nil {
		t.Fatal(err)
	}
	claimed, err := e.store.ClaimWebhookDeliveries(ctx, nil, "test", e.clock.Now(), time.Minute, 10, 1)
	if err != nil || len(claimed) != 1 || claimed[0].Position != 1 {
		t.Fatalf("claimed %+v, %v: only the first of an organization", claimed, err)
	}
	now := e.clock.Now()
	var results []credo.WebhookResult
	for _, d := range ds {
		results = append(results, credo.WebhookResult{Delivery: d.ID, Webhook: made.ID, Attempts: 9, FirstFailedAt: now.Add(-25 * time.Hour),
			NextAt: now, Status: 500, Error: "answered 500", Dead: true, At: now})
	}
	if err := e.store.FinishWebhookDeliveries(ctx, results); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.PauseWebhook(ctx, made.ID, now); err != nil {
		t.Fatal(err)
	}
	var page api.DeadLetters
	e.do("GET", path+"/dead-letters?limit=2", client, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.DeadLetters) != 2 || page.Next != page.DeadLetters[1].ID || page.DeadLetters[0].LastStatus != 500 || page.DeadLetters[0].Attempts != 9 {
		t.Fatalf("dead letters %+v", page)
	}
	after := page.Next
	page = api.DeadLetters{}
	e.do("GET", path+"/dead-letters?limit=2&after="+strconv.FormatInt(after, 10), client, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.DeadLetters) != 1 || page.Next != 0 || page.DeadLetters[0].Position != 3 {
		t.Fatalf("second page %+v", page)
	}
	e.do("GET", path+"/dead-letters?after=x", client, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	e.do("GET", path+"/dead-letters?limit=0", client, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	var got credo.Webhook
	e.do("GET", path, client, "", nil).wantStatus(http.StatusOK).decode(&got)
	if got.PausedAt.IsZero() || got.DeadLetters != 3 {
		t.Fatalf("paused webhook %+v", got)
	}
	var rep api.Replay
	e.do("POST", path+"/replay", client, "", nil).wantStatus(http.StatusOK).decode(&rep)
	if rep.Replayed != 3 || !rep.Webhook.PausedAt.IsZero() || rep.Webhook.DeadLetters != 0 {
		t.Fatalf("replay %+v", rep)
	}

	// Deleted: gone for its owner, and nothing more delivered to it.
	e.do("DELETE", path, client, "", nil).wantStatus(http.StatusNoContent)
	e.do("GET", path, client, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("DELETE", path, client, "", nil).problem(http.StatusNotFound, credo.ENOTFOUND)
	e.do("GET", "/v1/webhooks/x", client, "", nil).problem(http.StatusUnprocessableEntity, credo.EINVALID)
	if claimed, _ := e.store.ClaimWebhookDeliveries(ctx, nil, "test", e.clock.Now().Add(time.Hour), time.Minute, 10, 1); len(claimed) != 0 {
		t.Fatalf("claimed for a deleted endpoint: %+v", claimed)
	}
}

// A client's paused webhook is told in the client's own inbox.
func TestClientNotices(t *testing.T) {
	e := newProcessEnv(t)
	var na struct {
		Account credo.Account `json:"account"`
		Token   string        `json:"token"`
	}
	e.postJSON("/v1/admin/accounts", adminToken, map[string]any{"role": "client"}).wantStatus(http.StatusCreated).decode(&na)
	e.advance(time.Second) // a client's id is made of the time
	other := e.clientAccount()
	n := &credo.Notice{Audience: credo.WebhookAudience(&na.Account), Kind: credo.NoticeWebhookPaused, What: "Webhook 1 is paused.", Why: "It has failed for 24 hours.",
		At: credo.NewTime(e.clock.Now())}
	if err := e.store.AddNotices(context.Background(), []*credo.Notice{n}); err != nil {
		t.Fatal(err)
	}
	var page credo.NoticePage
	e.do("GET", "/v1/me/notices", na.Token, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Notices) != 1 || page.Notices[0].Kind != credo.NoticeWebhookPaused {
		t.Fatalf("client's notices %+v", page)
	}
	e.do("GET", "/v1/me/notices", other, "", nil).wantStatus(http.StatusOK).decode(&page)
	if len(page.Notices) != 0 {
		t.Fatalf("another client's notices %+v", page)
	}
}
