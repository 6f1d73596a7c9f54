package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

// serveOn runs the real server (Serve) over a real store holding the seed
// on 127.0.0.1:0 and returns its address.
func serveOn(t *testing.T, configure func(*server.Config)) string {
	t.Helper()
	st := seedtest.Open(t)
	api, err := schema.New(context.Background(), st, schema.Options{Parse: seed.Parse, Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	cfg := server.Config{API: api, Logger: zerolog.Nop(), Token: testToken}
	if configure != nil {
		configure(&cfg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.New(cfg).Serve(ctx, l) }()
	t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

// dialFrom connects to addr from the loopback address ip: each of
// 127.0.0.2, 127.0.0.3, ... is a client address of its own.
func dialFrom(t *testing.T, ip, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Skipf("cannot connect from %s (this test needs the whole of 127.0.0.0/8 on loopback): %v", ip, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// clientFrom is an HTTP client whose connections come from ip.
func clientFrom(ip string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
}

// getOn sends GET path on c, keeping the connection alive, and reads the
// answer.
func getOn(t *testing.T, c net.Conn, br *bufio.Reader, path string) (*http.Response, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("GET %s: no answer: %v", path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// busy starts a request whose body never comes, from ip: its handler
// waits for it (up to the read timeout), so the connection is in use.
func busy(t *testing.T, ip, addr string) net.Conn {
	c := dialFrom(t, ip, addr)
	fmt.Fprintf(c, "POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
	return c
}

// want503 checks a refusal past a connection cap: 503, Retry-After,
// Connection: close, a message naming the flag; and the connection closed
// after it.
func want503(t *testing.T, resp *http.Response, body, flag string, c net.Conn, br *bufio.Reader) {
	t.Helper()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || !resp.Close ||
		!strings.Contains(body, flag) || !strings.Contains(body, "too_many_connections") {
		t.Errorf("got %d %v %s, want 503 with Retry-After, Connection: close and a message naming %s", resp.StatusCode, resp.Header, body, flag)
	}
	if c == nil {
		return
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := br.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("after the 503 the connection gave %d bytes and %v, want it closed (EOF)", n, err)
	}
}

// Past a client's cap its next connection is answered 503 and closed, while
// another client is answered; past the total cap, a connection doing
// nothing is closed to make room, and when every connection is busy the
// new one is answered 503 (also as a Go client sees it).
func TestConnectionCapsAnswer503(t *testing.T) {
	t.Parallel()
	addr := serveOn(t, func(c *server.Config) { c.MaxConns, c.MaxConnsPerClient = 6, 3 })
	for i := 0; i < 3; i++ {
		busy(t, "127.0.0.2", addr)
	}
	c := dialFrom(t, "127.0.0.2", addr)
	br := bufio.NewReader(c)
	resp, body := getOn(t, c, br, "/healthz")
	want503(t, resp, body, "--max-conns-per-client", c, br)

	other := dialFrom(t, "127.0.0.3", addr)
	obr := bufio.NewReader(other)
	if resp, body := getOn(t, other, obr, "/healthz"); resp.StatusCode != http.StatusOK {
		t.Fatalf("another client got %d %s, want 200", resp.StatusCode, body)
	}
	// the HTTP server marks the connection idle just after the answer
	// has gone out, which the client may read first
	time.Sleep(100 * time.Millisecond)

	// 3 busy + 1 idle + 3 busy: the idle one is closed to make room
	for i := 0; i < 3; i++ {
		busy(t, "127.0.0.4", addr)
	}
	other.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := obr.Read(make([]byte, 1)); err != io.EOF {
		t.Errorf("the idle connection gave %d bytes and %v, want it closed to make room", n, err)
	}
	resp, err := clientFrom("127.0.0.5").Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("a client past the total cap got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	want503(t, resp, string(b), "--max-conns", nil, nil)
}

// From half the cap on, idle connections are closed sooner than the idle
// timeout, the sooner the fuller.
func TestIdleTimeoutTightensUnderPressure(t *testing.T) {
	t.Parallel()
	const idle = 20 * time.Second
	addr := serveOn(t, func(c *server.Config) { c.MaxConns, c.MaxConnsPerClient, c.IdleTimeout = 10, 10, idle })
	closed := make(chan time.Duration, 9)
	for i := 0; i < 9; i++ { // 9 of 10 open: a fifth of the idle timeout
		c := dialFrom(t, "127.0.0.2", addr)
		br := bufio.NewReader(c)
		if resp, body := getOn(t, c, br, "/healthz"); resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d %s", resp.StatusCode, body)
		}
		idleSince := time.Now()
		c.SetReadDeadline(idleSince.Add(idle / 2))
		go func() {
			if _, err := br.Read(make([]byte, 1)); err == io.EOF {
				closed <- time.Since(idleSince)
			}
		}()
	}
	select {
	case after := <-closed:
		t.Logf("with 9 of 10 connections open, an idle one was closed after %v (idle timeout %v)", after.Round(time.Millisecond), idle)
	case <-time.After(idle / 2):
		t.Errorf("with 9 of 10 connections open, no idle one was closed within half the %v idle timeout", idle)
	}
}
