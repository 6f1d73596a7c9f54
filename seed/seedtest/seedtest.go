package seedtest

import (
	"context"
	"testing"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// Options are those of the test stores: no sync of every commit (no test
// of a seeded store is about syncing), and a small memtable, because
// Badger zeroes a memtable's whole arena when it opens one (64 MiB at its
// default).
var Options = badger.Options{NoSync: true, MemTableSize: 8 << 20}

// Open returns a store in t.TempDir() holding the seed, closed when the
// test ends.
func Open(t testing.TB) *badger.Store {
	t.Helper()
	st := OpenIn(t, t.TempDir())
	t.Cleanup(func() { st.Close() })
	return st
}

// OpenIn loads the seed into a store in dir and returns it open; the caller
// closes it (tests that reopen the directory need that).
func OpenIn(t testing.TB, dir string) *badger.Store {
	t.Helper()
	st, err := badger.Open(dir, Options)
	if err != nil {
		t.Fatal(err)
	}
	cs, err := seed.Default()
	if err != nil {
		st.Close()
		t.Fatalf("parsing the seed:\n%v", err)
	}
	if _, err := st.Apply(context.Background(), cs, false); err != nil {
		st.Close()
		t.Fatalf("loading the seed:\n%v", err)
	}
	return st
}
