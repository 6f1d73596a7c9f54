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
	gate    chan struct{}
	entered chan struct{}

	mu          sync.Mutex
	now, maxNow int
}

func (s *gatedStore) Stats(ctx context.Context) (*graph.Stats, error) {
	s.mu.Lock()
	s.now++
	s.maxNow = max(s.maxNow, s.now)
	s.mu.Unlock()
	s.entered <- struct{}{}
	select {
	case <-s.gate:
	case <-ctx.Done():
	}
	s.mu.Lock()
	s.now--
	s.mu.Unlock()
	return s.Store.Stats(ctx)
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

// With MaxExecutions 2, one slot is for documents not seen yet or slow
// (a quarter, at least one), one for documents that ran fast: a second new document waits for the
// first, and past QueueTimeout gets 503 with Retry-After and code
// overloaded; a lookup that ran fast before is answered meanwhile, and so
// is a mutation (not counted).
func TestExecutionsAreBounded(t *testing.T) {
	t.Parallel()
	st := &gatedStore{Store: seededStore(t, t.TempDir()), gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	ts, _ := startOver(t, st, func(c *server.Config) { c.MaxExecutions, c.QueueTimeout = 2, 500*time.Millisecond })
	const lookup = `{"query":"{ entity(id: \"person/chulpan-khamatova\") { id } }"}`
	if r := post(t, ts.URL, "application/json", "", lookup); r.status != http.StatusOK {
		t.Fatalf("the lookup got %d %s", r.status, r.raw)
	}

	first := postAsync(ts.URL, `{"query":"{ stats { totalEntities } }"}`)
	<-st.entered
	r := <-postAsync(ts.URL, `{"query":"{ stats { totalRelations } }"}`)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.raw, `"overloaded"`) ||
		!strings.Contains(r.raw, "--max-executions") {
		t.Errorf("a new document with the slot for new ones taken got %d %v %s, want 503 with Retry-After, code overloaded, naming --max-executions", r.status, r.header, r.raw)
	}
	began := time.Now()
	if r := post(t, ts.URL, "application/json", "", lookup); r.status != http.StatusOK || !strings.Contains(r.raw, "person/chulpan-khamatova") {
		t.Errorf("a lookup that ran fast before got %d %s while a costly document ran, want 200", r.status, r.raw)
	}
	if waited := time.Since(began); waited >= 500*time.Millisecond {
		t.Errorf("the lookup waited %v, as long as the queue timeout: it was queued behind the costly document", waited)
	}
	r = post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer "+testToken)
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"ok":true`) {
		t.Errorf("a mutation with the query slots taken got %d %s, want it run", r.status, r.raw)
	}

	second := postAsync(ts.URL, `{"query":"{ stats { totalEntities totalRelations } }"}`)
	time.Sleep(100 * time.Millisecond) // the second waits for the slot
	close(st.gate)
	for _, c := range []chan response{first, second} {
		if r := <-c; r.status != http.StatusOK || !strings.Contains(r.raw, `"stats"`) {
			t.Errorf("a query got %d %s, want 200", r.status, r.raw)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.maxNow != 1 {
		t.Errorf("%d new documents executed at once, want 1 (a quarter of MaxExecutions, at least 1)", st.maxNow)
	}
}
