package badger_test

import (
	"context"
	"io/fs"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/emigraph/emigraph/graph/badger"
	"github.com/emigraph/emigraph/seed"
)

// DiskUsage counts the blocks a store's files take, not their lengths:
// the value log is created 2 GiB long and holds next to nothing in a small
// store.
func TestDiskUsageCountsAllocatedBlocks(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" {
		t.Skip("the system does not tell allocated blocks")
	}
	dir := t.TempDir()
	st, err := badger.Open(dir, badger.Options{NoSync: true, MemTableSize: testMemTable})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err := seed.Default()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Apply(context.Background(), cs, false); err != nil {
		t.Fatal(err)
	}
	var lengths int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if info, err := d.Info(); err == nil {
				lengths += info.Size()
			}
		}
		return nil
	})
	used := st.DiskUsage()
	t.Logf("files' lengths %d MiB, allocated %d KiB", lengths>>20, used>>10)
	if lengths < 1<<30 {
		t.Fatalf("the files' lengths add up to %d bytes: the value log is no longer created sparse, and this test proves nothing", lengths)
	}
	if used <= 0 || used > 64<<20 {
		t.Errorf("DiskUsage = %d bytes for the seed, want more than 0 and at most 64 MiB", used)
	}
}
