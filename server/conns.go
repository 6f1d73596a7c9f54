package server

import (
	"bytes"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// Connection caps. Every open connection holds a file descriptor, and the
// store's files come from the same open-file limit: a client that holds
// thousands of idle keep-alive connections would otherwise leave none for
// other clients (their connections wait in the listen queue, unanswered)
// or for the store. The listener of Serve counts connections, in all and
// per client address, and past a cap it first closes a connection that is
// doing nothing (idle between requests, or connected for a while without
// sending a request) and otherwise answers the new one 503 itself, on the
// raw connection, and closes it. From half the cap on, idle connections
// are closed sooner than IdleTimeout, the sooner the fuller.

// ConnLimits are the connection caps a server derives from the open-file
// limit when its Config leaves them 0.
type ConnLimits struct {
	// Total bounds the connections open at once.
	Total int
	// PerClient bounds the connections open at once from one client
	// address (an IPv4 address; an IPv6 /64, which one host is given).
	PerClient int
	// Refusing bounds the refusals in progress: each holds its connection
	// for up to refuseLinger while its 503 is read.
	Refusing int
}

const (
	// maxDefaultConns bounds the derived total: past a few thousand, the
	// memory of the connections (a goroutine and buffers each, about 20
	// KiB idle) matters more than descriptors.
	maxDefaultConns = 4096
	// minStoreDescriptors is what the derived caps always leave the store
	// (Badger keeps every table, value log and memtable file open), the
	// logs and the files of backups and exports.
	minStoreDescriptors = 256
)

// DefaultConnLimits derives the caps from the open-file limit nofile: a
// quarter of it, and at least 256, is left for the store and the rest of
// the process; of the remainder, an eighth (4 to 64) is for refusals in
// progress and the rest (16 to 4096) for connections; one client may hold
// a sixteenth of those (at least 8).
func DefaultConnLimits(nofile uint64) ConnLimits {
	avail := 0
	if reserve := max(minStoreDescriptors, nofile/4); nofile > reserve {
		avail = int(min(nofile-reserve, 1<<20))
	}
	total := min(max(avail*7/8, 16), maxDefaultConns)
	return ConnLimits{Total: total, PerClient: perClientOf(total), Refusing: min(max(avail/8, 4), 64)}
}

// perClientOf is the default per-client cap under a total cap: a
// sixteenth of it, at least 8 (and at most the total).
func perClientOf(total int) int { return min(max(total/16, 8), total) }

// Timings of the connection caps.
const (
	// refuseLinger bounds how long a refusal waits for the request before
	// it answers, and for the rest of the request after, so that the
	// client reads the 503 rather than a reset.
	refuseLinger = 500 * time.Millisecond
	// newConnGrace is how long a connection may stay connected without a
	// whole request before it counts as doing nothing (when a cap is
	// reached; ReadHeaderTimeout closes it in any case).
	newConnGrace = time.Second
	// minPressedIdle is the shortest idle timeout under pressure.
	minPressedIdle = time.Second
	// sweepEvery is how often idle connections are checked under pressure.
	sweepEvery = time.Second
)

// connLimiter is a listener that caps its connections.
type connLimiter struct {
	net.Listener
	limits      ConnLimits
	idleTimeout time.Duration
	refusing    chan struct{}
	done        chan struct{}
	closeOnce   sync.Once

	mu      sync.Mutex
	conns   map[*trackedConn]struct{}
	clients map[string]int

	refusedTotal, refusedClient, reclaimed atomic.Int64
}

// trackedConn is a connection the limiter counts. Its state and since are
// guarded by the limiter's mu.
type trackedConn struct {
	net.Conn
	l      *connLimiter
	client string
	state  http.ConnState
	since  time.Time
}

// Close closes the connection and stops counting it.
func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.l.release(c)
	return err
}

func newConnLimiter(inner net.Listener, limits ConnLimits, idleTimeout time.Duration) *connLimiter {
	l := &connLimiter{Listener: inner, limits: limits, idleTimeout: idleTimeout,
		refusing: make(chan struct{}, max(limits.Refusing, 1)), done: make(chan struct{}),
		conns: map[*trackedConn]struct{}{}, clients: map[string]int{}}
	go l.sweep()
	return l
}

// Close stops accepting; the connections open stay open (the HTTP server
// closes them).
func (l *connLimiter) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return l.Listener.Close()
}

// Accept returns the next connection within the caps; those past them are
// answered 503 and closed, and never returned.
func (l *connLimiter) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		tc, victims, refusal := l.admit(c)
		for _, v := range victims {
			v.Conn.Close() // the HTTP server sees the connection end, and closes it
		}
		if tc != nil {
			return tc, nil
		}
		l.refuse(c, refusal)
	}
}

// clientKey is the address a per-client cap counts: the IP, or the /64 of
// an IPv6 address.
func clientKey(addr net.Addr) string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	if ip4 := ta.IP.To4(); ip4 != nil {
		return ip4.String()
	}
	return ta.IP.Mask(net.CIDRMask(64, 128)).String() + "/64"
}

// admit counts c in, making room by closing connections that do nothing
// when a cap is reached. It returns the connection to serve and those to
// close, or why c is refused.
func (l *connLimiter) admit(c net.Conn) (*trackedConn, []*trackedConn, string) {
	client := clientKey(c.RemoteAddr())
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	var victims []*trackedConn
	if l.limits.PerClient > 0 && l.clients[client] >= l.limits.PerClient {
		v := l.doingNothing(client, now)
		if v == nil {
			l.refusedClient.Add(1)
			return nil, nil, "client"
		}
		victims = append(victims, v)
	}
	if l.limits.Total > 0 && len(l.conns) >= l.limits.Total {
		v := l.doingNothing("", now)
		if v == nil {
			l.refusedTotal.Add(1)
			return nil, nil, "total"
		}
		victims = append(victims, v)
	}
	tc := &trackedConn{Conn: c, l: l, client: client, state: http.StateNew, since: now}
	l.conns[tc] = struct{}{}
	l.clients[client]++
	return tc, victims, ""
}

// doingNothing picks the connection to close for room, of client (or of
// anyone, for ""), and stops counting it: the one idle longest between
// requests, else the one connected longest (past newConnGrace) without
// sending a request; nil when every connection is busy. l.mu is held.
func (l *connLimiter) doingNothing(client string, now time.Time) *trackedConn {
	var idle, silent *trackedConn
	for c := range l.conns {
		if client != "" && c.client != client {
			continue
		}
		switch {
		case c.state == http.StateIdle && (idle == nil || c.since.Before(idle.since)):
			idle = c
		case c.state == http.StateNew && now.Sub(c.since) > newConnGrace && (silent == nil || c.since.Before(silent.since)):
			silent = c
		}
	}
	v := idle
	if v == nil {
		v = silent
	}
	if v != nil {
		l.forget(v)
		l.reclaimed.Add(1)
	}
	return v
}

// forget stops counting c. l.mu is held.
func (l *connLimiter) forget(c *trackedConn) {
	if _, ok := l.conns[c]; !ok {
		return
	}
	delete(l.conns, c)
	if l.clients[c.client]--; l.clients[c.client] <= 0 {
		delete(l.clients, c.client)
	}
}

func (l *connLimiter) release(c *trackedConn) {
	l.mu.Lock()
	l.forget(c)
	l.mu.Unlock()
}

// connState follows the HTTP server's view of each connection.
func (l *connLimiter) connState(c net.Conn, state http.ConnState) {
	tc, ok := c.(*trackedConn)
	if !ok {
		return
	}
	l.mu.Lock()
	tc.state, tc.since = state, time.Now()
	l.mu.Unlock()
}

// open is the number of connections counted.
func (l *connLimiter) open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.conns)
}

// pressedIdleTimeout is the idle timeout with n of the total cap open:
// IdleTimeout up to half the cap, then shorter in proportion to the room
// left, down to minPressedIdle; 0 when there is no pressure.
func (l *connLimiter) pressedIdleTimeout(n int) time.Duration {
	if l.limits.Total <= 0 || 2*n <= l.limits.Total {
		return 0
	}
	room := float64(l.limits.Total-n) / (float64(l.limits.Total) / 2) // 1 at half full, 0 when full
	return max(time.Duration(float64(l.idleTimeout)*room), min(minPressedIdle, l.idleTimeout))
}

// sweep closes, under pressure, the connections idle longer than the
// pressed idle timeout.
func (l *connLimiter) sweep() {
	tick := time.NewTicker(sweepEvery)
	defer tick.Stop()
	for {
		select {
		case <-l.done:
			return
		case <-tick.C:
		}
		var victims []*trackedConn
		now := time.Now()
		l.mu.Lock()
		if limit := l.pressedIdleTimeout(len(l.conns)); limit > 0 {
			for c := range l.conns {
				if c.state == http.StateIdle && now.Sub(c.since) > limit {
					victims = append(victims, c)
				}
			}
			for _, c := range victims {
				l.forget(c)
			}
			l.reclaimed.Add(int64(len(victims)))
		}
		l.mu.Unlock()
		for _, c := range victims {
			c.Conn.Close()
		}
	}
}

// refuse answers c 503 and closes it: in the background, reading its
// request first and lingering after, while refusals in progress are few;
// at once otherwise.
func (l *connLimiter) refuse(c net.Conn, why string) {
	msg := "the server has " + strconv.Itoa(l.limits.Total) + " connections open, its limit (serve --max-conns): try again later"
	if why == "client" {
		msg = "your address has " + strconv.Itoa(l.limits.PerClient) + " connections open to this server, its limit per client (serve --max-conns-per-client): reuse them or close some"
	}
	body := `{"errors":[{"message":"` + msg + `","extensions":{"code":"` + codeTooManyConnections + `"}}]}`
	resp := []byte("HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json; charset=utf-8\r\n" +
		"Retry-After: 1\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
	select {
	case l.refusing <- struct{}{}:
		go func() {
			defer func() { <-l.refusing }()
			answerAndClose(c, resp, true)
		}()
	default:
		answerAndClose(c, resp, false)
	}
}

// answerAndClose writes resp on c and closes it. With linger, it first
// reads the request's head (so that the answer is the answer to it), and
// after writing shuts its side and reads what else comes for a moment (a
// close with unread data resets the connection, and the client could lose
// the answer).
func answerAndClose(c net.Conn, resp []byte, linger bool) {
	defer c.Close()
	if linger {
		c.SetReadDeadline(time.Now().Add(refuseLinger))
		var head []byte
		buf := make([]byte, 4096)
		for len(head) < 16<<10 && !bytes.Contains(head, []byte("\r\n\r\n")) {
			n, err := c.Read(buf)
			head = append(head, buf[:n]...)
			if err != nil {
				break
			}
		}
	}
	c.SetWriteDeadline(time.Now().Add(refuseLinger))
	if _, err := c.Write(resp); err != nil || !linger {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	c.SetReadDeadline(time.Now().Add(refuseLinger))
	buf := make([]byte, 4096)
	for read := 0; read < 1<<20; {
		n, err := c.Read(buf)
		read += n
		if err != nil {
			return
		}
	}
}
