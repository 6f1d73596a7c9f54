//go:build unix

package badger

import (
	"os"
	"syscall"
)

// lockBuild takes an exclusive lock (flock) on <side>.lock, held until
// unlock, which also removes the file: a build holds it for its side
// directory, so that an Open of its target in another process does not
// take the directory for a killed build's leftovers. (Badger locks the
// directory itself when it opens it, so the lock is a file beside it.)
func lockBuild(side string) (unlock func(), err error) {
	name := side + ".lock"
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() {
		os.Remove(name)
		f.Close()
	}, nil
}

// buildRunning reports whether a build holds side's lock.
func buildRunning(side string) bool {
	f, err := os.Open(side + ".lock")
	if err != nil {
		return false
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return true
	}
	return false
}
