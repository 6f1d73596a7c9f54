package badger_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/graph/storetest"
)

// adjacencyCounters returns the store's adjacency counters (c:adj:).
func adjacencyCounters(t *testing.T, st *badger.Store) map[string]string {
	t.Helper()
	return keysUnder(t, st, "c:adj:")
}

func sameCounters(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	n := 0
	for k, v := range want {
		if got[k] != v && n < 10 {
			n++
			t.Errorf("%s: %q = %x, want %x", what, k, got[k], v)
		}
	}
	for k, v := range got {
		if _, ok := want[k]; !ok && n < 10 {
			n++
			t.Errorf("%s: %q = %x, which is not wanted", what, k, v)
		}
	}
}

// Counts of an entity's relations (per direction and predicates) and of its
// timeline come from counters: they stay right through journaled batches
// (through single transactions: storetest's CountersMatchAScan), and the
// bulk build and the migrations from layouts 2 and 6 write the same
// counters.
func TestCountersMatchAScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, base := storetest.NewRandomGraph(12, 300)
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Apply(ctx, base, false); err != nil {
		t.Fatal(err)
	}
	apply := func(c *graph.Changeset, o badger.LoadOptions) {
		t.Helper()
		if _, err := st.Load(ctx, c, o); err != nil {
			t.Fatal(err)
		}
	}
	apply(g.Adds(1000), badger.LoadOptions{})
	apply(g.Changes(150, 100), badger.LoadOptions{})
	// journaled batches
	journaled := badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 100}
	apply(g.Adds(500), journaled)
	apply(g.Changes(200, 150), journaled)
	storetest.CheckCounts(t, st, g, "after journaled batches")
	for range 20 { // small writes, as a server takes them
		apply(g.Changes(3, 2), badger.LoadOptions{})
		apply(g.Adds(5), badger.LoadOptions{})
	}
	written := adjacencyCounters(t, st)

	// the bulk build of the same graph writes the same counters
	built, dir := buildState(t, g, base)
	sameCounters(t, "built", adjacencyCounters(t, built), written)
	storetest.CheckCounts(t, built, g, "after the bulk build")

	// a store of layout 2 (no counters, and a wrong one left by an
	// interrupted migration) is migrated to the same counters
	timeline := keysUnder(t, st, "c:timeline:")
	if len(timeline) < 3 {
		t.Fatalf("only %d counters of dated relations", len(timeline))
	}
	sameCounters(t, "built (dated)", keysUnder(t, built, "c:timeline:"), timeline)
	migrated := migratedFrom(t, built, dir, 2, written, "c:adj:person/e-7\x00o", string(bytes.Repeat([]byte{0}, 8)))
	sameCounters(t, "migrated", adjacencyCounters(t, migrated), written)
	storetest.CheckCounts(t, migrated, g, "after the migration")

	// a store of layout 6 (no counters of dated relations, and a wrong one
	// left by an interrupted migration) is migrated to the same counters
	migrated = migratedFrom(t, migrated, dir, 6, timeline, "c:timeline:pred-0", string(bytes.Repeat([]byte{0}, 8)))
	defer migrated.Close()
	sameCounters(t, "migrated from layout 6", keysUnder(t, migrated, "c:timeline:"), timeline)
	storetest.CheckCounts(t, migrated, g, "after the migration from layout 6")
}

// buildState writes the random graph as it is now with the bulk build, in
// a new directory, and opens it.
func buildState(t *testing.T, g *storetest.RandomGraph, base *graph.Changeset) (*badger.Store, string) {
	t.Helper()
	dir := t.TempDir() + "/built"
	if _, err := badger.Build(context.Background(), dir, g.State(base), badger.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	return st, dir
}

// migratedFrom makes st a store of an older layout (the keys that layout
// lacked deleted, and one key left wrong as an interrupted migration would
// leave it), closes it and opens it again, which migrates it; the store
// must record the current layout after.
func migratedFrom(t *testing.T, st *badger.Store, dir string, layout int, lacked map[string]string, leftKey, leftValue string) *badger.Store {
	t.Helper()
	err := badger.DBOf(st).Update(func(txn *bg.Txn) error {
		for k := range lacked {
			if err := txn.Delete([]byte(k)); err != nil {
				return err
			}
		}
		if err := txn.Set([]byte(leftKey), []byte(leftValue)); err != nil {
			return err
		}
		return txn.Set([]byte("m:layout"), []byte(fmt.Sprint(layout)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	migrated, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := migrated.Meta("layout"); v != fmt.Sprint(badger.LayoutVersion) {
		t.Errorf("m:layout = %q after the migration from layout %d", v, layout)
	}
	return migrated
}
