package badger_test

import (
	"context"
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/graph/storetest"
)

// The behaviours every store has (reads, writes, filters, search, paths,
// counters, figures, snapshots) are the conformance suite's
// (conformance_test.go, package storetest); the tests of this package are
// about what is Badger's own: its keys and layout, its files, its bulk
// build and rebuild, its journal, and its faults.

// testMemTable is the memtable of the test stores: Badger zeroes a
// memtable's whole arena when it opens one, and at its default of 64 MiB
// that was most of this package's CPU. Tests about the memtable or the
// reserve (space_test.go) say their own size.
const testMemTable = 8 << 20

func openStore(t testing.TB) (*badger.Store, string) {
	t.Helper()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, dir
}

func quote(s string) []graph.Source { return storetest.Quote(s) }

// fixture is a small graph: two people who fled to one country, a law, and
// a figure (storetest.Fixture).
func fixture() *graph.Changeset { return storetest.Fixture() }

func loaded(t testing.TB) *badger.Store {
	t.Helper()
	st, _ := openStore(t)
	if _, err := st.Apply(context.Background(), fixture(), false); err != nil {
		t.Fatal(err)
	}
	return st
}
