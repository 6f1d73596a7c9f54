package badger_test

import (
	"testing"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/graph/storetest"
)

// The Badger store passes the conformance suite of graph.Store, on disk
// (without syncing each commit: no test here is about syncing) and in
// memory.
func TestConformance(t *testing.T) {
	t.Parallel()
	for name, inMemory := range map[string]bool{"disk": false, "memory": true} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			storetest.Run(t, func(t *testing.T) graph.Store {
				dir := ""
				if !inMemory {
					dir = t.TempDir()
				}
				st, err := badger.Open(dir, badger.Options{NoSync: true, InMemory: inMemory, MemTableSize: testMemTable})
				if err != nil {
					t.Fatal(err)
				}
				return st
			})
		})
	}
}
