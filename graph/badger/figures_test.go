package badger_test

import (
	"context"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/graph/storetest"
)

// keysUnder returns the store's keys under the prefixes, with their values.
func keysUnder(t *testing.T, st *badger.Store, prefixes ...string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range prefixes {
		err := badger.DBOf(st).View(func(txn *bg.Txn) error {
			it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(p), PrefetchValues: true})
			defer it.Close()
			for it.Rewind(); it.Valid(); it.Next() {
				v, err := it.Item().ValueCopy(nil)
				if err != nil {
					return err
				}
				out[string(it.Item().Key())] = string(v)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// The figures index and its summaries stay right through journaled batches
// (through single transactions: storetest's FiguresMatchAScan); the bulk
// build and the migration from layout 4 write the same keys.
func TestFiguresMatchAScan(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	g, base := storetest.NewRandomGraph(5, 60)
	st, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	apply := func(c *graph.Changeset, o badger.LoadOptions) {
		t.Helper()
		if _, err := st.Load(ctx, c, o); err != nil {
			t.Fatal(err)
		}
	}
	apply(base, badger.LoadOptions{})
	apply(g.Adds(1500), badger.LoadOptions{})
	apply(g.Changes(400, 200), badger.LoadOptions{})
	journaled := badger.LoadOptions{MaxTxnKeys: 10, BatchKeys: 100}
	apply(g.Adds(500), journaled)
	apply(g.Changes(300, 200), journaled)
	storetest.CheckFigures(t, st, g, "after journaled batches")
	for range 30 {
		apply(g.Changes(4, 3), badger.LoadOptions{})
		apply(g.Adds(3), badger.LoadOptions{})
	}
	written := keysUnder(t, st, "f:", "F:")
	if len(written) < 100 {
		t.Fatalf("only %d keys of figures", len(written))
	}

	built, dir := buildState(t, g, base)
	sameCounters(t, "built", keysUnder(t, built, "f:", "F:"), written)
	storetest.CheckFigures(t, built, g, "after the bulk build")

	// a store of layout 4 (no figures index, and a wrong summary left by
	// an interrupted migration) is migrated to the same keys
	migrated := migratedFrom(t, built, dir, 4, written, "F:person/e-1\x00pred-0\x00people", "\x09")
	defer migrated.Close()
	sameCounters(t, "migrated", keysUnder(t, migrated, "f:", "F:"), written)
	storetest.CheckFigures(t, migrated, g, "after the migration")
}
