//go:build unix

package server

import "syscall"

// OpenFileLimit is the process's limit on open files (RLIMIT_NOFILE's soft
// limit, which Go raises to the hard limit when the program starts).
func OpenFileLimit() uint64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return 1024
	}
	return uint64(r.Cur)
}
