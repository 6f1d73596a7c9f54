package badger

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	bg "github.com/dgraph-io/badger/v4"
)

// What a killed process leaves in or beside a store, and what the next start
// does with it (the fault-injection tests of cmd/emigraph kill every long
// operation at each of its writes, syncs and renames, and check that the
// next start finds the old state or the new one):
//
//   - <dir>.bulk-<n>, and its .lock: a build, rebuild or restore under way
//     (locked) or killed (not): Open for writing and Restore remove the
//     killed ones (removeBulkLeftovers).
//   - an empty memtable log or value log (*.mem, *.vlog of 0 bytes): Badger
//     creates one, then sizes it; killed between the two, the next Badger
//     open fails ("Create a new file"), for ever. It holds nothing: Open for
//     writing removes it (removeEmptyLogs).
//   - memtable logs (*.mem) written with a larger memtable than the open's:
//     Badger replays each into a memtable of the size it opens with, and one
//     that overruns it ends the process ("Arena too small"), at every open.
//     Open opens with the larger memtable (memtableForLogs).
//   - <dir>/RESTORE-UNFINISHED.lock: a restore into a directory that cannot
//     be renamed over (a mount point) writes in place, holding this file
//     locked until it has finished: meanwhile, or after a kill, the
//     directory holds part of a store, which Open refuses to open (and so
//     serve to seed), and which the next Restore empties.

// restoreMarker is the lock (lockBuild) that marks a restore written in
// place and not finished: the file is <dir>/RESTORE-UNFINISHED.lock.
func restoreMarker(dir string) string { return filepath.Join(dir, "RESTORE-UNFINISHED") }

// checkLeftovers is Open's look at what a killed process left in dir before
// Badger opens it: a restore not finished is refused (but by the restore
// itself); for writing, the empty logs Badger would stumble on are removed.
func checkLeftovers(dir string, o Options) error {
	if _, err := os.Stat(restoreMarker(dir) + ".lock"); err == nil && !o.restoring {
		return fmt.Errorf("%w: %s holds part of a restore that did not finish (RESTORE-UNFINISHED.lock); it was not opened: restore the backup again (emigraph restore empties it first)",
			ErrUnfinishedRestore, dir)
	}
	readOnly := o.ReadOnly
	if readOnly {
		return nil
	}
	return removeEmptyLogs(dir)
}

// memtableForLogs raises the memtable of opts to what the memtable logs
// left in dir need, so that Badger can replay them. A log is preallocated at
// twice the memtable that writes it, which held what it holds; a log cut at
// the end of its data (trimMemtableLogs) needs twice its size, a memtable's
// nodes being larger than the log's entries of small keys and values.
func memtableForLogs(dir string, opts bg.Options) bg.Options {
	mems, _ := filepath.Glob(filepath.Join(dir, "*.mem"))
	size := opts.MemTableSize
	for _, name := range mems {
		end, fileSize, err := memtableLogEnd(name)
		if err != nil {
			continue // Badger says what is wrong with it
		}
		need := fileSize / 2
		if 2*end > fileSize {
			need = 2 * end
		}
		size = max(size, need)
	}
	if size == opts.MemTableSize {
		return opts
	}
	return opts.WithMemTableSize(size)
}

// ErrUnfinishedRestore is returned by Open for a directory that holds a
// restore killed part-way.
var ErrUnfinishedRestore = errors.New("an unfinished restore")

// removeEmptyLogs removes the memtable and value logs of 0 bytes from dir.
func removeEmptyLogs(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".mem") && !strings.HasSuffix(e.Name(), ".vlog") {
			continue
		}
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.Size() == 0 {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
