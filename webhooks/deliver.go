package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/credo-registry/credo"
)

// Network says where deliveries may go. The zero value refuses loopback,
// link-local, private and unspecified addresses, so that a watchlist's
// owner cannot reach the registry's own network; an operator who runs
// receivers there allows them (credo serve --webhooks-allow-private).
type Network struct {
	AllowPrivate bool
}

// blocked reports why ip may not be reached ("" when it may).
func (n Network) blocked(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case n.AllowPrivate:
		return ""
	case ip.IsLoopback():
		return "loopback"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "link-local"
	case ip.IsPrivate():
		return "private"
	case ip.IsUnspecified(), ip.IsMulticast():
		return "unspecified or multicast"
	}
	return ""
}

// CheckURL checks an endpoint's URL as given: http or https, a host, no
// user information, and every address the host resolves to reachable
// under n. Each error names the field "url" and says why.
func (n Network) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return credo.FieldError("url", "format", "the URL cannot be read: %v", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return credo.FieldError("url", "scheme", "a webhook URL is http or https, not %q", u.Scheme)
	}
	if u.Hostname() == "" {
		return credo.FieldError("url", "host", "a webhook URL needs a host")
	}
	if u.User != nil {
		return credo.FieldError("url", "format", "a webhook URL carries no user or password")
	}
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		return credo.FieldError("url", "host", "the host %s does not resolve", u.Hostname())
	}
	for _, a := range addrs {
		if why := n.blocked(a); why != "" {
			return credo.FieldError("url", "address", "the host %s resolves to %s, a %s address", u.Hostname(), a.Unmap(), why)
		}
	}
	return nil
}

// Client returns the HTTP client of deliveries: it follows no redirect,
// gives up after timeout, and checks each address it connects to (the
// name may resolve otherwise than when the URL was checked).
func (n Network) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return err
		}
		if why := n.blocked(ap.Addr()); why != "" {
			return fmt.Errorf("webhooks: %s is a %s address", ap.Addr(), why)
		}
		return nil
	}}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: timeout, ResponseHeaderTimeout: timeout,
		MaxIdleConnsPerHost: 4, IdleConnTimeout: time.Minute}
	return &http.Client{Transport: tr, Timeout: timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// DefaultTimeout bounds one delivery attempt, answer included: a slower
// receiver has failed.
const DefaultTimeout = 10 * time.Second

// Delivery is one event for one endpoint.
type Delivery struct {
	URL  string
	ID   string // the event's id: what a receiver deduplicates by
	Body []byte // the CloudEvents JSON
}

// Failure is why an attempt failed: the receiver's status (0 when it
// never answered) and what happened.
type Failure struct {
	Status int
	Reason string
}

func (f *Failure) Error() string { return "webhooks: delivery failed: " + f.Reason }

// Deliver makes one attempt: a POST of d.Body as application/json,
// signed under secrets at now. Only a 2xx answer within the client's
// timeout succeeds; a redirect (not followed), any other status, a
// timeout or a refused address is a *Failure.
func Deliver(ctx context.Context, c *http.Client, secrets Secrets, d Delivery, now time.Time) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return &Failure{Reason: "the URL cannot be requested: " + err.Error()}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "credo-webhooks/1")
	if err := secrets.Sign(req.Header, d.ID, now, d.Body); err != nil {
		return err
	}
	res, err := c.Do(req)
	if err != nil {
		reason := "no answer: " + err.Error()
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			reason = "no answer in time"
		}
		return &Failure{Reason: reason}
	}
	defer res.Body.Close()
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10)) // reuse the connection
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
		return nil
	case res.StatusCode >= 300 && res.StatusCode < 400:
		return &Failure{Status: res.StatusCode, Reason: fmt.Sprintf("redirected (%d), which is not followed", res.StatusCode)}
	}
	return &Failure{Status: res.StatusCode, Reason: fmt.Sprintf("answered %d", res.StatusCode)}
}

// Retry schedule: exponential from FirstRetry, with jitter, each wait at
// most MaxWait; after GiveUpAfter of failing the delivery is a dead
// letter and the endpoint is paused.
const (
	FirstRetry  = 5 * time.Second
	MaxWait     = 2 * time.Hour
	GiveUpAfter = 24 * time.Hour
)

// NextAttempt returns when to try again after the attempt-th failure
// (1 for the first) of a delivery that first failed at firstFailure, or
// dead when the next try would fall beyond GiveUpAfter of it. The wait
// is FirstRetry·2^(attempt-1), at most MaxWait, less up to a quarter at
// random (jitter, so that receivers back from an outage are not hit by
// every delivery at once).
func NextAttempt(firstFailure, now time.Time, attempt int, r *rand.Rand) (next time.Time, dead bool) {
	wait := MaxWait
	if attempt < 32 {
		wait = min(MaxWait, FirstRetry<<(max(attempt, 1)-1))
	}
	wait -= time.Duration(r.Int64N(int64(wait/4) + 1))
	next = now.Add(wait)
	return next, next.Sub(firstFailure) > GiveUpAfter
}
