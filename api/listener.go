package api

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/credo-registry/credo"
)

// Connection limits of the serve command.
const (
	DefaultMaxConnections           = 2048
	DefaultMaxConnectionsPerAddress = 256
)

// ConnLimits bound the connections a listener from Listen accepts: at
// most Max open at once (further clients wait to be accepted), and at most
// PerAddress from one address (IPv6: one /64); a connection beyond that is
// answered 429 (problem+json) and closed at once. Zero means no bound.
// Loopback addresses are held to PerAddress only with LimitLoopback: from
// there come a reverse proxy on the same host, which stands for many
// clients, and the operator's own tools.
type ConnLimits struct {
	Max, PerAddress int
	LimitLoopback   bool
}

// Listen bounds the connections ln hands to the server. With
// NewHTTPServer's timeouts, a slow client holds a connection for
// ReadTimeout at most, so neither many slow connections from one place
// nor a flood of them can use up the process's file descriptors.
//
// It also answers the errors net/http writes before a request reaches a
// handler (431 for headers over MaxHeaderBytes, 400 for a malformed
// request) as problem+json, like every other error of the API.
func Listen(ln net.Listener, limits ConnLimits) net.Listener {
	l := &listener{Listener: ln, limits: limits, open: make(map[string]int), closed: make(chan struct{})}
	if limits.Max > 0 {
		l.slots = make(chan struct{}, limits.Max)
	}
	return l
}

// listener is netutil.LimitListener with a bound per address, and conns
// that keep the TCP connection's CloseWrite (which net/http uses to make
// sure an error response is read before the connection closes).
type listener struct {
	net.Listener
	limits    ConnLimits
	slots     chan struct{} // nil: no bound
	closed    chan struct{}
	closeOnce sync.Once

	mu   sync.Mutex
	open map[string]int
}

func (l *listener) Accept() (net.Conn, error) {
	for {
		if l.slots != nil {
			select {
			case l.slots <- struct{}{}:
			case <-l.closed:
				return nil, net.ErrClosed
			}
		}
		c, err := l.Listener.Accept()
		if err != nil {
			l.free()
			return nil, err
		}
		remote := c.RemoteAddr().String()
		key := addressKey(remote)
		l.mu.Lock()
		full := l.limits.PerAddress > 0 && l.open[key] >= l.limits.PerAddress && (l.limits.LimitLoopback || !isLoopback(remote))
		if !full {
			l.open[key]++
		}
		l.mu.Unlock()
		if full {
			l.free()
			go refuse(c)
			continue
		}
		return &conn{Conn: c, release: func() { l.release(key) }}, nil
	}
}

// refusal answers a connection over the per-address bound.
var refusal = func() []byte {
	body, _ := json.Marshal(Problem{Type: "urn:credo:error:" + string(eTooManyRequests), Title: titleOf[eTooManyRequests],
		Status: http.StatusTooManyRequests, Detail: "too many connections from this address; close some and retry"})
	h := "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/problem+json\r\nRetry-After: 1\r\n"
	for _, kv := range securityHeaders {
		h += kv[0] + ": " + kv[1] + "\r\n"
	}
	h += "Content-Length: " + strconv.Itoa(len(body)+1) + "\r\nConnection: close\r\n\r\n"
	return append(append([]byte(h), body...), '\n')
}()

// refuse answers c with refusal and closes it, spending at most a second
// on it (the client's request is read and dropped meanwhile, so that
// closing does not reset the connection before the answer is read).
func refuse(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := c.Write(refusal); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

func (l *listener) Close() error {
	l.closeOnce.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

func (l *listener) free() {
	if l.slots != nil {
		<-l.slots
	}
}

func (l *listener) release(key string) {
	l.mu.Lock()
	if l.open[key]--; l.open[key] <= 0 {
		delete(l.open, key)
	}
	l.mu.Unlock()
	l.free()
}

// conn counts itself out of its address once closed, and rewrites the
// plain-text error responses net/http writes itself.
type conn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *conn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// CloseWrite half-closes a TCP connection (net/http's closeWriter).
func (c *conn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// plainErrorHeaders are the headers net/http sends with the errors it
// answers before any handler runs (net/http server.go, errorHeaders); a
// handler's response always carries more (Date, Content-Length).
const plainErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *conn) Write(p []byte) (int, error) {
	if out, ok := problemForPlainError(p); ok {
		if _, err := c.Conn.Write(out); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// problemForPlainError turns net/http's own "HTTP/1.1 431 Request Header
// Fields Too Large" (and the like) into the same status as problem+json.
func problemForPlainError(p []byte) ([]byte, bool) {
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 4 || rest[3] != ' ' {
		return nil, false
	}
	status, err := strconv.Atoi(string(rest[:3]))
	if err != nil || status < 400 || status > 599 {
		return nil, false
	}
	if i := bytes.IndexByte(rest, '\r'); i < 0 || !bytes.HasPrefix(rest[i:], []byte(plainErrorHeaders)) {
		return nil, false
	}
	code := credo.EMALFORMED
	detail := "the request is not a well-formed HTTP request"
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		code, detail = eHeadersTooLarge, "the request's headers are larger than the server accepts"
	case http.StatusNotImplemented:
		code, detail = eNotImplemented, "the request's transfer encoding is not supported"
	}
	body, _ := json.Marshal(Problem{Type: "urn:credo:error:" + string(code), Title: http.StatusText(status), Status: status, Detail: detail})
	var b bytes.Buffer
	b.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: application/problem+json\r\n")
	for _, h := range securityHeaders {
		b.WriteString(h[0] + ": " + h[1] + "\r\n")
	}
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)+1) + "\r\nConnection: close\r\n\r\n")
	b.Write(body)
	b.WriteByte('\n')
	return b.Bytes(), true
}
