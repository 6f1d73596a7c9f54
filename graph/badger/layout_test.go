package badger_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// storeWithLayout returns the directory of a closed store holding the
// fixture, with m:layout set to layout ("" removes it) and, with pairs,
// keys of layout 1's pair index.
func storeWithLayout(t *testing.T, layout string, pairs int) string {
	t.Helper()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), fixture(), false); err != nil {
		t.Fatal(err)
	}
	err = badger.DBOf(st).Update(func(txn *bg.Txn) error {
		for i := range pairs {
			k := "l:fled-to\x00person/a\x00country/b\x00rel/" + strconv.Itoa(i)
			if err := txn.Set([]byte(k), []byte("fled-to")); err != nil {
				return err
			}
		}
		if n, err := strconv.Atoi(layout); layout == "" || err == nil && n < 3 {
			// layout 3 added the adjacency counters
			if err := deletePrefix(txn, "c:adj:"); err != nil {
				return err
			}
		}
		if layout == "" {
			return txn.Delete([]byte("m:layout"))
		}
		return txn.Set([]byte("m:layout"), []byte(layout))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir
}

// deletePrefix deletes the keys under prefix.
func deletePrefix(txn *bg.Txn, prefix string) error {
	it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
	var keys [][]byte
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// countPrefix counts the keys of a store under prefix.
func countPrefix(t *testing.T, st *badger.Store, prefix string) int {
	t.Helper()
	n := 0
	badger.DBOf(st).View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n
}

// A new store records its layout; one of a newer or unknown layout is
// refused with a message that says which and what to do, read-only too;
// one of layout 1, or one that predates the record, is migrated.
func TestOpenChecksTheLayout(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a new store records it", func(t *testing.T) {
		st, _ := openStore(t)
		if got, _ := st.Meta("layout"); got != strconv.Itoa(badger.LayoutVersion) {
			t.Errorf("m:layout = %q, want %d", got, badger.LayoutVersion)
		}
	})
	for _, tc := range []struct{ name, layout, want string }{
		{"a newer layout", strconv.Itoa(badger.LayoutVersion + 1), "newer than this emigraph reads"},
		{"an unknown value", "two", `key layout "two", which is not a layout`},
		{"zero", "0", "which is not a layout"},
		{"a padded number", "02", "which is not a layout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := storeWithLayout(t, tc.layout, 0)
			for _, ro := range []bool{false, true} {
				st, err := badger.Open(dir, badger.Options{ReadOnly: ro})
				if err == nil {
					st.Close()
					t.Fatalf("read-only %v: opened", ro)
				}
				if !errors.Is(err, badger.ErrLayout) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), dir) {
					t.Errorf("read-only %v: error %q, want ErrLayout saying %q and naming the directory", ro, err, tc.want)
				}
			}
			// nothing was written: the layout is as it was
			db, err := bg.Open(bg.DefaultOptions(dir).WithReadOnly(true).WithLogger(nil))
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			db.View(func(txn *bg.Txn) error {
				item, err := txn.Get([]byte("m:layout"))
				if err != nil {
					t.Fatalf("m:layout: %v", err)
				}
				if v, _ := item.ValueCopy(nil); string(v) != tc.layout {
					t.Errorf("m:layout = %q after the refusals, want %q", v, tc.layout)
				}
				return nil
			})
		})
	}
	t.Run("layout 1 is migrated", func(t *testing.T) {
		dir := storeWithLayout(t, "", 3000)
		// read-only, it cannot be
		if st, err := badger.Open(dir, badger.Options{ReadOnly: true}); err == nil {
			st.Close()
			t.Error("a store of layout 1 opened read-only")
		} else if !strings.Contains(err.Error(), "layout 1, older") || !strings.Contains(err.Error(), "open it for writing once") {
			t.Errorf("read-only open of layout 1: %v", err)
		}
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if n := countPrefix(t, st, "l:"); n != 0 {
			t.Errorf("%d keys of the pair index left after the migration", n)
		}
		if got, _ := st.Meta("layout"); got != strconv.Itoa(badger.LayoutVersion) {
			t.Errorf("m:layout = %q after the migration", got)
		}
		if _, err := st.Entity(ctx, "person/alla-pugacheva"); err != nil {
			t.Errorf("the data did not survive the migration: %v", err)
		}
	})
	t.Run("a recorded layout 1 is migrated", func(t *testing.T) {
		dir := storeWithLayout(t, "1", 10)
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if n := countPrefix(t, st, "l:"); n != 0 {
			t.Errorf("%d keys of the pair index left", n)
		}
		if got, _ := st.Meta("layout"); got != strconv.Itoa(badger.LayoutVersion) {
			t.Errorf("m:layout = %q", got)
		}
	})
	t.Run("an unrecorded layout 2 is migrated and recorded", func(t *testing.T) {
		dir := storeWithLayout(t, "", 0)
		if st, err := badger.Open(dir, badger.Options{ReadOnly: true}); err == nil {
			st.Close()
			t.Error("a store of layout 2 opened read-only")
		} else if !strings.Contains(err.Error(), "layout 2, older") {
			t.Errorf("read-only open of an unrecorded layout 2: %v", err)
		}
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		if got, _ := st.Meta("layout"); got != strconv.Itoa(badger.LayoutVersion) {
			t.Errorf("m:layout = %q", got)
		}
		if n, _ := st.CountEntities(ctx, ""); n == 0 {
			t.Error("the data is gone")
		}
	})
	t.Run("layout 2 is migrated: the adjacency counters are counted", func(t *testing.T) {
		dir := storeWithLayout(t, "2", 0)
		st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, tc := range []struct {
			f    graph.RelationFilter
			want int
		}{
			{graph.RelationFilter{Entity: "country/latvia", Direction: graph.In}, 2},
			{graph.RelationFilter{Entity: "country/latvia", Direction: graph.In, Predicates: []string{"enacted"}}, 0},
			{graph.RelationFilter{Entity: "group/it-workers"}, 1},
			{graph.RelationFilter{Entity: "person/vladimir-putin", Predicates: []string{"enacted"}}, 1},
			{graph.RelationFilter{Entity: "country/latvia", OrderByDate: true, DatedOnly: true}, 2},
		} {
			if n, err := st.CountRelations(ctx, tc.f); err != nil || n != tc.want {
				t.Errorf("%+v: %d, %v; want %d", tc.f, n, err, tc.want)
			}
		}
		if n := countPrefix(t, st, "c:adj:"); n == 0 {
			t.Error("no adjacency counters after the migration")
		}
	})
}
