package badger_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger"
)

// fakeFree reports a free space the test sets.
type fakeFree struct{ n atomic.Int64 }

func (f *fakeFree) free(string) (int64, error) { return f.n.Load(), nil }

func newFake(n int64) *fakeFree {
	f := &fakeFree{}
	f.n.Store(n)
	return f
}

// Writes are refused below the reserve, with a no-space error that says how
// much is free and needed; reads and dry runs go on.
func TestReserveRefusesWrites(t *testing.T) {
	t.Parallel()
	const reserve = badger.DefaultReserve
	for _, tc := range []struct {
		name    string
		free    int64
		refused bool
	}{
		{"plenty", 10 << 30, false},
		{"at the reserve", reserve, false},
		{"under the reserve", 120 << 20, true},
		{"nothing", 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dir := t.TempDir()
			free := newFake(10 << 30)
			st, err := badger.Open(dir, badger.Options{Reserve: reserve, FreeSpace: free.free})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if _, err := st.Apply(ctx, fixture(), false); err != nil {
				t.Fatal(err)
			}
			free.n.Store(tc.free)
			more := &graph.Changeset{Entities: []graph.EntityChange{{Where: "x", Entity: graph.Entity{ID: "person/late", Name: "Late Person", Type: graph.Person}}}}
			_, err = st.Apply(ctx, more, false)
			metaErr := st.SetMeta("k", "v")
			if !tc.refused {
				if err != nil || metaErr != nil {
					t.Fatalf("refused with room: %v %v", err, metaErr)
				}
				return
			}
			want := fmt.Sprintf("no space left: %s free in %s, 526 MiB needed (the reserve, --reserve)", badger.FormatBytes(tc.free), dir)
			for _, err := range []error{err, metaErr} {
				if err == nil || graph.ErrorCode(err) != graph.ENOSPACE || err.Error() != want {
					t.Errorf("got %v (code %s), want %q", err, graph.ErrorCode(err), want)
				}
			}
			if _, err := st.Entity(ctx, "person/late"); err != graph.ErrNotFound {
				t.Errorf("the refused write is there: %v", err)
			}
			if e, err := st.Entity(ctx, "person/alla-pugacheva"); err != nil || e == nil {
				t.Errorf("reads stopped: %v", err)
			}
			if _, err := st.Apply(ctx, more, true); err != nil {
				t.Errorf("a dry run was refused: %v", err)
			}
		})
	}
}

// A journaled load checks the reserve before each batch: the disk filling
// part-way refuses it, and what it wrote is rolled back.
func TestReserveStopsJournaledLoad(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	free := &countingFree{after: 4}
	st, err := badger.Open(t.TempDir(), badger.Options{FreeSpace: free.free})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	before, _ := st.CountEntities(ctx, "")
	free.calls.Store(0)
	_, err = st.Load(ctx, many(3000), badger.LoadOptions{MaxTxnKeys: 100, BatchKeys: 2000})
	if graph.ErrorCode(err) != graph.ENOSPACE || !strings.Contains(err.Error(), "no space left") {
		t.Fatalf("got %v", err)
	}
	if free.calls.Load() < 3 {
		t.Errorf("the reserve was checked %d times: not before each batch", free.calls.Load())
	}
	if n, _ := st.CountEntities(ctx, ""); n != before {
		t.Errorf("%d entities after the refused load, %d before", n, before)
	}
}

// countingFree has room for its first `after` questions, then none.
type countingFree struct {
	after int64
	calls atomic.Int64
}

func (c *countingFree) free(string) (int64, error) {
	if c.calls.Add(1) > c.after {
		return 0, nil
	}
	return 1 << 40, nil
}

// A store opened with less free than the reserve opens read-only: reads
// work, writes get the no-space error; a new store is refused.
func TestOpenReadOnlyWhenFull(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	st.Close()
	full := newFake(50 << 20)
	st, err = badger.Open(dir, badger.Options{FreeSpace: full.free})
	if err != nil {
		t.Fatalf("a full disk: %v", err)
	}
	defer st.Close()
	if why := st.ReadOnly(); graph.ErrorCode(why) != graph.ENOSPACE || !strings.Contains(why.Error(), "50 MiB free") {
		t.Errorf("ReadOnly() = %v", why)
	}
	if e, err := st.Entity(ctx, "person/chulpan-khamatova"); err != nil || e == nil {
		t.Errorf("read: %v", err)
	}
	if _, err := st.Apply(ctx, fixture(), false); graph.ErrorCode(err) != graph.ENOSPACE {
		t.Errorf("a write on the read-only store: %v", err)
	}
	if _, err := badger.Open(filepath.Join(t.TempDir(), "new"), badger.Options{FreeSpace: full.free}); graph.ErrorCode(err) != graph.ENOSPACE {
		t.Errorf("a new store on a full disk: %v", err)
	}
}

// A store a crash left with memtable logs to replay opens read-only with
// every acknowledged write (Badger's read-only mode alone refuses it).
func TestReadOnlyOpenAfterCrash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(ctx, fixture(), false); err != nil {
		t.Fatal(err)
	}
	// a journaled load (undo batches) and single writes
	if _, err := st.Load(ctx, many(500), badger.LoadOptions{MaxTxnKeys: 100, BatchKeys: 1000}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		e := &graph.Changeset{Entities: []graph.EntityChange{{Where: "x", Entity: graph.Entity{ID: fmt.Sprintf("person/crash-%d", i), Name: "Crash", Type: graph.Person}}}}
		if _, err := st.Apply(ctx, e, false); err != nil {
			t.Fatal(err)
		}
	}
	// the crash: the files as they are on disk while the store is open
	crashed := t.TempDir()
	copyDir(t, dir, crashed)
	st.Close()
	mems, _ := filepath.Glob(filepath.Join(crashed, "*.mem"))
	if len(mems) == 0 {
		t.Fatal("no memtable log to replay: the test tests nothing")
	}
	ro, err := badger.Open(crashed, badger.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("read-only open after a crash: %v", err)
	}
	n, _ := ro.CountEntities(ctx, "")
	want := len(fixture().Entities) + 500 + 20
	if n != want {
		t.Errorf("%d entities, want %d", n, want)
	}
	for i := range 20 {
		if _, err := ro.Entity(ctx, fmt.Sprintf("person/crash-%d", i)); err != nil {
			t.Errorf("crash-%d: %v", i, err)
		}
	}
	if _, err := ro.Apply(ctx, fixture(), false); err == nil {
		t.Error("a read-only store took a write")
	}
	ro.Close()
	// and it opens for writing afterwards, with the same data
	rw, err := badger.Open(crashed, badger.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	if n2, _ := rw.CountEntities(ctx, ""); n2 != want {
		t.Errorf("writable open after: %d entities, want %d", n2, want)
	}
}

// copyDir copies the files of a store as they are on disk (the holes of
// Badger's preallocated files stay holes: cp skips them, fast).
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	// the store may be live: a file Badger removes between the listing and
	// its copy (a memtable log just flushed) makes the copy start again
	for attempt := 1; ; attempt++ {
		vanished, err := copyDirOnce(from, to)
		if err != nil {
			t.Fatal(err)
		}
		if vanished == "" {
			return
		}
		if attempt == 10 {
			t.Fatalf("copying %s: files keep vanishing (last %s)", from, vanished)
		}
		entries, _ := os.ReadDir(to)
		for _, e := range entries {
			os.RemoveAll(filepath.Join(to, e.Name()))
		}
	}
}

// copyDirOnce copies the files of from into to, but LOCK, and returns the
// name of one that vanished before it was copied, if any.
func copyDirOnce(from, to string) (vanished string, err error) {
	entries, err := os.ReadDir(from)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Name() == "LOCK" {
			continue
		}
		src := filepath.Join(from, e.Name())
		if out, err := exec.Command("cp", "--sparse=always", src, filepath.Join(to, e.Name())).CombinedOutput(); err != nil {
			if _, serr := os.Stat(src); errors.Is(serr, os.ErrNotExist) {
				return e.Name(), nil
			}
			return "", fmt.Errorf("cp: %v %s", err, out)
		}
	}
	return "", nil
}

// The least reserve is computed from Badger's options (what it may still
// write once writes stop: the rest of a memtable and its flush, and a
// compaction of level 0), is the default, and a smaller one is refused, with
// a message that says the least and why, before anything is written.
func TestMinReserve(t *testing.T) {
	t.Parallel()
	d := bg.DefaultOptions("")
	memtable := d.MemTableSize + d.MemTableSize*15/100
	want := (2+int64(d.NumLevelZeroTables))*memtable + d.BaseLevelSize
	if got := badger.MinReserve(badger.Options{NoSync: true}); got < want || got >= want+1<<20 || got != badger.DefaultReserve {
		t.Errorf("MinReserve at Badger's defaults = %d, DefaultReserve %d; want %d rounded up to a MiB", got, badger.DefaultReserve, want)
	}
	small := badger.Options{MemTableSize: 2 << 20}
	if got := badger.MinReserve(small); got != 27<<20 {
		t.Errorf("MinReserve with a 2 MiB memtable = %s, want 27 MiB", badger.FormatBytes(got))
	}
	if got := badger.FormatBytes(badger.DefaultReserve); got != "526 MiB" {
		t.Errorf("DefaultReserve = %s, want the 526 MiB the documentation states", got)
	}
	dir := filepath.Join(t.TempDir(), "data")
	for name, open := range map[string]func(badger.Options) error{
		"open": func(o badger.Options) error {
			st, err := badger.Open(dir, o)
			if err == nil {
				st.Close()
			}
			return err
		},
		"build": func(o badger.Options) error {
			_, err := badger.Build(context.Background(), dir, fixture(), badger.BuildOptions{Options: o})
			return err
		},
		"restore": func(o badger.Options) error {
			return badger.Restore(dir, strings.NewReader("not read"), o)
		},
	} {
		err := open(badger.Options{Reserve: 24 << 20})
		if graph.ErrorCode(err) != graph.EINVALID || !strings.Contains(err.Error(), "a reserve of 24 MiB is less than the 526 MiB Badger may still write") ||
			!strings.Contains(err.Error(), "64 MiB memtable") {
			t.Errorf("%s with a 24 MiB reserve: %v", name, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s with a 24 MiB reserve made the directory", name)
		}
	}
	st, err := badger.Open(dir, badger.Options{Reserve: 27 << 20, MemTableSize: 2 << 20})
	if err != nil {
		t.Fatalf("the least reserve at a 2 MiB memtable: %v", err)
	}
	st.Close()
}

func TestParseBytes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"0": 0, "256MiB": 256 << 20, "1GiB": 1 << 30, "500MB": 500e6, "1.5G": 3 << 29, "4096": 4096, "64 KiB": 64 << 10} {
		if got, err := badger.ParseBytes(in); err != nil || got != want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "MiB", "-1", "12 parsecs"} {
		if _, err := badger.ParseBytes(bad); err == nil {
			t.Errorf("ParseBytes(%q) took it", bad)
		}
	}
}
