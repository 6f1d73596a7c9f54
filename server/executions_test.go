package server_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/server"
)

// gatedStore is the real store, except that Stats waits for the gate to
// open, and counts how many wait at once: a query that takes as long as
// the test wants.
type gatedStore struct {
	*badger.Store
	entered chan struct{}

	mu          sync.Mutex
	gate        chan struct{}
	now, maxNow int
}

func (s *gatedStore) Stats(ctx context.Context) (*graph.Stats, error) {
	s.mu.Lock()
	s.now++
	s.maxNow = max(s.maxNow, s.now)
	gate := s.gate
	s.mu.Unlock()
	s.entered <- struct{}{}
	select {
	case <-gate:
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	return s.Store.Stats(ctx)
}

// open lets the queries waiting in Stats go on, and returns how many
// waited at once; the next ones wait for the next open.
func (s *gatedStore) open() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	close(s.gate)
	s.gate = make(chan struct{})
	n := s.maxNow
	s.maxNow = 0
	return n
}

// postAsync posts a query from another goroutine.
func postAsync(url, body string) chan response {
	c := make(chan response, 1)
	go func() {
		resp, err := http.Post(url+"/graphql", "application/json", strings.NewReader(body))
		if err != nil {
			c <- response{raw: err.Error()}
			return
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		c <- response{status: resp.StatusCode, raw: string(raw), header: resp.Header}
	}()
	return c
}

func wantOverloaded(t *testing.T, r response, what string) {
	t.Helper()
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.raw, `"overloaded"`) ||
		!strings.Contains(r.raw, "--max-executions") {
		t.Errorf("%s got %d %v %s, want 503 with Retry-After, code overloaded, naming --max-executions", what, r.status, r.header, r.raw)
	}
}

// With MaxExecutions 4, one slot is for documents slow on average (a
// quarter, at least one) and three for documents that ran fast. A new
// document takes the slow slot, or borrows a fast one while more than half
// of them are free; past that it waits, and after QueueTimeout gets 503
// with Retry-After and code overloaded. A lookup known fast is answered
// meanwhile, and so is a mutation (not counted). A document known slow
// waits for the slow slot only.
func TestExecutionsAreBounded(t *testing.T) {
	t.Parallel()
	st := &gatedStore{Store: seededStore(t, t.TempDir()), gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	ts, _ := startOver(t, st, func(c *server.Config) { c.MaxExecutions, c.QueueTimeout = 4, 500*time.Millisecond })
	const lookup = `{"query":"{ entity(id: \"person/chulpan-khamatova\") { id } }"}`
	if r := post(t, ts.URL, "application/json", "", lookup); r.status != http.StatusOK {
		t.Fatalf("the lookup got %d %s", r.status, r.raw)
	}

	var running []chan response
	for _, fields := range []string{"totalEntities", "totalRelations", "entities { type }"} {
		running = append(running, postAsync(ts.URL, `{"query":"{ stats { `+fields+` } }"}`))
		<-st.entered
	}
	wantOverloaded(t, <-postAsync(ts.URL, `{"query":"{ stats { relations { predicate } } }"}`), "a fourth new document")
	began := time.Now()
	if r := post(t, ts.URL, "application/json", "", lookup); r.status != http.StatusOK || !strings.Contains(r.raw, "person/chulpan-khamatova") {
		t.Errorf("a lookup known fast got %d %s while three costly documents ran, want 200", r.status, r.raw)
	}
	if waited := time.Since(began); waited >= 500*time.Millisecond {
		t.Errorf("the lookup waited %v, as long as the queue timeout: it was queued behind the costly documents", waited)
	}
	r := post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer "+testToken)
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"ok":true`) {
		t.Errorf("a mutation with the query slots taken got %d %s, want it run", r.status, r.raw)
	}
	time.Sleep(300 * time.Millisecond) // the three run slow: over 250 ms
	if n := st.open(); n != 3 {
		t.Errorf("%d new documents executed at once, want 3 (the slow slot and less than half the fast ones)", n)
	}
	for _, c := range running {
		if r := <-c; r.status != http.StatusOK || !strings.Contains(r.raw, `"stats"`) {
			t.Errorf("a query got %d %s, want 200", r.status, r.raw)
		}
	}

	// the first document is known slow now: its copies wait for the slow slot
	slow := postAsync(ts.URL, `{"query":"{ stats { totalEntities } }"}`)
	<-st.entered
	wantOverloaded(t, <-postAsync(ts.URL, `{"query":"{ stats { totalEntities } }"}`), "a document known slow with the slow slot taken")
	if n := st.open(); n != 1 {
		t.Errorf("%d copies of a document known slow executed at once, want 1", n)
	}
	if r := <-slow; r.status != http.StatusOK {
		t.Errorf("a query got %d %s, want 200", r.status, r.raw)
	}
}
