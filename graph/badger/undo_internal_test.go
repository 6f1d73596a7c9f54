package badger

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"
)

// A load into a store that holds data, its batches all written but its
// journal not ended (the process killed before the commit point), is
// rolled back when the store is next opened: changed keys get their old
// values back, deleted ones return, new ones go, even a key written twice,
// and the undo records and the journal are gone.
func TestGroupedUndoRollsBackOnOpen(t *testing.T) {
	t.Parallel()
	for _, sorted := range []bool{true, false} {
		t.Run(fmt.Sprintf("sorted %v", sorted), func(t *testing.T) { groupedUndo(t, sorted) })
	}
}

func groupedUndo(t *testing.T, sorted bool) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	before := map[string]string{}
	err = s.db.Update(func(txn *bg.Txn) error {
		for i := range 50 {
			k, v := fmt.Sprintf("e:old-%03d", i), strings.Repeat(fmt.Sprint(i), 1+i)
			before[k] = v
			if err := txn.Set([]byte(k), []byte(v)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var ops []op
	for i := range 50 {
		k := fmt.Sprintf("e:old-%03d", i)
		if i%3 == 0 {
			ops = append(ops, op{key: k, del: true})
		} else {
			ops = append(ops, op{key: k, value: []byte("changed")})
		}
		ops = append(ops, op{key: fmt.Sprintf("e:new-%03d", i), value: []byte("new")})
	}
	ops = append(ops, op{key: "e:old-001", value: []byte("twice")})
	if sorted { // as journaled sorts them
		slices.SortStableFunc(ops, func(a, b op) int { return strings.Compare(a.key, b.key) })
	}
	const load = "killed"
	if err := s.db.Update(func(txn *bg.Txn) error { return txn.Set(key(pJournal, load), []byte(undoGrouped)) }); err != nil {
		t.Fatal(err)
	}
	if err := s.journaledUndo(ctx, ops, load, LoadOptions{BatchKeys: 14}, len(ops)); err != nil {
		t.Fatal(err)
	}
	if got := contents(t, s, "e:"); got["e:new-007"] != "new" || got["e:old-002"] != "changed" {
		t.Fatalf("the batches were not written: %v", got)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(dir, Options{}); err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got := contents(t, s, "e:")
	if fmt.Sprint(got) != fmt.Sprint(before) {
		t.Errorf("after the rollback:\n%v\nwant\n%v", got, before)
	}
	for _, p := range []string{pUndo, pJournal} {
		if left := contents(t, s, p); len(left) > 0 {
			t.Errorf("%d %s keys left", len(left), p)
		}
	}
}

func contents(t *testing.T, s *Store, prefix string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := s.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{Prefix: []byte(prefix), PrefetchValues: true})
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
	return out
}
