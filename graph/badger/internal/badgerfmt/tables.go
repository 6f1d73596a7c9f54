package badgerfmt

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	bg "github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/pb"
	"github.com/dgraph-io/badger/v4/table"
	"github.com/dgraph-io/badger/v4/y"
	"github.com/dgraph-io/ristretto/v2/z"
	"google.golang.org/protobuf/proto"
)

// Tables writes the SSTables of a new database itself, with Badger's table
// builder, and then a MANIFEST in Badger's format that puts every table at
// the last level, as Badger's StreamWriter records sorted data.
type Tables struct {
	dir    string
	opts   bg.Options
	topts  table.Options
	lastID atomic.Uint64

	mu  sync.Mutex
	ids []uint64
	// bufs are the buffers tables are written from, kept for the next
	// tables: fresh memory is slow to touch the first time, and a sync.Pool
	// would drop them at each collection
	bufs []*[]byte
}

// NewTables writes into dir, a new empty directory, the tables of a
// database that opts (as it will be opened, Dir aside) describe.
func NewTables(dir string, opts bg.Options) *Tables {
	return &Tables{dir: dir, opts: opts, topts: table.Options{
		TableSize:            8 << 20,
		BlockSize:            opts.BlockSize,
		BloomFalsePositive:   opts.BloomFalsePositive,
		ChkMode:              opts.ChecksumVerificationMode,
		Compression:          opts.Compression,
		ZSTDCompressionLevel: opts.ZSTDCompressionLevel,
		// table builders take their memory from a pool, not fresh for every table
		AllocPool: z.NewAllocatorPool(runtime.GOMAXPROCS(0)),
	}}
}

// Family returns the sink of a new family: the families of a database are
// written at the same time, each through its own sink, and no two overlap.
func (t *Tables) Family() *TableSink {
	return &TableSink{t: t, b: table.NewTableBuilder(t.topts)}
}

// Finish writes the MANIFEST, listing the tables written.
func (t *Tables) Finish() error {
	defer t.topts.AllocPool.Release()
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := append([]uint64(nil), t.ids...)
	slices.Sort(ids)
	return writeManifest(t.dir, ids, t.opts)
}

// Abort releases the table builders' memory; what was written is for the
// caller to remove.
func (t *Tables) Abort() { t.topts.AllocPool.Release() }

// TableSink writes a family's keys, which come in increasing order (the
// caller checks), into tables of at most 8 MiB, every key at version 1
// with its value inline.
type TableSink struct {
	t   *Tables
	b   *table.Builder
	key []byte
	ids []uint64
}

// Add writes a key and its value.
func (s *TableSink) Add(k, value []byte) error {
	// keys carry Badger's version suffix: version 1, as if written by the
	// first transaction
	s.key = append(append(s.key[:0], k...), versionOne[:]...)
	s.b.Add(s.key, y.ValueStruct{Value: value}, 0)
	if s.b.ReachedCapacity() {
		return s.finishTable()
	}
	return nil
}

func (s *TableSink) finishTable() error {
	if s.b.Empty() {
		return nil
	}
	id := s.t.lastID.Add(1)
	buf := s.t.takeBuf()
	err := writeTable(table.NewFilename(id, s.t.dir), s.b, buf)
	s.t.giveBuf(buf)
	if err != nil {
		return err
	}
	s.ids = append(s.ids, id)
	s.b.Close()
	s.b = table.NewTableBuilder(s.t.topts)
	return nil
}

// Done writes the family's last table; the family is then complete.
func (s *TableSink) Done() error {
	err := s.finishTable()
	s.b.Close()
	if err == nil {
		s.t.mu.Lock()
		s.t.ids = append(s.t.ids, s.ids...)
		s.t.mu.Unlock()
	}
	return err
}

// Abandon drops what the sink holds, after an error.
func (s *TableSink) Abandon() { s.b.Close() }

func (t *Tables) takeBuf() *[]byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	if n := len(t.bufs); n > 0 {
		buf := t.bufs[n-1]
		t.bufs = t.bufs[:n-1]
		return buf
	}
	return new([]byte)
}

func (t *Tables) giveBuf(buf *[]byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.bufs = append(t.bufs, buf)
}

// versionOne is the suffix Badger puts after a key written at version 1:
// the version subtracted from the largest uint64, big-endian (y.KeyWithTs).
var versionOne = func() (b [8]byte) {
	binary.BigEndian.PutUint64(b[:], math.MaxUint64-1)
	return b
}()

// writeTable writes a built table to a new file, as table.CreateTable does
// but through write(2) from a reused buffer rather than into a fresh memory
// map (every page of which costs a fault), and without opening it: Badger
// opens it with the database.
func writeTable(name string, b *table.Builder, buf *[]byte) error {
	data := b.Done()
	if cap(*buf) < data.Size {
		*buf = make([]byte, data.Size)
	}
	out := (*buf)[:data.Size]
	if n := data.Copy(out); n != data.Size {
		return fmt.Errorf("bulk load: table of %d bytes copied as %d", data.Size, n)
	}
	return createSynced(name, out)
}

// createSynced writes a new file and syncs it: the rename that makes the
// database visible must not find it half on disk after a crash.
func createSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeManifest writes the MANIFEST of a database whose tables are ids, all
// at the last level: what Badger's own StreamWriter records when it writes
// sorted data there. The format is Badger's (manifest.go, version 8):
// "Bdgr", the external and Badger's magic versions, then change sets, each
// its length, its CRC-32 (Castagnoli) and the protocol buffer.
func writeManifest(dir string, ids []uint64, opts bg.Options) error {
	changes := make([]*pb.ManifestChange, len(ids))
	for i, id := range ids {
		changes[i] = &pb.ManifestChange{Id: id, Op: pb.ManifestChange_CREATE, Level: uint32(opts.MaxLevels - 1),
			EncryptionAlgo: pb.EncryptionAlgo_aes, Compression: uint32(opts.Compression)}
	}
	set, err := proto.Marshal(&pb.ManifestChangeSet{Changes: changes})
	if err != nil {
		return err
	}
	buf := make([]byte, 0, 16+len(set))
	buf = append(buf, "Bdgr"...)
	buf = binary.BigEndian.AppendUint16(buf, opts.ExternalMagicVersion)
	buf = binary.BigEndian.AppendUint16(buf, badgerManifestVersion)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(set)))
	buf = binary.BigEndian.AppendUint32(buf, crc32.Checksum(set, castagnoli))
	buf = append(buf, set...)
	return createSynced(filepath.Join(dir, bg.ManifestFilename), buf)
}

// badgerManifestVersion is the MANIFEST version of the Badger this package
// was written against (BadgerVersion).
const badgerManifestVersion = 8
