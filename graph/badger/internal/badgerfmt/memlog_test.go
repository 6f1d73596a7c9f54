package badgerfmt

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"
)

// smallOptions keep the logs, preallocated at twice their size, small to
// copy.
func smallOptions(dir string) bg.Options {
	return bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(1 << 20).WithValueThreshold(1 << 10).WithValueLogFileSize(1 << 20)
}

// crashCopy writes n transactions of three keys each into a new database
// and copies its files into a new directory while it is still open, as a
// crash would leave them: the memtable log holds the transactions,
// preallocated beyond them. It returns the copy's directory.
func crashCopy(t *testing.T, n int) string {
	t.Helper()
	dir, crashed := t.TempDir(), t.TempDir()
	db, err := bg.Open(smallOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for i := range n {
		err := db.Update(func(txn *bg.Txn) error {
			for j := range 3 {
				if err := txn.Set(fmt.Appendf(nil, "k%03d-%d", i, j), fmt.Appendf(nil, "value %d", i)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(crashed, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return crashed
}

// memLog is the one memtable log of dir.
func memLog(t *testing.T, dir string) string {
	t.Helper()
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	if len(mems) != 1 {
		t.Fatalf("%d memtable logs in %s, want 1", len(mems), dir)
	}
	return mems[0]
}

// keysReadOnly opens dir read-only with Badger and returns how many keys
// it holds.
func keysReadOnly(t *testing.T, dir string) (int, error) {
	t.Helper()
	db, err := bg.Open(smallOptions(dir).WithReadOnly(true))
	if err != nil {
		return 0, err
	}
	defer db.Close()
	n := 0
	err = db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}

// MemtableLogEnd finds the end of the last transaction of a log a crash
// left: Badger's read-only open refuses the log as it is, and opens it cut
// there with every key committed; a transaction cut short by the crash ends
// the log before it, and the open then has every key but its own.
func TestMemtableLogEndIsWhereBadgerStops(t *testing.T) {
	t.Parallel()
	const txns = 40
	dir := crashCopy(t, txns)
	name := memLog(t, dir)
	if _, err := keysReadOnly(t, dir); err == nil || !strings.Contains(err.Error(), "truncate") {
		t.Fatalf("Badger's read-only open of the log as a crash left it: %v, want a refusal to truncate", err)
	}
	end, size, err := MemtableLogEnd(name)
	if err != nil {
		t.Fatal(err)
	}
	if end <= LogHeaderSize || end >= size {
		t.Fatalf("the end %d of a log of %d bytes holding %d transactions", end, size, txns)
	}
	// the last transaction cut short by a byte: it is dropped
	if err := os.Truncate(name, end-1); err != nil {
		t.Fatal(err)
	}
	torn, _, err := MemtableLogEnd(name)
	if err != nil {
		t.Fatal(err)
	}
	if torn >= end-1 || torn <= LogHeaderSize {
		t.Fatalf("with the last transaction cut short, the end is %d (the whole log ended at %d)", torn, end)
	}
	if err := os.Truncate(name, torn); err != nil {
		t.Fatal(err)
	}
	n, err := keysReadOnly(t, dir)
	if err != nil {
		t.Fatalf("Badger's read-only open of the log cut at its last whole transaction: %v", err)
	}
	if n != 3*(txns-1) {
		t.Fatalf("%d keys after the last transaction was dropped, want %d", n, 3*(txns-1))
	}
	// a zero after the end, as a preallocated log has, changes nothing
	if err := os.Truncate(name, torn+64); err != nil {
		t.Fatal(err)
	}
	if again, _, err := MemtableLogEnd(name); err != nil || again != torn {
		t.Fatalf("with zeros after it, the end is %d (%v), want %d", again, err, torn)
	}
}
