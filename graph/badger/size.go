package badger

import (
	"io/fs"
	"path/filepath"
)

// DiskUsage returns the bytes the store's files take on disk: the blocks
// allocated to them where the system tells (unix), their lengths elsewhere.
// Badger creates its value log (2 GiB) and memtable logs at their full
// length and fills them as writes come, so their lengths, which Size
// counts, overstate a small store by gigabytes. An in-memory store reports
// Size.
func (s *Store) DiskUsage() int64 {
	if s.db.Opts().InMemory {
		return s.Size()
	}
	var n int64
	filepath.WalkDir(s.dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // a table compacted away while the walk ran is no longer there
		}
		if info, err := d.Info(); err == nil {
			n += allocatedBytes(info)
		}
		return nil
	})
	return n
}
