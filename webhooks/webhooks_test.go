package webhooks_test

import (
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/webhooks"
)

// The Standard Webhooks specification's example.
func TestSignatureOfTheSpecification(t *testing.T) {
	sig, err := webhooks.Signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil || sig != "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=" {
		t.Fatalf("Signature = %q, %v", sig, err)
	}
}

func TestSignAndVerify(t *testing.T) {
	now := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	body := []byte(`{"specversion":"1.0","id":"42"}`)
	s := webhooks.Secrets{Current: webhooks.NewSecret()}
	if !strings.HasPrefix(s.Current, "whsec_") || webhooks.NewSecret() == s.Current {
		t.Fatalf("NewSecret = %q", s.Current)
	}
	h := http.Header{}
	if err := s.Sign(h, "42", now, body); err != nil {
		t.Fatal(err)
	}
	if err := webhooks.Verify(s.Current, h, body, now.Add(time.Minute)); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	for name, c := range map[string]struct {
		secret string
		body   string
		at     time.Time
		field  string
	}{
		"another body":   {s.Current, `{"id":"43"}`, now, webhooks.HeaderSignature},
		"another secret": {webhooks.NewSecret(), string(body), now, webhooks.HeaderSignature},
		"too late":       {s.Current, string(body), now.Add(6 * time.Minute), webhooks.HeaderTimestamp},
		"too early":      {s.Current, string(body), now.Add(-6 * time.Minute), webhooks.HeaderTimestamp},
		"no prefix":      {"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", string(body), now, "secret"},
	} {
		err := webhooks.Verify(c.secret, h, []byte(c.body), c.at)
		if e := credo.AsError(err); e == nil || e.Field != c.field {
			t.Errorf("%s: Verify = %v, want an error about %s", name, err, c.field)
		}
	}

	// Rotation: both secrets verify for RotationGrace, then the old one no more.
	rotated, fresh := s.Rotate(now)
	if fresh == s.Current || rotated.Current != fresh || rotated.Previous != s.Current {
		t.Fatalf("Rotate: %+v", rotated)
	}
	for _, c := range []struct {
		at       time.Time
		oldValid bool
	}{{now.Add(time.Hour), true}, {now.Add(webhooks.RotationGrace - time.Second), true}, {now.Add(webhooks.RotationGrace), false}} {
		h := http.Header{}
		if err := rotated.Sign(h, "43", c.at, body); err != nil {
			t.Fatal(err)
		}
		if err := webhooks.Verify(fresh, h, body, c.at); err != nil {
			t.Errorf("at %s the new secret: %v", c.at, err)
		}
		if err := webhooks.Verify(s.Current, h, body, c.at); (err == nil) != c.oldValid {
			t.Errorf("at %s the old secret: %v, want valid %v", c.at, err, c.oldValid)
		}
	}
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	strict, open := webhooks.Network{}, webhooks.Network{AllowPrivate: true}
	for _, c := range []struct {
		url    string
		reason string // "" when strict accepts it
	}{
		{"ftp://example.com/hook", "scheme"},
		{"javascript:alert(1)", "scheme"},
		{"https:///hook", "host"},
		{"http://user:pw@8.8.8.8/hook", "format"},
		{"http://127.0.0.1:8080/hook", "address"},
		{"http://localhost/hook", "address"},
		{"http://[::1]/hook", "address"},
		{"http://169.254.169.254/latest/meta-data", "address"},
		{"http://10.1.2.3/hook", "address"},
		{"http://192.168.0.1/hook", "address"},
		{"http://172.16.5.4/hook", "address"},
		{"http://[fd00::1]/hook", "address"},
		{"http://0.0.0.0/hook", "address"},
		{"https://8.8.8.8/hook", ""},
	} {
		err := strict.CheckURL(ctx, c.url)
		e := credo.AsError(err)
		switch {
		case c.reason == "" && err != nil:
			t.Errorf("%s: %v", c.url, err)
		case c.reason != "" && (e == nil || e.Field != "url" || e.Reason != c.reason):
			t.Errorf("%s: %v, want url %s", c.url, err, c.reason)
		}
	}
	if err := open.CheckURL(ctx, "http://127.0.0.1:8080/hook"); err != nil {
		t.Errorf("allowed private: %v", err)
	}
	if err := open.CheckURL(ctx, "file:///etc/passwd"); credo.AsError(err) == nil {
		t.Errorf("allowed private takes file: %v", err)
	}
}

func TestDeliver(t *testing.T) {
	secrets := webhooks.Secrets{Current: webhooks.NewSecret()}
	body := []byte(`{"specversion":"1.0","id":"7","type":"credo.grade.changed"}`)
	var got []byte
	var gotHeader http.Header
	mux := http.NewServeMux()
	mux.HandleFunc("POST /ok", func(w http.ResponseWriter, r *http.Request) {
		got, _ = io.ReadAll(r.Body)
		gotHeader = r.Header.Clone()
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /500", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	mux.HandleFunc("POST /redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/ok", http.StatusTemporaryRedirect) })
	release := make(chan struct{})
	mux.HandleFunc("POST /slow", func(w http.ResponseWriter, r *http.Request) { <-release })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	defer close(release)
	now := time.Now()

	allowed := webhooks.Network{AllowPrivate: true}.Client(200 * time.Millisecond)
	if err := webhooks.Deliver(context.Background(), allowed, secrets, webhooks.Delivery{URL: srv.URL + "/ok", ID: "7", Body: body}, now); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if string(got) != string(body) || gotHeader.Get("Content-Type") != "application/json" || gotHeader.Get("webhook-id") != "7" {
		t.Fatalf("received %s with %v", got, gotHeader)
	}
	if err := webhooks.Verify(secrets.Current, gotHeader, got, now); err != nil {
		t.Fatalf("the receiver cannot verify: %v", err)
	}
	for path, status := range map[string]int{"/500": 500, "/redirect": 307, "/slow": 0, "/missing": 404} {
		err := webhooks.Deliver(context.Background(), allowed, secrets, webhooks.Delivery{URL: srv.URL + path, ID: "7", Body: body}, now)
		f, ok := err.(*webhooks.Failure)
		if !ok || f.Status != status {
			t.Errorf("%s: %v, want a failure with status %d", path, err, status)
		}
	}
	// The default network refuses the loopback receiver when connecting.
	strict := webhooks.Network{}.Client(time.Second)
	if err := webhooks.Deliver(context.Background(), strict, secrets, webhooks.Delivery{URL: srv.URL + "/ok", ID: "8", Body: body}, now); err == nil {
		t.Error("delivered to a loopback address without AllowPrivate")
	}
	if string(gotHeader.Get("webhook-id")) != "7" {
		t.Error("the refused delivery reached the receiver")
	}
}

func TestNextAttempt(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	first := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	now, prev := first, time.Duration(0)
	for attempt := 1; ; attempt++ {
		next, dead := webhooks.NextAttempt(first, now, attempt, r)
		wait := next.Sub(now)
		ceiling := min(webhooks.MaxWait, webhooks.FirstRetry<<(attempt-1))
		if attempt > 20 {
			ceiling = webhooks.MaxWait
		}
		if wait > ceiling || wait < ceiling*3/4 {
			t.Fatalf("attempt %d: wait %s, want within [%s, %s]", attempt, wait, ceiling*3/4, ceiling)
		}
		if attempt < 8 && wait <= prev/2 {
			t.Fatalf("attempt %d: wait %s after %s does not grow", attempt, wait, prev)
		}
		if dead {
			if next.Sub(first) <= webhooks.GiveUpAfter {
				t.Fatalf("dead at attempt %d, %s after the first failure", attempt, next.Sub(first))
			}
			break
		}
		if attempt > 100 {
			t.Fatal("never dead")
		}
		now, prev = next, wait
	}
}
