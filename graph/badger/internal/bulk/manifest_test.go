package bulk_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/emigraph/emigraph/graph/badger/internal/bulk"
)

// build writes families a:, b: and c: of n keys each into a new database in
// dir and returns the keys and values written.
func build(t *testing.T, dir string, opts bg.Options, n int) map[string]string {
	t.Helper()
	b, err := bulk.Start(context.Background(), dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, prefix := range []string{"b:", "a:", "c:"} {
		b.Add(func() []*bulk.Family {
			f := b.Pool().Family(prefix, n)
			// values large enough for several tables (8 MiB each) in all
			for i := n - 1; i >= 0; i-- {
				v := strings.Repeat(fmt.Sprintf("%s%d.", prefix, i), 1+i%40)
				f.Put(v, fmt.Sprintf("key-%07d", i), "", "")
			}
			return []*bulk.Family{f}
		})
		for i := range n {
			want[fmt.Sprintf("%skey-%07d", prefix, i)] = strings.Repeat(fmt.Sprintf("%s%d.", prefix, i), 1+i%40)
		}
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	return want
}

// contents reads every key and value of a database.
func contents(t *testing.T, db *bg.DB) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := db.View(func(txn *bg.Txn) error {
		it := txn.NewIterator(bg.DefaultIteratorOptions)
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			v, err := it.Item().ValueCopy(nil)
			if err != nil {
				return err
			}
			got[string(it.Item().Key())] = string(v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func equal(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q = %q, want %q", what, k, got[k], v)
			return
		}
	}
}

// What a build writes is a database Badger reads as its own: its replay of
// the MANIFEST finds every table at the last level with its compression,
// and the database opens, reads, takes writes, compacts (Flatten) and
// reopens. A Badger that changes its MANIFEST or tables fails here.
func TestBadgerReadsTheBuild(t *testing.T) {
	for _, c := range []options.CompressionType{options.None, options.Snappy, options.ZSTD} {
		t.Run(fmt.Sprint(c), func(t *testing.T) {
			dir := t.TempDir()
			opts := bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8 << 20).WithCompression(c)
			want := build(t, dir, opts, 60000)

			f, err := os.Open(filepath.Join(dir, bg.ManifestFilename))
			if err != nil {
				t.Fatal(err)
			}
			m, _, err := bg.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
			f.Close()
			if err != nil {
				t.Fatalf("Badger's replay of the MANIFEST: %v", err)
			}
			ssts, _ := filepath.Glob(filepath.Join(dir, "*.sst"))
			if len(m.Tables) != len(ssts) || len(ssts) < 3 {
				t.Errorf("the MANIFEST names %d tables, the directory holds %d (want one a family at least)", len(m.Tables), len(ssts))
			}
			for id, tm := range m.Tables {
				if int(tm.Level) != opts.MaxLevels-1 || tm.Compression != c || tm.KeyID != 0 {
					t.Errorf("table %d: level %d, compression %v, key %d; want level %d, %v, no key", id, tm.Level, tm.Compression, tm.KeyID, opts.MaxLevels-1, c)
				}
				if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("%06d.sst", id))); err != nil {
					t.Errorf("table %d: %v", id, err)
				}
			}
			if got := len(m.Levels[opts.MaxLevels-1].Tables); got != len(ssts) {
				t.Errorf("the last level holds %d tables, want %d", got, len(ssts))
			}

			db, err := bg.Open(opts)
			if err != nil {
				t.Fatalf("Badger does not open the build: %v", err)
			}
			equal(t, "opened", contents(t, db), want)
			// writes over it: changed, deleted and new keys
			err = db.Update(func(txn *bg.Txn) error {
				for i := 0; i < 60000; i += 1000 {
					a, b := fmt.Sprintf("a:key-%07d", i), fmt.Sprintf("b:key-%07d", i)
					if err := txn.Set([]byte(a), []byte("changed")); err != nil {
						return err
					}
					if err := txn.Delete([]byte(b)); err != nil {
						return err
					}
					if err := txn.Set([]byte(fmt.Sprintf("0:new-%d", i)), []byte("new")); err != nil {
						return err
					}
					want[a] = "changed"
					delete(want, b)
					want[fmt.Sprintf("0:new-%d", i)] = "new"
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.Flatten(2); err != nil {
				t.Fatalf("Flatten: %v", err)
			}
			equal(t, "written and flattened", contents(t, db), want)
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
			if db, err = bg.Open(opts); err != nil {
				t.Fatalf("reopening: %v", err)
			}
			defer db.Close()
			equal(t, "reopened", contents(t, db), want)
		})
	}
}

// A build refuses options it cannot honour before it writes anything.
func TestStartRefusesOptions(t *testing.T) {
	dir := t.TempDir()
	base := bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8 << 20)
	for name, opts := range map[string]bg.Options{
		"encryption":          base.WithEncryptionKey([]byte("0123456789abcdef")).WithIndexCacheSize(1 << 20),
		"in memory":           base.WithInMemory(true),
		"read-only":           base.WithReadOnly(true),
		"another value log":   base.WithValueDir(filepath.Join(dir, "vlog")),
		"a single level only": base.WithMaxLevels(1),
	} {
		t.Run(name, func(t *testing.T) {
			if name == "another value log" {
				// Start looks at the directory it is given; the value log
				// elsewhere is refused by CheckOptions of the real options
				if err := bulk.CheckOptions(opts); !errors.Is(err, bulk.ErrOptions) {
					t.Errorf("CheckOptions = %v, want ErrOptions", err)
				}
				return
			}
			b, err := bulk.Start(context.Background(), dir, opts, nil)
			if !errors.Is(err, bulk.ErrOptions) {
				if b != nil {
					b.Abort()
				}
				t.Fatalf("Start = %v, want ErrOptions", err)
			}
			if entries, _ := os.ReadDir(dir); len(entries) > 0 {
				t.Errorf("a refused build wrote %s", entries[0].Name())
			}
		})
	}
}

// Families whose keys overlap would make tables of one level overlap,
// which Badger reads wrong: the build fails instead.
func TestOverlappingFamiliesFail(t *testing.T) {
	dir := t.TempDir()
	b, err := bulk.Start(context.Background(), dir, bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8<<20), nil)
	if err != nil {
		t.Fatal(err)
	}
	b.Add(func() []*bulk.Family {
		x, y := b.Pool().Family("c:", 2), b.Pool().Family("c:d", 1)
		x.Put("1", "a", "", "")
		x.Put("2", "e", "", "")
		y.Put("3", "x", "", "")
		return []*bulk.Family{x, y}
	})
	if err := b.Wait(); err == nil || !strings.Contains(err.Error(), "overlap") {
		t.Errorf("Wait = %v, want an overlap", err)
	}
	if _, err := os.Stat(filepath.Join(dir, bg.ManifestFilename)); err == nil {
		t.Error("a MANIFEST was written")
	}
}

// A build whose memory budget is far smaller than its keys spills sorted
// runs and merges them: the database holds what a build in memory writes,
// key for key, and nothing of the runs is left.
func TestSpilledBuildWritesWhatAnInMemoryBuildWrites(t *testing.T) {
	dir := t.TempDir()
	opts := bg.DefaultOptions(dir).WithLogger(nil).WithMemTableSize(8 << 20)
	b, err := bulk.Start(context.Background(), dir, opts, nil)
	if err != nil {
		t.Fatal(err)
	}
	b.SetMemoryBudget(256 << 10)
	want := map[string]string{}
	for _, prefix := range []string{"b:", "a:", "c:"} {
		b.Add(func() []*bulk.Family {
			f := b.Pool().Family(prefix, 20000)
			g := b.Pool().Family(prefix+"\xff", 10) // a small family beside it
			for i := 19999; i >= 0; i-- {
				f.Put(fmt.Sprintf("%s%d.", prefix, i), fmt.Sprintf("key-%07d", (i*7919)%20000), "x", "")
				if i%1000 == 0 {
					g.Put("v", fmt.Sprint(i), "", "")
				}
			}
			return []*bulk.Family{f, g}
		})
		for i := range 20000 {
			want[fmt.Sprintf("%skey-%07d\x00x", prefix, (i*7919)%20000)] = fmt.Sprintf("%s%d.", prefix, i)
			if i%1000 == 0 {
				want[fmt.Sprintf("%s\xff%d", prefix, i)] = "v"
			}
		}
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if b.Spilled() < 10 {
		t.Errorf("%d runs spilled: the budget did not bound the build", b.Spilled())
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, "spill.tmp")); len(entries) > 0 {
		t.Errorf("runs left behind: %v", entries)
	}
	db, err := bg.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	equal(t, "spilled", contents(t, db), want)
}
