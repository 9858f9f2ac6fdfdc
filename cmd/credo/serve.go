package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/api"
	"github.com/credo-registry/credo/dueprocess"
	"github.com/credo-registry/credo/events"
	"github.com/credo-registry/credo/grading"
	"github.com/credo-registry/credo/internal/periodic"
	"github.com/credo-registry/credo/partners"
	"github.com/credo-registry/credo/pipeline"
	"github.com/credo-registry/credo/screening"
	"github.com/credo-registry/credo/search"
	"github.com/credo-registry/credo/web"
	"github.com/credo-registry/credo/webhooks"
)

type serveFlags struct {
	storeFlags
	addr      string
	publicURL string
	limitFlags
	ledgerFlags
	webhooksAllowPrivate bool
}

func (m *Main) serveFlagSet(name string, f *serveFlags) *flag.FlagSet {
	fs := m.newFlags(name, &f.storeFlags)
	fs.StringVar(&f.addr, "addr", m.env("CREDO_ADDR", "127.0.0.1:8080"), "address to listen on")
	m.addPublicURLFlag(fs, f)
	m.addLimitFlags(fs, &f.limitFlags)
	m.addLedgerFlags(fs, &f.ledgerFlags)
	m.addWebhookFlags(fs, f)
	return fs
}

// addWebhookFlags adds what the operator says of webhook deliveries.
func (m *Main) addWebhookFlags(fs *flag.FlagSet, f *serveFlags) {
	fs.BoolVar(&f.webhooksAllowPrivate, "webhooks-allow-private", false, "let webhooks reach loopback, link-local and private addresses (receivers on the operator's own network; tests)")
}

// limitFlags bound what clients may take of the server (docs/SECURITY.md).
type limitFlags struct {
	rateAddress, rateToken float64
	maxConns, maxConnsAddr int
	maxStreams             int
	envErr                 error // an environment variable that is no number
}

func (m *Main) addLimitFlags(fs *flag.FlagSet, f *limitFlags) {
	num := func(key string, def float64) float64 {
		v := m.Getenv(key)
		if v == "" {
			return def
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 {
			f.envErr = &exitError{code: 2, msg: fmt.Sprintf("%s=%q: must be a number, 0 or more", key, v)}
			return def
		}
		return n
	}
	fs.Float64Var(&f.rateAddress, "rate-address", num("CREDO_RATE_ADDRESS", api.DefaultRatePerAddress), "requests per second from one address, loopback excepted, of requests without a known token (bursts of twice as many; 0: no limit)")
	fs.Float64Var(&f.rateToken, "rate-token", num("CREDO_RATE_TOKEN", api.DefaultRatePerToken), "requests per second with one valid token (bursts of twice as many; 0: no limit)")
	fs.IntVar(&f.maxConns, "max-connections", int(num("CREDO_MAX_CONNECTIONS", api.DefaultMaxConnections)), "connections open at once (0: no limit)")
	fs.IntVar(&f.maxConnsAddr, "max-connections-per-address", int(num("CREDO_MAX_CONNECTIONS_PER_ADDRESS", api.DefaultMaxConnectionsPerAddress)), "connections open at once from one address, loopback excepted (0: no limit)")
	fs.IntVar(&f.maxStreams, "max-streams", int(num("CREDO_MAX_STREAMS", api.DefaultMaxStreams)), "event streams open at once")
}

// check refuses a limit that is no number or negative.
func (f *limitFlags) check() error {
	if f.envErr != nil {
		return f.envErr
	}
	if f.rateAddress < 0 || f.rateToken < 0 || f.maxConns < 0 || f.maxConnsAddr < 0 || f.maxStreams < 0 {
		return &exitError{code: 2, msg: "--rate-address, --rate-token, --max-connections, --max-connections-per-address and --max-streams must be 0 or more"}
	}
	return nil
}

func (m *Main) serve(ctx context.Context, args []string) error {
	var f serveFlags
	fs := m.serveFlagSet("serve", &f)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := f.check(); err != nil {
		return err
	}
	store, err := m.openOrCreate(ctx, f.storeFlags)
	if err != nil {
		return err
	}
	defer store.Close()
	return m.listenAndServe(ctx, store, f, nil)
}

// listenAndServe serves store's API on addr; announce, when set, is called
// with the base URL once the listener is open (before Ready).
func (m *Main) listenAndServe(ctx context.Context, store credo.Store, f serveFlags, announce func(url string)) error {
	addr := f.addr
	cfg, err := m.pipelineConfig(ctx, store, m.Stderr)
	if err != nil {
		return err
	}
	if cfg.Keyer, err = m.personKeyer(ctx, store, f.storeFlags); err != nil {
		return err
	}
	// One clock for every service, which never goes back: what is recorded
	// keeps its order when the wall clock is stepped back.
	clock := credo.NewClock(m.Now)
	cfg.Now = clock.Now
	// The name matcher's index: every name the store holds, then every
	// registration this node accepts, and those other nodes accept, read
	// from the change log after the head read before loading
	// (docs/MATCHING.md).
	head, err := store.Head(ctx)
	if err != nil {
		return err
	}
	names := search.NewIndex()
	if err := names.Load(ctx, store); err != nil {
		return err
	}
	cfg.Registered = names.Put
	logger := slog.New(slog.NewJSONHandler(m.Stderr, nil))
	cfg.Logger = logger
	go names.Follow(ctx, store, head, 0, logger)
	if fp := m.Getenv("CREDO_FAILPOINT"); fp != "" {
		// Crash tests only: the process kills itself (SIGKILL) at the named
		// step of a write, as a power cut would stop it there.
		cfg.Failpoint = func(step string) {
			if step == fp {
				if self, err := os.FindProcess(os.Getpid()); err == nil {
					self.Kill()
				}
				select {}
			}
		}
	}
	pl := pipeline.New(cfg)
	in, g, p := pl.Ingester, pl.Grading, pl.Process
	a := api.New(store, in, logger)
	a.Process = p
	a.Matcher = names
	// Screenings: jobs stored by an earlier run resume now.
	sc := screening.New(store, names, p, clock.Now)
	sc.Logger = logger
	sc.Run(ctx)
	if err := sc.Resume(ctx); err != nil {
		return err
	}
	defer sc.Wait()
	a.Screening = sc
	// Partners' walks read organizations' ties from memory, kept current
	// by the change log whoever writes (docs/ARCHITECTURE.md).
	ties := partners.NewAdjacencyCache(store, partners.DefaultCacheRows)
	go ties.Follow(ctx, 0, logger)
	a.Partners = &partners.Service{Store: store, Process: p, Cache: ties, Now: clock.Now}
	a.Grading = g
	a.Differ = differ{g}
	a.AdminToken = m.Getenv("CREDO_ADMIN_TOKEN")
	if why := api.WeakAdminToken(a.AdminToken); why != "" {
		fmt.Fprintf(m.Stderr, "credo: warning: CREDO_ADMIN_TOKEN %s\n", why)
		logger.Warn("weak CREDO_ADMIN_TOKEN", "why", why)
	}
	a.RatePerAddress, a.RatePerToken, a.MaxStreams = f.rateAddress, f.rateToken, f.maxStreams
	a.Now = clock.Now
	a.Events = events.NewFeed(store, p.Policy, EventSource, nil)
	a.EventTail = events.NewTail(store, 0)
	portal, err := web.New(store, p, g, nil, logger)
	if err != nil {
		return err
	}
	portal.AdminToken = a.AdminToken // signing in with it is signing in as an administrator
	a.PublicURL, portal.PublicURL = f.publicURL, f.publicURL
	portal.Matcher = names
	a.Portal = portal
	lg, _, err := openLedger(ctx, store, f.ledgerFlags)
	if err != nil {
		return fmt.Errorf("opening the ledger: %w", err)
	}
	a.Ledger = lg
	a.WebhookNetwork = webhooks.Network{AllowPrivate: f.webhooksAllowPrivate}
	wh := &webhooks.Worker{Store: store, Feed: a.Events, Network: a.WebhookNetwork, Now: clock.Now, Logger: logger,
		Tail: a.EventTail, Exclusive: f.db == ""}
	if v := m.Getenv("CREDO_WEBHOOKS_LEASE"); v != "" {
		lease, err := time.ParseDuration(v)
		if err != nil || lease < time.Second {
			return fmt.Errorf("CREDO_WEBHOOKS_LEASE: %q is not a duration of 1s or more", v)
		}
		wh.Lease, wh.Timeout = lease, min(webhooks.DefaultTimeout, lease/3)
	}
	srv := api.NewHTTPServer(addr, a.Handler())
	go keepGrading(ctx, store, g, logger)
	// What a process killed mid-write left undone is completed before
	// anything else is accepted.
	if n, err := p.Follow(ctx, store); err != nil {
		return fmt.Errorf("completing what the change log holds: %w", err)
	} else if n > 0 {
		logger.Info("followed the change log", "changes", n)
	}
	go keepProcess(ctx, p)
	go keepLogging(ctx, store, p, g, clock.Now, logger)
	go keepPropagating(ctx, store, g, logger)
	go in.KeepCompleting(ctx, time.Minute) // what committed writes still owe
	go keepIntegrating(ctx, lg, logger)
	go wh.Run(ctx) // webhooks: queue what the log holds, deliver, retry
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listening on %s: %w", addr, err)
	}
	ln = api.Listen(ln, api.ConnLimits{Max: f.maxConns, PerAddress: f.maxConnsAddr})
	url := "http://" + ln.Addr().String()
	if announce != nil {
		announce(url)
	}
	fmt.Fprintf(m.Stdout, "credo listening on %s\n", url)
	if m.Ready != nil {
		m.Ready(url)
	}
	logger.Info("listening", "url", url)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func (m *Main) addPublicURLFlag(fs *flag.FlagSet, f *serveFlags) {
	fs.StringVar(&f.publicURL, "public-url", m.env("CREDO_PUBLIC_URL", ""), "scheme and host printed in issued reports as their verify address, https://credo.example (default: the request's own); https marks the portal's cookies Secure (set it behind a TLS-terminating proxy)")
}

// check refuses bad limits and a bad --public-url.
func (f *serveFlags) check() error {
	if err := f.limitFlags.check(); err != nil {
		return err
	}
	return checkPublicURL(f.publicURL)
}

// checkPublicURL refuses a --public-url that is not an http or https
// scheme and host (and port) alone.
func checkPublicURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.TrimSuffix(u.Path, "/") != "" || u.RawQuery != "" || u.Fragment != "" {
		return &exitError{code: 2, msg: fmt.Sprintf("--public-url %q: must be a scheme and host, such as https://credo.example", s)}
	}
	return nil
}

// keepGrading applies, once a minute, what time alone changes (records that
// stop counting) and picks up rulebook versions published meanwhile.
// Several nodes may do this at once: regrading is idempotent, so each
// change is recorded once.
func keepGrading(ctx context.Context, store credo.Store, g *grading.Service, logger *slog.Logger) {
	known := len(g.Set().Rulebooks())
	periodic.NowAndEvery(ctx, time.Minute, func() {
		if published, err := store.Rulebooks(ctx); err == nil && len(published) != known {
			if set, err := parseSet(published); err != nil {
				logger.Error("published rulebooks do not load; keeping the current set", "err", err)
			} else {
				g.SetRulebooks(set)
				known = len(published)
				logger.Info("rulebooks reloaded", "versions", known)
			}
		}
		if n, err := g.RunDue(ctx); err != nil && ctx.Err() == nil {
			logger.Error("regrading what time changed", "err", err)
		} else if n > 0 {
			logger.Info("regraded what time changed", "organizations", n)
		}
	})
}

// EventSource is the source attribute of every event this registry emits.
const EventSource = "credo"

// keepLogging appends, once a minute, the changes that time alone makes
// (entries taking effect and reaching their term, records leaving their
// publicity window under g's rulebooks) to the change log, and
// completes what follows from every change since (dueprocess Follow).
// Several nodes may do this at once: each change by time is keyed, so it
// is appended once, and what Follow does is idempotent.
func keepLogging(ctx context.Context, store credo.Store, p *dueprocess.Service, g *grading.Service, now func() time.Time, logger *slog.Logger) {
	periodic.NowAndEvery(ctx, time.Minute, func() {
		if n, err := events.LogDue(ctx, store, g, now()); err != nil && ctx.Err() == nil {
			logger.Error("logging what time changed", "err", err)
		} else if n > 0 {
			logger.Info("logged what time changed", "changes", n)
		}
		if _, err := p.Follow(ctx, store); err != nil && ctx.Err() == nil {
			logger.Error("following the change log", "err", err)
		}
	})
}

// keepPropagating regrades, each second, the partners further than one
// relationship away of organizations whose own state changed (grading
// FollowPartners, a durable consumer of the change log).
func keepPropagating(ctx context.Context, store credo.Store, g *grading.Service, logger *slog.Logger) {
	periodic.NowAndEvery(ctx, time.Second, func() {
		if n, err := g.FollowPartners(ctx, store); err != nil && ctx.Err() == nil {
			logger.Error("propagating to partners", "err", err)
		} else if n > 0 {
			logger.Debug("propagated to partners", "changes", n)
		}
	})
}

// differ adapts grading's impact analysis to the API.
type differ struct{ g *grading.Service }

func (d differ) DiffSources(ctx context.Context, oldSrc, newSrc []byte, asOf time.Time, samples int) (any, error) {
	im, err := d.g.DiffSources(ctx, oldSrc, newSrc, asOf, samples)
	if err != nil {
		return nil, err
	}
	return im, nil
}
