package badger_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// readKeys is every key and value the store's reads see.
func readKeys(t *testing.T, st *badger.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := badger.ViewOf(st, func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{PrefetchValues: true})
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

func sameMaps(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	n := 0
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			if n++; n <= 5 {
				t.Errorf("%s: key %q is %q (present: %v), want %q", what, k, g, ok, v)
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			if n++; n <= 5 {
				t.Errorf("%s: key %q should not be there", what, k)
			}
		}
	}
	if n > 5 {
		t.Errorf("%s: %d keys differ in all", what, n)
	}
}

// A store a crash left with a journaled load part-way opens read-only (asked
// for, or for want of free space, as a server restarted on a full disk
// opens it) and reads, backs up and exports what it held before that load,
// key for key; opened for writing, it rolls the load back to the same. It
// used to be refused ("a load that a crash left unfinished ... must be
// rolled back"), so that a full disk after a crash stopped reads too.
func TestReadOnlyOpenOfAnUnfinishedLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	// a small memtable: Badger commits a write batch's transactions as they
	// fill (15% of it), and the crash finds some committed, not all
	small := badger.Options{MemTableSize: 1 << 20}
	st, err := badger.Open(dir, small)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, many(300), false); err != nil {
		t.Fatal(err)
	}
	before := readKeys(t, st)
	// the crash: the files as they are on disk part-way through a load that
	// changes what was there (its people again, renamed) and adds more
	crashed := t.TempDir()
	load := many(3000)
	for i := range 300 {
		load.Entities[i].Entity.Name += " renamed"
	}
	copied := false
	_, err = st.Load(ctx, load, badger.LoadOptions{MaxTxnKeys: 100, BatchKeys: 2000, Progress: func(done int) {
		if !copied && done >= load.Len()*2/3 {
			copyDir(t, dir, crashed)
			copied = true
		}
	}})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}

	ro, err := badger.Open(crashed, badger.Options{ReadOnly: true, MemTableSize: small.MemTableSize})
	if err != nil {
		t.Fatalf("read-only open of a store with an unfinished load: %v", err)
	}
	// the latest, unpinned: some of the load is there, and its journal
	people, journals := 0, 0
	badger.DBOf(ro).View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			k := it.Item().Key()
			people += map[bool]int{true: 1}[bytes.HasPrefix(k, []byte("e:person/p-"))]
			journals += map[bool]int{true: 1}[bytes.HasPrefix(k, []byte("j:"))]
		}
		return nil
	})
	if people <= 300 || journals != 1 {
		t.Fatalf("the crash image holds %d people and %d journals: not part of a load (the test tests nothing)", people, journals)
	}
	sameMaps(t, "read-only", readKeys(t, ro), before)
	if why := ro.ReadOnly(); why == nil || !strings.Contains(why.Error(), "read as it was before that load") {
		t.Errorf("ReadOnly() = %v", why)
	}
	if e, err := ro.Entity(ctx, "person/p-7"); err != nil || e.Name != "Person 7" {
		t.Errorf("a read of a person the load renamed: %v %v", e, err)
	}
	if _, err := ro.Entity(ctx, "person/p-2000"); err != graph.ErrNotFound {
		t.Errorf("a person of the unfinished load is read: %v", err)
	}
	if _, err := ro.Apply(ctx, fixture(), false); err == nil {
		t.Error("a write was taken")
	}
	var backup bytes.Buffer
	if err := ro.Backup(&backup); err != nil {
		t.Fatalf("backup: %v", err)
	}
	ro.Close()
	restored := t.TempDir() + "/restored"
	if err := badger.Restore(restored, &backup, badger.Options{NoSync: true, MemTableSize: testMemTable}); err != nil {
		t.Fatal(err)
	}
	rs, err := badger.Open(restored, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	sameMaps(t, "the backup", readKeys(t, rs), before)
	rs.Close()

	// a full disk: opened read-only for want of space, the same
	full := newFake(1 << 20)
	ro, err = badger.Open(crashed, badger.Options{FreeSpace: full.free, MemTableSize: small.MemTableSize})
	if err != nil {
		t.Fatalf("open on a full disk: %v", err)
	}
	sameMaps(t, "read-only on a full disk", readKeys(t, ro), before)
	if why := ro.ReadOnly(); graph.ErrorCode(why) != graph.ENOSPACE || !strings.Contains(why.Error(), "no space left") ||
		!strings.Contains(why.Error(), "rolled back at the next start with room to write") {
		t.Errorf("ReadOnly() on a full disk = %v", why)
	}
	ro.Close()

	// with room, the load is rolled back to the same
	rw, err := badger.Open(crashed, small)
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	sameMaps(t, "rolled back", readKeys(t, rw), before)
}

// A store a crash left with memtable logs written with a larger memtable
// than the next open's (--memtable lowered) opens, with every write: Badger
// replays a log into a memtable of the size it opens with, and one that
// overran it ended the process ("Arena too small"), at every open.
func TestOpenReplaysTheLogsOfALargerMemtable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{MemTableSize: 8 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	// 4 MB in the memtable (its log), in writes of 400 KB: more than a 2
	// MiB memtable holds
	description := strings.Repeat("x", 2000)
	for b := range 10 {
		c := &graph.Changeset{}
		for i := range 200 {
			id := fmt.Sprintf("person/big-%d-%d", b, i)
			c.Entities = append(c.Entities, graph.EntityChange{Where: id, Entity: graph.Entity{ID: id, Name: id, Type: graph.Person, Description: description}})
		}
		if _, err := st.Apply(ctx, c, false); err != nil {
			t.Fatal(err)
		}
	}
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	st.Close()
	for _, o := range []badger.Options{{MemTableSize: 2 << 20, ReadOnly: true}, {MemTableSize: 2 << 20}} {
		st, err := badger.Open(crashed, o)
		if err != nil {
			t.Fatalf("open (read-only: %v) with a smaller memtable: %v", o.ReadOnly, err)
		}
		if n, err := st.CountEntities(ctx, ""); err != nil || n != len(fixture().Entities)+2000 {
			t.Errorf("read-only %v: %d entities (%v)", o.ReadOnly, n, err)
		}
		st.Close()
	}
}
