// Package postgres is the scale-out store: the whole registry in a
// PostgreSQL database through pgx, shared by any number of credo nodes.
//
// Nodes coordinate only through the database. Uniqueness lives in
// constraints (one record per authority and external id, one row per
// subject version), never in a check-then-insert; a write transaction that
// loses a race, is chosen as a deadlock or serialization victim, or loses
// its connection is rolled back and run again from the start, which the
// store's idempotent writes make safe. A write is acknowledged only after
// its COMMIT returned, so an acknowledged write is on the server's disk.
//
// The schema is created by embedded numbered migrations (migrations/) and
// laid out so that a distributed PostgreSQL can shard it by organization
// code; see docs/SCALING.md.
package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/credo-registry/credo"
)

var _ credo.Store = (*DB)(nil)

// DB is a registry held in a PostgreSQL database. It is safe for concurrent
// use, and any number of DBs, in any number of processes, may share one
// database.
type DB struct {
	pool    *pgxpool.Pool
	schema  string // "" when the connection string's search_path decides
	where   string // host:port, database and user, for messages
	path    string // the search_path, for messages
	retries int
	log     *slog.Logger
	node    string // random name of this DB in job_claims
	version int    // schema version found or migrated to at Open

	// beforeCommit, when set (by tests), runs inside every write
	// transaction just before COMMIT.
	beforeCommit func(ctx context.Context, tx pgx.Tx, attempt int) error
}

// Option configures Open.
type Option func(*config)

type config struct {
	schema         string
	connectTimeout time.Duration
	migrate        bool
	retries        int
	log            *slog.Logger
	maxConns       int32
	tracer         pgx.QueryTracer
}

// WithSchema keeps the registry in the named PostgreSQL schema (created by
// Migrate when missing) instead of the connection's default search_path.
// Tests use it to give every run its own schema.
func WithSchema(name string) Option { return func(c *config) { c.schema = name } }

// WithConnectTimeout bounds how long Open waits for an unreachable or
// starting server, retrying with backoff (default 30s). A server that
// answers and refuses the login or the database is not waited for.
func WithConnectTimeout(d time.Duration) Option { return func(c *config) { c.connectTimeout = d } }

// WithoutMigrate makes Open check the schema version instead of migrating:
// it fails unless the schema is exactly the version this binary writes.
func WithoutMigrate() Option { return func(c *config) { c.migrate = false } }

// WithWriteRetries sets how many times a write transaction that failed
// for a transient reason (lost connection, server restart, deadlock,
// serialization failure, a lost race) is run again before the write fails
// with an EUNAVAILABLE error (default 8, spread over about 10 seconds).
func WithWriteRetries(n int) Option { return func(c *config) { c.retries = max(n, 0) } }

// WithLogger logs retried transactions and connection trouble.
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithQueryTracer traces every statement the store sends (benchmarks
// count round trips with it).
func WithQueryTracer(t pgx.QueryTracer) Option { return func(c *config) { c.tracer = t } }

// WithMaxConns caps the connection pool (default: pgxpool's, the larger of
// 4 and the number of CPUs, or pool_max_conns in the connection string).
func WithMaxConns(n int32) Option { return func(c *config) { c.maxConns = n } }

var schemaName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Open connects to the PostgreSQL server named by dsn (a postgres:// URL or
// key=value pairs, as libpq takes them), waits for it when it is not up yet
// (WithConnectTimeout), and migrates its schema to SchemaVersion under an
// advisory lock, so that nodes starting together migrate once. It refuses
// a schema newer than this binary knows with a *SchemaVersionError.
func Open(ctx context.Context, dsn string, opts ...Option) (*DB, error) {
	c := config{connectTimeout: 30 * time.Second, migrate: true, retries: 8, log: slog.New(slog.DiscardHandler)}
	for _, o := range opts {
		o(&c)
	}
	if c.schema != "" && !schemaName.MatchString(c.schema) {
		return nil, fmt.Errorf("postgres: schema name %q: use 1 to 63 characters of a-z, 0-9 and _, not starting with a digit", c.schema)
	}
	pc, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, dsnError(err)
	}
	cc := pc.ConnConfig
	if c.schema != "" {
		cc.RuntimeParams["search_path"] = c.schema
	}
	if cc.ConnectTimeout == 0 {
		// A host that drops packets must not hold up one attempt (of
		// start-up, or of a read during an outage) indefinitely.
		cc.ConnectTimeout = 5 * time.Second
	}
	if _, ok := cc.RuntimeParams["application_name"]; !ok {
		cc.RuntimeParams["application_name"] = "credo"
	}
	if _, ok := cc.RuntimeParams["synchronous_commit"]; !ok {
		// The store contract: a write is on disk before it returns, whatever
		// the server's default.
		cc.RuntimeParams["synchronous_commit"] = "on"
	}
	if c.maxConns > 0 {
		pc.MaxConns = c.maxConns
	}
	if c.tracer != nil {
		cc.Tracer = c.tracer
	}
	// Idle connections a restarted server closed are found and replaced
	// within this period even when nothing uses them.
	pc.HealthCheckPeriod = 15 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	db := &DB{
		pool:    pool,
		schema:  c.schema,
		where:   serverName(cc),
		path:    cc.RuntimeParams["search_path"],
		retries: c.retries,
		log:     c.log,
		node:    rand.Text(),
	}
	if err := db.waitReady(ctx, c.connectTimeout); err != nil {
		pool.Close()
		return nil, err
	}
	if c.migrate {
		err = db.Migrate(ctx)
	} else {
		err = db.checkVersion(ctx)
	}
	if err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

// Close closes every connection. Writes that returned are committed.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// Ping reports whether the database answers now: nil when healthy, an
// EUNAVAILABLE error (wrapping the cause) when not. It does not retry; a
// health endpoint calls it.
func (db *DB) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := db.pool.Ping(ctx)
	if err != nil && lostConnection(err) && ctx.Err() == nil {
		db.lost(err) // a connection the server closed; try a fresh one
		err = db.pool.Ping(ctx)
	}
	if err != nil {
		return unavailable(db.where, err)
	}
	return nil
}

// waitReady pings the server until it answers, backing off up to a second
// between attempts, for at most timeout. A refusal that waiting cannot mend
// (wrong password, missing database) fails at once.
func (db *DB) waitReady(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	wait := 50 * time.Millisecond
	for attempt := 1; ; attempt++ {
		pctx, cancel := context.WithDeadline(ctx, deadline)
		err := db.pool.Ping(pctx)
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("postgres: connecting to %s: %w", db.where, ctx.Err())
		}
		if msg := loginRefusal(err); msg != "" {
			return fmt.Errorf("postgres: the server at %s refused the connection: %s", db.where, msg)
		}
		if time.Now().Add(wait).After(deadline) {
			return fmt.Errorf("postgres: cannot reach the server at %s (tried %d times for %s): %w",
				db.where, attempt, timeout.Round(time.Millisecond), rootCause(err))
		}
		db.log.Warn("postgres: server not reachable yet; retrying", "server", db.where, "attempt", attempt, "err", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("postgres: connecting to %s: %w", db.where, ctx.Err())
		}
		wait = min(2*wait, time.Second)
	}
}

// serverName names the server and database for messages, never the
// password: "127.0.0.1:5432 database test".
func serverName(cc *pgx.ConnConfig) string {
	host := cc.Host
	if host == "" {
		host = "localhost"
	}
	s := host + ":" + strconv.Itoa(int(cc.Port))
	if host[0] == '/' {
		s = "socket " + host + "/.s.PGSQL." + strconv.Itoa(int(cc.Port))
	}
	return s + " (database " + cc.Database + ", user " + cc.User + ")"
}

// dsnError explains a connection string pgx could not parse without
// repeating the string, which may hold a password.
func dsnError(err error) error {
	msg := "postgres: the database connection string is not valid"
	if reason := parseReason(err); reason != "" {
		msg += " (" + reason + ")"
	}
	return errors.New(msg + `; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=...] or "host=... dbname=..." pairs`)
}

// parseReason is what pgx says is wrong with a connection string, or ""
// when that might repeat the password.
func parseReason(err error) string {
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return ""
	}
	var reason string
	var ue *url.Error
	if errors.As(err, &ue) {
		reason = ue.Err.Error() // the part of the URL at fault, not the URL
	} else if _, after, ok := strings.Cut(pe.Error(), "`: "); ok {
		reason = after // after pgx's (redacted) copy of the string
	}
	if pw := password(pe.ConnString); reason == "" || pw != "" && strings.Contains(reason, pw) {
		return ""
	}
	return reason
}

// password finds a password in a connection string that may be malformed:
// in a URL's user information, or a password= pair.
func password(dsn string) string {
	if _, rest, ok := strings.Cut(dsn, "://"); ok {
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(rest[:at], ":"); ok {
				return pw
			}
		}
	}
	if _, rest, ok := strings.Cut(dsn, "password="); ok {
		pw, _, _ := strings.Cut(rest, " ")
		return strings.Trim(pw, "'")
	}
	return ""
}

// loginRefusal returns why the server refused the session when the reason
// is one that retrying cannot mend, or "".
func loginRefusal(err error) string {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return ""
	}
	switch pe.Code {
	case "28P01", "28000": // invalid_password, invalid_authorization_specification
		return pe.Message + " (check the user and password in the connection string)"
	case "3D000": // invalid_catalog_name
		return pe.Message + " (create it, or name another database)"
	case "42501": // insufficient_privilege
		return pe.Message
	}
	return ""
}

// rootCause returns the network error under a failed connection attempt
// ("connect: connection refused"), or err.
func rootCause(err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		return oe.Err
	}
	return err
}
