//go:build unix

package main

import (
	"os"
	"syscall"
)

// lockPartial takes an exclusive lock on a partial output file, held until
// it is closed, so that another command does not take it for a killed
// run's.
func lockPartial(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }

// partialInUse reports whether a running command holds the partial file.
func partialInUse(name string) bool {
	f, err := os.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil
}
