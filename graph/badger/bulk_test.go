package badger_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// dump lists every key and value of a store but its metadata and its
// history, which records when and how (built, rebuilt, through
// transactions) each store was written: history_test.go reads it.
func dump(t *testing.T, st *badger.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := badger.DBOf(st).View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{PrefetchValues: true})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			if bytes.HasPrefix(k, []byte("m:")) || badger.IsHistoryKey(k) {
				continue
			}
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			out[string(k)] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// The bulk build writes exactly what the transactional path writes: every
// key, every value, every counter.
func TestBulkBuildWritesWhatTransactionsWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cs := func() *graph.Changeset {
		c, err := seed.Default()
		if err != nil {
			t.Fatal(err)
		}
		// a relation from an entity to itself names its pair once
		c.Relations = append(c.Relations, graph.RelationChange{Where: "loop", Relation: graph.Relation{
			Subject: "country/russia", Predicate: "migration-to", Object: "country/russia", Date: "2022-03", EndDate: "2022-04",
			Sources: []graph.Source{{Quote: "q"}}}})
		for i := range 300 {
			id := fmt.Sprintf("person/bulk-%d", i)
			c.Entities = append(c.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: fmt.Sprintf("Bulk Person %d", i%7), Type: graph.Person, Aliases: []string{"Булк"}}})
			c.Relations = append(c.Relations, graph.RelationChange{Where: id, Relation: graph.Relation{Subject: id, Predicate: "fled-to", Object: "country/georgia", Date: fmt.Sprintf("2022-%02d", 1+i%12), Sources: []graph.Source{{Quote: "q"}}}})
		}
		return c
	}
	dir := filepath.Join(t.TempDir(), "built")
	if _, err := badger.Build(ctx, dir, cs(), badger.BuildOptions{}); err != nil {
		t.Fatal(err)
	}
	bulk, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer bulk.Close()
	txn, err := badger.Open(t.TempDir(), badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer txn.Close()
	if _, err := txn.Load(ctx, cs(), badger.LoadOptions{MaxTxnKeys: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	got, want := dump(t, bulk), dump(t, txn)
	if len(want) < 10000 {
		t.Fatalf("only %d keys: the case is too small to mean much", len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok {
			t.Errorf("the bulk build lacks %q", k)
		} else if g != v {
			t.Errorf("%q = %q in the bulk build, %q through transactions", k, g, v)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("the bulk build has %q, transactions do not", k)
		}
	}
}
