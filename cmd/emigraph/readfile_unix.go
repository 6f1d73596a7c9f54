//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
)

// readFile maps a large file into memory read-only instead of reading it:
// its pages come straight from the page cache, where reading would copy
// them into fresh memory, which is the slowest part of a large load on a
// virtual machine. The mapping lasts until the process ends (the parsed
// facts point into it).
func readFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() || info.Size() < 1<<20 || info.Size() != int64(int(info.Size())) {
		return io.ReadAll(f)
	}
	data, err := syscall.Mmap(int(f.Fd()), 0, int(info.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return io.ReadAll(f)
	}
	return data, nil
}
