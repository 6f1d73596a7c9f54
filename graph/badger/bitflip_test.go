package badger_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph/badger"
)

// bitFlipStore makes a store at rest (closed) of a few thousand keys in a
// few tables, and returns its directory and the digest of all its keys and
// values (allKeys: what every read of it must find, or refuse).
func bitFlipStore(t *testing.T) (dir string, answer []byte) {
	t.Helper()
	ctx := context.Background()
	dir = t.TempDir()
	// small memtables: several tables, as a real store has
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Load(ctx, many(3000), badger.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	answer = allKeys(st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, answer
}

// allKeys reads every key of the store and its value, and returns their
// SHA-256 (every answer of the store is made of them), or the error of the
// read, or the panic inside it.
func allKeys(st *badger.Store) (sum []byte) {
	defer func() {
		if v := recover(); v != nil {
			sum = fmt.Appendf(nil, "error: panic: %v", v)
		}
	}()
	h := sha256.New()
	err := badger.DBOf(st).View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.IteratorOptions{AllVersions: false})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			h.Write(it.Item().Key())
			h.Write([]byte{0})
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			h.Write(v)
			h.Write([]byte{0})
		}
		return nil
	})
	if err != nil {
		return []byte("error: " + err.Error())
	}
	return fmt.Appendf(nil, "%x", h.Sum(nil))
}

// flipBit flips one bit of one table of dir, chosen by rng over all their
// bytes, and returns the table's path and the bit's offset.
func flipBit(t *testing.T, dir string, rng *rand.Rand) (string, int64) {
	t.Helper()
	tables, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
	var total int64
	sizes := make([]int64, len(tables))
	for i, name := range tables {
		fi, err := os.Stat(name)
		if err != nil {
			t.Fatal(err)
		}
		sizes[i] = fi.Size()
		total += fi.Size()
	}
	at := rng.Int64N(total * 8)
	for i, name := range tables {
		if at < sizes[i]*8 {
			flipAt(t, name, at)
			return name, at
		}
		at -= sizes[i] * 8
	}
	panic("unreachable")
}

// bitFlips is how many flips TestFlippedBitsAreReported makes:
// EMIGRAPH_BITFLIPS, or 24.
func bitFlips(t *testing.T) int {
	if n, err := strconv.Atoi(os.Getenv("EMIGRAPH_BITFLIPS")); err == nil && n > 0 {
		return n
	}
	return 24
}

// A single bit flipped in a table of a store at rest (as the hostile
// campaign flipped them: 20 of 100 changed answers, silently) is reported,
// never answered from: opened (as export, serve and backup open a store)
// the store is refused with an error naming the table, or reads exactly
// what it held; `verify` names the table; a backup of a store the flip hit
// while it was open is refused, naming the table, and the store refuses to
// read from then on. The same flips with the checks off (the store's check
// at open, Badger's checksums) change answers silently: the sample tests
// something.
//
// EMIGRAPH_BITFLIPS=1000 go test ./graph/badger -run TestFlippedBitsAreReported
// flips 1,000 bits (24 by default), each in a fresh copy of the store.
func TestFlippedBitsAreReported(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	orig, answer := bitFlipStore(t)
	rng := rand.New(rand.NewPCG(19, 2))
	n := bitFlips(t)
	silentWithoutChecks, refused, same := 0, 0, 0
	for i := range n {
		dir := t.TempDir()
		copyDir(t, orig, dir)
		// a copy for the flip while open, then the flip at rest
		live := t.TempDir()
		copyDir(t, orig, live)
		table, at := flipBit(t, dir, rng)
		what := fmt.Sprintf("flip %d (%s, bit %d)", i, filepath.Base(table), at)
		// without the checks: how often the flip changes an answer unseen
		if st, err := badger.Open(dir, badger.Options{ReadOnly: true, NoTableCheck: true, Checksums: "none"}); err == nil {
			if got := allKeys(st); !bytes.Equal(got, answer) && !bytes.HasPrefix(got, []byte("error")) {
				silentWithoutChecks++
			}

			st.Close()
		}
		// read-only (export, backup) and for writing (serve, load)
		openRefused := false
		for _, o := range []badger.Options{{ReadOnly: true}, {NoSync: true}} {
			st, err := badger.Open(dir, o)
			if err != nil {
				var corrupt *badger.CorruptError
				if !errors.As(err, &corrupt) || corrupt.Path != table || !strings.Contains(err.Error(), table) {
					t.Errorf("%s: open refused it with %v, which does not name the table as corrupt", what, err)
				}
				refused++
				openRefused = true
				continue
			}
			if got := allKeys(st); !bytes.Equal(got, answer) {
				t.Errorf("%s: the store opened and holds other keys or values than it did (%s)", what, got)
			}
			same++
			var backup bytes.Buffer
			if err := st.Backup(&backup); err != nil {
				t.Errorf("%s: a backup of a store that reads right failed: %v", what, err)
			}
			st.Close()
		}
		r, err := badger.Verify(ctx, dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatalf("%s: verify: %v", what, err)
		}
		if !r.OK() && !strings.Contains(strings.Join(r.Problems, "\n"), table) {
			t.Errorf("%s: verify did not name the table: %q", what, r.Problems)
		}
		if r.OK() && openRefused {
			t.Errorf("%s: open refused the store, verify found nothing", what)
		}
		// the same bit flipped under an open store (a server's)
		st, err := badger.Open(live, badger.Options{NoSync: true, MemTableSize: testMemTable})
		if err != nil {
			t.Fatal(err)
		}
		flipAt(t, filepath.Join(live, filepath.Base(table)), at)
		var backup bytes.Buffer
		err = st.Backup(&backup)
		if r.OK() {
			if err != nil {
				t.Errorf("%s: under an open store, verify found nothing, and the backup failed: %v", what, err)
			}
		} else {
			var corrupt *badger.CorruptError
			if !errors.As(err, &corrupt) || !strings.Contains(err.Error(), filepath.Base(table)) {
				t.Errorf("%s: under an open store, the backup was not refused naming the table: %v", what, err)
			} else if backup.Len() > 0 {
				t.Errorf("%s: the refused backup wrote %d bytes", what, backup.Len())
			}
			if _, err := st.Entity(ctx, "person/p-1"); !errors.As(err, &corrupt) || !errors.As(st.Err(), &corrupt) {
				t.Errorf("%s: after the refused backup, a read gives %v and Err() %v, want the corruption", what, err, st.Err())
			}
		}
		st.Close()
	}
	t.Logf("%d flips: opened %d times and read right, refused %d times naming the table; without the checks %d changed answers silently", n, same, refused, silentWithoutChecks)
	if silentWithoutChecks == 0 {
		t.Errorf("no flip changed an answer without the checks: the sample tests nothing")
	}
}

// flipAt flips bit at (counted from the file's start) of the file name.
func flipAt(t *testing.T, name string, at int64) {
	t.Helper()
	f, err := os.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b [1]byte
	if _, err := f.ReadAt(b[:], at/8); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 1 << (at % 8)
	if _, err := f.WriteAt(b[:], at/8); err != nil {
		t.Fatal(err)
	}
}
