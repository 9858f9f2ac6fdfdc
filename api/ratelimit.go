package api

import (
	"math"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/credo-registry/credo"
)

// Rate limits. A request that carries the bearer token of an account or
// authority seen before is counted against that token; any other request
// (no token, or a token not yet known to be valid) against its address,
// so trying made-up tokens spends the address's allowance. Each client
// may burst to twice its rate per second. GET /healthz is not counted.
// Requests from a loopback address are not counted against the address
// (Server.LimitLoopback counts them): there they come from a reverse
// proxy on the same host, which stands for many clients and must do the
// per-address limiting itself, or from the operator's own tools.

// Defaults of the serve command (a Server's zero value does not limit).
const (
	DefaultRatePerAddress = 20   // requests per second from one address
	DefaultRatePerToken   = 1000 // requests per second with one token
)

// eTooManyRequests is the code of a request over its rate limit.
const eTooManyRequests credo.ErrorCode = "too_many_requests"

// maxBuckets bounds the clients the limiter remembers. A full bucket is
// the same as a new one, so the sweep loses nothing; past the bound (many
// addresses at once) an arbitrary client is forgotten.
const maxBuckets = 100_000

// rateLimiter keeps a token bucket per client key.
type rateLimiter struct {
	limit rate.Limit
	burst int

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	swept   time.Time
}

// newRateLimiter returns a limiter of perSecond requests per second, or
// nil (no limit) when perSecond is not positive.
func newRateLimiter(perSecond float64) *rateLimiter {
	if !(perSecond > 0) {
		return nil
	}
	return &rateLimiter{
		limit:   rate.Limit(perSecond),
		burst:   max(1, int(math.Ceil(2*perSecond))),
		buckets: make(map[string]*rate.Limiter),
	}
}

// unlimited is a limiter that lets every request through but still tells
// known clients (tokens proven valid) from others.
func unlimited() *rateLimiter {
	return &rateLimiter{limit: rate.Inf, burst: 1, buckets: make(map[string]*rate.Limiter)}
}

// bucket returns key's bucket; with create false, nil when key has none.
func (l *rateLimiter) bucket(key string, now time.Time, create bool) *rate.Limiter {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b != nil || !create {
		return b
	}
	if len(l.buckets) >= maxBuckets {
		if now.Sub(l.swept) >= time.Second {
			l.swept = now
			for k, b := range l.buckets {
				if b.TokensAt(now) >= float64(l.burst) {
					delete(l.buckets, k)
				}
			}
		}
		for k := range l.buckets {
			if len(l.buckets) < maxBuckets {
				break
			}
			delete(l.buckets, k)
		}
	}
	b = rate.NewLimiter(l.limit, l.burst)
	l.buckets[key] = b
	return b
}

// take spends one request of b: 0 when it may go ahead, else how long
// until it may (and nothing is spent).
func take(b *rate.Limiter, now time.Time) time.Duration {
	r := b.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return d
	}
	return 0
}

// rateLimits is the Server's pair of limiters.
type rateLimits struct {
	address, token *rateLimiter
	loopback       bool // count loopback addresses too
}

// admit decides whether r may go ahead now. When it may not, it returns
// how long to wait and the error to answer; done must be called with the
// request's info once it has been answered.
func (l *rateLimits) admit(r *http.Request, now time.Time) (done func(ri *requestInfo), wait time.Duration, err error) {
	done = func(*requestInfo) {}
	if l == nil || l.address == nil && l.token == nil || r.URL.Path == "/healthz" {
		return done, 0, nil
	}
	tokenKey := ""
	if tok := bearerToken(r); tok != "" && l.token != nil {
		tokenKey = credo.HashToken(tok)
		if b := l.token.bucket(tokenKey, now, false); b != nil {
			if wait := take(b, now); wait > 0 {
				return done, wait, credo.Errorf(eTooManyRequests, "too many requests with this token; retry after %s seconds", retryAfter(wait))
			}
			return done, 0, nil
		}
	}
	if l.address != nil && (l.loopback || !isLoopback(r.RemoteAddr)) {
		if wait := take(l.address.bucket(addressKey(r.RemoteAddr), now, true), now); wait > 0 {
			return done, wait, credo.Errorf(eTooManyRequests, "too many requests from this address; retry after %s seconds", retryAfter(wait))
		}
	}
	if tokenKey != "" {
		// A token proven valid by this request gets its own allowance.
		done = func(ri *requestInfo) {
			if ri.authority != "" {
				l.token.bucket(tokenKey, now, true)
			}
		}
	}
	return done, 0, nil
}

// retryAfter is a Retry-After value: whole seconds, at least 1.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}

// bearerToken is the request's bearer token, "" when it has none.
func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

// addressKey is the client a remote address stands for: the IPv4 address,
// or the /64 network of an IPv6 one (a single host is given a whole /64).
func addressKey(remote string) string {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	a = a.Unmap()
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// isLoopback reports whether a remote address is the host's own.
func isLoopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
