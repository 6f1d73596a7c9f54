//go:build !linux

package badger

import "errors"

// statfsFree cannot tell here: the reserve is not checked.
func statfsFree(string) (int64, error) {
	return 0, errors.New("free space is not known on this system")
}

// mountedReadOnly cannot tell here: Badger's own errors say it.
func mountedReadOnly(string) bool { return false }
