//go:build linux

package badger

import "golang.org/x/sys/unix"

// statfsFree is the FreeSpace of the file system: the blocks available to
// unprivileged users (a root-owned server is held to the same reserve).
func statfsFree(dir string) (int64, error) {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * int64(st.Bsize), nil
}

// mountedReadOnly reports whether dir is on a file system mounted
// read-only (which may also report no free space: it is not full).
func mountedReadOnly(dir string) bool {
	var st unix.Statfs_t
	return unix.Statfs(dir, &st) == nil && st.Flags&unix.ST_RDONLY != 0
}
