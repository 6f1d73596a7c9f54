package badger_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// verifyCase is a closed store of the fixture and 200 people, changed by
// break (nil: left whole).
func verifyCase(t *testing.T, breakIt func(txn *bg.Txn) error) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, many(200), badger.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	// a source record, cited
	cited := &graph.Changeset{Sources: []graph.SourceChange{{Source: graph.SourceRecord{ID: "source/cited", Title: "Cited"}}},
		Relations: []graph.RelationChange{{Relation: graph.Relation{Subject: "person/alla-pugacheva", Predicate: "fled-to", Object: "country/latvia", Date: "2023",
			Sources: []graph.Source{{SourceID: "source/cited", Quote: "Pugacheva went back to Latvia."}}}}}}
	if _, err := st.Apply(ctx, cited, false); err != nil {
		t.Fatal(err)
	}
	if breakIt != nil {
		if err := badger.DBOf(st).Update(breakIt); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// Verify finds a whole store whole, and names each key of a broken one: an
// adjacency key missing or pointing elsewhere, one left over, a counter
// that does not match, a relation whose entity is gone, the layout not
// recorded.
func TestVerifyChecksTheKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	r, err := badger.Verify(ctx, verifyCase(t, nil), badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil || !r.OK() || !r.KeysChecked || r.Relations < 200 || r.Entities < 200 || r.Tables.Tables == 0 {
		t.Fatalf("a whole store: %+v, %v", r, err)
	}
	for _, tc := range []struct {
		name    string
		breakIt func(txn *bg.Txn) error
		want    []string
	}{
		{"an adjacency key missing", func(txn *bg.Txn) error {
			return txn.Delete(firstKey(t, txn, "o:person/p-7\x00"))
		}, []string{"its adjacency key \"o:person/p-7\\x00fled-to\\x00"}},
		{"an adjacency key pointing elsewhere", func(txn *bg.Txn) error {
			return txn.Set(firstKey(t, txn, "i:country/latvia\x00"), []byte("person/nobody"))
		}, []string{"holds \"person/nobody\""}},
		{"an adjacency key left over", func(txn *bg.Txn) error {
			return txn.Set([]byte("o:person/p-1\x00fled-to\x00rel-gone"), []byte("country/latvia"))
		}, []string{`its relation "rel-gone" is not stored`}},
		{"a counter", func(txn *bg.Txn) error {
			return txn.Set([]byte("c:relations"), []byte{0, 0, 0, 0, 0, 0, 0, 1})
		}, []string{"c:relations holds 1, and the store holds"}},
		{"a source's counter", func(txn *bg.Txn) error {
			return txn.Set([]byte("c:src:source/cited"), []byte{0, 0, 0, 0, 0, 0, 0, 3})
		}, []string{"c:src:source/cited holds 3, and the store holds 1"}},
		{"a source record gone", func(txn *bg.Txn) error {
			return txn.Delete([]byte("s:source/cited"))
		}, []string{`its source record "source/cited" is not stored`}},
		{"an entity gone", func(txn *bg.Txn) error {
			return txn.Delete([]byte("e:person/p-3"))
		}, []string{`its entity "person/p-3" is not stored`, "c:entities holds"}},
		{"the layout", func(txn *bg.Txn) error {
			return txn.Delete([]byte("m:layout"))
		}, []string{"the store does not open", "holds a store of key layout 2, older than this emigraph reads"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := badger.Verify(ctx, verifyCase(t, tc.breakIt), badger.Options{NoSync: true, MemTableSize: testMemTable})
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(r.Problems, "\n")
			for _, want := range tc.want {
				if !strings.Contains(all, want) {
					t.Errorf("the report does not say %q:\n%s", want, all)
				}
			}
		})
	}
}

// firstKey returns the first key under prefix.
func firstKey(t *testing.T, txn *bg.Txn, prefix string) []byte {
	t.Helper()
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
	defer it.Close()
	if it.Rewind(); !it.Valid() {
		t.Fatalf("no key under %q", prefix)
	}
	return it.Item().KeyCopy(nil)
}

// Verify refuses a store another process holds for writing, untouched.
func TestVerifyRefusesAHeldStore(t *testing.T) {
	t.Parallel()
	dir := verifyCase(t, nil)
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := badger.Verify(context.Background(), dir, badger.Options{NoSync: true, MemTableSize: testMemTable}); !errors.Is(err, badger.ErrLocked) {
		t.Errorf("verify of a held store: %v", err)
	}
}
