package badger

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	bg "github.com/dgraph-io/badger/v4"

	"github.com/emigraph/emigraph/graph"
)

// FreeSpace reports how many bytes are free for new data in the file system
// of dir. Options.FreeSpace takes one, so that tests can fake a full disk.
type FreeSpace func(dir string) (int64, error)

// DefaultReserve is the free space a store keeps in its directory: writes
// are refused, and a store opened with less free is opened read-only.
//
// Badger writes its memtable's log, and the tables a flush or a compaction
// makes, through memory maps: on a full disk a write into a mapped page is
// not an error but a SIGBUS that kills the process (and, with the log left
// to replay, kills it again at every start). So writes must stop while
// there is room for what Badger still writes after the last one accepted,
// at its default options: the rest of the current memtable's log (up to 64
// MiB, the memtable size), the flush of that memtable into a table (up to
// 64 MiB), and a compaction, which writes its new tables before it deletes
// the old ones (128 MiB of headroom, two memtables' worth). 256 MiB in all.
const DefaultReserve = 256 << 20

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
		return noSpace(free, s.reserve, s.dir)
	}
	return nil
}

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
// drops them at its next writable open. The scan below is Badger's
// (logFile.iterate, safeRead.Entry in badger v4.9.6) for unencrypted logs;
// TestReadOnlyOpenAfterCrash holds the two together.
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

// Badger's log entry bits (value.go).
const (
	walHeaderSize = 20 // key id (8) and base IV (12)
	bitTxn        = 1 << 6
	bitFinTxn     = 1 << 7
)

// memtableLogEnd returns the offset after the last complete transaction of a
// memtable log, and the file's size.
func memtableLogEnd(name string) (end, size int64, err error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, 0, err
	}
	size = fi.Size()
	if size < walHeaderSize {
		return size, size, nil
	}
	if _, err := f.Seek(walHeaderSize, io.SeekStart); err != nil {
		return 0, 0, err
	}
	r := bufio.NewReaderSize(f, 1<<20)
	table := crc32.MakeTable(crc32.Castagnoli)
	offset, end := int64(walHeaderSize), int64(walHeaderSize)
	var lastCommit uint64
	var head []byte
	for {
		// header: meta, user meta, uvarints key length, value length, expiry
		head = head[:0]
		meta, err := r.ReadByte()
		if err != nil {
			break
		}
		userMeta, err := r.ReadByte()
		if err != nil {
			break
		}
		head = append(head, meta, userMeta)
		var lens [3]uint64
		bad := false
		for i := range lens {
			v, err := binary.ReadUvarint(r)
			if err != nil {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					bad = true
					break
				}
				return 0, 0, err // Badger fails the open on these too
			}
			lens[i] = v
			head = binary.AppendUvarint(head, v)
		}
		if bad || lens[0] > 1<<16 {
			break
		}
		kv := make([]byte, lens[0]+lens[1])
		if _, err := io.ReadFull(r, kv); err != nil {
			break
		}
		var crc [4]byte
		if _, err := io.ReadFull(r, crc[:]); err != nil {
			break
		}
		h := crc32.Update(crc32.Checksum(head, table), table, kv)
		if binary.BigEndian.Uint32(crc[:]) != h {
			break
		}
		if lens[0] == 0 { // a zero entry: the end of what was written
			break
		}
		offset += int64(len(head)) + int64(len(kv)) + 4
		key, value := kv[:lens[0]], kv[lens[0]:]
		switch {
		case meta&bitTxn != 0:
			if len(key) < 8 {
				return end, size, nil
			}
			ts := ^binary.BigEndian.Uint64(key[len(key)-8:]) // y.ParseTs
			if lastCommit == 0 {
				lastCommit = ts
			}
			if lastCommit != ts {
				return end, size, nil
			}
		case meta&bitFinTxn != 0:
			ts, err := strconv.ParseUint(string(value), 10, 64)
			if err != nil || lastCommit != ts {
				return end, size, nil
			}
			lastCommit = 0
			end = offset
		default:
			if lastCommit != 0 {
				return end, size, nil
			}
			end = offset
		}
	}
	return end, size, nil
}
