package badger_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// many returns a changeset of n people who fled to Latvia.
func many(n int) *graph.Changeset {
	cs := &graph.Changeset{}
	for i := 0; i < n; i++ {
		id := fmt.Sprintf("person/p-%d", i)
		cs.Entities = append(cs.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Person %d", i), Type: graph.Person}})
		cs.Relations = append(cs.Relations, graph.RelationChange{Where: id, Relation: graph.Relation{Subject: id, Predicate: "fled-to", Object: "country/latvia", Sources: quote("q")}})
	}
	return cs
}

// journalCase returns a store and a load of 500 people: into an empty store
// (the load brings the fixture's predicates and entities), or into one that
// holds the fixture.
func journalCase(t *testing.T, empty bool) (*badger.Store, *graph.Changeset) {
	st, _ := openStore(t)
	cs := many(500)
	if empty {
		base := fixture()
		cs.Predicates = base.Predicates
		cs.Entities = append(cs.Entities, base.Entities...)
	} else if _, err := st.Apply(context.Background(), fixture(), false); err != nil {
		t.Fatal(err)
	}
	return st, cs
}

func TestJournaledLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, empty := range []bool{true, false} {
		t.Run(fmt.Sprintf("into an empty store %v", empty), func(t *testing.T) {
			st, cs := journalCase(t, empty)
			sum, err := st.Load(ctx, cs, badger.LoadOptions{MaxTxnKeys: 100, BatchKeys: 100})
			if err != nil {
				t.Fatal(err)
			}
			if sum.RelationsAdded != 500 {
				t.Errorf("summary = %v", sum)
			}
			if n, _ := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}); n != 500+2*boolInt(!empty) {
				t.Errorf("Latvia has %d incoming relations", n)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// A load that fails part-way leaves nothing of itself behind and the earlier
// data as it was.
func TestJournaledLoadRollsBack(t *testing.T) {
	t.Parallel()
	for _, empty := range []bool{true, false} {
		t.Run(fmt.Sprintf("into an empty store %v", empty), func(t *testing.T) {
			st, cs := journalCase(t, empty)
			before, _ := st.Stats(context.Background())
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			_, err := st.Load(ctx, cs, badger.LoadOptions{MaxTxnKeys: 100, BatchKeys: 100, Progress: func(int) {
				if calls++; calls == 3 {
					cancel() // part-way through the batches
				}
			}})
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Load error = %v, want context.Canceled", err)
			}
			after, _ := st.Stats(context.Background())
			if fmt.Sprint(before) != fmt.Sprint(after) {
				t.Errorf("a failed load changed the counts: %v -> %v", before, after)
			}
			if _, err := st.Entity(context.Background(), "person/p-0"); !errors.Is(err, graph.ErrNotFound) {
				t.Errorf("an entity of the failed load is visible: %v", err)
			}
			if !empty {
				if _, err := st.Entity(context.Background(), "person/alla-pugacheva"); err != nil {
					t.Errorf("earlier data lost: %v", err)
				}
			}
		})
	}
}
