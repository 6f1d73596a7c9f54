//go:build linux

package badger

import "syscall"

// statfsFree is the FreeSpace of the file system: the blocks available to
// unprivileged users (a root-owned server is held to the same reserve).
func statfsFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}
