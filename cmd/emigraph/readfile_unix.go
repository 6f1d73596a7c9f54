//go:build unix

package main

import (
	"io"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readFile maps a large file into memory read-only instead of reading it:
// its pages come straight from the page cache, where reading would copy
// them into fresh memory, which is the slowest part of a large load on a
// virtual machine. The mapping lasts until the process ends (the parsed
// facts point into it); mapped says whether it is one.
func readFile(name string) (data []byte, mapped bool, err error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, false, err
	}
	if !info.Mode().IsRegular() || info.Size() < 1<<20 || info.Size() != int64(int(info.Size())) {
		data, err = io.ReadAll(f)
		return data, false, err
	}
	data, err = syscall.Mmap(int(f.Fd()), 0, int(info.Size()), syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		data, err = io.ReadAll(f)
		return data, false, err
	}
	return data, true, nil
}

// dropPages lets go of the pages of b, a part of a file readFile mapped,
// that the process holds: they leave its resident memory, and come back
// from the page cache (or the file) if read again, so that what still
// points into them stays right. A streamed load drops each piece it is
// done with, so that the file does not stay resident whole.
func dropPages(b []byte) {
	page := uintptr(os.Getpagesize())
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	from := (start + page - 1) &^ (page - 1)
	to := (start + uintptr(len(b))) &^ (page - 1)
	if to > from {
		unix.Madvise(b[from-start:to-start], unix.MADV_DONTNEED)
	}
}
