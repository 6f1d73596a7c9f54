package badgerfmt

import (
	"bufio"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"strconv"
)

// LogHeaderSize is the header of Badger's log files, the memtable logs
// (*.mem) and the value log (*.vlog) alike: a key id (8 bytes) and a base
// IV (12). A log no longer than it holds no entry.
const LogHeaderSize = 20

// The bits of a log entry's meta byte that mark transactions (value.go).
const (
	bitTxn    = 1 << 6
	bitFinTxn = 1 << 7
)

// MemtableLogEnd returns the offset after the last complete transaction of
// the unencrypted memtable log name, and the file's size: Badger's own
// scan (logFile.iterate and safeRead.Entry), which stops at the first entry
// that is cut short, fails its CRC, or is zero (a log is preallocated), and
// drops a transaction that has no end. Badger's writable open truncates a
// log there; its read-only open refuses a log with anything after it.
func MemtableLogEnd(name string) (end, size int64, err error) {
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
	if size < LogHeaderSize {
		return size, size, nil
	}
	if _, err := f.Seek(LogHeaderSize, io.SeekStart); err != nil {
		return 0, 0, err
	}
	end, err = scanLog(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return 0, 0, err
	}
	return end, size, nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logEntry is an entry of a log as scanLog reads it.
type logEntry struct {
	meta       byte
	key, value []byte
	size       int64 // on disk: header, key, value and CRC
}

// scanLog reads the entries after the header and returns the offset after
// the last complete transaction.
func scanLog(r *bufio.Reader) (int64, error) {
	offset, end := int64(LogHeaderSize), int64(LogHeaderSize)
	var lastCommit uint64
	for {
		e, ok, err := readLogEntry(r)
		if err != nil || !ok {
			return end, err
		}
		offset += e.size
		switch {
		case e.meta&bitTxn != 0:
			if len(e.key) < 8 {
				return end, nil
			}
			ts := ^binary.BigEndian.Uint64(e.key[len(e.key)-8:]) // y.ParseTs
			if lastCommit == 0 {
				lastCommit = ts
			}
			if lastCommit != ts {
				return end, nil
			}
		case e.meta&bitFinTxn != 0:
			ts, err := strconv.ParseUint(string(e.value), 10, 64)
			if err != nil || lastCommit != ts {
				return end, nil
			}
			lastCommit = 0
			end = offset
		default:
			if lastCommit != 0 {
				return end, nil
			}
			end = offset
		}
	}
}

// readLogEntry reads one entry: a header (meta, user meta, and uvarints of
// the key length, the value length and the expiry), the key and the value,
// then a CRC-32 (Castagnoli) of all of them. ok is false at the end of what
// was written; an error is one Badger fails the open on too.
func readLogEntry(r *bufio.Reader) (e logEntry, ok bool, err error) {
	var head []byte
	meta, err := r.ReadByte()
	if err != nil {
		return e, false, nil
	}
	userMeta, err := r.ReadByte()
	if err != nil {
		return e, false, nil
	}
	head = append(head, meta, userMeta)
	var lens [3]uint64
	for i := range lens {
		v, err := binary.ReadUvarint(r)
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return e, false, nil
		}
		if err != nil {
			return e, false, err
		}
		lens[i] = v
		head = binary.AppendUvarint(head, v)
	}
	if lens[0] > 1<<16 {
		return e, false, nil
	}
	kv := make([]byte, lens[0]+lens[1])
	if _, err := io.ReadFull(r, kv); err != nil {
		return e, false, nil
	}
	var crc [4]byte
	if _, err := io.ReadFull(r, crc[:]); err != nil {
		return e, false, nil
	}
	if binary.BigEndian.Uint32(crc[:]) != crc32.Update(crc32.Checksum(head, castagnoli), castagnoli, kv) {
		return e, false, nil
	}
	if lens[0] == 0 { // a zero entry: the end of what was written
		return e, false, nil
	}
	return logEntry{meta: meta, key: kv[:lens[0]], value: kv[lens[0]:], size: int64(len(head)) + int64(len(kv)) + 4}, true, nil
}
