package badger

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"sort"
	"sync"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"

	"github.com/emigraph/emigraph/graph/badger/internal/badgerfmt"
)

// CorruptError is corruption found in a file of a store: a table whose
// checksums do not hold, which does not decode, or which is missing.
type CorruptError struct {
	// Path is the file's path.
	Path string
	// Err says what is wrong with it.
	Err error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("%s is corrupt: %v", e.Path, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Badger reads a table without checking its blocks' checksums unless told
// to, and what it does with a block that fails its check hides the failure:
// a table that fails when the store is opened is dropped (logged, then
// ignored: its keys are gone), a block that fails while iterating ends the
// iteration as if the keys stopped there, and a block whose bytes do not
// decode can panic in Badger's own goroutines. So the store checks its
// tables itself, where a failure can be reported: every table before Badger
// opens the store (Open), all of them again on demand (VerifyTables: before
// a backup, by a server every so often, by `emigraph verify`). Badger is
// told to check each block it reads (OnBlockRead), so that a block that
// went bad after the open is never decoded into an answer; the cost of
// each mode is in cmd/emigraph/BENCHMARKS.md.
const blockChecksums = options.OnBlockRead

// TableCheck is what verifyTables checked.
type TableCheck struct {
	Tables int   // tables checked
	Bytes  int64 // their size
	// Problems are the tables that failed, in file order.
	Problems []*CorruptError
}

// verifyTables checks every table the MANIFEST of dir lists: that it is
// there, that its index holds its checksum, and that every block does
// (decompressed, as Badger reads it). It reads the files as they are on
// disk, outside Badger's block cache, and only reads, with workers
// goroutines; a store being written may meanwhile drop a table (a
// compaction), which is skipped. An error is returned only when the
// MANIFEST itself cannot be read.
func verifyTables(dir string, opts bg.Options, workers int) (TableCheck, error) {
	var check TableCheck
	f, err := os.Open(filepath.Join(dir, bg.ManifestFilename))
	if errors.Is(err, os.ErrNotExist) {
		return check, nil // a new store
	}
	if err != nil {
		return check, err
	}
	manifest, _, err := bg.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
	f.Close()
	if err != nil {
		return check, &CorruptError{Path: filepath.Join(dir, bg.ManifestFilename), Err: err}
	}
	ids := make([]uint64, 0, len(manifest.Tables))
	for id := range manifest.Tables {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	var mu sync.Mutex
	work := make(chan uint64)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for id := range work {
				path := badgerfmt.TableFilename(id, dir)
				size, err := verifyTable(path, opts, manifest.Tables[id].Compression)
				mu.Lock()
				switch {
				case errors.Is(err, errTableGone):
				case err != nil:
					check.Problems = append(check.Problems, &CorruptError{Path: path, Err: err})
				default:
					check.Tables++
					check.Bytes += size
				}
				mu.Unlock()
			}
		})
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	sort.Slice(check.Problems, func(i, j int) bool { return check.Problems[i].Path < check.Problems[j].Path })
	return check, nil
}

// errTableGone: a table the MANIFEST listed was removed meanwhile (by a
// compaction of the open store, which rewrote the MANIFEST first).
var errTableGone = errors.New("the table is gone")

// verifyTable checks one table (see verifyTables) and returns its size.
func verifyTable(path string, opts bg.Options, compression options.CompressionType) (int64, error) {
	size, err := badgerfmt.CheckTable(path, opts.BlockSize, compression)
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(filepath.Join(filepath.Dir(path), bg.ManifestFilename)); serr == nil && !listed(path, opts) {
			return 0, errTableGone
		}
		return 0, errors.New("the MANIFEST lists it, and it is missing")
	}
	return size, err
}

// listed reports whether the MANIFEST of path's directory, read again,
// still lists the table at path.
func listed(path string, opts bg.Options) bool {
	f, err := os.Open(filepath.Join(filepath.Dir(path), bg.ManifestFilename))
	if err != nil {
		return true
	}
	defer f.Close()
	manifest, _, err := bg.ReplayManifestFile(f, opts.ExternalMagicVersion, opts)
	if err != nil {
		return true
	}
	id, ok := badgerfmt.TableID(path)
	if !ok {
		return true
	}
	_, ok = manifest.Tables[id]
	return ok
}

// checksumMode is Badger's mode for Options.Checksums.
func checksumMode(name string) options.ChecksumVerificationMode {
	switch name {
	case "none":
		return options.NoVerification
	case "table":
		return options.OnTableRead
	case "block":
		return options.OnBlockRead
	case "table+block":
		return options.OnTableAndBlockRead
	}
	return blockChecksums
}

// checkTablesAtOpen checks the tables of the store in dir before Badger
// opens it, and refuses a store with a table that fails, naming it.
func checkTablesAtOpen(dir string, opts bg.Options) error {
	// every core: nothing is served before the open ends
	check, err := verifyTables(dir, opts, runtime.GOMAXPROCS(0))
	if check.Bytes > 64<<20 {
		// each worker held a table's blocks decompressed (Badger's check
		// keeps them to its end): tens of MiB a server would carry
		debug.FreeOSMemory()
	}
	if err == nil && len(check.Problems) > 0 {
		err = check.Problems[0]
	}
	var corrupt *CorruptError
	if errors.As(err, &corrupt) {
		more := ""
		if n := len(check.Problems); n > 1 {
			more = fmt.Sprintf(" (and %d other files)", n-1)
		}
		return fmt.Errorf("%w%s; the store is not opened, so that nothing is answered from it wrong: restore a backup (emigraph restore), and see `emigraph verify --data %s` for every problem", err, more, dir)
	}
	return err
}

// VerifyTables checks every table of the open store as Open checks them
// (verifyTables), as they are on disk now, on one core (the store serves
// meanwhile). A table that fails is corruption the store then reports
// (Err) and acts on: it refuses reads and writes from then on. The error
// names the first table that failed.
func (s *Store) VerifyTables() (TableCheck, error) {
	if s.opts.InMemory {
		return TableCheck{}, nil
	}
	check, err := verifyTables(s.dir, s.opts, 1)
	var corrupt *CorruptError
	if err == nil && len(check.Problems) > 0 {
		err = check.Problems[0]
	}
	if errors.As(err, &corrupt) {
		return check, s.sawCorruption(corrupt)
	}
	return check, err
}
