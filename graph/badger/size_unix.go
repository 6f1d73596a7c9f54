//go:build unix

package badger

import (
	"io/fs"
	"syscall"
)

// allocatedBytes is the space the blocks of a file take (st_blocks counts
// 512-byte units on every unix).
func allocatedBytes(info fs.FileInfo) int64 {
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		return int64(st.Blocks) * 512
	}
	return info.Size()
}
