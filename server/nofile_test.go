//go:build unix

package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/emigraph/emigraph/schema"
	"github.com/emigraph/emigraph/seed"
	"github.com/emigraph/emigraph/seed/seedtest"
	"github.com/emigraph/emigraph/server"
)

// fewDescriptors is the open-file limit of the server under test: small,
// so that one client can reach it without costing the machine many.
const fewDescriptors = 256

// TestServeWithFewDescriptors is the server of
// TestIdleConnectionsCannotStarveOthers, run in a process of its own whose
// open-file limit is fewDescriptors, with the default connection caps. It
// prints its address, and serves until its standard input ends.
func TestServeWithFewDescriptors(t *testing.T) {
	if os.Getenv("EMIGRAPH_FEW_DESCRIPTORS_SERVER") == "" {
		t.Skip("run by TestIdleConnectionsCannotStarveOthers")
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = fewDescriptors
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	st := seedtest.Open(t)
	api, err := schema.New(context.Background(), st, schema.Options{Parse: seed.Parse, Limits: schema.DefaultLimits()})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	fmt.Printf("ADDR %s\n", l.Addr())
	if err := server.New(server.Config{API: api, Logger: zerolog.Nop()}).Serve(ctx, l); err != nil {
		t.Error(err)
	}
}

// One client holding many idle keep-alive connections cannot keep another
// client from being answered. The server runs with an open-file limit of
// 256 (in a process of its own) and its default caps; one client opens 300
// connections, a request on each, and leaves them open. Without the caps,
// the server runs out of descriptors, stops accepting, and the other
// client's request waits unanswered (for the idle timeout, 120 s).
func TestIdleConnectionsCannotStarveOthers(t *testing.T) {
	t.Parallel()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeWithFewDescriptors$", "-test.v")
	cmd.Env = append(os.Environ(), "EMIGRAPH_FEW_DESCRIPTORS_SERVER=1")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	lines := bufio.NewScanner(stdout)
	addr := ""
	for addr == "" && lines.Scan() {
		if a, ok := strings.CutPrefix(lines.Text(), "ADDR "); ok {
			addr = a
		}
	}
	if addr == "" {
		t.Fatalf("the server did not start: %s", stderr.String())
	}
	go io.Copy(io.Discard, stdout)

	held, unanswered := 0, 0
	for i := 0; i < 300 && unanswered == 0; i++ {
		c := dialFrom(t, "127.0.0.2", addr)
		c.SetDeadline(time.Now().Add(2 * time.Second))
		fmt.Fprintf(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			unanswered++ // the server is out of descriptors: it no longer accepts
			continue
		}
		resp.Body.Close()
		held++
	}
	t.Logf("the first client made %d connections answered, %d not", held, unanswered)

	resp, err := clientFrom("127.0.0.3").Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("another client got no answer while the first held its connections: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("another client got %d, want 200", resp.StatusCode)
	}
}
