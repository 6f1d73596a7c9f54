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

// No more than MaxExecutions queries execute at once; one that finds no
// slot within QueueTimeout gets 503 with Retry-After and code overloaded;
// mutations are not held back; a query that waits less gets its turn.
func TestExecutionsAreBounded(t *testing.T) {
	t.Parallel()
	st := &gatedStore{Store: seededStore(t, t.TempDir()), gate: make(chan struct{}), entered: make(chan struct{}, 16)}
	ts, _ := startOver(t, st, func(c *server.Config) { c.MaxExecutions, c.QueueTimeout = 2, 500*time.Millisecond })
	const stats = `{"query":"{ stats { totalEntities } }"}`
	results := make(chan response, 4)
	ask := func() {
		go func() {
			resp, err := http.Post(ts.URL+"/graphql", "application/json", strings.NewReader(stats))
			if err != nil {
				results <- response{raw: err.Error()}
				return
			}
			raw, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			results <- response{status: resp.StatusCode, raw: string(raw)}
		}()
	}
	ask()
	ask()
	<-st.entered
	<-st.entered

	r := post(t, ts.URL, "application/json", "", `{"query":"{ __typename }"}`)
	if r.status != http.StatusServiceUnavailable || r.header.Get("Retry-After") == "" || !strings.Contains(r.raw, `"overloaded"`) ||
		!strings.Contains(r.raw, "--max-executions") {
		t.Errorf("a query with both slots taken got %d %v %s, want 503 with Retry-After, code overloaded, naming --max-executions", r.status, r.header, r.raw)
	}
	r = post(t, ts.URL, "application/json", "", `{"query":"mutation { retractRelation(id: \"rel/x\") { ok } }"}`, "Authorization", "Bearer "+testToken)
	if r.status != http.StatusOK || !strings.Contains(r.raw, `"ok":true`) {
		t.Errorf("a mutation with both query slots taken got %d %s, want it run", r.status, r.raw)
	}

	ask()
	time.Sleep(100 * time.Millisecond) // the third waits for a slot
	close(st.gate)
	for i := 0; i < 3; i++ {
		if r := <-results; r.status != http.StatusOK || !strings.Contains(r.raw, "totalEntities") {
			t.Errorf("a query got %d %s, want 200", r.status, r.raw)
		}
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.maxNow != 2 {
		t.Errorf("%d queries executed at once, want 2 (MaxExecutions)", st.maxNow)
	}
}
