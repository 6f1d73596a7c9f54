package main

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
)

// writeOutput writes what write writes to the file out, or to standard
// output when out is empty. A file is written whole or not at all: into
// <out>.partial-<n> beside it, held locked while it is written, then synced,
// renamed to out, and the directory synced, so that a failure or a kill
// leaves out as it was (a killed backup used to leave part of one at out).
// The partial files of killed runs (unlocked) are removed first. An out that
// is not a regular file (a device, a pipe) is written in place.
func (m *Main) writeOutput(out string, write func(w io.Writer) error) error {
	if out == "" {
		bw := bufio.NewWriterSize(m.Stdout, 1<<20)
		if err := write(bw); err != nil {
			return err
		}
		return bw.Flush()
	}
	if fi, err := os.Stat(out); err == nil && !fi.Mode().IsRegular() {
		f, err := os.OpenFile(out, os.O_WRONLY, 0)
		if err != nil {
			return err
		}
		return writeAndClose(f, write)
	}
	removeStalePartials(out)
	f, err := os.CreateTemp(filepath.Dir(out), filepath.Base(out)+".partial-*")
	if err != nil {
		return err
	}
	lockPartial(f)
	err = f.Chmod(0o644)
	if err == nil {
		err = writeAndClose(f, write)
	} else {
		f.Close()
	}
	if err == nil {
		err = os.Rename(f.Name(), out)
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return syncDir(filepath.Dir(out))
}

// writeAndClose writes to f through a buffer, syncs it (a regular file) and
// closes it.
func writeAndClose(f *os.File, write func(w io.Writer) error) error {
	bw := bufio.NewWriterSize(f, 1<<20)
	err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if fi, serr := f.Stat(); err == nil && serr == nil && fi.Mode().IsRegular() {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr // a full disk may only show here
	}
	return err
}

// removeStalePartials removes the <out>.partial-* files that no running
// command holds.
func removeStalePartials(out string) {
	matches, _ := filepath.Glob(out + ".partial-*")
	for _, name := range matches {
		if !partialInUse(name) {
			os.Remove(name)
		}
	}
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
