package badger_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
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

// A large load into an empty store on disk is built beside it with Badger's
// StreamWriter and swapped in; it reads like any other, also after a reopen.
func TestBulkLoad(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, cs := journalCase(t, true)
	sum, err := st.Load(ctx, cs, badger.LoadOptions{MaxTxnKeys: 100, Bulk: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.RelationsAdded != 500 {
		t.Errorf("summary %v", sum)
	}
	check := func(st *badger.Store) {
		t.Helper()
		if n, _ := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}); n != 500 {
			t.Errorf("Latvia has %d incoming relations, want 500", n)
		}
		if n, _ := st.CountEntities(ctx, graph.Person); n != 503 {
			t.Errorf("%d people, want 503", n)
		}
		if hits, _ := st.Search(ctx, "Person 42", nil, 1); len(hits) == 0 || hits[0].Entity.ID != "person/p-42" {
			t.Errorf("search after a bulk load: %v", hits)
		}
	}
	check(st)
	st.Close()
	st, err = badger.Open(dir, badger.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	check(st)
	// and it takes ordinary writes afterwards
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Errorf("a write after a bulk load: %v", err)
	}
	if n, _ := st.CountRelations(ctx, graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}); n != 502 {
		t.Errorf("after a write Latvia has %d incoming relations, want 502", n)
	}
	if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
		t.Errorf("a bulk load left %v beside the store", left)
	}
}

// A bulk load that fails, cancelled part-way or refused by its checks (after
// it began building the entities), leaves the store empty and nothing beside it.
func TestFailedBulkLoadLeavesNothing(t *testing.T) {
	tests := []struct {
		name  string
		setup func(cs *graph.Changeset, o *badger.LoadOptions) context.Context
		want  func(err error) bool
	}{
		{"cancelled part-way", func(_ *graph.Changeset, o *badger.LoadOptions) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			calls := 0
			o.Progress = func(int) {
				if calls++; calls == 2 {
					cancel()
				}
			}
			return ctx
		}, func(err error) bool { return errors.Is(err, context.Canceled) }},
		{"refused, with every problem named", func(cs *graph.Changeset, _ *badger.LoadOptions) context.Context {
			cs.Relations = append(cs.Relations, graph.RelationChange{Where: "bad.jsonl:7", Relation: graph.Relation{
				Subject: "person/p-1", Predicate: "no-such-predicate", Object: "country/latvia", Sources: quote("q")}})
			return context.Background()
		}, func(err error) bool {
			var ve *graph.ValidationError
			return errors.As(err, &ve) && strings.Contains(err.Error(), "bad.jsonl:7")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			st, err := badger.Open(dir, badger.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			_, cs := journalCase(t, true)
			o := badger.LoadOptions{MaxTxnKeys: 100, Bulk: true}
			ctx := tt.setup(cs, &o)
			if _, err := st.Load(ctx, cs, o); !tt.want(err) {
				t.Fatalf("Load error = %v", err)
			}
			if n, _ := st.CountEntities(context.Background(), ""); n != 0 {
				t.Errorf("a failed bulk load left %d entities", n)
			}
			if left, _ := filepath.Glob(filepath.Clean(dir) + ".*"); len(left) > 0 {
				t.Errorf("a failed bulk load left %v beside the store", left)
			}
		})
	}
}
