//go:build linux

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph/badger"
)

// TestMain runs the test binary as a child process when a test asks for one
// (EMIGRAPH_TEST_CHILD names it).
func init() {
	testChildren["serve-few-descriptors"] = func() int { return serveWithFewDescriptors(os.Args[len(os.Args)-1]) }
}

// serveWithFewDescriptors runs `emigraph serve` on the directory dir with
// small memtables, and, once it listens, lowers its limit of open files to
// what it has open and two more (the test's connection, and one spare):
// the next memtables Badger creates fail for want of descriptors (EMFILE),
// as on a server whose descriptors clients hold. It prints the address and
// returns serve's exit code.
func serveWithFewDescriptors(dir string) int {
	m := &Main{Stdin: strings.NewReader(""), Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv,
		storeOptions: func(o *badger.Options) { o.MemTableSize = 1 << 20 },
		Ready: func(addr string) {
			fds, _ := os.ReadDir("/proc/self/fd")
			limit := uint64(len(fds) + 2)
			if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
				fmt.Fprintln(os.Stderr, "setrlimit:", err)
				os.Exit(3)
			}
			fmt.Println("addr", addr)
		}}
	err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", dir, "--sync=false", "--log-level", "info"})
	if err != nil {
		fmt.Fprintln(os.Stderr, "emigraph:", err)
		return exitCode(err)
	}
	return 0
}

// syncBuffer is a bytes.Buffer that a child's output and the test share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A server whose store fails inside Badger (out of descriptors, it cannot
// create a memtable) stops answering and exits non-zero with a log line
// that says why, instead of answering every later request with a panic
// while /healthz says ok; no request is answered with a panic, and every
// write it acknowledged is in the store when it is opened again.
func TestServerExitsWhenItsStoreFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// a seeded store, opened by the child without seeding (fewer writes there)
	_, _, stop := serveWithToken(t, dir, "tok-123")
	stop()
	cmd := exec.Command(os.Args[0], "-test.run=^$", dir)
	cmd.Env = append(os.Environ(), "EMIGRAPH_TEST_CHILD=serve-few-descriptors", "EMIGRAPH_TOKEN=tok-123")
	var logs syncBuffer
	cmd.Stderr = &logs
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGKILL)
	})
	sc := bufio.NewScanner(out)
	if !sc.Scan() || !strings.HasPrefix(sc.Text(), "addr ") {
		t.Fatalf("the server did not start: %q\n%s", sc.Text(), logs.String())
	}
	go func() { exited <- cmd.Wait() }()
	base := "http://" + strings.TrimPrefix(sc.Text(), "addr ")
	// one connection, kept alive: the descriptors left are for Badger
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
	// Write until the store fails. A write can also fail for a reason that
	// is not the store's failure (a request timeout on a busy machine, a
	// refused connection while descriptors are short): such a write is
	// neither acknowledged nor a sign of failure, and the writes go on.
	var acked, others []string
	storeFailed := false
	for i := 0; i < 20000 && !storeFailed && len(others) < 200; i++ {
		id := fmt.Sprintf("person/fd-%d", i)
		switch ok, detail := writeLongEntity(client, base, "tok-123", id); {
		case ok:
			acked = append(acked, id)
		case strings.Contains(detail, "the store failed"):
			storeFailed = true
		default:
			others = append(others, detail)
			select {
			case <-exited:
				t.Fatalf("the server exited after a write failed (%s), and no answer said the store failed\n%s", detail, lastLines(logs.String(), 30))
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	if !storeFailed {
		t.Fatalf("%d writes acknowledged, %d failed for other reasons (last: %v), none said the store failed: the limit did not bite\n%s",
			len(acked), len(others), others[max(0, len(others)-3):], lastLines(logs.String(), 30))
	}
	if len(others) > 0 {
		t.Logf("%d writes failed before the store did, for other reasons (first: %s)", len(others), others[0])
	}
	// the store failed: from then on the server is not ready (or no
	// longer listening), answers no request with a panic, and exits
	var exit error
	deadline := time.After(60 * time.Second)
watch:
	for {
		if resp, err := client.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				t.Fatalf("/readyz answers 200 after a write was refused because the store failed")
			}
		}
		if resp, err := client.Post(base+"/graphql", "application/json", strings.NewReader(`{"query":"{ stats { totalEntities } }"}`)); err == nil {
			resp.Body.Close()
		}
		select {
		case exit = <-exited:
			break watch
		case <-deadline:
			t.Fatalf("the server still runs a minute after its store failed\n%s", lastLines(logs.String(), 30))
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Logf("%d writes acknowledged, the next failed; the server exited: %v", len(acked), exit)
	var ee *exec.ExitError
	if !errors.As(exit, &ee) || ee.ExitCode() == 0 {
		t.Errorf("the server exited with %v, want a non-zero exit code", exit)
	}
	if !strings.Contains(logs.String(), "the store failed and cannot serve until it is opened again") {
		t.Errorf("no log line says the store failed:\n%s", lastLines(logs.String(), 30))
	}
	if n := strings.Count(logs.String(), "recovered from a panic"); n > 0 {
		t.Errorf("%d requests answered with a panic:\n%s", n, lastLines(logs.String(), 30))
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 8 << 20})
	if err != nil {
		t.Fatalf("the store does not open after the failure: %v", err)
	}
	defer st.Close()
	got, err := st.EntitiesByID(context.Background(), acked)
	if err != nil || len(got) != len(acked) {
		t.Errorf("%d of %d acknowledged writes are in the store (%v)", len(got), len(acked), err)
	}
}

// writeLongEntity upserts an entity with a long name (many index keys, to
// fill small memtables fast) and reports whether it was acknowledged, and
// if not, what came back instead.
func writeLongEntity(client *http.Client, base, token, id string) (bool, string) {
	name := "Writer " + strings.Repeat("Aleksandrovich Konstantinopolsky Vyshnevolotsky ", 6) + id
	body, _ := json.Marshal(map[string]any{
		"query":     `mutation($e: EntityInput!) { upsertEntity(entity: $e) { ok } }`,
		"variables": map[string]any{"e": map[string]any{"id": id, "name": name, "type": "PERSON"}},
	})
	req, _ := http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return false, err.Error()
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		return false, fmt.Sprintf("%s, then %v", resp.Status, err)
	}
	var out struct {
		Data struct {
			UpsertEntity struct{ OK bool } `json:"upsertEntity"`
		} `json:"data"`
	}
	if json.Unmarshal(answer, &out) == nil && out.Data.UpsertEntity.OK {
		return true, ""
	}
	return false, fmt.Sprintf("%s %s", resp.Status, answer)
}

// lastLines returns the last n lines of s.
func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
