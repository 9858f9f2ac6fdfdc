package postgres_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/credo-registry/credo"
	"github.com/credo-registry/credo/store/postgres"
	"github.com/credo-registry/credo/store/postgres/pgtest"
)

// proxy stands between the store and the server, so that a test can take
// "the server" away and bring it back.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        []net.Conn
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	p := &proxy{addr: addr, target: target}
	t.Cleanup(p.down)
	return p
}

// up starts accepting on the proxy's address.
func (p *proxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Errorf("proxy: %v", err)
		return
	}
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
}

// down stops accepting and cuts every connection, as a server that died.
func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// via rewrites dsn to connect through the proxy.
func (p *proxy) via(t *testing.T, dsn string) (string, string) {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("CREDO_TEST_POSTGRES must be a URL for this test: %v", err)
	}
	target := u.Host
	u.Host = p.addr
	return u.String(), target
}

// A server that is down when the node starts: Open waits for it.
func TestServerDownAtStart(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	proxied, _ := p.via(t, dsn)
	schema := pgtest.Schema(t, dsn)
	time.AfterFunc(700*time.Millisecond, func() { p.up(t) })
	start := time.Now()
	db, err := postgres.Open(ctx, proxied, postgres.WithSchema(schema), postgres.WithConnectTimeout(20*time.Second))
	if err != nil {
		t.Fatalf("Open while the server comes up: %v", err)
	}
	defer db.Close()
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("Open returned after %s, before the server was up", d)
	}
	if err := db.Ping(ctx); err != nil {
		t.Error(err)
	}
}

// A server that goes away under load and comes back: while it is away the
// node reports unhealthy and reads fail with EUNAVAILABLE; writers retry
// through the outage; afterwards every acknowledged write is there, once.
func TestServerGoesAwayUnderLoad(t *testing.T) {
	dsn := pgtest.DSN(t)
	u, _ := url.Parse(dsn)
	p := newProxy(t, u.Host)
	proxied, _ := p.via(t, dsn)
	schema := pgtest.Schema(t, dsn)
	p.up(t)
	db := pgtest.OpenSchema(t, proxied, schema, postgres.WithConnectTimeout(5*time.Second))
	mustAppend(t, db, record(codes[0], "BEFORE", 1))

	var (
		stop  atomic.Bool
		mu    sync.Mutex
		acked = map[string]int64{} // external id -> id, acknowledged
		wg    sync.WaitGroup
		errs  = make(chan error, 8)
	)
	for w := range 4 {
		wg.Go(func() {
			for b := 0; !stop.Load(); b++ {
				var batch []*credo.Record
				for i := range 20 {
					batch = append(batch, record(codes[(w+i)%len(codes)], fmt.Sprintf("L%d-%d-%d", w, b, i), i))
				}
				out, err := db.AppendRecords(ctx, batch)
				if err != nil {
					errs <- fmt.Errorf("writer %d batch %d: %w", w, b, err)
					return
				}
				mu.Lock()
				for i, o := range out {
					acked[batch[i].ExternalID] = o.ID
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	p.down()
	time.Sleep(100 * time.Millisecond)
	octx, cancel := context.WithTimeout(ctx, 3*time.Second)
	if err := db.Ping(octx); credo.ErrorCodeOf(err) != credo.EUNAVAILABLE {
		t.Errorf("Ping while the server is away: %v, want EUNAVAILABLE", err)
	}
	if _, err := db.Record(octx, 1); credo.ErrorCodeOf(err) != credo.EUNAVAILABLE {
		t.Errorf("read while the server is away: %v, want EUNAVAILABLE", err)
	}
	cancel()
	time.Sleep(time.Second)
	p.up(t)
	time.Sleep(500 * time.Millisecond)
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("Ping after the server came back: %v", err)
	}
	if len(acked) < 80 {
		t.Fatalf("only %d writes acknowledged", len(acked))
	}
	for ext, id := range acked {
		r, err := db.Record(ctx, id)
		if err != nil || r.ExternalID != ext {
			t.Fatalf("acknowledged %s as %d: read back %v, %v", ext, id, r, err)
		}
	}
	st, err := db.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Records != int64(len(acked))+1 {
		t.Errorf("%d records stored, %d acknowledged (+1)", st.Records, len(acked))
	}
}
