//go:build unix

package main

import (
	"bufio"
	"io/fs"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// allocated is the space the files under dir take on disk, and the sum of
// their lengths.
func allocated(dir string) (blocks, lengths int64) {
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		if info, err := d.Info(); err == nil {
			lengths += info.Size()
			blocks += info.Sys().(*syscall.Stat_t).Blocks * 512
		}
		return nil
	})
	return blocks, lengths
}

// /metrics reports the space the store takes on disk (the blocks of its
// files), not Badger's estimate, which counted the lengths of its tables
// and value logs only, once a minute: a few hundred bytes at start, and
// 2 GiB for a value log created that long once the minute had passed.
func TestMetricsStoreSizeIsSpaceOnDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base, stop := serve(t, dir)
	defer stop()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	size := int64(-1)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "emigraph_store_size_bytes "); ok {
			size, _ = strconv.ParseInt(v, 10, 64)
		}
	}
	blocks, lengths := allocated(dir)
	t.Logf("emigraph_store_size_bytes %d; the directory's files take %d bytes, their lengths add up to %d", size, blocks, lengths)
	if size < blocks*3/4 || size > blocks*5/4 {
		t.Errorf("emigraph_store_size_bytes = %d, want the %d bytes the store's files take on disk (within a quarter)", size, blocks)
	}
}
