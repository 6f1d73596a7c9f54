package badger

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/emigraph/emigraph/graph/storetest"
)

// A store whose tables were written with an earlier compression and block
// size (Snappy, 4 KiB: before the store wrote ZSTD in 16 KiB blocks) opens
// under today's options, passes its table check and reads every key and
// value as written; what it writes next is written in today's tables, and
// the store reads both kinds.
func TestOpensTablesOfAnEarlierCompression(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	earlier := func(o bg.Options) bg.Options { return o.WithCompression(options.Snappy).WithBlockSize(4 << 10) }
	g, base := storetest.NewRandomGraph(7, 300)
	st, err := Open(dir, Options{NoSync: true, tables: earlier})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), base, false); err != nil {
		t.Fatal(err)
	}
	want := storeContents(t, st)
	if err := st.Close(); err != nil { // flushes the memtable: a Snappy table
		t.Fatal(err)
	}
	if got := tableCompressions(t, dir); got[options.Snappy] == 0 || got[options.ZSTD] != 0 {
		t.Fatalf("the earlier store's tables by compression: %v, want Snappy only", got)
	}

	st, err = Open(dir, Options{NoSync: true}) // with the table check
	if err != nil {
		t.Fatal(err)
	}
	sameContents(t, "reopened under today's options", storeContents(t, st), want)
	if _, err := st.Apply(context.Background(), g.Adds(200), false); err != nil {
		t.Fatal(err)
	}
	want = storeContents(t, st)
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	if got := tableCompressions(t, dir); got[options.Snappy] == 0 || got[options.ZSTD] == 0 {
		t.Fatalf("tables by compression after a write under today's options: %v, want both Snappy and ZSTD", got)
	}
	st, err = Open(dir, Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sameContents(t, "with tables of both compressions", storeContents(t, st), want)
	storetest.CheckCounts(t, st, g, "with tables of both compressions")
}

// storeContents returns every key of st with its value.
func storeContents(t *testing.T, st *Store) map[string][]byte {
	t.Helper()
	kv := map[string][]byte{}
	err := st.db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			kv[string(it.Item().KeyCopy(nil))] = v
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return kv
}

func sameContents(t *testing.T, when string, got, want map[string][]byte) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d keys, want %d", when, len(got), len(want))
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || !bytes.Equal(g, v) {
			t.Fatalf("%s: key %q holds %q (present: %v), want %q", when, k, g, ok, v)
		}
	}
}

// tableCompressions counts the tables of the store in dir by the
// compression its MANIFEST records for each.
func tableCompressions(t *testing.T, dir string) map[options.CompressionType]int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, bg.ManifestFilename))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, _, err := bg.ReplayManifestFile(f, 0, bg.DefaultOptions(dir))
	if err != nil {
		t.Fatal(err)
	}
	n := map[options.CompressionType]int{}
	for _, tm := range m.Tables {
		n[tm.Compression]++
	}
	return n
}
