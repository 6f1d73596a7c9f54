package badger

import (
	"context"
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
)

func searchCacheStore(t *testing.T, names ...string) *Store {
	t.Helper()
	st, err := Open("", Options{InMemory: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	addPeople(t, st, names...)
	return st
}

func addPeople(t *testing.T, st *Store, names ...string) {
	t.Helper()
	c := &graph.Changeset{}
	for i, n := range names {
		c.Entities = append(c.Entities, graph.EntityChange{Entity: graph.Entity{ID: fmt.Sprintf("person/%s-%d", graph.Normalize(n)[:3], i), Name: n, Type: graph.Person}})
	}
	if _, err := st.Apply(context.Background(), c, false); err != nil {
		t.Fatal(err)
	}
}

func hitIDs(hits []graph.SearchHit) []string {
	var ids []string
	for _, h := range hits {
		ids = append(ids, h.Entity.ID+" "+h.Kind)
	}
	return ids
}

// A search asked again after a write answers from the new snapshot, not
// from the answer kept for the old one.
func TestSearchCacheSeesWrites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := searchCacheStore(t, "Maxim Galkin")
	before, err := st.Search(ctx, "Galkin", nil, 10)
	if err != nil || len(before) != 1 {
		t.Fatalf("before: %v %v", hitIDs(before), err)
	}
	addPeople(t, st, "Galkina Olga")
	after, err := st.Search(ctx, "Galkin", nil, 10)
	if err != nil || len(after) != 2 {
		t.Fatalf("after a write, the search found %v (%v), want both Galkins", hitIDs(after), err)
	}
}

// What a caller does to a kept answer does not reach the next caller, and
// a kept answer is charged to the request's budget as the search was.
func TestSearchCacheAnswersAsTheSearch(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := searchCacheStore(t, "Maxim Galkin", "Alla Pugacheva", "Galkin Street")
	b1 := graph.NewBudget(0)
	first, err := st.Search(graph.WithBudget(ctx, b1), "galkn", nil, 10)
	if err != nil || len(first) == 0 {
		t.Fatalf("%v %v", hitIDs(first), err)
	}
	want := hitIDs(first)
	first[0].Entity.Name = "changed"
	b2 := graph.NewBudget(0)
	again, err := st.Search(graph.WithBudget(ctx, b2), "galkn", nil, 10)
	if err != nil || fmt.Sprint(hitIDs(again)) != fmt.Sprint(want) || again[0].Entity.Name == "changed" {
		t.Fatalf("asked again: %v (%v), want %v unchanged", hitIDs(again), err, want)
	}
	// and what a caller does to a kept answer
	again[0].Entity.Name = "changed"
	third, err := st.Search(ctx, "galkn", nil, 10)
	if err != nil || fmt.Sprint(hitIDs(third)) != fmt.Sprint(want) || third[0].Entity.Name == "changed" {
		t.Fatalf("asked a third time: %v (%v), want %v unchanged", hitIDs(third), err, want)
	}
	if b1.Left() != b2.Left() {
		t.Errorf("the kept answer left %d records of the budget, the search %d", b2.Left(), b1.Left())
	}
	if k, ok := st.searches.entries[newSearchKey("galkn", nil, 10)]; !ok || k.Value.(*searchEntry).records == 0 {
		t.Errorf("the search was not kept, or kept without what it read")
	}
}

// A client sending ever new texts turns the cache over; it does not grow
// past its bounds.
func TestSearchCacheBounded(t *testing.T) {
	t.Parallel()
	var c searchCache
	hit := graph.SearchHit{Entity: &graph.Entity{ID: "person/x", Name: "X", Type: graph.Person}, Kind: "EXACT"}
	big := graph.SearchHit{Entity: &graph.Entity{ID: "person/y", Name: "Y", Type: graph.Person, Description: string(make([]byte, 4000))}, Kind: "EXACT"}
	for i := range 3 * searchCacheEntries {
		hits := []graph.SearchHit{hit}
		if i%2 == 0 {
			hits = []graph.SearchHit{big, big, big, big, big, big, big, big, big, big}
		}
		c.put(&searchEntry{key: newSearchKey(fmt.Sprint("q", i), nil, 10), readTs: 1, hits: hits})
		if c.order.Len() > searchCacheEntries || len(c.entries) != c.order.Len() || c.bytes > searchCacheBytes {
			t.Fatalf("after %d searches: %d entries (%d in the map), %d bytes", i+1, c.order.Len(), len(c.entries), c.bytes)
		}
	}
	if _, ok := c.get(newSearchKey(fmt.Sprint("q", 3*searchCacheEntries-1), nil, 10), 1); !ok {
		t.Error("the latest search was not kept")
	}
	if _, ok := c.get(newSearchKey("q1", nil, 10), 1); ok {
		t.Error("the first search was kept past the bound")
	}
	c.put(&searchEntry{key: newSearchKey("large page", nil, searchCacheFirst+1), readTs: 1, hits: []graph.SearchHit{hit}})
	if _, ok := c.get(newSearchKey("large page", nil, searchCacheFirst+1), 1); ok {
		t.Error("a page larger than searchCacheFirst was kept")
	}
}
