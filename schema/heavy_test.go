package schema_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/schema"
)

// blockingStore holds the first page of relations asked until it is let
// go, and counts the pages asked while it holds it.
type blockingStore struct {
	graph.Store
	held    chan struct{} // closed once the first page is held
	release chan struct{}
	once    sync.Once
	during  atomic.Int32
}

func (s *blockingStore) Relations(ctx context.Context, f graph.RelationFilter) (*graph.RelationPage, error) {
	first := false
	s.once.Do(func() { first = true })
	select {
	case <-s.release:
	default:
		if first {
			close(s.held)
			<-s.release
		} else {
			s.during.Add(1)
		}
	}
	return s.Store.Relations(ctx, f)
}

// Heavy requests take turns, light ones never wait: while one heavy
// request runs (MaxHeavy: 1), a second waits for its turn (here until
// its deadline), as does one that turns heavy as it reads, and a lookup is
// answered.
func TestHeavyRequestsTakeTurns(t *testing.T) {
	t.Parallel()
	st := &blockingStore{Store: hubStore(t), held: make(chan struct{}), release: make(chan struct{})}
	l := schema.DefaultLimits()
	l.MaxHeavy = 1
	api := newAPI(t, st, schema.Options{Limits: l})
	// 20 pages of 500 relations with their ends: a result the cost limit
	// estimates at some 40,000 items, heavy from the start
	var heavy strings.Builder
	heavy.WriteString("{")
	for i := range 20 {
		heavy.WriteString(strings.Replace(` rN: relations(first: 500) { nodes { id subject { id } object { id } } }`, "N", string(rune('a'+i)), 1))
	}
	heavy.WriteString(" }")
	first := make(chan map[string]any)
	go func() { first <- do(t, api, context.Background(), heavy.String(), nil) }()
	<-st.held // the first heavy request has its turn, and is held in the store

	for _, q := range []string{
		heavy.String(),
		// estimated light, it reads 1,500 relations: heavy past 1,000
		`{ figures(subject: "person/busy", groupBy: NONE) { count } }`,
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		out := do(t, api, ctx, q, nil)
		cancel()
		if raw, _ := json.Marshal(out); !strings.Contains(string(raw), `"code":"timeout"`) {
			t.Errorf("%.80s while the first runs: %.300s; want it to wait for its turn, to its deadline", q, raw)
		}
	}
	lookup := do(t, api, context.Background(), `{ entity(id: "country/hub") { name } }`, nil)
	if raw, _ := json.Marshal(lookup); !strings.Contains(string(raw), `"name":"Hub"`) {
		t.Errorf("a lookup while a heavy request runs: %s", raw)
	}
	if n := st.during.Load(); n > 0 {
		t.Errorf("%d pages were read while the first heavy request had the only turn", n)
	}
	close(st.release)
	if out := <-first; out["errors"] != nil {
		t.Errorf("the first heavy request: %v", out["errors"])
	}
	// its turn is given back
	if out := do(t, api, context.Background(), heavy.String(), nil); out["errors"] != nil {
		t.Errorf("a heavy request after the first: %v", out["errors"])
	}
}
