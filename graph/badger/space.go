package badger

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
	"github.com/emigraph/emigraph/graph/badger/internal/badgerfmt"
)

// FreeSpace reports how many bytes are free for new data in the file system
// of dir. Options.FreeSpace takes one, so that tests can fake a full disk.
type FreeSpace func(dir string) (int64, error)

// DefaultReserve is the free space a store keeps in its directory at
// Badger's default options: MinReserve(Options{}), 526 MiB. Writes are
// refused with less free, and a store opened with less free is opened
// read-only.
const DefaultReserve = ((2+defaultL0Tables)*(defaultMemTable+defaultMemTable*15/100) + defaultBaseLevel + 1<<20 - 1) &^ (1<<20 - 1)

// Badger's defaults (bg.DefaultOptions), which DefaultReserve is computed
// from; TestDefaultReserve holds them together.
const (
	defaultMemTable  = 64 << 20
	defaultL0Tables  = 5
	defaultBaseLevel = 10 << 20
)

// MinReserve is the least free space a store opened with o must keep, and
// the reserve it keeps when Options.Reserve is 0: what Badger may still
// write after the last write it accepted, computed from the options it runs
// with (badgerOptions).
//
// Badger writes its memtable's log, and the tables a flush or a compaction
// makes, through memory maps of files it sizes first without allocating
// them: on a full disk a write into a mapped page is not an error but a
// SIGBUS that kills the process (and, with the log left to replay, kills it
// again at every start). So writes must stop while there is room for
//
//   - the rest of the current memtable: its log is full at MemTableSize, and
//     the batch that fills it may run past by up to Badger's largest batch
//     (15% of the memtable); then its flush into a level-0 table of as much;
//   - a compaction: Badger compacts level 0 once it holds NumLevelZeroTables
//     tables, all of them with what overlaps them in the base level (at most
//     BaseLevelSize), and writes the new tables (of BaseTableSize each) before
//     it deletes the old ones. A compaction between lower levels moves one
//     table and the ten or so below it that it overlaps (tables of
//     BaseTableSize doubling a level: 2 to 8 MiB up to hundreds of GiB),
//     less than that.
//
// The value log takes only values above ValueThreshold, from writes, which
// stop (no value-log garbage collection runs here). Rounded up to a MiB.
func MinReserve(o Options) int64 {
	opts := badgerOptions("", o)
	memtable := opts.MemTableSize + opts.MemTableSize*15/100
	n := 2*memtable + int64(opts.NumLevelZeroTables)*memtable + opts.BaseLevelSize
	return (n + 1<<20 - 1) &^ (1<<20 - 1)
}

// reserveOf is the reserve a store opened with o keeps: MinReserve(o) for
// 0, none for a negative one; a positive one under MinReserve is refused.
func reserveOf(o Options) (int64, error) {
	min := MinReserve(o)
	switch {
	case o.InMemory:
		return -1, nil
	case o.Reserve == 0:
		return min, nil
	case o.Reserve < 0:
		return -1, nil
	case o.Reserve < min:
		return 0, ReserveTooSmall(o.Reserve, o)
	}
	return o.Reserve, nil
}

// ReserveTooSmall is the error of a reserve under MinReserve(o), which
// says what the minimum is and why.
func ReserveTooSmall(reserve int64, o Options) error {
	opts := badgerOptions("", o)
	return graph.Errorf(graph.EINVALID, "a reserve of %s is less than the %s Badger may still write once writes are refused, at its options: "+
		"the rest of a %s memtable and its flush, and a compaction of %d level-0 tables into the base level (a full disk under Badger is a crash, SIGBUS, not an error); "+
		"keep %s or more free (--reserve), or use a smaller memtable (--memtable)",
		FormatBytes(reserve), FormatBytes(MinReserve(o)), FormatBytes(opts.MemTableSize), opts.NumLevelZeroTables, FormatBytes(MinReserve(o)))
}

// noSpace is the error of a write refused for want of free space.
func noSpace(free, reserve int64, dir string) *graph.Error {
	return graph.Errorf(graph.ENOSPACE, "no space left: %s free in %s, %s needed (the reserve, --reserve)",
		FormatBytes(free), dir, FormatBytes(reserve))
}

// FormatBytes writes a size in the largest binary unit that keeps it at
// least 1, with a decimal rounded down when it is not whole ("120 MiB",
// "23.9 MiB", "512 B"): a free space just under a reserve never reads as
// the reserve.
func FormatBytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	f, u := float64(n), 0
	for f >= 1024 && u < len(units)-1 {
		f /= 1024
		u++
	}
	if f == math.Trunc(f) {
		return fmt.Sprintf("%.0f %s", f, units[u])
	}
	return fmt.Sprintf("%.1f %s", math.Floor(f*10)/10, units[u])
}

// ParseBytes reads a size: a number of bytes, or a number with a unit
// (KiB, MiB, GiB, TiB, or KB, MB, GB, TB in powers of 1000; K, M, G, T as
// the binary ones).
func ParseBytes(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
		i++
	}
	num, unit := t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("%q is not a size (give bytes, or a number with KiB, MiB, GiB, KB, MB, GB)", s)
	}
	mult := map[string]float64{"": 1, "B": 1, "K": 1 << 10, "KIB": 1 << 10, "M": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GIB": 1 << 30,
		"T": 1 << 40, "TIB": 1 << 40, "KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12}[unit]
	if mult == 0 {
		return 0, fmt.Errorf("%q: unknown unit %q (use KiB, MiB, GiB, KB, MB or GB)", s, unit)
	}
	return int64(f * mult), nil
}

// checkSpace refuses a write when the store has failed or was found
// corrupt (Err), is read-only, or its directory has less free than the
// reserve. It is called before every write starts, and before each batch
// of a journaled one.
func (s *Store) checkSpace() error {
	if err := s.Err(); err != nil {
		return err
	}
	if s.readOnly != nil {
		return s.readOnly
	}
	if s.reserve <= 0 || s.opts.InMemory {
		return nil
	}
	free, err := s.freeSpace(s.dir)
	if err != nil {
		return nil // a file system that cannot tell: Badger's own errors stand
	}
	if free < s.reserve {
		if mountedReadOnly(s.dir) { // not full: it reports no room to anyone
			return readOnlyMount(s.dir)
		}
		return noSpace(free, s.reserve, s.dir)
	}
	return nil
}

// readOnlyMount is the error of a write into a store on a file system
// mounted read-only.
func readOnlyMount(dir string) *graph.Error {
	return graph.Errorf(graph.EINVALID, "%s is on a file system mounted read-only: nothing can be written there (remount it read-write, then restart)", dir)
}

// onReadOnlyMount opens a store on a file system mounted read-only for
// reading (a new one cannot be made there): it reports whether it is, and
// sets why writes are refused.
func (s *Store) onReadOnlyMount(dir string) (bool, error) {
	if !mountedReadOnly(dir) {
		return false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, bg.ManifestFilename)); err != nil {
		return false, graph.Errorf(graph.EINVALID, "%s is on a file system mounted read-only and holds no store: a new store cannot be made there", dir)
	}
	s.readOnly = graph.Errorf(graph.EINVALID, "%s; the store was opened read-only", readOnlyMount(dir).Message)
	return true, nil
}

// spaceCheckBytes is the most a journaled load writes between two checks
// of the reserve: Badger's largest batch (15% of the memtable), which
// MinReserve allows for past the last check.
func (s *Store) spaceCheckBytes() int64 { return s.opts.MemTableSize * 15 / 100 }

// size is what an operation writes, near enough: its key and value.
func (o op) size() int64 { return int64(len(o.key) + len(o.value)) }

// storeError turns the errors of Badger and the file system that a user
// can act on into domain errors: a full disk, and a write too large for
// one transaction. Another error may be Badger's internal failure, which
// it then returns (see noteWriteError).
func (s *Store) storeError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.As(err, new(*graph.Error)), errors.As(err, new(*graph.ValidationError)):
		return err
	case errors.Is(err, bg.ErrTxnTooBig):
		return graph.Errorf(graph.EINVALID, "the write is too large for one transaction (Badger's limit: %s of keys and values at these options); nothing was written: split it into smaller writes, or load it with `emigraph load`, which applies large writes in batches",
			FormatBytes(s.opts.MemTableSize*15/100))
	case errors.Is(err, syscall.EROFS):
		return graph.Errorf(graph.EINVALID, "%s (%v)", readOnlyMount(s.dir).Message, err)
	case errors.Is(err, syscall.ENOSPC):
		free, _ := s.freeSpace(s.dir)
		return graph.Errorf(graph.ENOSPACE, "no space left: the disk of %s filled during the write (%s free); nothing was written: free space and retry (%v)",
			s.dir, FormatBytes(free), err)
	}
	if failure := s.noteWriteError(err); failure != nil {
		return failure
	}
	return err
}

// trimMemtableLogs cuts the memtable logs (*.mem) of a store that was not
// closed (a crash, a kill) at the end of their last complete transaction,
// as Badger itself does when it opens a store for writing. Badger's
// read-only mode refuses a log with anything after that end ("Log truncate
// required"), and a log left by a crash always has: it is preallocated at
// twice the memtable size. Nothing is lost: Badger ignores those bytes and
// drops them at its next writable open. The scan is Badger's
// (badgerfmt.MemtableLogEnd) for unencrypted logs; TestReadOnlyOpenAfterCrash
// holds the two together.
//
// It changes the files of the store: the caller holds the store's lock,
// exclusive (another reader may have the logs mapped; see lockForOpen).
func trimMemtableLogs(dir string) error {
	mems, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return err
	}
	for _, name := range mems {
		end, size, err := memtableLogEnd(name)
		if err != nil {
			return fmt.Errorf("reading the memtable log %s: %w", name, err)
		}
		if end < size {
			if err := os.Truncate(name, end); err != nil {
				return err
			}
		}
	}
	return nil
}

// memtableLogsToCut reports whether a memtable log of the store in dir has
// bytes after its last complete transaction (trimMemtableLogs would cut
// it). It only reads.
func memtableLogsToCut(dir string) (bool, error) {
	mems, err := filepath.Glob(filepath.Join(dir, "*.mem"))
	if err != nil {
		return false, err
	}
	for _, name := range mems {
		end, size, err := memtableLogEnd(name)
		if err != nil {
			return false, fmt.Errorf("reading the memtable log %s: %w", name, err)
		}
		if end < size {
			return true, nil
		}
	}
	return false, nil
}

// memtableLogEnd returns the offset after the last complete transaction of a
// memtable log, and the file's size (package badgerfmt reads Badger's log
// format).
func memtableLogEnd(name string) (end, size int64, err error) { return badgerfmt.MemtableLogEnd(name) }
