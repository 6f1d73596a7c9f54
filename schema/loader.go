package schema

import (
	"context"
	"sync"

	"github.com/emigraph/emigraph/graph"
)

// loader batches entity reads within one request. Resolvers ask for an
// entity and get a thunk; graphql-go runs thunks breadth-first, so every
// subject and object of a page of relations is requested before the first
// thunk runs, and the first thunk fetches them all in one store read.
type loader struct {
	store   graph.Store
	ctx     context.Context
	mu      sync.Mutex
	pending map[string]bool
	cache   map[string]*graph.Entity
	records recordCache // the source records read (sources.go)
}

type loaderKey struct{}

// withLoader attaches a fresh loader to a request's context.
func withLoader(ctx context.Context, s graph.Store) context.Context {
	l := &loader{store: s, ctx: ctx, pending: map[string]bool{}, cache: map[string]*graph.Entity{}}
	l.records.records = map[string]*graph.SourceRecord{}
	return context.WithValue(ctx, loaderKey{}, l)
}

func loaderFrom(ctx context.Context, s graph.Store) *loader {
	if l, ok := ctx.Value(loaderKey{}).(*loader); ok {
		return l
	}
	return &loader{store: s, ctx: ctx, pending: map[string]bool{}, cache: map[string]*graph.Entity{}}
}

// entity returns a thunk resolving to the entity with the id.
func (l *loader) entity(id string) func() (any, error) {
	l.mu.Lock()
	if _, ok := l.cache[id]; !ok {
		l.pending[id] = true
	}
	l.mu.Unlock()
	return func() (any, error) {
		if err := l.flush(); err != nil {
			return nil, err
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		e := l.cache[id]
		if e == nil {
			return nil, graph.Errorf(graph.EINTERNAL, "entity %s is referenced by a relation but missing", id)
		}
		return e, nil
	}
}

func (l *loader) flush() error {
	l.mu.Lock()
	if len(l.pending) == 0 {
		l.mu.Unlock()
		return nil
	}
	ids := make([]string, 0, len(l.pending))
	for id := range l.pending {
		ids = append(ids, id)
	}
	l.pending = map[string]bool{}
	l.mu.Unlock()
	found, err := l.store.EntitiesByID(l.ctx, ids)
	if err != nil {
		return err
	}
	l.mu.Lock()
	for _, id := range ids {
		l.cache[id] = found[id]
	}
	l.mu.Unlock()
	return nil
}
