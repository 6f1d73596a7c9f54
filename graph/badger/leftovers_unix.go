//go:build unix

package badger

import (
	"os"
	"path/filepath"
	"syscall"
)

// isMountPoint reports whether dir, an existing directory, is on another
// file system than its parent (a directory cannot be renamed over it).
func isMountPoint(dir string) bool {
	a, errA := os.Stat(dir)
	b, errB := os.Stat(filepath.Dir(dir))
	if errA != nil || errB != nil {
		return false
	}
	sa, okA := a.Sys().(*syscall.Stat_t)
	sb, okB := b.Sys().(*syscall.Stat_t)
	return okA && okB && sa.Dev != sb.Dev
}
